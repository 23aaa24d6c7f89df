"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CSGEN_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
SAMPLE = REPO_ROOT / "examples" / "sample"
SHARED_XQUAD = SHARED / "xquad" / "xquad.en.json"
SHARED_MUSE = SHARED / "muse" / "en-de.txt"
SAMPLE_XQUAD = SAMPLE / "xquad-en.parquet"
SAMPLE_MUSE = SAMPLE / "en-de.txt"
# ML-CS in the benchmarks: six languages of four scripts, each with a MUSE file in
# ../shared/data/muse (a clone without it falls back to the sample's de, es, ar).
ML_LANGS = ("de", "ar", "ru", "es", "zh", "vi")


def muse_path(lang: str) -> Path | None:
    """MUSE ``en-LANG.txt`` from the shared data, else the sample's slice, else None."""
    for folder in (SHARED / "muse", SAMPLE):
        path = folder / f"en-{lang}.txt"
        if path.is_file():
            return path
    return None


def import_csgen() -> ModuleType:
    """Import the installed csgen.

    Run as ``python -m benchmarks.bench_switch`` from the repository root, the
    source tree's ``csgen/`` (which has no compiled ``_core``) shadows the
    installed package; in that case the repository root is dropped from
    ``sys.path`` and the import retried.
    """
    try:
        return importlib.import_module("csgen")
    except ImportError:
        for name in [m for m in sys.modules if m == "csgen" or m.startswith("csgen.")]:
            del sys.modules[name]
        root = REPO_ROOT.resolve()
        sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != root]
        return importlib.import_module("csgen")


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls of ``fn`` and the last result."""
    best = float("inf")
    result: Any = None
    for _ in range(repeat):
        result = None  # free the previous output before the next run
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result

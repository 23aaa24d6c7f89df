"""Replays fuzzer findings and seeds through the fuzz harness checks (no atheris needed).

Every file in ``tests/data/regression/`` is an input that once crashed a fuzz target or
broke one of its invariants; its name says which target (``<target>-<what>.bin``). Each is
fed to ``fuzz/harness.py``'s check for that target, which asserts the same invariants the
fuzzers do (offsets, UTF-8, byte-exact copies, typed errors only). The seed corpora
(``fuzz/corpus/<target>/``) are replayed too, so the harnesses themselves stay in step with
csgen when atheris is not installed.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
REGRESSION = REPO / "tests" / "data" / "regression"
CORPUS = REPO / "fuzz" / "corpus"


def _load_harness() -> ModuleType:
    # fuzz/ is not a package of csgen: load the harness by path, as the fuzzers do.
    spec = importlib.util.spec_from_file_location("csgen_fuzz_harness",
                                                  REPO / "fuzz" / "harness.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


harness = _load_harness()


def _files(folder: Path) -> list[Path]:
    return list(harness.iter_files(folder)) if folder.is_dir() else []


def _check_of(target: str) -> Callable[[bytes], None]:
    assert target in harness.TARGETS, f"unknown fuzz target {target!r}"
    return harness.TARGETS[target]


@pytest.mark.parametrize("path", _files(REGRESSION), ids=lambda p: p.name)
def test_regression_input_passes_its_harness(path: Path) -> None:
    """A saved finding no longer crashes and keeps every invariant of its target."""
    _check_of(path.name.split("-", 1)[0])(path.read_bytes())


def test_every_regression_file_names_a_target() -> None:
    """A misnamed file would silently replay nothing useful: names must be <target>-*."""
    files = _files(REGRESSION)
    assert files, "tests/data/regression/ holds the fuzzers' findings; it should not be empty"
    for path in files:
        assert path.name.split("-", 1)[0] in harness.TARGETS, path.name


@pytest.mark.parametrize("target", sorted(harness.TARGETS))
def test_seed_corpus_passes_its_harness(target: str) -> None:
    """Every seed of fuzz/corpus/<target>/ passes the target's checks."""
    seeds = _files(CORPUS / target)
    assert seeds, f"fuzz/corpus/{target}/ has no seeds"
    check = _check_of(target)
    for path in seeds:
        check(path.read_bytes())

"""Shared fixtures. Tests run against the installed package (``pip install .``)."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

try:
    import csgen._core  # noqa: F401
except ImportError as e:  # pragma: no cover - set-up mistake, not a test failure
    raise pytest.UsageError(
        f"csgen's compiled core is not importable ({e}); install the package first: "
        "pip install '.[test]'"
    ) from e

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "examples" / "sample"
DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(os.environ.get("CSGEN_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared_file(*parts: str) -> Path:
    """A file of ../shared/data, or skip the test saying which one is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the real data sets beside the repository; CI has them)")
    return path


@pytest.fixture(scope="session")
def sample_table() -> pa.Table:
    """240 XQuAD English questions with their contexts (examples/sample)."""
    return pq.read_table(SAMPLE / "xquad-en.parquet")


@pytest.fixture(scope="session")
def sample_de():
    import csgen

    return csgen.Lexicon.from_muse(SAMPLE / "en-de.txt")


@pytest.fixture(scope="session")
def shared():
    """``shared("muse", "en-de.txt")``: a path in ../shared/data, or skip the test."""
    return shared_file

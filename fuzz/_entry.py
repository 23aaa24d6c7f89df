"""Shared atheris entry point: ``run(target)`` fuzzes ``harness.TARGETS[target]``.

csgen and the harness are imported under ``atheris.instrument_imports`` so that their
Python branches give coverage feedback. The C++ core is not coverage-instrumented (atheris
needs clang's ``-fsanitize=fuzzer-no-link``; the project builds with gcc), so inputs reach
it through structure-aware harnesses, the seed corpus and ``csgen.dict``.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["csgen", "harness"]):
    import harness


def run(target: str) -> None:
    """Hand argv (corpus folders, libFuzzer flags) to atheris and fuzz ``target``."""
    check = harness.TARGETS[target]
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()

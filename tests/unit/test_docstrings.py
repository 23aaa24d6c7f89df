"""The examples in public docstrings run and give what they show."""

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["csgen", "csgen.config", "csgen.lexicon.core", "csgen.switch",
                                    "csgen.steps", "csgen.polars", "csgen.aligned.corpus",
                                    "csgen._rng", "csgen.io.files", "csgen.io.readers.base",
                                    "csgen.stats"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0

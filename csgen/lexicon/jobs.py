"""Moved to :mod:`csgen.lexicon_jobs` (it needs the dataset readers and the switcher,
which sit above the lexicon library); this name keeps the old imports working."""

import sys

from .. import lexicon_jobs as _moved

sys.modules[__name__] = _moved

"""Moved to :mod:`csgen.lexicon.readers`; this name keeps the old imports working (the
same module object, private names and patching included)."""

import sys

from . import readers as _moved

sys.modules[__name__] = _moved

"""Moved to :mod:`csgen.lexicon.readers.freedict`; this name keeps the old imports working (the
same module object, private names and patching included)."""

import sys

from .readers import freedict as _moved

sys.modules[__name__] = _moved

"""Moved to :mod:`csgen.lexicon.readers.aligned`; this name keeps the old imports working (the
same module object, private names and patching included)."""

import sys

from .readers import aligned as _moved

sys.modules[__name__] = _moved

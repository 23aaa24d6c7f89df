"""Moved to :mod:`csgen.spans.subword`; this name keeps the old imports working (the same
module object, private names and patching included)."""

import sys

from .spans import subword as _moved

sys.modules[__name__] = _moved

"""Moved to :mod:`csgen.spans.qa`; this name keeps the old imports working (the same
module object, private names and patching included)."""

import sys

from .spans import qa as _moved

sys.modules[__name__] = _moved

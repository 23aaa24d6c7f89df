"""csgen: fast, reproducible artificial code-switching of text datasets.

>>> import csgen, pyarrow as pa
>>> lex = csgen.Lexicon.from_pairs(["house"], ["Haus"], lang="de")
>>> csgen.switch_table(pa.table({"q": ["a house"]}), lex, ["q"], ratio=1.0)["q"][0].as_py()
'a Haus'
"""

from ._version import __version__

try:
    from . import _core  # noqa: F401  (the compiled C++ core, built by pip install)
except ImportError as _error:  # pragma: no cover - exercised in a subprocess by the tests
    from ._missing_core import core_import_error

    raise core_import_error(__path__[0], _error) from None

from .config import SwitchConfig
from .errors import CsgenError
from .lexicon import Lexicon
from .switch import SwitchedColumn, Switcher, SwitchStats, switch_table

__all__ = [
    "CsgenError",
    "Lexicon",
    "SwitchConfig",
    "SwitchStats",
    "SwitchedColumn",
    "Switcher",
    "__version__",
    "switch_table",
]

"""csgen: fast, reproducible artificial code-switching of text datasets.

>>> import csgen, pyarrow as pa
>>> lex = csgen.Lexicon.from_pairs(["house"], ["Haus"], lang="de")
>>> csgen.switch_table(pa.table({"q": ["a house"]}), lex, ["q"], ratio=1.0)["q"][0].as_py()
'a Haus'

``import csgen`` is light: the API below (and the compiled core, pyarrow and numpy behind
it) is imported on first use of a name (PEP 562), so ``csgen --help`` and
``csgen.__version__`` pay for none of it.
"""

from __future__ import annotations

import importlib
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from ._version import __version__

# A checkout that was never built is found here, at ``import csgen``, without loading the
# core (find_spec only looks for the file): one line saying what to do, not a traceback
# from deep inside the first module that needs it.
if find_spec(f"{__name__}._core") is None:  # pragma: no cover - exercised in a subprocess
    from ._missing_core import core_import_error

    raise core_import_error(__path__[0], ImportError("no module csgen._core")) from None

from .errors import CsgenError  # light: no third-party import

if TYPE_CHECKING:
    from .config import SwitchConfig
    from .lexicon import Lexicon
    from .switch import SwitchedColumn, Switcher, SwitchStats, switch_table

#: public name -> the module that defines it, imported on first access
_LAZY = {
    "Lexicon": "csgen.lexicon",
    "SwitchConfig": "csgen.config",
    "SwitchStats": "csgen.switch",
    "SwitchedColumn": "csgen.switch",
    "Switcher": "csgen.switch",
    "switch_table": "csgen.switch",
}

#: submodules ``import csgen`` used to import, still reachable as attributes after it alone
#: (``csgen.lexicon.load_lexicon``): imported on first access too
_SUBMODULES = ("_arrow", "_validate", "config", "lexicon", "switch")

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


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        if name not in ("_validate", "config"):  # light; the others need the core
            _load_core()
        return importlib.import_module(f"{__name__}.{name}")  # sets the attribute itself
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if module != "csgen.config":
        _load_core()
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def _load_core() -> None:
    """Import the compiled core; a core that is there but does not load (a stale or
    foreign build) becomes the same one-line ImportError ``import csgen`` gave before."""
    try:
        # not `from . import _core`: that asks hasattr(csgen, "_core") first, which would
        # come back to __getattr__
        importlib.import_module(f"{__name__}._core")
    except ImportError as error:
        from ._missing_core import core_load_error

        raise core_load_error(__path__[0], error) from None

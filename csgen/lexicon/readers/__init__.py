"""Lexicon sources, one module per format behind a registry: ``muse`` and ``tsv``
(:mod:`.pairs`), ``wikititles``, ``freedict`` (dictd files), ``aligned`` (a word-aligned
corpus). :func:`read_lexicon` reads any of them; readers are imported when used."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

from ...errors import ConfigError
from .._text import parse_file
from ..core import Lexicon
from .pairs import read_pairs
from .wikititles import WIKITITLES_SEPARATOR, read_wikititles, wikititles_langs

__all__ = ["FORMATS", "WIKITITLES_SEPARATOR", "parse_file", "read_lexicon", "read_pairs",
           "read_wikititles", "wikititles_langs"]

#: format -> (module, function, whether it takes ``skip_bad``)
_READERS: dict[str, tuple[str, str, bool]] = {
    "muse": ("pairs", "read_pairs", True),
    "tsv": ("pairs", "read_pairs", True),
    "freedict": ("freedict", "read_freedict", False),
    "wikititles": ("wikititles", "read_wikititles", True),
    "aligned": ("aligned", "read_aligned_path", True),
}
FORMATS = tuple(_READERS)


def read_lexicon(path: str | Path, fmt: str, *, lang: str | None = None,
                 skip_bad: bool = False) -> Lexicon:
    """Read one source file of any supported format (:data:`FORMATS`)."""
    if fmt not in _READERS:
        raise ConfigError(f"unknown lexicon format {fmt!r}; use one of {', '.join(FORMATS)}")
    module, name, takes_skip = _READERS[fmt]
    reader: Callable[..., Lexicon] = getattr(import_module(f"{__name__}.{module}"), name)
    options: dict[str, Any] = {"lang": lang}
    if takes_skip:
        options["skip_bad"] = skip_bad
    if fmt in ("muse", "tsv"):
        return reader(path, fmt, **options)
    return reader(path, **options)

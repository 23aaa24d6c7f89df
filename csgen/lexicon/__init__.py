"""Lexicons: reading sources, compiling, ``.csglex`` files, induction."""

from .core import ENTRY_SCHEMA, Lexicon, compile_lexicons, lang_from_path, langs_from_path
from .readers import FORMATS, read_lexicon
from .store import load_lexicon

__all__ = [
    "ENTRY_SCHEMA",
    "FORMATS",
    "Lexicon",
    "compile_lexicons",
    "lang_from_path",
    "langs_from_path",
    "load_lexicon",
    "read_lexicon",
]

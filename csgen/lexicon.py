"""Bilingual lexicons: source phrases with their translations.

A :class:`Lexicon` keeps its entries as Arrow arrays (``source``,
``target``, ``lang``, ``weight`` and the file ``line`` of each entry) and a
compiled C++ form used by the switcher. Parsing and compiling run in C++ with
the GIL released; a 100k-line MUSE file loads in tens of milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import _core
from ._arrow import column_buffers
from .errors import (
    ConfigError,
    CsgenError,
    EmptyLexiconError,
    LexiconReadError,
    from_core,
)

_LANG_CODE = re.compile(r"^[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?$")


def lang_from_path(path: str | Path) -> str:
    """Target language of a lexicon file named ``SRC-TGT.*`` (MUSE style).

    >>> lang_from_path("dicts/en-de.0-5000.txt")
    'de'
    """
    stem = Path(path).name.split(".", 1)[0]
    parts = stem.split("-")
    if len(parts) == 2 and all(_LANG_CODE.match(p) for p in parts):
        return parts[1]
    raise ConfigError(
        f"cannot tell the language of lexicon {str(path)!r} from its name (expected SRC-TGT.txt,"
        " e.g. en-de.txt); give it explicitly: --lexicon de=PATH or Lexicon.from_muse(path, lang=)"
    )


class Lexicon:
    """Entries of one or more languages, immutable once made.

    ``table`` columns: ``source: string``, ``target: string``,
    ``lang: string``, ``weight: float64``, ``line: int64`` (1-based line in
    ``path``, or the entry index for in-memory lexicons).

    Example:
        >>> lex = Lexicon.from_pairs(["house", "New York"], ["Haus", "Neu York"], lang="de")
        >>> lex.lookup("HOUSE")
        [('de', 'Haus', 1.0)]
    """

    def __init__(self, table: pa.Table, name: str, *, path: str | None = None) -> None:
        self.table = table
        self.name = name
        self.path = path
        self._compiled: Any = None
        self._langs: tuple[str, ...] = tuple(
            dict.fromkeys(pc.unique(table.column("lang")).to_pylist())
        )
        self.compiled()  # validate now: a bad entry fails at load, naming its line

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def from_muse(cls, path: str | Path, lang: str | None = None) -> Lexicon:
        """Load a MUSE dictionary: one ``source target`` pair per line (white space
        separated; a TAB-separated line may hold multi-word phrases). Several lines per
        source word keep their order as rank. ``lang`` defaults to the file name's
        target (``en-de.txt`` -> ``de``)."""
        path = Path(path)
        lang = lang or lang_from_path(path)
        try:
            data = path.read_bytes()
        except OSError as e:
            reason = e.strerror or e
            raise LexiconReadError(f"cannot read lexicon {str(path)!r}: {reason}") from None
        try:
            parsed = _core.parse_pairs(data)
        except _core.CoreError as e:
            raise from_core(e, lexicon_path=path) from None
        n = len(parsed["line"])
        if n == 0:
            raise EmptyLexiconError("no entries", path)
        source = _packed_strings(parsed["source_offsets"], parsed["source_data"])
        target = _packed_strings(parsed["target_offsets"], parsed["target_data"])
        table = pa.table(
            {
                "source": source,
                "target": target,
                "lang": pa.DictionaryArray.from_arrays(
                    pa.array(np.zeros(n, dtype=np.int32)), pa.array([lang])
                ).cast(pa.string()),
                "weight": pa.array(np.ones(n)),
                "line": pa.array(parsed["line"]),
            }
        )
        return cls(table, name=path.name, path=str(path))

    @classmethod
    def from_pairs(
        cls,
        sources: Sequence[str] | pa.Array,
        targets: Sequence[str] | pa.Array,
        lang: str | Sequence[str],
        weights: Sequence[float] | None = None,
        name: str = "<memory>",
    ) -> Lexicon:
        """Build from parallel sequences (lists or Arrow arrays) of phrases."""
        source = pa.array(sources, type=pa.string())
        target = pa.array(targets, type=pa.string())
        n = len(source)
        if len(target) != n:
            raise ConfigError(f"{n} sources but {len(target)} targets")
        langs = pa.array([lang] * n if isinstance(lang, str) else lang, type=pa.string())
        weight = pa.array(np.ones(n) if weights is None else weights, type=pa.float64())
        if len(langs) != n or len(weight) != n:
            raise ConfigError("lang and weights must have one value per entry")
        if n == 0:
            raise EmptyLexiconError("no entries", name)
        table = pa.table(
            {
                "source": source,
                "target": target,
                "lang": langs,
                "weight": weight,
                "line": pa.array(np.arange(1, n + 1)),
            }
        )
        return cls(table, name=name)

    # -- access ------------------------------------------------------------------------------
    @property
    def langs(self) -> tuple[str, ...]:
        """Target languages, in order of first appearance."""
        return self._langs

    def __len__(self) -> int:
        return self.table.num_rows

    def __repr__(self) -> str:
        return f"Lexicon({self.name!r}, langs={list(self.langs)}, entries={len(self)})"

    def compiled(self) -> Any:
        """The compiled C++ lexicon (built once, then shared)."""
        if self._compiled is None:
            self._compiled = compile_lexicons([self], self.langs)
        return self._compiled

    def lookup(self, phrase: str, *, keep_identity: bool = True) -> list[tuple[str, str, float]]:
        """Translations of ``phrase`` (case-folded like text) as (lang, target, weight)."""
        return [
            (self.langs[lang], target, weight)
            for lang, target, weight, identity in self.compiled().lookup(phrase)
            if keep_identity or not identity
        ]


def _packed_strings(offsets: np.ndarray, data: np.ndarray) -> pa.Array:
    return pa.Array.from_buffers(
        pa.string(), len(offsets) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def compile_lexicons(lexicons: Sequence[Lexicon], langs: Sequence[str]) -> Any:
    """Compile several lexicons into one C++ lexicon; language ids index ``langs``.

    Entries are taken in the order given (earlier lexicons first), so ``first``
    candidate choice follows file order. Errors name the file and line.
    """
    lang_ids = {lang: i for i, lang in enumerate(langs)}
    if len(lang_ids) > 64:
        raise ConfigError(f"at most 64 languages can be combined, got {len(lang_ids)}")
    entries = pa.concat_tables([lex.table for lex in lexicons]).combine_chunks()
    source = entries.column("source").chunk(0)
    target = entries.column("target").chunk(0)
    lookup = pa.array(list(langs), type=pa.string())
    lang = pc.index_in(entries.column("lang"), value_set=lookup).to_numpy()
    lang = np.ascontiguousarray(lang, dtype=np.int32)
    weight = np.ascontiguousarray(entries.column("weight").to_numpy(), dtype=np.float64)
    try:
        return _core.CompiledLexicon.build(
            column_buffers(source), column_buffers(target), lang, weight, len(lang_ids)
        )
    except _core.CoreError as e:
        raise _entry_error(e, lexicons) from None


def _entry_error(err: BaseException, lexicons: Sequence[Lexicon]) -> CsgenError:
    """Name the file and line of the entry a core error is about."""
    index = err.args[2]
    for lex in lexicons:
        if 0 <= index < len(lex):
            line = lex.table.column("line")[index].as_py()
            return from_core(err, lexicon_path=lex.path or lex.name, lexicon_line=line)
        index -= len(lex)
    return from_core(err, lexicon_path=", ".join(lex.path or lex.name for lex in lexicons))


def load_lexicon(spec: str | Path) -> Lexicon:
    """Load a lexicon named on the command line: ``PATH`` (language from the file
    name, ``en-de.txt`` -> ``de``) or ``LANG=PATH``. Files are MUSE dictionaries."""
    text = str(spec)
    lang, sep, rest = text.partition("=")
    if sep and _LANG_CODE.match(lang) and rest:
        return Lexicon.from_muse(rest, lang=lang)
    return Lexicon.from_muse(text)

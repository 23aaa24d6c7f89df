"""Bilingual lexicons: source phrases with their translations.

A :class:`Lexicon` keeps its entries as Arrow arrays (``source``,
``target``, ``lang``, ``weight`` and the file ``line`` of each entry) and a
compiled C++ form used by the switcher. Parsing and compiling run in C++ with
the GIL released; a 100k-line MUSE file loads in tens of milliseconds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import _core
from .._arrow import column_buffers
from ..errors import (
    ConfigError,
    CsgenError,
    EmptyLexiconError,
    from_core,
)
from ._text import no_entries, parse_file, provenance

_LANG_CODE = re.compile(r"^[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?$")


def langs_from_path(path: str | Path) -> tuple[str, str] | None:
    """``(source, target)`` languages of a file named ``SRC-TGT.*`` (MUSE style), or None.

    >>> langs_from_path("dicts/en-de.0-5000.txt")
    ('en', 'de')
    """
    stem = Path(path).name.split(".", 1)[0]
    parts = stem.split("-")
    if len(parts) == 2 and all(_LANG_CODE.match(p) for p in parts):
        return parts[0], parts[1]
    return None


def lang_from_path(path: str | Path) -> str:
    """Target language of a lexicon file named ``SRC-TGT.*``.

    >>> lang_from_path("dicts/en-de.0-5000.txt")
    'de'
    """
    langs = langs_from_path(path)
    if langs is None:
        raise ConfigError(
            f"cannot tell the language of lexicon {str(path)!r} from its name (expected "
            "SRC-TGT.txt, e.g. en-de.txt); give it explicitly: --lexicon de=PATH or lang="
        )
    return langs[1]


ENTRY_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("target", pa.string()),
        ("lang", pa.string()),
        ("weight", pa.float64()),
        ("line", pa.int64()),
    ]
)


class Lexicon:
    """Entries of one or more target languages, immutable once made.

    ``table`` has :data:`ENTRY_SCHEMA`: ``source``, ``target``, ``lang``
    (target language), ``weight`` (> 0) and ``line`` (1-based line in the
    file the entry came from, or its index for in-memory lexicons). Entry
    order is rank order: ``first`` candidate choice takes the earliest.
    ``source_lang`` is the language of the source side (``en`` for MUSE
    ``en-de.txt``); ``provenance`` lists where the entries came from.

    Example:
        >>> lex = Lexicon.from_pairs(["house", "New York"], ["Haus", "Neu York"], lang="de")
        >>> lex.lookup("HOUSE")
        [('de', 'Haus', 1.0)]
    """

    def __init__(
        self,
        table: pa.Table,
        name: str,
        *,
        path: str | None = None,
        source_lang: str | None = None,
        provenance: Sequence[dict[str, Any]] = (),
    ) -> None:
        if not table.schema.equals(ENTRY_SCHEMA):
            table = table.select(ENTRY_SCHEMA.names).cast(ENTRY_SCHEMA)
        self.table = table
        self.name = name
        self.path = path
        self.source_lang = source_lang
        self.provenance: tuple[dict[str, Any], ...] = tuple(provenance)
        self._compiled: Any = None
        self._langs: tuple[str, ...] = tuple(
            dict.fromkeys(pc.unique(table.column("lang")).to_pylist())
        )
        if table.num_rows == 0:
            raise EmptyLexiconError("no entries", path or name)
        self.compiled()  # validate now: a bad entry fails at load, naming its line

    def __getstate__(self) -> dict[str, Any]:
        # The compiled C++ index is not picklable; a worker process rebuilds it (milliseconds).
        state = self.__dict__.copy()
        state["_compiled"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def fingerprint(self) -> str:
        """BLAKE2b-128 hex digest of the entries (source, target, lang, weight, in order):
        equal for equal lexicons whatever file or format they came from."""
        sink = pa.BufferOutputStream()
        table = self.table.select(["source", "target", "lang", "weight"])
        table = table.cast(pa.schema([(n, pa.large_string() if n != "weight" else pa.float64())
                                      for n in table.schema.names]))
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table.combine_chunks())
        return hashlib.blake2b(sink.getvalue().to_pybytes(), digest_size=16).hexdigest()

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def from_entries(
        cls,
        source: pa.Array,
        target: pa.Array,
        lang: str | pa.Array,
        *,
        weight: np.ndarray | pa.Array | None = None,
        line: np.ndarray | pa.Array | None = None,
        name: str,
        path: str | None = None,
        source_lang: str | None = None,
        provenance: Sequence[dict[str, Any]] = (),
    ) -> Lexicon:
        """Build from Arrow string arrays (borrowed, not copied) of equal length.

        ``lang``: one target language for all entries, or a string array;
        ``weight``: float64[n] (default 1); ``line``: int64[n] (default 1..n).
        """
        n = len(source)
        if len(target) != n:
            raise ConfigError(f"{n} sources but {len(target)} targets")
        if isinstance(lang, str):
            lang = pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(n, dtype=np.int32)), pa.array([lang])
            ).cast(pa.string())
        weight = pa.array(np.ones(n) if weight is None else weight, type=pa.float64())
        line = pa.array(np.arange(1, n + 1) if line is None else line, type=pa.int64())
        if len(lang) != n or len(weight) != n or len(line) != n:
            raise ConfigError("lang, weight and line must have one value per entry")
        table = pa.Table.from_arrays([source, target, lang, weight, line], schema=ENTRY_SCHEMA)
        return cls(table, name, path=path, source_lang=source_lang, provenance=provenance)

    @classmethod
    def from_muse(cls, path: str | Path, lang: str | None = None, *,
                  skip_bad: bool = False) -> Lexicon:
        """Load a MUSE dictionary: one ``source target`` pair per line (white space
        separated; a TAB-separated line may hold multi-word phrases). Several lines per
        source word keep their order as rank. ``lang`` defaults to the file name's
        target (``en-de.txt`` -> ``de``)."""
        return cls.from_pair_file(path, "muse", lang=lang, skip_bad=skip_bad)

    @classmethod
    def from_pair_file(cls, path: str | Path, fmt: str = "muse", *, lang: str | None = None,
                       skip_bad: bool = False) -> Lexicon:
        """Read a ``muse`` (``src tgt``) or ``tsv`` (``src<TAB>tgt[<TAB>weight]``) file,
        parsed by the C++ core. The language defaults to the file name's target; with
        ``skip_bad``, malformed lines are counted (``provenance[0]["bad_lines"]``)
        instead of failing."""
        if fmt not in ("muse", "tsv"):
            raise ConfigError(f"a pair file is muse or tsv, not {fmt!r}")
        path = Path(path)
        lang = lang or lang_from_path(path)
        parsed = parse_file(path, fmt, allow_weight=fmt == "tsv", skip_bad=skip_bad)
        if len(parsed["line"]) == 0:
            raise EmptyLexiconError(no_entries(parsed), path)
        langs = langs_from_path(path)
        return cls.from_entries(
            parsed["source"], parsed["target"], lang, weight=parsed["weight"],
            line=parsed["line"], name=path.name, path=str(path),
            source_lang=langs[0] if langs else None,
            provenance=[provenance(path, fmt, parsed)])

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
        langs = lang if isinstance(lang, str) else pa.array(lang, type=pa.string())
        return cls.from_entries(
            source, target, langs, weight=None if weights is None else np.asarray(weights),
            name=name, provenance=[{"format": "memory", "entries": len(source)}],
        )

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
    lang = pc.index_in(entries.column("lang"), value_set=lookup).to_numpy(zero_copy_only=False)
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

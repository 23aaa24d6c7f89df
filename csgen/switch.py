"""Switcher: code-switch string columns of Arrow data with the C++ core.

Data flows once: each string column's buffers are borrowed by the core, which
runs with the GIL released on ``config.threads`` threads and returns owned
buffers that are wrapped without copying. Columns not being switched pass
through by reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pyarrow as pa

from . import _core
from ._arrow import as_string_array, column_buffers, row_keys, wrap_switches, wrap_text
from .config import SwitchConfig
from .errors import ColumnError, ConfigError, from_core
from .lexicon import Lexicon, compile_lexicons

SWITCHES_SUFFIX = "_switches"
_CHOICE = {"first": 0, "uniform": 1, "weighted": 2}
_SAMPLING = {"uniform": 0, "coverage": 1}


@lru_cache(maxsize=1)
def english_stopwords() -> tuple[str, ...]:
    """The bundled English stopword list (``csgen/data/stopwords-en.txt``)."""
    text = resources.files("csgen").joinpath("data/stopwords-en.txt").read_text("utf-8")
    return tuple(w for w in (line.strip() for line in text.splitlines()) if w and w[0] != "#")


@dataclass
class ColumnStats:
    """Counts for one switched column, summed over batches.

    ``words``: word tokens (numbers and punctuation excluded); ``eligible``:
    units with a usable lexicon entry; ``switches``: units replaced;
    ``switched_words``: source words inside them. Per language in ``by_lang``:
    ``[switches, switched_words]``.
    """

    rows: int = 0
    null_rows: int = 0
    words: int = 0
    eligible: int = 0
    switches: int = 0
    switched_words: int = 0
    by_lang: dict[str, list[int]] = field(default_factory=dict)

    @property
    def switched_share(self) -> float:
        """Share of word tokens that were replaced."""
        return self.switched_words / self.words if self.words else 0.0

    @property
    def coverage(self) -> float:
        """Share of word tokens that start a usable lexicon entry."""
        return self.eligible / self.words if self.words else 0.0


@dataclass
class SwitchStats:
    """Run summary: one :class:`ColumnStats` per switched column."""

    columns: dict[str, ColumnStats] = field(default_factory=dict)

    def column(self, name: str) -> ColumnStats:
        return self.columns.setdefault(name, ColumnStats())

    def to_dict(self) -> dict[str, Any]:
        return {
            name: {
                "rows": c.rows,
                "null_rows": c.null_rows,
                "words": c.words,
                "eligible": c.eligible,
                "switches": c.switches,
                "switched_words": c.switched_words,
                "switched_share": c.switched_share,
                "coverage": c.coverage,
                "by_lang": {
                    lang: {
                        "switches": s,
                        "switched_words": w,
                        "share": w / c.words if c.words else 0.0,
                    }
                    for lang, (s, w) in c.by_lang.items()
                },
            }
            for name, c in self.columns.items()
        }


@dataclass(frozen=True)
class SwitchedColumn:
    """Result of :meth:`Switcher.switch_array`.

    ``text``: the switched strings (same length, nulls kept); ``switches``:
    ``list<struct<src_start, src_end, dst_start, dst_end, lang>>`` per row;
    ``n_words``, ``n_eligible``, ``n_switched``: ``int32[n_rows]`` counts;
    ``lang_switches``, ``lang_words``: ``int64[n_langs]``.
    """

    text: pa.Array
    switches: pa.Array
    n_words: np.ndarray
    n_eligible: np.ndarray
    n_switched: np.ndarray
    lang_switches: np.ndarray
    lang_words: np.ndarray


class Switcher:
    """Code-switches string columns with one or more lexicons.

    One lexicon gives bilingual code-switching (BL-CS); several give
    multilingual code-switching (ML-CS), each switched word drawing its
    language as ``config.lang_sampling`` says. Every random decision is a pure
    function of (seed, row key, column name, token index): the output does not
    depend on threads, batch sizes or how the input is split. The row key is
    the id column's value when one is given, else the global row index.

    Example:
        >>> import pyarrow as pa
        >>> lex = Lexicon.from_pairs(["house", "the"], ["Haus", "das"], lang="de")
        >>> sw = Switcher([lex], ratio=1.0, seed=1)
        >>> sw.switch_table(pa.table({"q": ["The house."]}), columns=["q"])["q"][0].as_py()
        'Das Haus.'
    """

    def __init__(
        self,
        lexicons: Lexicon | Sequence[Lexicon],
        config: SwitchConfig | None = None,
        **options: Any,
    ) -> None:
        if config is not None and options:
            raise ConfigError("give either a SwitchConfig or keyword options, not both")
        self.config = config if config is not None else SwitchConfig(**options)
        self.lexicons = (lexicons,) if isinstance(lexicons, Lexicon) else tuple(lexicons)
        if not self.lexicons:
            raise ConfigError("at least one lexicon is needed")
        self.langs: tuple[str, ...] = tuple(
            dict.fromkeys(lang for lex in self.lexicons for lang in lex.langs)
        )
        unknown = set(dict(self.config.lang_weights or ())) - set(self.langs)
        if unknown:
            raise ConfigError(
                f"language weights name {', '.join(sorted(unknown))}, which no lexicon has "
                f"(languages: {', '.join(self.langs)})"
            )
        weights = [self.config.weight_of(lang) for lang in self.langs]
        if not any(weights):
            raise ConfigError("every language has weight 0")
        self._lang_weights = weights
        self._lang_dictionary = pa.array(self.langs, type=pa.string())
        if len(self.lexicons) == 1:
            self._compiled = self.lexicons[0].compiled()
        else:
            self._compiled = compile_lexicons(self.lexicons, self.langs)
        self._stopwords = (
            _core.KeySet(list(english_stopwords())) if self.config.skip_stopwords else None
        )

    # -- one column ----------------------------------------------------------------------------
    def switch_array(
        self,
        array: pa.Array | pa.ChunkedArray,
        *,
        column: str = "text",
        keys: np.ndarray | None = None,
        row_base: int = 0,
    ) -> SwitchedColumn:
        """Switch one string array.

        ``column`` names it for the RNG and for error messages; ``keys`` is an
        optional ``uint64[len(array)]`` of row keys, else row ``i`` uses
        ``row_base + i``. The input is borrowed (a ChunkedArray of several
        chunks is combined first, which copies it); the outputs are new arrays
        over buffers the core allocated, wrapped without copying.
        """
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        arr = as_string_array(array, column)
        if keys is not None:
            keys = np.ascontiguousarray(keys, dtype=np.uint64)
        cfg = self.config
        try:
            result = _core.switch_column(
                self._compiled,
                column_buffers(arr),
                keys,
                row_base,
                cfg.ratio,
                cfg.seed,
                _core.hash_bytes(column.encode("utf-8"), 0),
                _CHOICE[cfg.candidates],
                _SAMPLING[cfg.lang_sampling],
                self._lang_weights,
                cfg.keep_identity,
                self._stopwords,
                cfg.threads,
            )
        except _core.CoreError as e:
            raise from_core(e, column=column, row_base=row_base) from None
        n = len(arr)
        return SwitchedColumn(
            text=wrap_text(result, n),
            switches=wrap_switches(result, n, self._lang_dictionary),
            n_words=result["n_words"],
            n_eligible=result["n_eligible"],
            n_switched=result["n_switched"],
            lang_switches=result["lang_switches"],
            lang_words=result["lang_words"],
        )

    # -- tables ----------------------------------------------------------------------------------
    def switch_batch(
        self,
        batch: pa.RecordBatch,
        columns: Sequence[str],
        *,
        id_column: str | None = None,
        row_base: int = 0,
        stats: SwitchStats | None = None,
    ) -> pa.RecordBatch:
        """Switch ``columns`` of a record batch.

        Each switched column is replaced in place and followed by
        ``<column>_switches``; every other column is carried through by
        reference. ``row_base`` is the global index of the batch's first row.
        """
        columns = check_columns(batch.schema, columns, id_column)
        keys = None
        if id_column is not None:
            keys = row_keys(batch.column(id_column), id_column, _core.hash_strings)
        names: list[str] = []
        arrays: list[pa.Array] = []
        for name, arr in zip(batch.schema.names, batch.columns, strict=True):
            if name not in columns:
                names.append(name)
                arrays.append(arr)
                continue
            out = self.switch_array(arr, column=name, keys=keys, row_base=row_base)
            names += [name, name + SWITCHES_SUFFIX]
            arrays += [out.text, out.switches]
            if stats is not None:
                self._add_stats(stats.column(name), arr, out)
        return pa.RecordBatch.from_arrays(arrays, names=names)

    def switch_batches(
        self,
        batches: Iterable[pa.RecordBatch],
        columns: Sequence[str],
        *,
        id_column: str | None = None,
        stats: SwitchStats | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """Switch a stream of batches; row indices run on across batches."""
        row_base = 0
        for batch in batches:
            yield self.switch_batch(
                batch, columns, id_column=id_column, row_base=row_base, stats=stats
            )
            row_base += batch.num_rows

    def switch_table(
        self,
        table: pa.Table,
        columns: Sequence[str],
        *,
        id_column: str | None = None,
        stats: SwitchStats | None = None,
    ) -> pa.Table:
        """Switch ``columns`` of a table (see :meth:`switch_batch`)."""
        check_columns(table.schema, columns, id_column)
        batches = list(
            self.switch_batches(table.to_batches(), columns, id_column=id_column, stats=stats)
        )
        if not batches:
            empty = pa.RecordBatch.from_pylist([], schema=table.schema)
            return pa.Table.from_batches(
                [self.switch_batch(empty, columns, id_column=id_column)]
            ).slice(0, 0)
        return pa.Table.from_batches(batches)

    def _add_stats(self, col: ColumnStats, arr: pa.Array, out: SwitchedColumn) -> None:
        col.rows += len(arr)
        col.null_rows += arr.null_count
        col.words += int(out.n_words.sum())
        col.eligible += int(out.n_eligible.sum())
        col.switches += int(out.lang_switches.sum())
        col.switched_words += int(out.lang_words.sum())
        for lang, s, w in zip(self.langs, out.lang_switches, out.lang_words, strict=True):
            acc = col.by_lang.setdefault(lang, [0, 0])
            acc[0] += int(s)
            acc[1] += int(w)


def check_columns(
    schema: pa.Schema, columns: Sequence[str], id_column: str | None
) -> list[str]:
    if isinstance(columns, str):
        columns = [columns]
    columns = list(dict.fromkeys(columns))
    if not columns:
        raise ColumnError("no column to switch was given")
    available = schema.names
    for name in [*columns, *([id_column] if id_column else [])]:
        if name not in available:
            raise ColumnError(
                f"column {name!r} not found; the input has: {', '.join(available)}"
            )
    for name in columns:
        clash = name + SWITCHES_SUFFIX
        if clash in available:
            raise ColumnError(
                f"the input already has a column {clash!r}, which switching {name!r} would write"
            )
    return columns


def switch_table(
    table: pa.Table,
    lexicons: Lexicon | Sequence[Lexicon],
    columns: Sequence[str],
    *,
    id_column: str | None = None,
    **options: Any,
) -> pa.Table:
    """One-call form: ``Switcher(lexicons, **options).switch_table(table, columns)``."""
    return Switcher(lexicons, **options).switch_table(table, columns, id_column=id_column)

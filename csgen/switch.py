"""Switcher: code-switch string columns of Arrow data with the C++ core.

Data flows once: each string column's buffers are borrowed by the core, which
runs with the GIL released on ``config.threads`` threads and returns owned
buffers that are wrapped without copying. Columns not being switched pass
through by reference.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pyarrow as pa

from . import _core
from ._arrow import (
    as_string_array,
    column_buffers,
    protect_buffers,
    row_keys,
    wrap_switches,
    wrap_text,
)
from .config import SwitchConfig
from .errors import ColumnError, ConfigError, DataTooLargeError, from_core
from .lexicon import Lexicon, compile_lexicons
from .stats import ColumnStats, SwitchStats

SWITCHES_SUFFIX = "_switches"
_CHOICE = {"first": 0, "uniform": 1, "weighted": 2}
_SAMPLING = {"uniform": 0, "coverage": 1}


@lru_cache(maxsize=1)
def english_stopwords() -> tuple[str, ...]:
    """The bundled English stopword list (``csgen/data/stopwords-en.txt``)."""
    text = resources.files("csgen").joinpath("data/stopwords-en.txt").read_text("utf-8")
    return tuple(w for w in (line.strip() for line in text.splitlines()) if w and w[0] != "#")


@dataclass(frozen=True)
class SwitchedColumn:
    """Result of :meth:`Switcher.switch_array`.

    ``text``: the switched strings (same length, nulls kept); ``switches``:
    ``list<struct<src_start, src_end, dst_start, dst_end, lang>>`` per row;
    ``n_words``, ``n_eligible``, ``n_switched``: ``int32[n_rows]`` counts;
    ``lang_switches``, ``lang_words``: ``int64[n_langs]``; ``n_chunks``: the row
    ranges the core cut the array into, one thread each (diagnostics: the
    output does not depend on it).
    """

    text: pa.Array
    switches: pa.Array
    n_words: np.ndarray
    n_eligible: np.ndarray
    n_switched: np.ndarray
    lang_switches: np.ndarray
    lang_words: np.ndarray
    n_chunks: int = 1


class Switcher:
    """Code-switches string columns with one or more lexicons.

    One lexicon gives bilingual code-switching (BL-CS); several give
    multilingual code-switching (ML-CS), each switched word drawing its
    language as ``config.lang_sampling`` says. Every random decision is a pure
    function of (seed, row key, column name, token index), or with
    ``config.consistent`` of (seed, row key, folded source word or phrase):
    the output does not depend on threads, batch sizes or how the input is
    split. The row key is the id column's value when one is given, else the
    global row index. ``config.column_ratios``/``column_langs`` set a ratio
    and a language set per column.

    Example:
        >>> import pyarrow as pa
        >>> lex = Lexicon.from_pairs(["house", "the"], ["Haus", "das"], lang="de")
        >>> sw = Switcher([lex], ratio=1.0, seed=1)
        >>> sw.switch_table(pa.table({"q": ["The house."]}), columns=["q"])["q"][0].as_py()
        'Das Haus.'
    """

    # Input bytes each core thread needs at least (the core's default). Private: tests
    # lower it on an instance so that small inputs really run on several threads.
    _min_bytes_per_thread: int = _core.MIN_BYTES_PER_THREAD

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
        # A column's language set becomes weight 0 for every other language in
        # that column's call: the core already disables zero-weight languages.
        self._column_weights: dict[str, list[float]] = {}
        for name, allowed in self.config.column_langs or ():
            unknown_langs = sorted(set(allowed) - set(self.langs))
            if unknown_langs:
                raise ConfigError(
                    f"column {name!r}: language set names {', '.join(unknown_langs)}, which no "
                    f"lexicon has (languages: {', '.join(self.langs)})"
                )
            col_weights = [w if lang in allowed else 0.0
                           for lang, w in zip(self.langs, weights, strict=True)]
            if not any(col_weights):
                raise ConfigError(
                    f"column {name!r}: every language of its set ({', '.join(allowed)}) "
                    "has weight 0"
                )
            self._column_weights[name] = col_weights
        self._lang_dictionary = pa.array(self.langs, type=pa.string())
        if len(self.lexicons) == 1:
            self._compiled = self.lexicons[0].compiled()
        else:
            self._compiled = compile_lexicons(self.lexicons, self.langs)
        self._stopwords = (
            _core.KeySet(list(english_stopwords())) if self.config.skip_stopwords else None
        )

    @property
    def lexicon_stats(self) -> dict[str, int]:
        """What compiling the lexicons did to their entries: ``punct_stripped`` (end
        punctuation shared by source and target, stripped) and ``punct_dropped`` (end
        punctuation on one side only or differing: left out), over all lexicons."""
        return {"punct_stripped": int(self._compiled.punct_stripped),
                "punct_dropped": int(self._compiled.punct_dropped)}

    def with_threads(self, threads: int) -> Switcher:
        """This switcher with another thread count, sharing the compiled lexicon (threads
        never change the output)."""
        other = copy.copy(self)
        other.config = replace(self.config, threads=threads)
        return other

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by content: the lexicons (their entries) and the config. The compiled
        index is rebuilt when unpickled (milliseconds), so a Switcher can go to worker
        processes (``multiprocessing``, ``datasets.map(num_proc=N)``, joblib, Ray) and
        HF ``datasets`` can fingerprint a transform that uses one."""
        return (type(self), (self.lexicons, self.config))

    # -- one column ----------------------------------------------------------------------------
    def switch_array(
        self,
        array: pa.Array | pa.ChunkedArray,
        *,
        column: str = "text",
        keys: np.ndarray | None = None,
        row_base: int = 0,
        protect: pa.Array | pa.ChunkedArray | None = None,
        protect_column: str = "protect",
    ) -> SwitchedColumn:
        """Switch one string array.

        ``column`` names it for the RNG (unless ``config.consistent``), for
        its column ratio and language set, and for error messages; ``keys`` is
        an optional ``uint64[len(array)]`` of row keys, else row ``i`` uses
        ``row_base + i``. The input is borrowed (a ChunkedArray of several
        chunks is combined first, which copies it); the outputs are new arrays
        over buffers the core allocated, wrapped without copying.

        ``protect`` is an optional ``list<struct<start, end>>`` array (int32 or
        int64 fields) of the same length: per row, half-open UTF-8 byte ranges
        of that row's text (any order, may overlap; a null row protects
        nothing). A unit (word or lexicon phrase) overlapping one is never
        switched; its draws are still made (they are keyed by token index or
        unit key), so every other unit is switched exactly as without
        protection. ``protect_column`` names it in messages.
        """
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        arr = as_string_array(array, column)
        if keys is not None:
            keys = np.ascontiguousarray(keys, dtype=np.uint64)
        cfg = self.config
        ratio = cfg.ratio_of(column)
        prot = None if protect is None else protect_buffers(protect, protect_column, len(arr))
        try:
            result = _core.switch_column(
                self._compiled,
                column_buffers(arr),
                keys,
                row_base,
                ratio,
                cfg.seed,
                _core.hash_bytes(column.encode("utf-8"), 0),
                _CHOICE[cfg.candidates],
                _SAMPLING[cfg.lang_sampling],
                self._column_weights.get(column, self._lang_weights),
                cfg.keep_identity,
                self._stopwords,
                cfg.threads,
                cfg.consistent,
                prot,
                self._min_bytes_per_thread,
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
            n_chunks=int(result["n_chunks"]),
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
        protect: Mapping[str, str] | None = None,
    ) -> pa.RecordBatch:
        """Switch ``columns`` of a record batch.

        Each switched column is replaced in place and followed by
        ``<column>_switches``; every other column is carried through by
        reference. ``row_base`` is the global index of the batch's first row.
        With ``config.consistent`` the columns of one row share their draws.
        ``protect`` maps a switched column to a ``list<struct<start, end>>``
        column of protected byte ranges (see :meth:`switch_array`), which is
        carried through untouched.
        """
        columns = self.check_columns(batch.schema, columns, id_column)
        protect = _check_protect(batch.schema, columns, protect)
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
            prot_name = protect.get(name)
            out = self.switch_array(
                arr,
                column=name,
                keys=keys,
                row_base=row_base,
                protect=None if prot_name is None else batch.column(prot_name),
                protect_column=prot_name or "protect",
            )
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
        data: Any,
        columns: Sequence[str],
        *,
        id_column: str | None = None,
        stats: SwitchStats | None = None,
    ) -> Any:
        """Switch ``columns`` of a table (see :meth:`switch_batch`); same kind out as in.

        ``data`` and what comes back:

        - ``pyarrow.Table`` -> ``pyarrow.Table``; ``pyarrow.RecordBatch`` ->
          ``pyarrow.RecordBatch``;
        - ``pyarrow.RecordBatchReader`` -> ``pyarrow.RecordBatchReader`` that
          switches each batch as it is read (``stats`` fill up as it is
          consumed; errors surface on reading);
        - polars ``DataFrame`` -> polars ``DataFrame`` (through Arrow, no
          per-row conversion; ``<col>_switches`` becomes
          ``list[struct[...]]`` with ``lang`` a ``Categorical``); polars
          ``LazyFrame`` -> ``LazyFrame``: the query is collected, switched,
          and the result wrapped with ``.lazy()`` (switching is not a lazy
          polars expression);
        - any other object with ``__arrow_c_stream__`` (DuckDB, pandas through
          pyarrow, ...) -> ``pyarrow.Table``.

        polars is never imported unless the input is a polars object.

        Example:
            >>> import pyarrow as pa
            >>> lex = Lexicon.from_pairs(["house"], ["Haus"], lang="de")
            >>> sw = Switcher(lex, ratio=1.0)
            >>> reader = pa.RecordBatchReader.from_batches(
            ...     pa.schema([("q", pa.string())]), [pa.record_batch({"q": ["a house"]})])
            >>> sw.switch_table(reader, ["q"]).read_all()["q"].to_pylist()
            ['a Haus']
        """
        if isinstance(data, pa.Table):
            return self._switch_arrow_table(data, columns, id_column, stats)
        if isinstance(data, pa.RecordBatch):
            return self.switch_batch(data, columns, id_column=id_column, stats=stats)
        if isinstance(data, pa.RecordBatchReader):
            return self._switch_reader(data, columns, id_column, stats)
        # Only a polars object can come from an imported polars: never import it here.
        pl = sys.modules.get("polars")
        if pl is not None and isinstance(data, (pl.DataFrame, pl.LazyFrame)):
            lazy = isinstance(data, pl.LazyFrame)
            frame = data.collect() if lazy else data
            table = self._switch_arrow_table(frame.to_arrow(), columns, id_column, stats)
            out = pl.from_arrow(table)
            return out.lazy() if lazy else out
        if hasattr(data, "__arrow_c_stream__"):
            if not hasattr(pa.RecordBatchReader, "from_stream"):  # pyarrow < 15
                return self._switch_arrow_table(pa.table(data), columns, id_column, stats)
            reader = pa.RecordBatchReader.from_stream(data)
            return self._switch_reader(reader, columns, id_column, stats).read_all()
        raise TypeError(
            "switch_table takes a pyarrow Table, RecordBatch or RecordBatchReader, a polars "
            f"DataFrame or LazyFrame, or an object with __arrow_c_stream__; got {type(data)!r}"
        )

    def check_columns(
        self, schema: pa.Schema, columns: Sequence[str], id_column: str | None = None
    ) -> list[str]:
        """Check ``columns`` against ``schema`` and this switcher's options.

        Besides :func:`check_columns` (present, no clashing output): every
        column named in ``column_ratios``/``column_langs`` must be switched
        (a mistyped name is a ConfigError, not silently ignored), and every
        switched column needs a ratio. Returns the columns, deduplicated.
        """
        columns = check_columns(schema, columns, id_column)
        stray = [name for name in self.config.named_columns() if name not in columns]
        if stray:
            raise ConfigError(
                f"column ratios or languages name {', '.join(map(repr, stray))}, which is not "
                f"switched (switched columns: {', '.join(columns)})"
            )
        for name in columns:
            self.config.ratio_of(name)
        return columns

    def _switch_arrow_table(
        self,
        table: pa.Table,
        columns: Sequence[str],
        id_column: str | None,
        stats: SwitchStats | None,
    ) -> pa.Table:
        self.check_columns(table.schema, columns, id_column)
        batches = list(
            self.switch_batches(table.to_batches(), columns, id_column=id_column, stats=stats)
        )
        if not batches:
            empty = pa.RecordBatch.from_pylist([], schema=table.schema)
            return pa.Table.from_batches(
                [self.switch_batch(empty, columns, id_column=id_column)]
            ).slice(0, 0)
        return pa.Table.from_batches(batches)

    def _switch_reader(
        self,
        reader: pa.RecordBatchReader,
        columns: Sequence[str],
        id_column: str | None,
        stats: SwitchStats | None,
    ) -> pa.RecordBatchReader:
        # The output schema is what an empty batch switches to; checking it
        # here also reports option and column mistakes before any reading.
        empty = pa.RecordBatch.from_pylist([], schema=reader.schema)
        schema = self.switch_batch(empty, columns, id_column=id_column).schema

        def batches() -> Iterator[pa.RecordBatch]:
            for batch in self.switch_batches(reader, columns, id_column=id_column, stats=stats):
                if not batch.schema.equals(schema):  # a column outgrew 2 GiB: large_string
                    raise DataTooLargeError(
                        "a switched batch outgrew 2 GiB per column and changed type; read "
                        "smaller batches"
                    )
                yield batch

        return pa.RecordBatchReader.from_batches(schema, batches())

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


def _check_protect(
    schema: pa.Schema, columns: Sequence[str], protect: Mapping[str, str] | None
) -> dict[str, str]:
    """Validate a ``{switched column: protect column}`` mapping."""
    if protect is None:
        return {}
    if not isinstance(protect, Mapping):
        raise ConfigError(f"protect must map switched columns to span columns, got {protect!r}")
    for col, span_col in protect.items():
        if not isinstance(col, str) or not isinstance(span_col, str):
            raise ConfigError(f"protect must map column names to column names, got {protect!r}")
        if col not in columns:
            raise ConfigError(f"protect names {col!r}, which is not a column being switched")
        if span_col not in schema.names:
            raise ColumnError(
                f"protect column {span_col!r} not found; the input has: {', '.join(schema.names)}"
            )
        if span_col in columns:
            raise ConfigError(f"protect column {span_col!r} cannot itself be switched")
    return dict(protect)


def switch_table(
    data: Any,
    lexicons: Lexicon | Sequence[Lexicon],
    columns: Sequence[str],
    *,
    id_column: str | None = None,
    stats: SwitchStats | None = None,
    **options: Any,
) -> Any:
    """One-call form: ``Switcher(lexicons, **options).switch_table(data, columns)``.

    ``data`` is a pyarrow Table, RecordBatch or RecordBatchReader, a polars
    DataFrame or LazyFrame, or any ``__arrow_c_stream__`` object; the result
    is of the same kind (a pyarrow Table for other stream objects), see
    :meth:`Switcher.switch_table`.
    """
    return Switcher(lexicons, **options).switch_table(
        data, columns, id_column=id_column, stats=stats
    )

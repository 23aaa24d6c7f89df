"""What every input reader shares: :class:`ReadOptions`, :class:`BadRows`, the
:class:`Reader` base class and its registry, and :class:`Source`, which checks that a
source's files share one schema and makes passes over them.

A format's reader (one module per format beside this one) says how to check its options,
probe a file (its schema, its row count where the file knows it) and read it into record
batches; :class:`Source` does the rest for all of them: skipping empty files, errors
naming the file, conforming each batch to the source's schema and cutting batches to
``batch_rows``.

Buffers: a reader's batches are used as they come where they already have the source's
schema and at most ``batch_rows`` rows; slicing borrows (no copy), and so does a batch
that only needs its columns reordered. Casting a column (``large_string`` to ``string``)
and joining the pieces of two batches into one (text formats) copy.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import pyarrow as pa

from ..._validate import DEFAULT_BATCH_ROWS, positive_int
from ...errors import ConfigError, InputError
from ..files import READ_FORMATS, File, SourceFile, reading

ON_BAD_ROW = ("error", "skip")
MAX_BAD_EXAMPLES = 20
READER_VERSION = 1              # part of the fingerprint: bump when rows read change


# -- options and bookkeeping ------------------------------------------------------------------


@dataclass(frozen=True)
class ReadOptions:
    """How to read a source; checked on construction (``ConfigError``), the options of a
    given ``format`` by that format's reader.

    ``column_names`` names the columns of a CSV/TSV file without header (default ``f0,
    f1, ...``; with ``header=True`` they replace the header's names), or renames the three
    ``msmarco-triples`` / six ``msmarco-ids`` columns. ``collection`` and ``queries`` are
    required by ``msmarco-ids`` and refused by every other format. ``header`` is ignored
    by the MS MARCO formats (their files have none).

    >>> ReadOptions(format="tsv", header=False, column_names=["qid", "text"]).column_names
    ('qid', 'text')
    """

    format: str | None = None
    batch_rows: int = DEFAULT_BATCH_ROWS
    on_bad_row: str = "error"
    header: bool = True
    column_names: tuple[str, ...] | None = None
    collection: str | None = None
    queries: str | None = None

    def __post_init__(self) -> None:
        if self.format is not None and self.format not in READ_FORMATS:
            raise ConfigError(f"unknown input format {self.format!r}; use one of "
                              f"{', '.join(READ_FORMATS)}")
        positive_int("batch_rows", self.batch_rows)
        if self.on_bad_row not in ON_BAD_ROW:
            raise ConfigError(f"on_bad_row must be 'error' or 'skip', got {self.on_bad_row!r}")
        if not isinstance(self.header, bool):
            raise ConfigError(f"header must be True or False, got {self.header!r}")
        if self.column_names is not None:
            names = self.column_names
            if isinstance(names, str) or not all(isinstance(n, str) and n for n in names):
                raise ConfigError(f"column_names must be non-empty strings, got {names!r}")
            names = tuple(names)
            if not names:
                raise ConfigError("column_names is empty")
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ConfigError(f"column_names repeats {', '.join(map(repr, dup))}")
            object.__setattr__(self, "column_names", names)
        for key in ("collection", "queries"):
            value = getattr(self, key)
            if value is not None:
                if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
                    raise ConfigError(f"{key} must be a path, got {value!r}")
                object.__setattr__(self, key, os.fspath(value))
        if self.format is not None:
            reader_class(self.format).check_options(self)


def refuse_side_files(fmt: str, opts: ReadOptions) -> None:
    """``collection`` and ``queries`` belong to ``msmarco-ids`` only."""
    if opts.collection is not None or opts.queries is not None:
        raise ConfigError(f"collection and queries apply to format msmarco-ids only, not {fmt}")


def refuse_column_names(fmt: str, opts: ReadOptions) -> None:
    """Formats whose files name their columns take no ``column_names``."""
    if opts.column_names is not None:
        raise ConfigError(f"column_names applies to csv, tsv and msmarco formats, not {fmt}")


def check_column_count(fmt: str, opts: ReadOptions, want: int) -> None:
    """A fixed-schema format renames all of its ``want`` columns or none."""
    if opts.column_names is not None and len(opts.column_names) != want:
        raise ConfigError(f"format {fmt} has {want} columns; column_names gives "
                          f"{len(opts.column_names)}")


@dataclass
class BadRows:
    """What ``on_bad_row="skip"`` dropped in the current pass: the count and the first
    :data:`MAX_BAD_EXAMPLES` ``(file, line or row number, reason)``. Reset by each
    :meth:`Source.batches` call."""

    count: int = 0
    examples: list[tuple[str, int, str]] = field(default_factory=list)

    def reset(self) -> None:
        self.count = 0
        self.examples.clear()

    def add(self, file: str, where: int, reason: str) -> None:
        self.count += 1
        if len(self.examples) < MAX_BAD_EXAMPLES:
            self.examples.append((file, int(where), reason))


# -- readers and their registry ---------------------------------------------------------------


@dataclass
class Probe:
    """A file's own schema (None: empty file) and what the reader learnt opening it."""

    schema: pa.Schema | None
    num_rows: int | None = None
    wildcards: frozenset[str] = frozenset()   # columns whose type the file does not fix
    names: tuple[str, ...] | None = None      # CSV: the file's column order


class Reader:
    """One format's reader, made per source by :func:`~csgen.io.readers.open_source`.

    Subclasses set ``format`` and ``rebatch`` (True: :class:`Source` joins the batches
    of :meth:`read` into exactly ``batch_rows`` rows; False: it only slices batches
    larger than that, keeping the file's own boundaries below it), and implement
    :meth:`probe` and :meth:`read`.
    """

    format: ClassVar[str]
    rebatch: ClassVar[bool] = True
    #: the files name their columns (Parquet, JSON, ...): ``column_names`` is refused
    names_own_columns: ClassVar[bool] = True

    def __init__(self, options: ReadOptions):
        self.options = options
        self.skip = options.on_bad_row == "skip"

    @classmethod
    def check_options(cls, options: ReadOptions) -> None:
        """Refuse the options that make no sense for this format (``ConfigError``)."""
        refuse_side_files(cls.format, options)
        if cls.names_own_columns:
            refuse_column_names(cls.format, options)

    def probe(self, f: File) -> Probe:  # pragma: no cover - abstract
        """Open ``f``: its schema (None when it is empty) and row count if known."""
        raise NotImplementedError

    def read(self, f: File, probe: Probe, schema: pa.Schema,
             bad: BadRows) -> Iterator[pa.RecordBatch]:  # pragma: no cover - abstract
        """One pass over ``f``: batches with ``schema``'s columns (any order, either
        string width); bad rows raise ``InputError`` or are counted in ``bad``."""
        raise NotImplementedError

    def empty_schema(self) -> pa.Schema | None:
        """The schema when every file is empty, where the format fixes it."""
        return None

    def fingerprint_options(self) -> dict[str, Any]:
        """The options besides ``on_bad_row`` that change the rows read, JSON-ready."""
        return {}


_READERS: dict[str, type[Reader]] = {}
R = TypeVar("R", bound=type[Reader])


def register(cls: R) -> R:
    """Class decorator: ``cls`` reads ``cls.format``."""
    if cls.format not in READ_FORMATS:
        raise ValueError(f"{cls.__name__}: {cls.format!r} is not in READ_FORMATS")
    if cls.format in _READERS:
        raise ValueError(f"{cls.__name__}: format {cls.format!r} already has "
                         f"{_READERS[cls.format].__name__}")
    _READERS[cls.format] = cls
    return cls


def reader_class(fmt: str) -> type[Reader]:
    """The reader registered for ``fmt`` (one of :data:`READ_FORMATS`)."""
    try:
        return _READERS[fmt]
    except KeyError:
        raise ConfigError(f"unknown input format {fmt!r}; use one of "
                          f"{', '.join(READ_FORMATS)}") from None


# -- the source --------------------------------------------------------------------------------


class Source:
    """An opened input: its files, their common schema, and fresh passes over them.

    ``files`` are :class:`~csgen.io.files.SourceFile`s in reading order; ``schema`` is the
    schema of every batch (the first file's; other files are cast to it where only
    ``string`` versus ``large_string`` differs, and reordered by name); ``num_rows`` is
    known without reading for Parquet and Arrow IPC files (else None); ``size_bytes`` is
    the files' total size (for ``msmarco-ids`` without the collection and queries).
    ``bad_rows`` counts what ``on_bad_row="skip"`` dropped in the current pass.

    Not thread-safe: run one pass at a time (``bad_rows`` is per source).
    """

    def __init__(self, spec: str, files: list[File], options: ReadOptions, reader: Reader):
        self.spec, self.format, self.options = spec, reader.format, options
        self._files, self._reader = files, reader
        self.files: tuple[SourceFile, ...] = tuple(f.info for f in files)
        self.bad_rows = BadRows()
        self._probes = [reader.probe(f) for f in files]
        first = next((i for i, p in enumerate(self._probes) if p.schema is not None), None)
        if first is None:
            empty = reader.empty_schema()
            if empty is None:
                raise InputError(f"{spec}: every input file is empty; no schema to read "
                                 f"({', '.join(f.name for f in files[:3])})")
            self.schema = empty
        else:
            self.schema = self._probes[first].schema
            base = files[first].name
            for f, p in zip(files, self._probes, strict=True):
                if p.schema is not None and f is not files[first]:
                    _check_schema(f.name, p, base, self.schema)
        nums = [p.num_rows for p in self._probes]
        self.num_rows: int | None = None if None in nums else sum(nums)  # type: ignore[arg-type]
        self.size_bytes = sum(f.size for f in self.files)

    def __repr__(self) -> str:
        return (f"Source({self.spec!r}, format={self.format!r}, files={len(self.files)}, "
                f"num_rows={self.num_rows})")

    def batches(self) -> Iterator[pa.RecordBatch]:
        """A fresh pass over every file, in order: record batches of the source's schema,
        at most ``batch_rows`` rows each (exactly that many except at a file's end for the
        text formats; Parquet and Arrow keep their own boundaries below that). Two passes
        give the same batches. Resets :attr:`bad_rows`.

        Memory: Arrow IPC batches borrow the file's mapped pages (uncompressed files) and
        Parquet batches are decoded per row group; the text formats parse into new
        buffers, and joining two pieces into one batch copies them once.

        >>> import tempfile, pathlib
        >>> from csgen.io.readers import open_source
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "a.jsonl").write_text('{"q": "x"}\\n{"q": "y"}\\n{"q": "z"}\\n')
        >>> src = open_source(d / "a.jsonl", ReadOptions(batch_rows=2))
        >>> [b.num_rows for b in src.batches()], src.schema.types
        ([2, 1], [DataType(string)])
        """
        self.bad_rows.reset()
        return self._iterate()

    def _iterate(self) -> Iterator[pa.RecordBatch]:
        rows = self.options.batch_rows
        for f, probe in zip(self._files, self._probes, strict=True):
            if probe.schema is None:
                continue
            raw = self._reader.read(f, probe, self.schema, self.bad_rows)
            conformed = (_conform(b, self.schema) for b in _guard(raw, f.name))
            if self._reader.rebatch:
                yield from _rebatch(conformed, rows)
            else:
                for b in conformed:
                    yield from _slices(b, rows)

    def fingerprint(self) -> dict[str, Any]:
        """What the rows depend on, JSON-ready: reader version, format, the options that
        change rows (not ``batch_rows``: it moves boundaries only), and every file with
        its size and mtime (also the msmarco collection and queries)."""
        opts: dict[str, Any] = {"on_bad_row": self.options.on_bad_row,
                                **self._reader.fingerprint_options()}
        return {"version": READER_VERSION, "format": self.format, "options": opts,
                "files": [f.to_dict() for f in self.files]}


def _guard(batches: Iterable[pa.RecordBatch], name: str) -> Iterator[pa.RecordBatch]:
    """Re-raise read errors in the middle of a file as InputError naming it."""
    it = iter(batches)
    while True:
        try:
            with reading(name):
                batch = next(it)
        except StopIteration:
            return
        yield batch


def _check_schema(name: str, probe: Probe, base: str, want: pa.Schema) -> None:
    have = probe.schema
    assert have is not None
    for f in want:
        if have.get_field_index(f.name) < 0:
            raise InputError(f"{name}: missing column {f.name!r} (present in {base})")
    for f in have:
        if want.get_field_index(f.name) < 0:
            raise InputError(f"{name}: unexpected column {f.name!r} (not in {base})")
        target = want.field(f.name).type
        if f.name not in probe.wildcards and not _same_kind(f.type, target):
            raise InputError(f"{name}: column {f.name!r} is {f.type} here but {target} "
                             f"in {base}")


def _same_kind(a: pa.DataType, b: pa.DataType) -> bool:
    if a.equals(b):
        return True
    strings = (pa.string(), pa.large_string())
    binaries = (pa.binary(), pa.large_binary())
    return (a in strings and b in strings) or (a in binaries and b in binaries)


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """``batch`` with exactly ``schema`` (column order, string widths, metadata); columns
    already of the right type are borrowed, cast ones are new."""
    if batch.schema.equals(schema, check_metadata=True):
        return batch
    cols = []
    for f in schema:
        col = batch.column(batch.schema.get_field_index(f.name))
        cols.append(col if col.type.equals(f.type) else col.cast(f.type))
    return pa.RecordBatch.from_arrays(cols, schema=schema)


def _slices(batch: pa.RecordBatch, rows: int) -> Iterator[pa.RecordBatch]:
    """``batch`` in zero-copy slices of at most ``rows`` rows (none when it is empty)."""
    if batch.num_rows <= rows:
        if batch.num_rows:
            yield batch
        return
    for start in range(0, batch.num_rows, rows):
        yield batch.slice(start, rows)


def _rebatch(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """Exactly ``rows`` rows per batch (the last one: the rest); copies only to join
    pieces."""
    pending: list[pa.RecordBatch] = []
    have = 0
    for b in batches:
        while b.num_rows:
            take = b.slice(0, rows - have)
            pending.append(take)
            have += take.num_rows
            b = b.slice(take.num_rows)
            if have == rows:
                yield _join(pending)
                pending, have = [], 0
    if have:
        yield _join(pending)


def _join(pieces: list[pa.RecordBatch]) -> pa.RecordBatch:
    if len(pieces) == 1:
        return pieces[0]
    table = pa.Table.from_batches(pieces).combine_chunks()
    return table.to_batches()[0]

"""Input readers of ``csgen switch``: bounded ``pyarrow.RecordBatch``es from files,
directories, globs and fsspec URLs.

:func:`open_source` expands a spec into files, checks that they share one format and one
schema, and returns a :class:`Source` whose :meth:`Source.batches` makes a fresh,
deterministic pass over them (the same boundaries and contents every time: the pipeline
relies on it to resume byte-identically). No batch has more than ``batch_rows`` rows, no
batch spans two files, and no format is read whole except SQuAD JSON, which JSON forces.

Formats (``READ_FORMATS``), from the extension unless ``ReadOptions.format`` is given:

- ``parquet`` (``.parquet``, ``.pq``): ``ParquetFile.iter_batches``, row group by row
  group; column types as stored.
- ``arrow`` (``.arrow``, ``.feather``, ``.ipc``): IPC file (Feather v2) or stream; local
  files are memory-mapped, so batches of an uncompressed file borrow the mapped pages
  (slices copy nothing; compressed buffers are decompressed).
- ``jsonl`` (``.jsonl``, ``.ndjson``, also ``.gz``): 8 MiB blocks cut at a newline, parsed
  by ``pyarrow.json`` with the schema inferred from the first 1 MiB of the first file
  (columns that are null or timestamp there become ``string``: JSON has neither).
- ``csv``, ``tsv`` (also ``.gz``): ``pyarrow.csv.open_csv``; **every column is read as
  ``string``**, so text stays as written (``007``, ``NA``, ``""``). TSV has no quoting (MS
  MARCO text holds quotes); CSV quotes with ``"`` and values may span lines.
- ``msmarco-triples``: TSV without header, ``query, positive, negative`` strings.
- ``msmarco-ids``: ``qid<TAB>pid_pos<TAB>pid_neg`` joined with ``collection`` and
  ``queries`` into ``qid: int64, query, pos_id: int64, positive, neg_id: int64, negative``.
- ``squad`` (``.json``, ``.json.gz``): SQuAD v1.1 JSON (SQuAD, XQuAD, MLQA), one row per
  question, in the schema of HF ``datasets``' squad (:data:`SQUAD_SCHEMA`).

Bad input raises :class:`~csgen.errors.InputError` naming the file (and ``file:LINE`` where
there is a line); ``on_bad_row="skip"`` drops malformed rows instead and counts them in
``Source.bad_rows``. Option mistakes raise :class:`~csgen.errors.ConfigError`.
"""

from __future__ import annotations

import bisect
import contextlib
import csv
import datetime as _dt
import glob
import gzip
import io
import json
import os
import re
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from .._validate import DEFAULT_BATCH_ROWS, positive_int
from ..errors import ConfigError, InputError

READ_FORMATS = ("parquet", "arrow", "jsonl", "csv", "tsv", "msmarco-triples", "msmarco-ids",
                "squad")
INPUT_FORMATS = READ_FORMATS  # the earlier name
ON_BAD_ROW = ("error", "skip")
JSON_BLOCK_BYTES = 8 << 20      # JSONL bytes parsed at a time (cut at a newline)
JSON_SAMPLE_BYTES = 1 << 20     # JSONL bytes a file's schema is inferred from
CSV_BLOCK_BYTES = 4 << 20       # pyarrow.csv block size
MAX_BAD_EXAMPLES = 20
READER_VERSION = 1              # part of the fingerprint: bump when rows read change

_EXTENSIONS = {
    ".parquet": "parquet", ".pq": "parquet",
    ".arrow": "arrow", ".feather": "arrow", ".ipc": "arrow",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".csv": "csv", ".tsv": "tsv",
    ".json": "squad",
}
_COMPRESSIBLE = ("jsonl", "csv", "tsv", "msmarco-triples", "msmarco-ids", "squad")
_GLOB_CHARS = re.compile(r"[*?\[]")
MSMARCO_TRIPLES_COLUMNS = ("query", "positive", "negative")
MSMARCO_IDS_COLUMNS = ("qid", "query", "pos_id", "positive", "neg_id", "negative")

SQUAD_SCHEMA = pa.schema([
    ("id", pa.string()),
    ("title", pa.string()),
    ("context", pa.string()),
    ("question", pa.string()),
    ("answers", pa.struct([("text", pa.list_(pa.string())),
                           ("answer_start", pa.list_(pa.int32()))])),
])
"""The schema of a ``squad`` source: Hugging Face ``datasets``' ``squad`` features."""


# -- options and bookkeeping ------------------------------------------------------------------


@dataclass(frozen=True)
class ReadOptions:
    """How to read a source; checked on construction (``ConfigError``).

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
            _check_format_options(self.format, self)


def _check_format_options(fmt: str, opts: ReadOptions) -> None:
    if fmt == "msmarco-ids":
        missing = [k for k in ("collection", "queries") if getattr(opts, k) is None]
        if missing:
            raise ConfigError("format msmarco-ids needs both collection (pid<TAB>passage) and "
                              f"queries (qid<TAB>query); missing: {', '.join(missing)}")
    elif opts.collection is not None or opts.queries is not None:
        raise ConfigError(f"collection and queries apply to format msmarco-ids only, not {fmt}")
    want = {"msmarco-triples": 3, "msmarco-ids": 6}.get(fmt)
    if want and opts.column_names is not None and len(opts.column_names) != want:
        raise ConfigError(f"format {fmt} has {want} columns; column_names gives "
                          f"{len(opts.column_names)}")
    if opts.column_names is not None and fmt in ("parquet", "arrow", "jsonl", "squad"):
        raise ConfigError(f"column_names applies to csv, tsv and msmarco formats, not {fmt}")


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


@dataclass(frozen=True)
class SourceFile:
    """One input file: ``path`` (a local path, or a URL with its protocol), ``size`` in
    bytes, ``mtime_ns`` (0 where the filesystem has no modification time)."""

    path: str
    size: int
    mtime_ns: int

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "mtime_ns": self.mtime_ns}


class _File:
    """A file to read: local (``fs is None``) or on an fsspec filesystem."""

    def __init__(self, info: SourceFile, fs: Any = None, raw: str | None = None):
        self.info, self.fs, self.raw = info, fs, raw if raw is not None else info.path
        self.name = info.path
        self.gzip = info.path.lower().endswith(".gz")

    @property
    def local(self) -> bool:
        return self.fs is None

    @contextlib.contextmanager
    def open(self) -> Iterator[Any]:
        """A binary Python file, gunzipped for ``.gz``."""
        with contextlib.ExitStack() as stack:
            opener = open if self.local else self.fs.open
            f = stack.enter_context(opener(self.raw, "rb"))
            if self.gzip:
                f = stack.enter_context(gzip.GzipFile(fileobj=f, mode="rb"))
            yield f

    @contextlib.contextmanager
    def arrow_stream(self) -> Iterator[Any]:
        """A pyarrow input stream (native for local files), gunzipped for ``.gz``."""
        if self.local:
            stream = pa.input_stream(self.raw, compression="gzip" if self.gzip else None)
            with stream:
                yield stream
            return
        with self.fs.open(self.raw, "rb") as f:
            stream = pa.PythonFile(f, mode="r")
            if self.gzip:
                stream = pa.CompressedInputStream(stream, "gzip")
            yield stream

    @contextlib.contextmanager
    def random_access(self, mmap: bool = False) -> Iterator[Any]:
        """A seekable pyarrow file (memory-mapped when asked and local)."""
        if self.local:
            f = pa.memory_map(self.raw, "r") if mmap else pa.OSFile(self.raw, "rb")
            with f:
                yield f
            return
        with self.fs.open(self.raw, "rb") as raw:
            yield pa.PythonFile(raw, mode="r")


_READ_ERRORS = (pa.ArrowException, OSError, EOFError, zlib.error, UnicodeDecodeError)


@contextlib.contextmanager
def _reading(name: str, what: str = "read error") -> Iterator[None]:
    """Turn pyarrow / I/O errors into an InputError naming the file."""
    try:
        yield
    except _READ_ERRORS as e:
        raise InputError(f"{name}: {what}: {_clean(e)}") from None


def _clean(e: BaseException) -> str:
    msg = str(e).strip() or type(e).__name__
    return msg.splitlines()[0] if "\n" in msg and len(msg) > 300 else msg


# -- the source --------------------------------------------------------------------------------


@dataclass
class _Probe:
    """A file's own schema (None: empty file) and what the reader learnt opening it."""

    schema: pa.Schema | None
    num_rows: int | None = None
    wildcards: frozenset[str] = frozenset()   # columns whose type the file does not fix
    names: tuple[str, ...] | None = None      # CSV: the file's column order


class Source:
    """An opened input: its files, their common schema, and fresh passes over them.

    ``files`` are :class:`SourceFile`s in reading order; ``schema`` is the schema of every
    batch (the first file's; other files are cast to it where only ``string`` versus
    ``large_string`` differs, and reordered by name); ``num_rows`` is known without
    reading for Parquet and Arrow IPC files (else None); ``size_bytes`` is the files'
    total size (for ``msmarco-ids`` without the collection and queries). ``bad_rows``
    counts what ``on_bad_row="skip"`` dropped in the current pass.

    Not thread-safe: run one pass at a time (``bad_rows`` is per source).
    """

    def __init__(self, spec: str, fmt: str, files: list[_File], options: ReadOptions,
                 reader: _Reader):
        self.spec, self.format, self.options = spec, fmt, options
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
        o = self.options
        opts: dict[str, Any] = {"on_bad_row": o.on_bad_row}
        if self.format in ("csv", "tsv"):
            opts["header"] = o.header
        if self.format in ("csv", "tsv", "msmarco-triples", "msmarco-ids"):
            opts["column_names"] = list(self._reader.column_names_for_fingerprint())
        if self.format == "msmarco-ids":
            for key in ("collection", "queries"):
                opts[key] = _local_or_url_info(getattr(o, key)).to_dict()
        return {"version": READER_VERSION, "format": self.format, "options": opts,
                "files": [f.to_dict() for f in self.files]}


def _guard(batches: Iterable[pa.RecordBatch], name: str) -> Iterator[pa.RecordBatch]:
    """Re-raise read errors in the middle of a file as InputError naming it."""
    it = iter(batches)
    while True:
        try:
            with _reading(name):
                batch = next(it)
        except StopIteration:
            return
        yield batch


def _check_schema(name: str, probe: _Probe, base: str, want: pa.Schema) -> None:
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
    """``batch`` with exactly ``schema`` (column order, string widths, metadata)."""
    if batch.schema.equals(schema, check_metadata=True):
        return batch
    cols = []
    for f in schema:
        col = batch.column(batch.schema.get_field_index(f.name))
        cols.append(col if col.type.equals(f.type) else col.cast(f.type))
    return pa.RecordBatch.from_arrays(cols, schema=schema)


def _slices(batch: pa.RecordBatch, rows: int) -> Iterator[pa.RecordBatch]:
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


# -- finding files -----------------------------------------------------------------------------


def detect_format(path: str | os.PathLike[str]) -> str:
    """Input format from the file extension (a ``.gz`` suffix is looked through).

    >>> detect_format("train.jsonl.gz"), detect_format("part-0.pq")
    ('jsonl', 'parquet')
    """
    name = os.fspath(path).rstrip("/").rsplit("/", 1)[-1].lower()
    inner = name[:-3] if name.endswith(".gz") else name
    suffix = os.path.splitext(inner)[1]
    fmt = _EXTENSIONS.get(suffix)
    if fmt is None:
        raise InputError(
            f"{os.fspath(path)}: cannot tell the format from the extension "
            f"{os.path.splitext(name)[1]!r}; pass --input-format ({', '.join(READ_FORMATS)})"
        )
    if inner != name and fmt not in _COMPRESSIBLE:
        raise InputError(f"{os.fspath(path)}: a gzip-compressed {fmt} file cannot be read; "
                         "unpack it first")
    return fmt


def _known(name: str) -> bool:
    base = name.rstrip("/").rsplit("/", 1)[-1]
    if base.startswith((".", "_")):
        return False
    try:
        detect_format(base)
    except InputError:
        return False
    return True


def _mtime_ns(info: dict[str, Any]) -> int:
    for key in ("mtime", "LastModified", "last_modified", "updated", "modified", "created"):
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            try:
                value = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
        if isinstance(value, _dt.datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=_dt.timezone.utc)
            return round(value.timestamp() * 1e9)
        if isinstance(value, (int, float)):
            return round(float(value) * 1e9)
    return 0


def _fsspec() -> Any:
    try:
        import fsspec
    except ImportError:
        raise ConfigError("reading URLs needs fsspec (and its filesystem's package, "
                          "e.g. s3fs): pip install fsspec") from None
    return fsspec


def _expand(spec: str, exclude: set[str]) -> list[_File]:
    if "://" in spec:
        return _expand_url(spec, exclude)
    return _expand_local(spec, exclude)


def _local_file(path: str) -> _File:
    try:
        st = os.stat(path)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    return _File(SourceFile(path, st.st_size, st.st_mtime_ns))


def _expand_local(spec: str, exclude: set[str]) -> list[_File]:
    if os.path.isdir(spec):
        paths = []
        for root, dirs, names in os.walk(spec):
            dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
            paths.extend(os.path.join(root, n) for n in names if _known(n))
        kept = sorted(p for p in paths if os.path.abspath(p) not in exclude)
        if not kept:
            raise InputError(f"{spec}: the directory holds no input file (extensions "
                             f"{', '.join(sorted(_EXTENSIONS))}, optionally .gz)")
        return [_local_file(p) for p in kept]
    if os.path.exists(spec):
        if not os.path.isfile(spec):
            raise InputError(f"{spec}: not a regular file")
        return [_local_file(spec)]
    if _GLOB_CHARS.search(spec):
        matches = sorted(m for m in glob.glob(spec, recursive=True)
                         if os.path.isfile(m) and os.path.abspath(m) not in exclude)
        if not matches:
            raise InputError(f"{spec}: no file matches")
        return [_local_file(p) for p in matches]
    raise InputError(f"{spec}: no such file or directory")


def _expand_url(spec: str, exclude: set[str]) -> list[_File]:
    fsspec = _fsspec()
    try:
        fs, path = fsspec.core.url_to_fs(spec)
    except (ImportError, ValueError) as e:
        raise ConfigError(f"{spec}: cannot open this URL: {e}") from None
    protocols = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    if "file" in protocols or "local" in protocols:
        return _expand_local(path, exclude)
    with _reading(spec, "cannot list"):
        if _GLOB_CHARS.search(path) and not fs.exists(path):
            infos = fs.glob(path, detail=True)
            found = {p: i for p, i in infos.items() if i.get("type") == "file"}
            if not found:
                raise InputError(f"{spec}: no file matches")
        elif fs.isdir(path):
            infos = fs.find(path, detail=True)
            found = {p: i for p, i in infos.items()
                     if i.get("type") == "file" and _known(p)
                     and not any(part.startswith((".", "_"))
                                 for part in p[len(path.rstrip("/")):].split("/")[:-1])}
            if not found:
                raise InputError(f"{spec}: the directory holds no input file")
        elif fs.exists(path):
            found = {path: fs.info(path)}
        else:
            raise InputError(f"{spec}: no such file or directory")
    files = []
    for p in sorted(found):
        url = fs.unstrip_protocol(p)
        if url in exclude:
            continue
        info = found[p]
        files.append(_File(SourceFile(url, int(info.get("size") or 0), _mtime_ns(info)),
                           fs, p))
    return files


def _local_or_url_info(path: str) -> SourceFile:
    files = _expand(path, set()) if "://" in path else [_local_file(path)]
    if len(files) != 1:
        raise InputError(f"{path}: expected one file, found {len(files)}")
    return files[0].info


def _open_one(path: str, what: str) -> _File:
    """The collection / queries file of msmarco-ids."""
    if "://" in path:
        files = _expand_url(path, set())
        if len(files) != 1:
            raise InputError(f"{path}: {what} must be one file, found {len(files)}")
        return files[0]
    if not os.path.isfile(path):
        raise InputError(f"{path}: {what}: no such file" if not os.path.exists(path)
                         else f"{path}: {what}: not a regular file")
    return _local_file(path)


def open_source(spec: str | os.PathLike[str], options: ReadOptions | None = None) -> Source:
    """Open a file, a directory (every file with a known extension below it, recursively,
    sorted by path; names starting with ``.`` or ``_`` are skipped), a glob (sorted) or an
    fsspec URL (``s3://``, ``memory://``, ``file://``; needs ``pip install fsspec``).

    Every file is probed here (Parquet/Arrow footers, CSV headers, the first MiB of a
    JSONL file), so a missing file, a mixed format or a mismatched schema fails before
    any batch is read.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.tsv").write_text('q\\tp\\nwho "is"\\tit\\n')
    >>> src = open_source(d / "*.tsv")
    >>> src.format, src.schema.names, next(src.batches()).column("q").to_pylist()
    ('tsv', ['q', 'p'], ['who "is"'])
    """
    options = options or ReadOptions()
    spec_str = os.fspath(spec)
    if not spec_str:
        raise InputError("empty input path")
    exclude: set[str] = set()
    for extra in (options.collection, options.queries):
        if extra is not None:
            exclude.add(extra if "://" in extra else os.path.abspath(extra))
    files = _expand(spec_str, exclude)
    if not files:
        raise InputError(f"{spec_str}: no input file")
    fmt = options.format
    if fmt is None:
        seen: dict[str, str] = {}
        for f in files:
            seen.setdefault(detect_format(f.name), f.name)
        if len(seen) > 1:
            parts = ", ".join(f"{n} is {k}" for k, n in seen.items())
            raise InputError(f"{spec_str}: files of different formats ({parts}); "
                             "one source holds one format")
        fmt = next(iter(seen))
        _check_format_options(fmt, options)
    for f in files:
        if f.gzip and fmt not in _COMPRESSIBLE:
            raise InputError(f"{f.name}: a gzip-compressed {fmt} file cannot be read")
    reader = _make_reader(fmt, options)
    return Source(spec_str, fmt, files, options, reader)


def _make_reader(fmt: str, options: ReadOptions) -> _Reader:
    if fmt == "parquet":
        return _ParquetReader(options)
    if fmt == "arrow":
        return _ArrowReader(options)
    if fmt == "jsonl":
        return _JsonlReader(options)
    if fmt == "squad":
        return _SquadReader(options)
    if fmt == "msmarco-ids":
        return _MsmarcoIdsReader(options)
    return _CsvReader(fmt, options)


# -- readers -----------------------------------------------------------------------------------


class _Reader:
    rebatch = True

    def __init__(self, options: ReadOptions):
        self.options = options
        self.skip = options.on_bad_row == "skip"

    def probe(self, f: _File) -> _Probe:  # pragma: no cover - abstract
        raise NotImplementedError

    def read(self, f: _File, probe: _Probe, schema: pa.Schema,
             bad: BadRows) -> Iterator[pa.RecordBatch]:  # pragma: no cover - abstract
        raise NotImplementedError

    def empty_schema(self) -> pa.Schema | None:
        """The schema when every file is empty, where the format fixes it."""
        return None

    def column_names_for_fingerprint(self) -> tuple[str, ...]:
        return self.options.column_names or ()


_BIG_ROW_GROUP = 256 << 20


class _ParquetReader(_Reader):
    """Parquet, row group by row group (never the whole file).

    A row group is read whole and sliced into batches: memory stays flat over a long
    file, where pyarrow's ``iter_batches`` grows the process by about 150 MB per GB
    read (measured). A row group larger than ``_BIG_ROW_GROUP`` uncompressed bytes is
    streamed with ``iter_batches`` instead, so one huge row group is never all in memory.
    """

    rebatch = False

    def probe(self, f: _File) -> _Probe:
        with _reading(f.name, "not a readable Parquet file"), f.random_access() as src:
            meta = pq.ParquetFile(src)
            return _Probe(meta.schema_arrow, meta.metadata.num_rows)

    def read(self, f, probe, schema, bad):
        rows = self.options.batch_rows
        with f.random_access() as src:
            pf = pq.ParquetFile(src)
            for i in range(pf.num_row_groups):
                if pf.metadata.row_group(i).total_byte_size > _BIG_ROW_GROUP:
                    yield from pf.iter_batches(batch_size=rows, row_groups=[i],
                                               use_threads=True)
                else:
                    table = pf.read_row_group(i, use_threads=True)
                    yield from table.to_batches(max_chunksize=rows)
                    del table


class _ArrowReader(_Reader):
    """Arrow IPC file (Feather v2) or stream; local files are memory-mapped and every
    batch borrows the mapping (slicing to ``batch_rows`` copies nothing)."""

    rebatch = False

    @staticmethod
    def _open(f: _File, src: Any) -> tuple[Any, bool]:
        head = src.read(6)
        src.seek(0)
        try:
            return pa.ipc.open_file(src), True
        except pa.ArrowInvalid as e:
            if head == b"ARROW1":
                raise InputError(f"{f.name}: truncated or corrupt Arrow IPC file: "
                                 f"{_clean(e)}") from None
        src.seek(0)
        try:
            return pa.ipc.open_stream(src), False
        except pa.ArrowInvalid as e:
            raise InputError(f"{f.name}: not an Arrow IPC file or stream: {_clean(e)}") from None

    def probe(self, f: _File) -> _Probe:
        with _reading(f.name, "cannot read as Arrow IPC"), f.random_access(mmap=True) as src:
            reader, is_file = self._open(f, src)
            rows = None
            if is_file:
                rows = (reader.count_rows() if hasattr(reader, "count_rows") else
                        sum(reader.get_batch(i).num_rows
                            for i in range(reader.num_record_batches)))
            return _Probe(reader.schema, rows)

    def read(self, f, probe, schema, bad):
        with f.random_access(mmap=True) as src:
            reader, is_file = self._open(f, src)
            if is_file:
                for i in range(reader.num_record_batches):
                    yield reader.get_batch(i)
            else:
                yield from reader


def _fix_json_type(t: pa.DataType) -> pa.DataType:
    """Inferred JSON types made stable: null and timestamp (from strings) -> string."""
    if pa.types.is_null(t) or pa.types.is_timestamp(t):
        return pa.string()
    if pa.types.is_struct(t):
        return pa.struct([pa.field(x.name, _fix_json_type(x.type)) for x in t])
    if pa.types.is_list(t):
        return pa.list_(_fix_json_type(t.value_type))
    return t


_JSON_CHANGED = re.compile(r"Column\((.*?)\) changed from (\w+) to (\w+)")
_JSON_TWICE = re.compile(r"Column\((.*?)\) was specified twice")


class _JsonlReader(_Reader):
    """JSON Lines: the file is read in :data:`JSON_BLOCK_BYTES` blocks cut after a newline
    and each block is parsed by ``pyarrow.json.read_json`` with one explicit schema (the
    first file's, inferred from its first :data:`JSON_SAMPLE_BYTES`; null and timestamp
    columns become string). Blank lines are fine. A block that fails is split in halves
    until the bad lines are found (error path only), giving ``file:LINE: reason``; a field
    not in the schema is a bad line too."""

    def __init__(self, options: ReadOptions):
        super().__init__(options)
        self._schema: pa.Schema | None = None
        self._base: str | None = None

    def probe(self, f: _File) -> _Probe:
        with _reading(f.name), f.open() as fh:
            sample = fh.read(JSON_SAMPLE_BYTES)
            while sample and b"\n" not in sample[-JSON_SAMPLE_BYTES:]:
                more = fh.read(JSON_SAMPLE_BYTES)
                if not more:
                    break
                sample += more
        sample = sample.removeprefix(b"\xef\xbb\xbf")
        cut = sample.rfind(b"\n")
        if cut >= 0 and len(sample) >= JSON_SAMPLE_BYTES:
            sample = sample[:cut + 1]
        if not sample or sample.isspace():
            return _Probe(None)
        try:
            raw = _infer_json(sample)
        except (pa.ArrowInvalid, UnicodeDecodeError):
            raw = _infer_json_prefix(f.name, sample)
        schema = pa.schema([pa.field(x.name, _fix_json_type(x.type)) for x in raw])
        wild = frozenset(x.name for x in raw if pa.types.is_null(x.type))
        if self._schema is None:
            self._schema, self._base = schema, f.name
        return _Probe(schema, None, wild)

    def read(self, f, probe, schema, bad):
        opts = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error")
        line_base = 0
        carry = b""
        first = True
        with f.open() as fh:
            while True:
                chunk = fh.read(JSON_BLOCK_BYTES)
                if first:
                    chunk, first = chunk.removeprefix(b"\xef\xbb\xbf"), False
                if chunk:
                    data = carry + chunk if carry else chunk
                    cut = data.rfind(b"\n")
                    if cut < 0:
                        carry = data
                        continue
                    block, carry = data[:cut + 1], data[cut + 1:]
                else:
                    block, carry = carry, b""
                if block and not block.isspace():
                    yield from self._parse(f.name, block, line_base, opts, schema, bad)
                line_base += block.count(b"\n")
                if not chunk:
                    return

    def _parse(self, name, block, line_base, opts, schema, bad):
        try:
            table = _read_json(block, opts)
        except (pa.ArrowInvalid, UnicodeDecodeError):
            yield from self._salvage(name, block, line_base, opts, schema, bad)
            return
        yield from table.to_batches()

    def _salvage(self, name, block, line_base, opts, schema, bad):
        """Error path: split the failing block until the bad lines are single lines."""
        lines = block.split(b"\n")
        stack = [(0, len(lines))]
        while stack:
            lo, hi = stack.pop()
            chunk = b"\n".join(lines[lo:hi])
            if not chunk or chunk.isspace():
                continue
            try:
                table = _read_json(chunk, opts)
            except (pa.ArrowInvalid, UnicodeDecodeError) as e:
                if hi - lo == 1:
                    reason = _json_reason(lines[lo], e, schema, self._base or name)
                    if not self.skip:
                        raise InputError(f"{name}:{line_base + lo + 1}: {reason}") from None
                    bad.add(name, line_base + lo + 1, reason)
                    continue
                mid = (lo + hi) // 2
                stack.append((mid, hi))   # right half after the left one
                stack.append((lo, mid))
                continue
            yield from table.to_batches()


def _read_json(data: bytes, opts: pa_json.ParseOptions) -> pa.Table:
    try:
        table = pa_json.read_json(io.BytesIO(data), parse_options=opts,
                                  read_options=pa_json.ReadOptions(block_size=1 << 20,
                                                                   use_threads=False))
    except pa.ArrowInvalid as e:
        if "straddl" not in str(e):
            raise
        # a line longer than 1 MiB: one block for the whole chunk
        table = pa_json.read_json(io.BytesIO(data), parse_options=opts,
                                  read_options=pa_json.ReadOptions(block_size=len(data) + 1,
                                                                   use_threads=False))
    # pyarrow's JSON parser copies string bytes without checking UTF-8: an invalid byte
    # would reach the output as an invalid string. Full validation raises ArrowInvalid,
    # which sends the block down the error path (``file:LINE: not valid UTF-8``).
    table.validate(full=True)
    return table


def _infer_json(data: bytes) -> pa.Schema:
    return _read_json(data, pa_json.ParseOptions()).schema


def _infer_json_prefix(name: str, sample: bytes) -> pa.Schema:
    """Error path of schema inference: the schema of the longest run of leading JSON
    object lines that pyarrow infers (bad lines are reported when read)."""
    good = [ln for ln in sample.split(b"\n") if _json_object(ln) and _arrow_parses(ln)]
    lo, hi = 0, len(good)   # good[:lo] infers (best); good[:hi + 1] does not
    best: pa.Schema | None = None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            best, lo = _infer_json(b"\n".join(good[:mid])), mid
        except (pa.ArrowInvalid, UnicodeDecodeError):
            hi = mid - 1
    if lo == 0 or best is None:
        raise InputError(f"{name}: no JSON object to infer a schema from in its first "
                         f"{len(sample):,} bytes")
    return best


def _arrow_parses(line: bytes) -> bool:
    try:
        _infer_json(line)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return False
    return True


def _json_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


_JSON_KINDS = {"string": "a string", "number": "a number", "boolean": "a boolean",
               "null": "null", "object": "an object", "array": "an array"}


def _json_reason(line: bytes, err: BaseException, schema: pa.Schema, base: str) -> str:
    """Why one JSONL line fails, in words (error path)."""
    try:
        obj = json.loads(line)
    except UnicodeDecodeError as e:
        return f"not valid UTF-8 (byte {e.start + 1} of the line)"
    except json.JSONDecodeError as e:
        return f"invalid JSON at column {e.colno}: {e.msg}"
    if not isinstance(obj, dict):
        return f"expected a JSON object, found {type(obj).__name__}"
    extra = [k for k in obj if schema.get_field_index(k) < 0]
    if extra:
        return (f"field {extra[0]!r} is not in the schema (inferred from the first rows of "
                f"{base}: {', '.join(schema.names)})")
    msg = str(err)
    m = _JSON_CHANGED.search(msg)
    if m:
        path = m.group(1).lstrip("/").split("/")
        found = _JSON_KINDS.get(m.group(3), m.group(3))
        want: Any = m.group(2)
        with contextlib.suppress(KeyError, TypeError, AttributeError):
            t = schema.field(path[0]).type
            for part in path[1:]:
                t = t.value_type if pa.types.is_list(t) else t.field(part).type
            want = t
        return (f"field {'.'.join(path)!r} is {found} here but {want} in the schema "
                f"(inferred from the first rows of {base})")
    m = _JSON_TWICE.search(msg)
    if m:
        return f"field {m.group(1).lstrip('/')!r} appears twice"
    return msg.replace("JSON parse error: ", "").replace(" in row 0", "").strip()


_ROW_NUMBER = re.compile(r"Row #(\d+)")


class _CsvReader(_Reader):
    """CSV (comma, ``"`` quotes, values may span lines) and TSV (tab, no quoting: MS MARCO
    text holds quotes) through ``pyarrow.csv.open_csv``, every column as ``string``; blank
    lines are skipped. A row with the wrong number of fields is ``file:LINE: expected N
    fields, found M`` (pyarrow counts records; the line is recovered from the file on the
    error path, and for skipped rows once per file)."""

    def __init__(self, fmt: str, options: ReadOptions):
        super().__init__(options)
        self.fmt = fmt
        self.quoted = fmt == "csv"
        self.delimiter = "," if fmt == "csv" else "\t"
        self.header = options.header if fmt in ("csv", "tsv") else False
        self.fixed_names: tuple[str, ...] | None = options.column_names
        if fmt == "msmarco-triples":
            self.fixed_names = options.column_names or MSMARCO_TRIPLES_COLUMNS

    def column_names_for_fingerprint(self) -> tuple[str, ...]:
        return self.fixed_names or ()

    def _parse_options(self, handler: Any = None) -> pa_csv.ParseOptions:
        return pa_csv.ParseOptions(
            delimiter=self.delimiter, quote_char='"' if self.quoted else False,
            double_quote=self.quoted, escape_char=False, newlines_in_values=self.quoted,
            ignore_empty_lines=True, invalid_row_handler=handler)

    def empty_schema(self) -> pa.Schema | None:
        if self.fixed_names is None:
            return None
        return pa.schema([(n, pa.string()) for n in self.fixed_names])

    def probe(self, f: _File) -> _Probe:
        if self.fixed_names is not None:
            names = self.fixed_names
            with _reading(f.name), f.open() as fh:
                empty = not fh.read(1)
        else:
            names, empty = self._peek_names(f)
        if empty:
            return _Probe(None)
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise InputError(f"{f.name}:1: the header repeats column "
                             f"{', '.join(map(repr, dup))}")
        return _Probe(pa.schema([(n, pa.string()) for n in names]), names=tuple(names))

    def _peek_names(self, f: _File) -> tuple[tuple[str, ...], bool]:
        block = 1 << 20
        while True:
            ro = pa_csv.ReadOptions(use_threads=False, block_size=block,
                                    autogenerate_column_names=not self.header)
            try:
                with f.arrow_stream() as stream:
                    reader = pa_csv.open_csv(stream, read_options=ro,
                                             parse_options=self._parse_options(lambda r: "skip"))
                    return tuple(reader.schema.names), False
            except pa.ArrowInvalid as e:
                # pyarrow says "Empty CSV file or block" (or "straddling") when the first
                # row does not fit in a block: retry with a larger one, else it is empty
                if _row_too_long(e) and block < _MAX_CSV_BLOCK and _longer_than(f, block):
                    block *= 4
                    continue
                if "Empty CSV file" in str(e):
                    return (), True
                raise InputError(f"{f.name}: cannot read the first line: {_clean(e)}") from None
            except _READ_ERRORS as e:
                raise InputError(f"{f.name}: read error: {_clean(e)}") from None

    def _records(self, f: _File, probe: _Probe, schema: pa.Schema, bad: BadRows,
                 ) -> Iterator[tuple[pa.RecordBatch, list[int], int]]:
        """Batches of the file as strings, with the sorted record numbers skipped so far
        and the number of rows before the batch. Bad rows are raised or counted here."""
        names = list(probe.names or schema.names)
        invalid: list[tuple[int | None, int, int, str]] = []

        def handler(row: Any) -> str:
            invalid.append((row.number, row.expected_columns, row.actual_columns, row.text))
            return "skip"

        co = pa_csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                   strings_can_be_null=False)
        skipped: list[int] = []
        pending: list[tuple[int, int]] = []   # (example index, record) to resolve
        rows_before = 0
        taken = 0   # highest record number of a bad row handled (a retry meets them again)
        block = CSV_BLOCK_BYTES
        try:
            while True:
                ro = pa_csv.ReadOptions(use_threads=False, block_size=block,
                                        column_names=names, skip_rows=1 if self.header else 0)
                rows_read = 0
                try:
                    with f.arrow_stream() as stream:
                        reader = pa_csv.open_csv(stream, read_options=ro,
                                                 parse_options=self._parse_options(handler),
                                                 convert_options=co)
                        while True:
                            try:
                                batch = reader.read_next_batch()
                            except StopIteration:
                                batch = None
                            invalid[:] = [x for x in invalid if x[0] is None or x[0] > taken]
                            taken = max([taken] + [x[0] for x in invalid if x[0] is not None])
                            self._take_invalid(f, invalid, skipped, pending, bad)
                            if batch is None:
                                break
                            rows_read += batch.num_rows
                            if rows_read > rows_before:   # rows an earlier try did not yield
                                batch = batch.slice(batch.num_rows - (rows_read - rows_before))
                                yield batch, skipped, rows_before
                                rows_before += batch.num_rows
                    return
                except pa.ArrowInvalid as e:
                    # A row longer than the block: read the file again with a larger block,
                    # skipping the rows already yielded (rare: rows of several MiB).
                    if (not _row_too_long(e) or block >= _MAX_CSV_BLOCK
                            or not _longer_than(f, block)):
                        raise
                    invalid.clear()
                    block *= 4
        except pa.ArrowInvalid as e:
            m = _ROW_NUMBER.search(str(e))
            msg = _clean(e)
            if m:
                msg = msg.split(m.group(0) + ": ", 1)[-1]
                line = self._lines(f, [int(m.group(1))])[int(m.group(1))]
                col = re.search(r"column #(\d+)", str(e))
                where = f"column {names[int(col.group(1))]!r}: " if col else ""
                raise InputError(f"{f.name}:{line}: {where}{msg}") from None
            if _row_too_long(e):
                msg = f"a row longer than {block >> 20} MiB, or a quote never closed ({msg})"
            raise InputError(f"{f.name}: {msg}") from None
        finally:
            if pending:
                self._resolve(f, pending, bad)

    def _take_invalid(self, f, invalid, skipped, pending, bad):
        for number, expected, actual, _text in invalid:
            reason = f"expected {expected} fields, found {actual}"
            if number is None:  # pragma: no cover - only with use_threads
                raise InputError(f"{f.name}: {reason}")
            if not self.skip:
                line = self._lines(f, [number])[number]
                raise InputError(f"{f.name}:{line}: {reason}")
            bisect.insort(skipped, number)
            idx = len(bad.examples)
            bad.add(f.name, number, reason)   # the record number until resolved
            if idx < len(bad.examples):
                pending.append((idx, number))
        invalid.clear()

    def _resolve(self, f, pending, bad):
        """Turn the record numbers of this file's examples into line numbers."""
        lines = self._lines(f, [n for _, n in pending])
        for idx, number in pending:
            if idx < len(bad.examples) and bad.examples[idx][:2] == (f.name, number):
                bad.examples[idx] = (f.name, lines.get(number, number), bad.examples[idx][2])
        pending.clear()

    def read(self, f, probe, schema, bad):
        for batch, _skipped, _before in self._records(f, probe, schema, bad):
            yield batch

    def _lines(self, f: _File, records: list[int]) -> dict[int, int]:
        return _record_lines(f, records, self.quoted, self.delimiter)


_MAX_CSV_BLOCK = 256 << 20   # largest pyarrow.csv block tried for one long row


def _row_too_long(e: BaseException) -> bool:
    """pyarrow.csv's words for a row that does not fit in one block."""
    msg = str(e)
    return "straddl" in msg or "Empty CSV file or block" in msg


def _longer_than(f: _File, n: int) -> bool:
    """The (decompressed) file holds more than ``n`` bytes."""
    with _reading(f.name), f.open() as fh:
        while n >= 0:
            piece = fh.read(min(n + 1, 8 << 20))
            if not piece:
                return False
            n -= len(piece)
        return True


def _record_lines(f: _File, records: list[int], quoted: bool,
                  delimiter: str) -> dict[int, int]:
    """Line numbers (1-based) of pyarrow CSV record numbers (1-based, a header counted,
    blank lines not): one scan with the csv module, on the error path only."""
    want = set(records)
    last = max(want)
    out: dict[int, int] = {}
    old = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        with f.open() as fh:
            text = io.TextIOWrapper(fh, encoding="utf-8", errors="replace", newline="")
            if quoted:
                rows = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True,
                                  strict=False)
            else:
                rows = csv.reader(text, delimiter=delimiter, quoting=csv.QUOTE_NONE)
            record, end = 0, 0
            for row in rows:
                start, end = end + 1, rows.line_num
                if not row:
                    continue
                record += 1
                if record in want:
                    out[record] = start
                    if record >= last:
                        break
    except (csv.Error, OSError, EOFError, zlib.error):  # pragma: no cover - best effort
        pass
    finally:
        csv.field_size_limit(old)
    return {r: out.get(r, r) for r in want}


class _Lookup:
    """An MS MARCO ``id<TAB>text`` file held as Arrow (memory: about its size plus 16
    bytes per row): int64 ids sorted once, the text as one array. Duplicate ids: the
    first row wins."""

    def __init__(self, f: _File, what: str):
        self.name = os.path.basename(f.name.rstrip("/"))
        invalid: list[tuple[int | None, int, int]] = []

        def handler(row: Any) -> str:
            invalid.append((row.number, row.expected_columns, row.actual_columns))
            return "skip"

        ro = pa_csv.ReadOptions(use_threads=False, block_size=16 << 20,
                                column_names=["id", "text"])
        po = pa_csv.ParseOptions(delimiter="\t", quote_char=False, double_quote=False,
                                 escape_char=False, invalid_row_handler=handler)
        co = pa_csv.ConvertOptions(column_types={"id": pa.int64(), "text": pa.string()},
                                   strings_can_be_null=False)
        try:
            with f.arrow_stream() as stream:
                table = pa_csv.read_csv(stream, read_options=ro, parse_options=po,
                                        convert_options=co)
        except pa.ArrowInvalid as e:
            if "Empty CSV file" in str(e):
                table = pa.table({"id": pa.array([], pa.int64()),
                                  "text": pa.array([], pa.string())})
            else:
                m = _ROW_NUMBER.search(str(e))
                at = f":{_tsv_line(f, int(m.group(1)))}" if m else ""
                raise InputError(f"{f.name}{at}: {what}: {_clean(e).split(': ', 2)[-1]}"
                                 ) from None
        except _READ_ERRORS as e:
            raise InputError(f"{f.name}: {what}: {_clean(e)}") from None
        if invalid:
            number, expected, actual = invalid[0]
            at = f":{_tsv_line(f, number)}" if number is not None else ""
            raise InputError(f"{f.name}{at}: {what}: expected {expected} fields, found {actual}")
        ids = table.column("id").to_numpy()
        text = table.column("text")
        if text.num_chunks != 1:
            if sum(c.nbytes for c in text.chunks) >= (1 << 31) - (1 << 20):
                text = text.cast(pa.large_string())
            text = text.combine_chunks()
        else:
            text = text.chunk(0)
        self.text: pa.Array = text
        self.order = np.argsort(ids, kind="stable")
        self.sorted_ids = ids[self.order]
        self.size = len(ids)

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row of each key and whether it was found (vectorised binary search)."""
        if self.size == 0:
            return np.zeros(len(keys), np.int64), np.zeros(len(keys), bool)
        pos = np.searchsorted(self.sorted_ids, keys)
        pos = np.minimum(pos, self.size - 1)
        found = self.sorted_ids[pos] == keys
        return self.order[pos], found

    def take(self, rows: np.ndarray) -> pa.Array:
        out = self.text.take(pa.array(rows, pa.int64()))
        return out if out.type == pa.string() else out.cast(pa.string())


def _tsv_line(f: _File, record: int) -> int:
    return _record_lines(f, [record], False, "\t")[record]


_INT_PATTERN = r"^[+-]?[0-9]{1,18}$"


class _MsmarcoIdsReader(_CsvReader):
    """``qid<TAB>pid_pos<TAB>pid_neg`` rows joined with ``collection`` (pid<TAB>passage)
    and ``queries`` (qid<TAB>query), both loaded once per source as Arrow (memory: about
    their size). The join is vectorised per batch (``np.searchsorted`` on the sorted ids,
    then ``take``). An id that is not an integer or not in its file is a bad row."""

    def __init__(self, options: ReadOptions):
        super().__init__("msmarco-ids", options)
        self.fixed_names = ("qid", "pos_id", "neg_id")
        self.out_names = options.column_names or MSMARCO_IDS_COLUMNS
        assert options.collection is not None and options.queries is not None
        self.collection = _Lookup(_open_one(options.collection, "collection"), "collection")
        self.queries = _Lookup(_open_one(options.queries, "queries"), "queries")
        self.schema = pa.schema([(n, pa.int64() if i % 2 == 0 else pa.string())
                                 for i, n in enumerate(self.out_names)])

    def column_names_for_fingerprint(self) -> tuple[str, ...]:
        return tuple(self.out_names)

    def empty_schema(self) -> pa.Schema:
        return self.schema

    def probe(self, f: _File) -> _Probe:
        p = super().probe(f)
        return p if p.schema is None else _Probe(self.schema, names=self.fixed_names)

    def read(self, f, probe, schema, bad):
        for batch, skipped, before in self._records(f, probe, schema, bad):
            yield self._join(f, batch, skipped, before, bad)

    def _join(self, f, batch, skipped, before, bad):
        n = batch.num_rows
        problem = np.zeros(n, bool)
        reasons: dict[int, str] = {}

        def flag(mask: np.ndarray, why) -> None:
            for i in np.flatnonzero(mask & ~problem)[: MAX_BAD_EXAMPLES + 1]:
                reasons[int(i)] = why(int(i))
            problem[mask] = True

        ids = []
        for k, label in enumerate(("query id", "positive passage id", "negative passage id")):
            col = batch.column(k)
            try:
                ids.append(pc.cast(col, pa.int64()).to_numpy())
                continue
            except pa.ArrowInvalid:
                pass
            ok = pc.match_substring_regex(col, _INT_PATTERN).to_numpy(zero_copy_only=False)
            flag(~ok, lambda i, c=col, lb=label: f"{lb} {c[i].as_py()!r} is not an integer")
            ids.append(pc.cast(pc.if_else(pa.array(ok), col, "0"), pa.int64()).to_numpy())
        qid, pos, neg = ids
        q_rows, q_ok = self.queries.find(qid)
        p_rows, p_ok = self.collection.find(pos)
        n_rows, n_ok = self.collection.find(neg)
        flag(~q_ok, lambda i: f"query id {qid[i]} not in {self.queries.name}")
        flag(~p_ok, lambda i: f"passage id {pos[i]} not in {self.collection.name}")
        flag(~n_ok, lambda i: f"passage id {neg[i]} not in {self.collection.name}")
        if problem.any():
            bad_idx = np.flatnonzero(problem)
            records = [self._record(before + int(i), skipped) for i in bad_idx]
            if not self.skip:
                line = self._lines(f, [records[0]])[records[0]]
                raise InputError(f"{f.name}:{line}: {reasons[int(bad_idx[0])]}")
            room = MAX_BAD_EXAMPLES - len(bad.examples)
            lines = self._lines(f, records[:room]) if room > 0 else {}
            for i, rec in zip(bad_idx, records, strict=True):
                bad.add(f.name, lines.get(rec, rec), reasons.get(int(i), "bad ids"))
            keep = ~problem
            qid, pos, neg = qid[keep], pos[keep], neg[keep]
            q_rows, p_rows, n_rows = q_rows[keep], p_rows[keep], n_rows[keep]
        arrays = [pa.array(qid, pa.int64()), self.queries.take(q_rows),
                  pa.array(pos, pa.int64()), self.collection.take(p_rows),
                  pa.array(neg, pa.int64()), self.collection.take(n_rows)]
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _record(self, row: int, skipped: list[int]) -> int:
        """pyarrow record number (1-based) of the file's ``row``-th kept row (0-based)."""
        x = row + 1
        while True:
            y = row + 1 + bisect.bisect_right(skipped, x)
            if y == x:
                return x
            x = y


class _SquadReader(_Reader):
    """SQuAD v1.1 JSON (SQuAD, XQuAD, MLQA; ``.json`` or ``.json.gz``), one row per
    question in :data:`SQUAD_SCHEMA`. JSON needs the whole document: each pass parses the
    file with ``json`` and flattens it in one Python loop over the questions (building
    lists; about 0.1 s per 100k questions), then contexts and titles are taken per batch
    from one array per paragraph. ``title`` may be missing (``""``); ``id`` may be an
    integer (made a string)."""

    rebatch = False

    def probe(self, f: _File) -> _Probe:
        with _reading(f.name), f.open() as fh:
            empty = not fh.read(1)
        if empty:
            raise InputError(f"{f.name}: empty file, expected SQuAD JSON")
        return _Probe(SQUAD_SCHEMA)

    def empty_schema(self) -> pa.Schema:
        return SQUAD_SCHEMA

    def read(self, f, probe, schema, bad):
        with f.open() as fh:
            raw = fh.read()
        try:
            doc = json.loads(raw)
        except UnicodeDecodeError as e:
            line = raw.count(b"\n", 0, e.start) + 1
            column = e.start - raw.rfind(b"\n", 0, e.start)
            raise InputError(f"{f.name}:{line}: not valid UTF-8 (byte {column} of the line)"
                             ) from None
        except json.JSONDecodeError as e:
            raise InputError(f"{f.name}:{e.lineno}: invalid JSON at column {e.colno}: "
                             f"{e.msg}") from None
        del raw
        cols = _flatten_squad(f.name, doc, self.skip, bad)
        del doc
        ids, titles, contexts, questions, para, offsets, texts, starts = cols
        para_idx = pa.array(np.asarray(para, np.int64))
        ctx = pa.array(contexts, pa.string())
        ttl = pa.array(titles, pa.string())
        try:
            start_arr = pa.array(starts, pa.int32())
        except (pa.ArrowInvalid, OverflowError):
            raise InputError(f"{f.name}: an answer_start does not fit in int32") from None
        answers = pa.StructArray.from_arrays(
            [pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(texts, pa.string())),
             pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), start_arr)],
            fields=list(SQUAD_SCHEMA.field("answers").type))
        id_arr = pa.array(ids, pa.string())
        q_arr = pa.array(questions, pa.string())
        step = self.options.batch_rows
        for s in range(0, len(ids), step):
            idx = para_idx.slice(s, step)
            yield pa.RecordBatch.from_arrays(
                [id_arr.slice(s, step), ttl.take(idx), ctx.take(idx), q_arr.slice(s, step),
                 answers.slice(s, step)], schema=SQUAD_SCHEMA)


def _flatten_squad(name: str, doc: Any, skip: bool, bad: BadRows) -> tuple[list, ...]:
    """Lists of the SQuAD columns; bad questions raise or are counted (row = question
    number in the file, 1-based)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise InputError(f"{name}: not SQuAD JSON (expected an object with a 'data' list)")
    ids: list[str] = []
    questions: list[str] = []
    para: list[int] = []
    offsets: list[int] = [0]
    texts: list[str] = []
    starts: list[int] = []
    contexts: list[str] = []
    titles: list[str] = []
    row = 0

    def fail(where: str, what: str, n: int = 1) -> None:
        if not skip:
            raise InputError(f"{name}: {where}: {what}")
        for _ in range(n):
            bad.add(name, row + 1, f"{where}: {what}")

    for a, art in enumerate(doc["data"]):
        if not isinstance(art, dict) or not isinstance(art.get("paragraphs"), list):
            fail(f"data[{a}]", "expected an object with a 'paragraphs' list")
            continue
        title = art.get("title", "")
        if not isinstance(title, str):
            fail(f"data[{a}]", f"'title' is {type(title).__name__}, not a string")
            continue
        for p, par in enumerate(art["paragraphs"]):
            where = f"data[{a}].paragraphs[{p}]"
            if not isinstance(par, dict):
                fail(where, "expected an object")
                continue
            ctx, qas = par.get("context"), par.get("qas")
            if not isinstance(qas, list):
                fail(where, "'qas' is missing or not a list")
                continue
            if not isinstance(ctx, str):
                fail(where, "'context' is missing or not a string", max(len(qas), 1))
                row += len(qas)
                continue
            pi = len(contexts)
            contexts.append(ctx)
            titles.append(title)
            for q, qa in enumerate(qas):
                try:
                    qid, question, answers = qa["id"], qa["question"], qa["answers"]
                    a_text = [x["text"] for x in answers]
                    a_start = [x["answer_start"] for x in answers]
                    ok = (type(question) is str and type(qid) in (str, int)
                          and all(type(t) is str for t in a_text)
                          and all(type(s) is int for s in a_start))
                except (KeyError, TypeError):
                    ok = False
                if not ok:
                    fail(*_squad_problem(qa, f"{where}.qas[{q}]"))
                    row += 1
                    continue
                row += 1
                ids.append(qid if type(qid) is str else str(qid))
                questions.append(question)
                para.append(pi)
                texts.extend(a_text)
                starts.extend(a_start)
                offsets.append(len(texts))
    return ids, titles, contexts, questions, para, offsets, texts, starts


def _squad_problem(qa: Any, where: str) -> tuple[str, str]:
    """(where, what) of a malformed question (error path)."""
    if not isinstance(qa, dict):
        return where, f"expected an object, found {type(qa).__name__}"
    qid = qa.get("id")
    if isinstance(qid, (str, int)) and not isinstance(qid, bool):
        where = f"question {qid!r} ({where})"
    else:
        return where, "'id' is missing or not a string"
    question = qa.get("question")
    if not isinstance(question, str):
        return where, "'question' is missing or not a string"
    answers = qa.get("answers")
    if not isinstance(answers, list):
        return where, "'answers' is missing or not a list"
    for k, ans in enumerate(answers):
        if not isinstance(ans, dict):
            return where, f"answers[{k}] is not an object"
        if not isinstance(ans.get("text"), str):
            return where, f"answers[{k}].text is missing or not a string"
        start = ans.get("answer_start")
        if type(start) is not int:
            return where, f"answers[{k}].answer_start is missing or not an integer"
    return where, "malformed question"  # pragma: no cover - every case is named above


# -- the earlier API ---------------------------------------------------------------------------


@dataclass
class InputFile:
    """An opened input (the earlier API): schema, row count when known, total bytes and
    one pass of batches (an iterator). ``source`` is the :class:`Source` behind it."""

    path: str | Path
    format: str
    schema: pa.Schema
    num_rows: int | None
    size_bytes: int
    batches: Iterator[pa.RecordBatch]
    source: Source | None = None


def open_input(path: str | os.PathLike[str], fmt: str | None = None,
               batch_rows: int = DEFAULT_BATCH_ROWS) -> InputFile:
    """:func:`open_source` with default options, giving one pass (``.batches`` is an
    iterator).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl"
    >>> _ = p.write_text('{"q": "x"}\\n')
    >>> inp = open_input(p)
    >>> inp.schema.names, sum(b.num_rows for b in inp.batches)
    (['q'], 1)
    """
    src = open_source(path, ReadOptions(format=fmt, batch_rows=batch_rows))
    shown: str | Path = os.fspath(path) if "://" in os.fspath(path) else Path(path)
    return InputFile(shown, src.format, src.schema, src.num_rows, src.size_bytes,
                     src.batches(), src)

"""Finding the files to read: a path, a directory, a glob or an fsspec URL expanded into
files (path, size, modification time), and a file's format from its name.

This is csgen's one file discovery: :func:`csgen.io.readers.open_source` (``csgen
switch``), :class:`csgen.stream.SwitchingDataset` (Parquet shards) and ``csgen train
--pairs`` all call :func:`find_files`, and each only words its own errors. The rules:

- a path that exists is that file (a directory: see below; anything else that is not a
  regular file is refused);
- a directory is walked recursively; a file counts when its format is one the caller
  reads (from the extension, :func:`detect_format`); names starting with ``.`` or ``_``
  (hidden files, ``_SUCCESS``, ``_tmp/``) are skipped at every level;
- a path that does not exist but holds ``*``, ``?`` or ``[`` is a glob (``**`` recurses);
  it takes every regular file it matches, whatever the name (Python's ``glob`` does not
  match names starting with ``.`` with ``*``);
- a URL (``s3://``, ``memory://``, ...) follows the same rules on its fsspec filesystem;
  ``file://`` URLs are local paths;
- files come sorted by path (as strings), the order rows are read in.

This module reads no data: :class:`File` opens a file as a Python file, a pyarrow
stream or a seekable pyarrow file, and the readers decide what to copy.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import glob
import gzip
import os
import re
import zlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa

from ..errors import ConfigError, InputError

READ_FORMATS = ("parquet", "arrow", "jsonl", "csv", "tsv", "msmarco-triples", "msmarco-ids",
                "squad")
"""Every input format, in the order the CLI and the messages list them."""

EXTENSIONS = {
    ".parquet": "parquet", ".pq": "parquet",
    ".arrow": "arrow", ".feather": "arrow", ".ipc": "arrow",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".csv": "csv", ".tsv": "tsv",
    ".json": "squad",
}
"""The format of each extension (lower case); ``.gz`` is looked through."""

COMPRESSIBLE = ("jsonl", "csv", "tsv", "msmarco-triples", "msmarco-ids", "squad")
"""The formats that may be gzip-compressed (the text formats, read as a stream)."""

_GLOB_CHARS = re.compile(r"[*?\[]")
_HIDDEN = (".", "_")


# -- formats ---------------------------------------------------------------------------------


def detect_format(path: str | os.PathLike[str]) -> str:
    """Input format from the file extension (a ``.gz`` suffix is looked through).

    >>> detect_format("train.jsonl.gz"), detect_format("part-0.pq")
    ('jsonl', 'parquet')
    """
    name = os.fspath(path).rstrip("/").rsplit("/", 1)[-1].lower()
    inner = name[:-3] if name.endswith(".gz") else name
    suffix = os.path.splitext(inner)[1]
    fmt = EXTENSIONS.get(suffix)
    if fmt is None:
        raise InputError(
            f"{os.fspath(path)}: cannot tell the format from the extension "
            f"{os.path.splitext(name)[1]!r}; pass --input-format ({', '.join(READ_FORMATS)})"
        )
    if inner != name and fmt not in COMPRESSIBLE:
        raise InputError(f"{os.fspath(path)}: a gzip-compressed {fmt} file cannot be read; "
                         "unpack it first")
    return fmt


def format_of(name: str) -> str | None:
    """:func:`detect_format`, or None where the name tells no readable format."""
    try:
        return detect_format(name)
    except InputError:
        return None


def _hidden(name: str) -> bool:
    return name.startswith(_HIDDEN)


def _wanted(name: str, formats: Collection[str] | None) -> bool:
    """A directory entry to read: not hidden, and of a format the caller reads."""
    base = name.rstrip("/").rsplit("/", 1)[-1]
    if _hidden(base):
        return False
    fmt = format_of(base)
    return fmt is not None and (formats is None or fmt in formats)


# -- files -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFile:
    """One input file: ``path`` (a local path, or a URL with its protocol), ``size`` in
    bytes, ``mtime_ns`` (0 where the filesystem has no modification time)."""

    path: str
    size: int
    mtime_ns: int

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "mtime_ns": self.mtime_ns}


class File:
    """A file to read: ``info`` (a :class:`SourceFile`), local (``fs is None``) or on an
    fsspec filesystem (``raw`` is the path there, without the protocol). ``.gz`` files
    are gunzipped by :meth:`open` and :meth:`arrow_stream`.

    Buffers: :meth:`random_access` with ``mmap=True`` maps a local file, and what pyarrow
    reads from it borrows the mapped pages (valid as long as a batch refers to them);
    every other way copies the bytes read into new buffers (a gunzipped or fsspec file
    always does).
    """

    def __init__(self, info: SourceFile, fs: Any = None, raw: str | None = None):
        self.info, self.fs, self.raw = info, fs, raw if raw is not None else info.path
        self.name = info.path
        self.gzip = info.path.lower().endswith(".gz")

    def __repr__(self) -> str:
        return f"File({self.name!r})"

    @property
    def local(self) -> bool:
        return self.fs is None

    @contextlib.contextmanager
    def open(self) -> Iterator[Any]:
        """A binary Python file, gunzipped for ``.gz``; ``read`` returns new bytes."""
        with contextlib.ExitStack() as stack:
            opener = open if self.local else self.fs.open
            f = stack.enter_context(opener(self.raw, "rb"))
            if self.gzip:
                f = stack.enter_context(gzip.GzipFile(fileobj=f, mode="rb"))
            yield f

    @contextlib.contextmanager
    def arrow_stream(self) -> Iterator[Any]:
        """A pyarrow input stream (native for local files), gunzipped for ``.gz``; its
        reads are new buffers."""
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
        """A seekable pyarrow file: memory-mapped when ``mmap`` and local (reads borrow
        the mapping), else a plain file whose reads copy."""
        if self.local:
            f = pa.memory_map(self.raw, "r") if mmap else pa.OSFile(self.raw, "rb")
            with f:
                yield f
            return
        with self.fs.open(self.raw, "rb") as raw:
            yield pa.PythonFile(raw, mode="r")


READ_ERRORS = (pa.ArrowException, OSError, EOFError, zlib.error, UnicodeDecodeError)
"""What reading a file may raise that is the file's fault (or the disk's)."""


@contextlib.contextmanager
def reading(name: str, what: str = "read error") -> Iterator[None]:
    """Turn pyarrow / I/O errors into an InputError naming the file."""
    try:
        yield
    except READ_ERRORS as e:
        raise InputError(f"{name}: {what}: {clean(e)}") from None


def clean(e: BaseException) -> str:
    """An exception's message on one line (pyarrow's long ones keep their first line)."""
    msg = str(e).strip() or type(e).__name__
    return msg.splitlines()[0] if "\n" in msg and len(msg) > 300 else msg


# -- finding files ---------------------------------------------------------------------------

Kind = Literal["file", "directory", "glob", "missing"]


@dataclass(frozen=True)
class Found:
    """What a spec expanded to: ``kind`` (an existing ``file`` or ``directory``, a
    ``glob``, or ``missing``: neither exists nor holds glob characters) and the ``files``
    in reading order. Only a directory or a glob can come out empty (``missing`` always
    does); the caller says so in its own words."""

    spec: str
    kind: Kind
    files: tuple[File, ...]


def is_url(spec: str | os.PathLike[str]) -> bool:
    """Whether ``spec`` is a URL (it has a protocol), not a local path."""
    return "://" in os.fspath(spec)


def find_files(spec: str | os.PathLike[str], *, formats: Collection[str] | None = None,
               exclude: Collection[str] = ()) -> Found:
    """The files of ``spec`` by the rules of this module. ``formats`` limits what a
    directory walk takes (default: every format in :data:`EXTENSIONS`); ``exclude``
    drops files from a directory or glob (absolute local paths, or URLs).

    Raises :class:`~csgen.errors.InputError` for a path that is not a regular file or
    directory, a file that cannot be stat'ed or a URL that cannot be listed, and
    :class:`~csgen.errors.ConfigError` for a URL without fsspec.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("b/2.parquet", "a.jsonl", "b/1.pq", "_tmp/x.parquet", "notes.md"):
    ...     (d / name).parent.mkdir(exist_ok=True)
    ...     _ = (d / name).write_bytes(b"")
    >>> [os.path.relpath(f.name, d) for f in find_files(d, formats=("parquet",)).files]
    ['b/1.pq', 'b/2.parquet']
    >>> find_files(d / "*.md").kind, find_files(d / "none.csv").kind
    ('glob', 'missing')
    """
    spec = os.fspath(spec)
    if is_url(spec):
        return _find_url(spec, formats, set(exclude))
    return _find_local(spec, formats, {os.path.abspath(x) for x in exclude})


def _stat(path: str) -> File:
    try:
        st = os.stat(path)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    return File(SourceFile(path, st.st_size, st.st_mtime_ns))


def _find_local(spec: str, formats: Collection[str] | None, exclude: set[str]) -> Found:
    if os.path.isdir(spec):
        paths = []
        for root, dirs, names in os.walk(spec):
            dirs[:] = [d for d in dirs if not _hidden(d)]
            paths.extend(os.path.join(root, n) for n in names if _wanted(n, formats))
        kept = sorted(p for p in paths if os.path.abspath(p) not in exclude)
        return Found(spec, "directory", tuple(_stat(p) for p in kept))
    if os.path.exists(spec):
        if not os.path.isfile(spec):
            raise InputError(f"{spec}: not a regular file")
        return Found(spec, "file", (_stat(spec),))
    if _GLOB_CHARS.search(spec):
        matches = sorted(m for m in glob.glob(spec, recursive=True)
                         if os.path.isfile(m) and os.path.abspath(m) not in exclude)
        return Found(spec, "glob", tuple(_stat(p) for p in matches))
    return Found(spec, "missing", ())


def _fsspec() -> Any:
    try:
        import fsspec
    except ImportError:
        raise ConfigError("reading URLs needs fsspec (and its filesystem's package, "
                          "e.g. s3fs): pip install fsspec") from None
    return fsspec


def _find_url(spec: str, formats: Collection[str] | None, exclude: set[str]) -> Found:
    fsspec = _fsspec()
    try:
        fs, path = fsspec.core.url_to_fs(spec)
    except (ImportError, ValueError) as e:
        raise ConfigError(f"{spec}: cannot open this URL: {e}") from None
    protocols = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    if "file" in protocols or "local" in protocols:
        local = _find_local(path, formats, {os.path.abspath(x) for x in exclude
                                            if not is_url(x)})
        return Found(spec, local.kind, local.files)
    kind: Kind
    with reading(spec, "cannot list"):
        if _GLOB_CHARS.search(path) and not fs.exists(path):
            kind = "glob"
            infos = fs.glob(path, detail=True)
            found = {p: i for p, i in infos.items() if i.get("type") == "file"}
        elif fs.isdir(path):
            kind = "directory"
            infos = fs.find(path, detail=True)
            below = len(path.rstrip("/"))
            found = {p: i for p, i in infos.items()
                     if i.get("type") == "file" and _wanted(p, formats)
                     and not any(_hidden(part) for part in p[below:].split("/")[:-1])}
        elif fs.exists(path):
            kind = "file"
            found = {path: fs.info(path)}
        else:
            return Found(spec, "missing", ())
    files = []
    for p in sorted(found):
        url = fs.unstrip_protocol(p)
        if url in exclude:
            continue
        info = found[p]
        files.append(File(SourceFile(url, int(info.get("size") or 0), _mtime_ns(info)), fs, p))
    return Found(spec, kind, tuple(files))


def _mtime_ns(info: dict[str, Any]) -> int:
    """Modification time of an fsspec listing entry (each filesystem names it its own
    way), in ns; 0 when there is none."""
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


def one_file(path: str, what: str) -> File:
    """The one file ``path`` names (a side file such as an MS MARCO collection): a local
    regular file, or a URL that expands to exactly one file; ``what`` names it in
    errors."""
    if is_url(path):
        found = find_files(path)
        if found.kind == "missing":
            raise InputError(f"{path}: {what}: no such file")
        if len(found.files) != 1:
            raise InputError(f"{path}: {what} must be one file, found {len(found.files)}")
        return found.files[0]
    if not os.path.isfile(path):
        raise InputError(f"{path}: {what}: no such file" if not os.path.exists(path)
                         else f"{path}: {what}: not a regular file")
    return _stat(path)

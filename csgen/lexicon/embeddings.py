"""Word embeddings for lexicon induction: ``.vec`` files (fastText/MUSE text format,
optionally gzipped) read in bulk by Arrow's CSV reader, and the orthogonal Procrustes map
between two spaces. :mod:`csgen.lexicon.induce` retrieves translations from them."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from .._validate import positive_int
from ..errors import ConfigError, EmptyLexiconError, LexiconFormatError, LexiconReadError

__all__ = ["Embeddings", "normalize", "procrustes", "read_vec"]


# -- embeddings --------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Embeddings:
    """Word vectors: ``vectors[i]`` (float32) is the vector of ``words[i]``.

    ``path`` is the file they were read from (kept for provenance), if any.
    """

    words: list[str]
    vectors: np.ndarray
    path: str | None = field(default=None)

    def __post_init__(self) -> None:
        vectors = np.ascontiguousarray(self.vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ConfigError(f"vectors must be a 2-D array, got shape {vectors.shape}")
        if len(self.words) != vectors.shape[0]:
            raise ConfigError(f"{len(self.words)} words but {vectors.shape[0]} vectors")
        object.__setattr__(self, "words", list(self.words))
        object.__setattr__(self, "vectors", vectors)

    def __len__(self) -> int:
        return len(self.words)

    def __repr__(self) -> str:
        return f"Embeddings(words={len(self)}, dim={self.dim}, path={self.path!r})"

    @property
    def dim(self) -> int:
        """Number of dimensions."""
        return int(self.vectors.shape[1])

    @cached_property
    def index(self) -> dict[str, int]:
        """Row of each word (the first one, should a word repeat)."""
        out: dict[str, int] = {}
        for i, word in enumerate(self.words):
            out.setdefault(word, i)
        return out

    def transform(self, w: np.ndarray) -> Embeddings:
        """These words with ``vectors @ w.T`` (``w`` from :func:`procrustes`)."""
        w = np.asarray(w, dtype=np.float32)
        if w.ndim != 2 or w.shape[1] != self.dim:
            raise ConfigError(f"mapping of shape {w.shape} does not apply to {self.dim}-d vectors")
        return Embeddings(self.words, self.vectors @ w.T, self.path)


_CSV_PARSE = pcsv.ParseOptions(delimiter=" ", quote_char=False, double_quote=False,
                               escape_char=False, ignore_empty_lines=False)


def read_vec(
    path: str | Path, *, max_words: int | None = None, vocab: Iterable[str] | None = None,
) -> Embeddings:
    """Read a fastText/MUSE ``.vec`` text file (gzip-compressed or not).

    The first line is ``COUNT DIM``; each further line a word and ``DIM``
    numbers, separated by spaces (runs of spaces or tabs are accepted too, on
    a slower path); trailing white space and CRLF line ends are fine.

    * ``max_words``: read only the first ``max_words`` rows (most frequent
      words in fastText files); rows beyond are not looked at.
    * ``vocab``: keep only these words (after ``max_words``), in file order.
    * A word that repeats keeps its first vector.
    * Fewer rows than ``COUNT`` is accepted (a file cut after a whole line
      reads as its first rows); more rows than ``COUNT`` is an error, as it
      means the header does not describe the file.

    Errors are :class:`~csgen.errors.LexiconFormatError` naming ``path:line``:
    a malformed header, a row with the wrong number of values, a value that
    is not a number or not finite, a word that is not valid UTF-8, or a
    corrupt gzip stream; an unreadable file is a
    :class:`~csgen.errors.LexiconReadError`. The numbers are parsed in bulk
    by Arrow's multi-threaded CSV reader (a 128 MB file of 50k x 300 in about 1 s
    on two cores); odd spacing falls back to a line-by-line parser (about 4x slower).
    """
    path = Path(path)
    positive_int("max_words", max_words, optional=True)
    data = _read_vec_bytes(path)
    end = data.find(b"\n")
    header, body = (data, b"") if end < 0 else (data[:end], data[end + 1:])
    count, dim = _parse_header(path, header)
    body = body.rstrip(b"\r\n")
    rows = body.count(b"\n") + 1 if body else 0
    if max_words is not None and rows > max_words:
        cut = -1
        for _ in range(max_words):
            cut = body.find(b"\n", cut + 1)
        body, rows = body[:cut], max_words
    if rows > count:
        raise LexiconFormatError(
            f"more rows than the {count} the header announces", path, count + 2)
    if rows == 0:
        raise EmptyLexiconError("no word vectors", path)
    try:
        words_raw, vectors = _parse_fast(body, dim, rows)
    except _SlowPath:
        words_raw, vectors = _parse_slow(path, body, dim)
    words = _decode_words(path, words_raw)
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        raise LexiconFormatError("value is not a finite number", path, row + 2)
    keep = _first_rows(words, None if vocab is None else set(vocab))
    if keep is not None:
        words = [words[i] for i in keep]
        vectors = vectors[keep]
    if not words:
        raise EmptyLexiconError("none of the vocabulary's words has a vector", path)
    return Embeddings(words, vectors, str(path))


class _SlowPath(Exception):
    """The bulk parser cannot take this body; the line-by-line one finds out why."""


def _read_vec_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise LexiconReadError(
            f"cannot read embeddings {str(path)!r}: {e.strerror or e}") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise LexiconFormatError(f"corrupt gzip data ({e})", path) from None
    return data


def _parse_header(path: Path, header: bytes) -> tuple[int, int]:
    fields = header.split()
    try:
        if len(fields) != 2:
            raise ValueError
        count, dim = int(fields[0]), int(fields[1])
        if count < 0 or dim < 1:
            raise ValueError
    except ValueError:
        shown = header[:60].decode("utf-8", "replace")
        raise LexiconFormatError(
            f"header must be 'COUNT DIM' (two non-negative integers, DIM > 0), got {shown!r}",
            path, 1) from None
    return count, dim


def _parse_fast(body: bytes, dim: int, rows: int) -> tuple[list[bytes], np.ndarray]:
    types: dict[str, pa.DataType] = {"f0": pa.binary()}
    types.update({f"f{i}": pa.float32() for i in range(1, dim + 1)})
    try:
        table = pcsv.read_csv(
            pa.py_buffer(body),
            read_options=pcsv.ReadOptions(autogenerate_column_names=True,
                                          block_size=1 << 24),
            parse_options=_CSV_PARSE,
            convert_options=pcsv.ConvertOptions(column_types=types, null_values=[],
                                                strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        raise _SlowPath from None
    extra = table.num_columns - (dim + 1)
    if table.num_rows != rows or extra not in (0, 1):
        raise _SlowPath
    if pc.min(pc.binary_length(table.column(0))).as_py() == 0:
        raise _SlowPath  # a line starting with white space
    if extra:  # a trailing space on every line: the last column must be empty
        last = table.column(dim + 1)
        if not pa.types.is_string(last.type) or pc.max(pc.utf8_length(last)).as_py() != 0:
            raise _SlowPath
    vectors = np.empty((rows, dim), dtype=np.float32)
    for j in range(dim):
        vectors[:, j] = table.column(j + 1).to_numpy()
    return table.column(0).to_pylist(), vectors


def _parse_slow(path: Path, body: bytes, dim: int) -> tuple[list[bytes], np.ndarray]:
    """Line by line (runs of white space allowed), naming the first bad line."""
    words: list[bytes] = []
    vectors = []
    for lineno, line in enumerate(body.split(b"\n"), start=2):
        fields = line.split()
        if len(fields) != dim + 1:
            got = max(len(fields) - 1, 0)
            raise LexiconFormatError(
                f"expected a word and {dim} values, got {got} value{'s' * (got != 1)}"
                + (" (empty line)" if not fields else ""), path, lineno)
        try:
            values = pa.array(fields[1:], pa.binary()).cast(pa.string()).cast(pa.float32())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            bad = next(f for f in fields[1:] if not _is_number(f))
            shown = bad[:40].decode("utf-8", "replace")
            raise LexiconFormatError(f"value {shown!r} is not a number", path,
                                     lineno) from None
        words.append(fields[0])
        vectors.append(values.to_numpy())
    return words, np.vstack(vectors).astype(np.float32, copy=False)


def _is_number(token: bytes) -> bool:
    try:
        pa.array([token], pa.binary()).cast(pa.string()).cast(pa.float32())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return False
    return True


def _decode_words(path: Path, words: list[bytes]) -> list[str]:
    joined = b"\n".join(words)
    try:
        return joined.decode("utf-8").split("\n")
    except UnicodeDecodeError as e:
        row = joined.count(b"\n", 0, e.start)
        raise LexiconFormatError("word is not valid UTF-8", path, row + 2) from None


def _first_rows(words: list[str], vocab: set[str] | None) -> list[int] | None:
    """Rows to keep (first occurrence of each word, in ``vocab``), or None for all."""
    seen: dict[str, int] = {}
    for i, word in enumerate(words):
        seen.setdefault(word, i)
    if vocab is None and len(seen) == len(words):
        return None
    return sorted(i for w, i in seen.items() if vocab is None or w in vocab)


# -- alignment ---------------------------------------------------------------------------------
def normalize(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (float32, a new array); zero rows stay zero."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2:
        raise ConfigError(f"expected a 2-D array, got shape {x.shape}")
    norms = np.sqrt(np.einsum("ij,ij->i", x, x, dtype=np.float64))
    norms[norms == 0] = 1.0
    return (x / norms[:, None]).astype(np.float32, copy=False)


def procrustes(
    src: Embeddings, tgt: Embeddings, pairs: Sequence[tuple[str, str]],
) -> np.ndarray:
    """Orthogonal map ``W`` (float32[d, d]) of the source space onto the target space.

    Solves ``min ||X W^T - Y||`` over orthogonal ``W`` for the seed ``pairs``
    found in both vocabularies (rows of ``X``/``Y`` are their unit-length
    vectors; repeated pairs count once): ``W = U V^T`` from the SVD of
    ``Y^T X``. Map the source with ``src.transform(W)``, i.e.
    ``src.vectors @ W.T``. Raises ConfigError with fewer than 2 usable pairs.
    """
    if src.dim != tgt.dim:
        raise ConfigError(f"source vectors have {src.dim} dimensions, target {tgt.dim}")
    sidx, tidx = src.index, tgt.index
    usable = [(sidx[s], tidx[t]) for s, t in dict.fromkeys(map(tuple, pairs))
              if s in sidx and t in tidx]
    if len(usable) < 2:
        raise ConfigError(
            f"Procrustes needs at least 2 seed pairs in both vocabularies, found {len(usable)}")
    rows = np.array(usable, dtype=np.int64)
    x = normalize(src.vectors[rows[:, 0]]).astype(np.float64)
    y = normalize(tgt.vectors[rows[:, 1]]).astype(np.float64)
    u, _, vt = np.linalg.svd(y.T @ x)
    return (u @ vt).astype(np.float32)


# -- retrieval ---------------------------------------------------------------------------------

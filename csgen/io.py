"""Readers and the output writer for ``csgen switch``.

Readers yield bounded ``pyarrow.RecordBatch``es (a Parquet file is read row
group by row group, JSONL block by block), never a whole file. The writer
puts batches into ``OUTDIR/part-00000.parquet`` through a temporary name and
renames it only when complete, so no half-written file is ever visible.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from .errors import InputError, OutputExistsError

INPUT_FORMATS = ("parquet", "jsonl")
_EXTENSIONS = {".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
JSON_BLOCK_BYTES = 8 << 20


def detect_format(path: Path) -> str:
    """Input format from the file extension (``.parquet``, ``.jsonl``, ``.ndjson``)."""
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: cannot tell the format from the extension {path.suffix!r}; "
            f"pass --input-format ({', '.join(INPUT_FORMATS)})"
        )
    return fmt


@dataclass
class InputFile:
    """An opened input: its schema, row count when known, and a batch iterator."""

    path: Path
    format: str
    schema: pa.Schema
    num_rows: int | None
    size_bytes: int
    batches: Iterator[pa.RecordBatch]


def open_input(path: str | Path, fmt: str | None = None, batch_rows: int = 16384) -> InputFile:
    """Open ``path`` for streaming. Errors name the file and what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    fmt = fmt or detect_format(path)
    if fmt not in INPUT_FORMATS:
        raise InputError(f"{path}: unknown format {fmt!r}; use one of {', '.join(INPUT_FORMATS)}")
    size = path.stat().st_size
    try:
        if fmt == "parquet":
            pf = pq.ParquetFile(path)
            batches = pf.iter_batches(batch_size=batch_rows)
            return InputFile(path, fmt, pf.schema_arrow, pf.metadata.num_rows, size,
                             _guard(batches, path))
        reader = pa_json.open_json(
            path, read_options=pa_json.ReadOptions(block_size=JSON_BLOCK_BYTES)
        )
        return InputFile(path, fmt, reader.schema, None, size, _guard(reader, path))
    except (pa.ArrowException, OSError) as e:
        raise InputError(f"{path}: cannot read as {fmt}: {e}") from None


def _guard(batches: Iterable[pa.RecordBatch], path: Path) -> Iterator[pa.RecordBatch]:
    """Re-raise read errors in the middle of a file as InputError naming it."""
    it = iter(batches)
    while True:
        try:
            batch = next(it)
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as e:
            raise InputError(f"{path}: read error: {e}") from None
        yield batch


def prepare_output_dir(out_dir: str | Path, overwrite: bool) -> Path:
    """Create ``out_dir``; refuse a non-empty one unless ``overwrite``."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise OutputExistsError(
                f"{out}: output directory is not empty; pass --overwrite to replace its shards"
            )
        for old in out.glob("part-*.parquet"):
            old.unlink()
    out.mkdir(parents=True, exist_ok=True)
    return out


class ParquetShardWriter:
    """Writes batches to ``part-NNNNN.parquet`` (zstd) atomically.

    Data go to ``.part-NNNNN.parquet.tmp``; :meth:`close` fsyncs and renames
    it, :meth:`abort` deletes it. Use as a context manager: an exception
    aborts, so an interrupted run leaves no partial shard.
    """

    def __init__(self, out_dir: Path, schema: pa.Schema, index: int = 0) -> None:
        self.path = out_dir / f"part-{index:05d}.parquet"
        self._tmp = out_dir / f".{self.path.name}.tmp"
        self._writer = pq.ParquetWriter(self._tmp, schema, compression="zstd")
        self.rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        self._writer.write_batch(batch)
        self.rows += batch.num_rows

    def close(self) -> Path:
        self._writer.close()
        with open(self._tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        try:
            self._writer.close()
        finally:
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> ParquetShardWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

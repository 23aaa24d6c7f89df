"""Shard writers: batches go to a temporary name, renamed only when complete, so no
half-written file is ever visible."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import OutputExistsError


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

"""Readers for ``csgen switch``: bounded ``pyarrow.RecordBatch``es (a Parquet file is
read row group by row group, JSONL block by block), never a whole file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from ..errors import InputError

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

"""Cutting the input into shards: a function of the rows alone.

A :class:`ShardTask` holds its rows as slices of the reader's batches (no copy). When a
task goes to another process (worker processes, Ray actors) it travels as an Arrow IPC
stream of exactly its rows: pickling an Arrow slice would serialise its parent buffers
whole (a task cut from one large row group carried the whole row group, and two workers
held 7 GB for a 100 MB file).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class ShardTask:
    """Rows ``[row_start, row_start + table.num_rows)`` of the input, to become shard ``index``."""

    index: int
    row_start: int
    table: pa.Table
    input_bytes: int

    def __reduce__(self) -> tuple[Any, ...]:
        # An IPC stream writes only the rows of a slice (offsets rebased), never the
        # parent buffers that pickling the slice would copy.
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, self.table.schema) as writer:
            writer.write_table(self.table)
        return (_task_from_ipc, (self.index, self.row_start, sink.getvalue(),
                                 self.input_bytes))


def _task_from_ipc(index: int, row_start: int, data: pa.Buffer, input_bytes: int) -> ShardTask:
    return ShardTask(index, row_start, pa.ipc.open_stream(data).read_all(), input_bytes)


def row_bytes(batch: pa.RecordBatch) -> np.ndarray:
    """``int64[num_rows]``: bytes each row holds in the input (string and binary
    values by length, fixed-width values by width, nested ones by their column's
    average). Vectorised; the basis of ``shard_bytes``."""
    n = batch.num_rows
    total = np.zeros(n, dtype=np.int64)
    if n == 0:
        return total
    for arr in batch.columns:
        t = arr.type
        if pa.types.is_dictionary(t):
            arr = arr.indices
            t = arr.type
        if (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t)
                or pa.types.is_large_binary(t)):
            lengths = pc.fill_null(pc.binary_length(arr), 0)
            total += lengths.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
        elif _fixed_width(t):
            total += max(1, t.bit_width // 8)
        else:
            total += -(-arr.nbytes // n)
    return total


def _fixed_width(t: pa.DataType) -> bool:
    try:
        return t.bit_width > 0
    except ValueError:
        return False


def cut_shards(batches: Iterator[pa.RecordBatch], shard_rows: int | None,
               shard_bytes: int | None) -> Iterator[ShardTask]:
    """Cut a batch stream into shards of ``shard_rows`` rows and/or about ``shard_bytes``
    input bytes (a shard closes before the row that would pass the limit). The cut
    depends on the rows only, never on how the reader split them into batches."""
    pending: list[pa.RecordBatch] = []
    rows = size = index = row_start = 0

    def emit() -> ShardTask:
        nonlocal pending, rows, size, index, row_start
        task = ShardTask(index, row_start, pa.Table.from_batches(pending), size)
        index += 1
        row_start += rows
        pending, rows, size = [], 0, 0
        return task

    for batch in batches:
        sizes = row_bytes(batch)
        while batch.num_rows:
            take = batch.num_rows
            if shard_rows is not None:
                take = min(take, shard_rows - rows)
            if shard_bytes is not None:
                fits = int(np.searchsorted(np.cumsum(sizes[:take]), shard_bytes - size,
                                           side="right"))
                take = max(fits, 1) if rows == 0 else fits
            if take == 0:
                yield emit()
                continue
            pending.append(batch.slice(0, take))
            rows += take
            size += int(sizes[:take].sum())
            batch = batch.slice(take)
            sizes = sizes[take:]
            full_rows = shard_rows is not None and rows >= shard_rows
            full_bytes = shard_bytes is not None and size >= shard_bytes
            if full_rows or full_bytes:
                yield emit()
    if rows:
        yield emit()

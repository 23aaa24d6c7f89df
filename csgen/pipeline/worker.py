"""The shard worker: one :class:`ShardTask` through the per-batch chain, encoded and
written atomically. The same worker runs in this process's threads, in worker processes
and in Ray actors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from ..io.manifest import ShardRecord
from ..io.writers import ShardEncoder, shard_name, write_atomic
from ..steps import StepSpec
from ..switch import Switcher, SwitchStats
from .shards import ShardTask

#: messages kept per shard about rows dropped for a bad answer
MAX_DROPPED_EXAMPLES = 5


@dataclass(frozen=True)
class WorkerSetup:
    """Everything a worker needs to switch and write shards (picklable): the per-batch
    chain and where and how shards are written."""

    steps: StepSpec
    output_dir: str
    output_format: str
    compression: str
    row_group_rows: int


class ShardWorker:
    """Switches a :class:`ShardTask` and writes it. ``switcher``: one already built for
    ``setup.steps`` (threads of one process share it; it is thread-safe)."""

    def __init__(self, setup: WorkerSetup, switcher: Switcher | None = None) -> None:
        self.setup = setup
        self.steps = setup.steps.build(switcher)

    def run(self, task: ShardTask) -> ShardRecord:
        s = self.setup
        table = task.table
        stats = SwitchStats()
        encoder: ShardEncoder | None = None
        dropped = 0
        examples: list[str] = []
        step = s.row_group_rows
        # Row groups of row_group_rows rows, whatever batches the reader gave: the
        # shard's bytes depend on its rows only. One switched row group at a time.
        for start in range(0, max(table.num_rows, 1), step):
            out = self.steps.process_table(table.slice(start, step), task.row_start + start,
                                           stats)
            dropped += out.dropped
            examples += out.examples[:MAX_DROPPED_EXAMPLES - len(examples)]
            if encoder is None:
                encoder = ShardEncoder(out.batch.schema, s.output_format, s.compression)
            encoder.write(pa.Table.from_batches([out.batch]))
            del out
        assert encoder is not None
        data = encoder.finish()
        name = shard_name(task.index, s.output_format)
        written = write_atomic(Path(s.output_dir), name, data)
        del data
        pa.default_memory_pool().release_unused()  # give freed shard memory back to the OS
        return ShardRecord(index=task.index, file=name, row_start=task.row_start,
                           rows=table.num_rows, bytes=written.bytes, blake2b=written.blake2b,
                           stats=stats.to_dict(), input_bytes=task.input_bytes,
                           dropped_rows=dropped, dropped_examples=examples)

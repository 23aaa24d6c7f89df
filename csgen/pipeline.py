"""read -> switch -> write, the job behind ``csgen switch``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from .io import ParquetShardWriter, open_input, prepare_output_dir
from .switch import Switcher, SwitchStats, check_columns


@dataclass(frozen=True)
class SwitchJob:
    """Where to read, what to switch, where to write."""

    input: Path
    output_dir: Path
    columns: tuple[str, ...]
    id_column: str | None = None
    input_format: str | None = None
    batch_rows: int = 16384
    overwrite: bool = False


@dataclass
class RunSummary:
    """What a run did: rows, bytes read, seconds, per-column stats, files written."""

    rows: int = 0
    input_bytes: int = 0
    seconds: float = 0.0
    stats: SwitchStats = field(default_factory=SwitchStats)
    outputs: list[Path] = field(default_factory=list)

    @property
    def mb_per_s(self) -> float:
        return self.input_bytes / 1e6 / self.seconds if self.seconds else 0.0


def run_switch(
    job: SwitchJob,
    switcher: Switcher,
    on_batch: Callable[[int, int | None], None] | None = None,
) -> RunSummary:
    """Switch ``job.columns`` of ``job.input`` into ``job.output_dir``.

    ``on_batch(rows_done, rows_total)`` is called after every batch (progress).
    Nothing is written unless the input opens and has the columns; an error
    mid-run leaves no partial shard behind.
    """
    started = time.perf_counter()
    source = open_input(job.input, job.input_format, job.batch_rows)
    check_columns(source.schema, job.columns, job.id_column)
    out_dir = prepare_output_dir(job.output_dir, job.overwrite)
    summary = RunSummary(input_bytes=source.size_bytes)
    writer: ParquetShardWriter | None = None
    try:
        for batch in switcher.switch_batches(
            source.batches, job.columns, id_column=job.id_column, stats=summary.stats
        ):
            if writer is None:
                writer = ParquetShardWriter(out_dir, batch.schema)
            writer.write(batch)
            summary.rows += batch.num_rows
            if on_batch is not None:
                on_batch(summary.rows, source.num_rows)
        if writer is None:  # an empty input still gives a readable, empty shard
            empty = pa.RecordBatch.from_pylist([], schema=source.schema)
            schema = switcher.switch_batch(empty, job.columns, id_column=job.id_column).schema
            writer = ParquetShardWriter(out_dir, schema)
        summary.outputs.append(writer.close())
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    summary.seconds = time.perf_counter() - started
    return summary

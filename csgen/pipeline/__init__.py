"""The sharded job behind ``csgen switch``: read, cut into shards, switch, write, list.

- :mod:`~csgen.pipeline.job`: :class:`SwitchJob`, the run validated once;
- :mod:`~csgen.pipeline.shards`: cutting the input into :class:`ShardTask`\\ s;
- :mod:`~csgen.pipeline.worker`: :class:`ShardWorker`, one shard switched and written;
- :mod:`~csgen.pipeline.executors`: where shards run (threads, processes, Ray);
- :mod:`~csgen.pipeline.run`: :func:`run_switch`, the run (plan, ledger, scheduler).

Dependencies point down: run -> executors -> worker -> shards, job; nothing imports back.
"""

from .job import DEFAULT_SHARD_BYTES, ENGINES, SwitchJob, parse_size
from .run import Progress, RunSummary, run_job, run_switch, switch_to_dataset
from .shards import ShardTask, cut_shards, row_bytes
from .worker import ShardWorker, WorkerSetup

__all__ = [
    "DEFAULT_SHARD_BYTES",
    "ENGINES",
    "Progress",
    "RunSummary",
    "ShardTask",
    "ShardWorker",
    "SwitchJob",
    "WorkerSetup",
    "cut_shards",
    "parse_size",
    "row_bytes",
    "run_job",
    "run_switch",
    "switch_to_dataset",
]

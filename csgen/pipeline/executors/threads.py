"""Shards switched and written by threads of this process.

The C++ kernel, Arrow's readers and compute, the Parquet writer, BLAKE2b and file writes
all release the GIL, so ``workers`` threads overlap the main thread's reading with the
switching, encoding and writing of other shards; nothing is pickled or copied between
processes. The threads share one switcher (its compiled lexicon is read-only) and each
has its own chain (:class:`~csgen.steps.Steps`: its own sentencepiece processor).
"""

from __future__ import annotations

import concurrent.futures as cf
import threading

from ...io.manifest import ShardRecord
from ...switch import Switcher
from ..shards import ShardTask
from ..worker import ShardWorker, WorkerSetup


class ThreadExecutor:
    """``workers`` threads, each with a :class:`ShardWorker` over one shared switcher."""

    def __init__(self, setup: WorkerSetup, workers: int, switcher: Switcher | None = None
                 ) -> None:
        self.setup = setup
        self.switcher = switcher if switcher is not None else setup.steps.switcher()
        self._local = threading.local()
        self._failed = threading.Event()
        self.pool = cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="csgen-shard")

    def _run(self, task: ShardTask) -> ShardRecord:
        # After a failure no further shard starts (as in one process, where the error
        # stops the run before the next shard): the run lists what finished and stops.
        if self._failed.is_set():
            raise cf.CancelledError(f"shard {task.index}: not started after a failure")
        worker = getattr(self._local, "worker", None)
        if worker is None:
            worker = self._local.worker = ShardWorker(self.setup, self.switcher)
        try:
            return worker.run(task)
        except BaseException:
            self._failed.set()
            raise

    def submit(self, task: ShardTask) -> cf.Future[ShardRecord]:
        return self.pool.submit(self._run, task)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

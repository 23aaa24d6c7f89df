"""Tasks run in the calling thread, at submit time."""

from __future__ import annotations

import concurrent.futures as cf

from ...io.manifest import ShardRecord
from ..shards import ShardTask
from ..worker import ShardWorker


class InlineExecutor:
    """Runs each task in this thread, at submit time: its future is done on return."""

    def __init__(self, worker: ShardWorker) -> None:
        self.worker = worker

    def submit(self, task: ShardTask) -> cf.Future[ShardRecord]:
        future: cf.Future[ShardRecord] = cf.Future()
        try:
            future.set_result(self.worker.run(task))
        except BaseException as e:
            future.set_exception(e)
        return future

    def shutdown(self) -> None:
        pass

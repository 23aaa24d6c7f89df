"""Shards switched and written by Ray actors (``csgen switch --engine ray``).

The driver reads and cuts the input as the local engine does; ``workers`` actors (one
CPU each) switch and write the shards, so shards and manifest are the local engine's,
byte for byte. ``OUTDIR`` must be a path every node can write (a shared file system).
An actor that dies (a node lost, a process killed) is restarted and its task retried,
up to :data:`RETRIES` times: a shard is written under a temporary name and renamed, so
a retried task rewrites the same bytes. Without ``ray.init`` beforehand a local cluster
is started, or the cluster ``RAY_ADDRESS`` names is joined.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import threading

from ..._ray import ray_module
from ...io.manifest import ShardRecord
from ..shards import ShardTask
from ..worker import ShardWorker, WorkerSetup

#: restarts of a dead actor, and retries of the task it was running
RETRIES = 3


class ShardActor:
    """A Ray actor's state: its shard worker. ``run`` also says which process ran it."""

    def __init__(self, setup: WorkerSetup) -> None:
        self.worker = ShardWorker(setup)

    def run(self, task: ShardTask) -> tuple[ShardRecord, int]:
        return self.worker.run(task), os.getpid()


class RayExecutor:
    """``workers`` Ray actors (``actor_class``, default :class:`ShardActor`), each with its
    switcher; a task goes to the actor with the fewest outstanding tasks. ``ran`` maps
    each finished shard to the process that ran it (so a test can tell that the work left
    this process, and that a restarted actor took over)."""

    def __init__(self, setup: WorkerSetup, workers: int,
                 actor_class: type[ShardActor] | None = None) -> None:
        self.ray = ray_module("the Ray engine")
        actor = self.ray.remote(num_cpus=1, max_restarts=RETRIES,
                                max_task_retries=RETRIES)(actor_class or ShardActor)
        self.actors = [actor.remote(setup) for _ in range(workers)]
        self.outstanding = [0] * workers
        self.ran: dict[int, int] = {}
        self._lock = threading.Lock()

    def submit(self, task: ShardTask) -> cf.Future[ShardRecord]:
        with self._lock:
            i = min(range(len(self.actors)), key=self.outstanding.__getitem__)
            self.outstanding[i] += 1
        remote: cf.Future[tuple[ShardRecord, int]] = self.actors[i].run.remote(task).future()
        future: cf.Future[ShardRecord] = cf.Future()

        def done(f: cf.Future[tuple[ShardRecord, int]]) -> None:
            with self._lock:
                self.outstanding[i] -= 1
            try:
                record, pid = f.result()
            except BaseException as e:
                future.set_exception(_unwrap(e))
                return
            with self._lock:
                self.ran[record.index] = pid
            future.set_result(record)

        remote.add_done_callback(done)
        return future

    def shutdown(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor)


def _unwrap(error: BaseException) -> BaseException:
    """A csgen error raised in an actor, as itself (Ray wraps it in RayTaskError)."""
    cause = getattr(error, "cause", None)
    return cause if isinstance(cause, BaseException) else error

"""Shards switched and written by spawned worker processes.

Each process loads the lexicons once (memory-mapped ``.csglex`` files share their pages)
and builds its own switcher. Tasks travel as Arrow IPC streams of their rows
(:class:`~csgen.pipeline.shards.ShardTask`), never as pickled slices.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import sys

from ...io.manifest import ShardRecord
from ..shards import ShardTask
from ..worker import ShardWorker, WorkerSetup

_WORKER: ShardWorker | None = None


def init_process(setup: WorkerSetup) -> None:
    """The pool's initializer: this process's worker."""
    global _WORKER
    _die_with_parent()
    _WORKER = ShardWorker(setup)


def run_in_process(task: ShardTask) -> ShardRecord:
    assert _WORKER is not None, "worker process not initialised"
    return _WORKER.run(task)


def _die_with_parent() -> None:
    """Linux: a worker gets SIGKILL when the parent dies, so a killed run leaves no
    stragglers (they would only rewrite identical shards, but they hold memory)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)
    except (OSError, AttributeError):
        pass


class ProcessExecutor:
    """A pool of ``workers`` spawned processes, each with its own switcher."""

    def __init__(self, setup: WorkerSetup, workers: int) -> None:
        import multiprocessing

        # init_process is looked up when the pool is made: a test may wrap it (the
        # crash-safety tests install their kill points in the workers that way).
        self.pool = cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=init_process, initargs=(setup,))

    def submit(self, task: ShardTask) -> cf.Future[ShardRecord]:
        return self.pool.submit(run_in_process, task)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

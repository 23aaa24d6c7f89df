"""Where shard tasks run. Each executor takes :class:`~csgen.pipeline.shards.ShardTask`s
and returns futures of their :class:`~csgen.io.manifest.ShardRecord`s; the run
(:mod:`csgen.pipeline.run`) lists them in order. Executors import the worker, never the
run, so nothing here imports back up.

* ``inline``: this thread, at submit time (one worker, or a run's only shard);
* ``local``: threads of this process sharing one switcher (the default: the C++ kernel,
  the readers and the Parquet writer release the GIL, so reading, switching and writing
  overlap without copying a byte between processes);
* ``processes``: spawned worker processes, each with its own switcher;
* ``ray``: Ray actors, restarted and their task retried when one dies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Executor
from .inline import InlineExecutor

if TYPE_CHECKING:
    from ...switch import Switcher
    from ..worker import WorkerSetup

__all__ = ["Executor", "InlineExecutor", "make_executor"]


def make_executor(engine: str, setup: WorkerSetup, workers: int,
                  switcher: Switcher | None = None) -> Executor:
    """The executor of ``engine`` with ``workers`` parallel shards."""
    if engine == "local":
        from .threads import ThreadExecutor

        return ThreadExecutor(setup, workers, switcher)
    if engine == "processes":
        from .processes import ProcessExecutor

        return ProcessExecutor(setup, workers)
    if engine == "ray":
        from .ray import RayExecutor

        return RayExecutor(setup, workers)
    raise ValueError(f"unknown engine {engine!r}")  # SwitchJob checked it

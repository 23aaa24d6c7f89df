"""csgen on Ray: the same switching, on a Ray cluster.

Two entry points:

* :func:`switch` maps the switcher over a Ray Dataset with
  ``map_batches(batch_format="pyarrow")`` and an actor class that loads the
  lexicons once per actor; it returns a lazy Ray Dataset to write where you like.
* :class:`RayExecutor` runs ``csgen switch --engine ray``: the driver reads and
  cuts the input as the local engine does, and Ray actors switch and write the
  shards, so the shards and the manifest are the local engine's, byte for byte.
  ``OUTDIR`` must be a path every node can write (a shared file system).

Ray is optional (``pip install 'csgen[ray]'``). Without ``ray.init`` beforehand,
a local cluster is started, or the cluster ``RAY_ADDRESS`` names is joined.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import threading
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from .config import SwitchConfig
from .errors import ConfigError
from .io.manifest import ShardRecord
from .lexicon.core import Lexicon
from .pipeline import ShardTask, ShardWorker, WorkerSetup
from .steps import StepSpec


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError("the Ray engine needs Ray: pip install 'csgen[ray]'") from None
    if not ray.is_initialized():
        ray.init(address=os.environ.get("RAY_ADDRESS") or None, log_to_driver=False,
                 configure_logging=False)
    return ray


class _ShardActor:
    def __init__(self, setup: WorkerSetup) -> None:
        self.worker = ShardWorker(setup)

    def run(self, task: ShardTask) -> ShardRecord:
        return self.worker.run(task)


class RayExecutor:
    """``workers`` Ray actors, each with its switcher; a task goes to the actor with
    the fewest outstanding tasks. Implements :class:`csgen.pipeline.Executor`."""

    def __init__(self, setup: WorkerSetup, workers: int) -> None:
        self.ray = _ray()
        actor = self.ray.remote(num_cpus=1)(_ShardActor)
        self.actors = [actor.remote(setup) for _ in range(workers)]
        self.outstanding = [0] * workers
        self._lock = threading.Lock()

    def submit(self, task: ShardTask) -> cf.Future[ShardRecord]:
        with self._lock:
            i = min(range(len(self.actors)), key=self.outstanding.__getitem__)
            self.outstanding[i] += 1
        future: cf.Future[ShardRecord] = self.actors[i].run.remote(task).future()

        def done(_: cf.Future[ShardRecord]) -> None:
            with self._lock:
                self.outstanding[i] -= 1

        future.add_done_callback(done)
        return future

    def shutdown(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor)


class _SwitchBatches:
    """The ``map_batches`` callable: builds the chain (and its switcher) once per actor."""

    def __init__(self, spec: StepSpec) -> None:
        self.steps = spec.build()

    def __call__(self, table: pa.Table) -> pa.Table:
        return pa.Table.from_batches([self.steps.process_table(table).batch])


def switch(dataset: Any, lexicons: Sequence[str | Lexicon] | str | Lexicon,
           columns: Sequence[str], *, id_column: str, concurrency: int | None = None,
           num_cpus: float = 1.0, batch_size: int = 16384, config: SwitchConfig | None = None,
           **options: Any) -> Any:
    """Switch ``columns`` of a Ray Dataset; returns the (lazy) switched Dataset.

    Ray Data does not number rows, so the randomness of a row is keyed by
    ``id_column`` (integers, or strings hashed by the core): the result equals
    ``Switcher(...).switch_table(table, columns, id_column=id_column)`` row for
    row, whatever the partitioning. ``lexicons`` are specs (paths every node can
    read) or :class:`~csgen.Lexicon` objects (shipped to each actor);
    ``options`` are :class:`~csgen.SwitchConfig` fields (``ratio``, ``seed``, ...).

    ``concurrency`` actors of ``num_cpus`` CPUs each switch batches of
    ``batch_size`` rows; by default one actor per cluster CPU but one, since the
    tasks that read the input need a CPU too (with every CPU held by an actor,
    Ray Data waits forever).

    Example:
        >>> import ray.data  # doctest: +SKIP
        >>> ds = ray.data.read_parquet("pairs/")  # doctest: +SKIP
        >>> out = switch(ds, ["de=en-de.csglex"], ["query"], id_column="qid",
        ...              ratio=0.5, seed=1)  # doctest: +SKIP
        >>> out.write_parquet("switched/")  # doctest: +SKIP
    """
    if not id_column:
        raise ConfigError("Ray Data does not number rows: give id_column, a column with a "
                          "key per row, so the output is reproducible")
    if config is not None and options:
        raise ConfigError("give either a SwitchConfig or keyword options, not both")
    config = config if config is not None else SwitchConfig(**options)
    if isinstance(lexicons, (str, Lexicon)):
        lexicons = [lexicons]
    cpus = int(_ray().cluster_resources().get("CPU", 1))
    workers = concurrency or max(1, int((cpus - 1) // num_cpus))
    # Threads: Ray gives each actor one CPU; the core should not oversubscribe it.
    per_actor = SwitchConfig(**{**config.__dict__, "threads": 1})
    spec = StepSpec(tuple(lexicons), per_actor, tuple(columns), id_column)
    return dataset.map_batches(
        _SwitchBatches, fn_constructor_args=(spec,),
        batch_format="pyarrow", batch_size=batch_size, concurrency=workers, num_cpus=num_cpus,
        zero_copy_batch=True)

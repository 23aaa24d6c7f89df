"""csgen on Ray Data: :func:`switch` maps csgen's per-batch chain over a Ray Dataset.

``map_batches(batch_format="pyarrow")`` with an actor class that builds the chain (and
loads the lexicons) once per actor; it returns a lazy Ray Dataset to write where you
like. ``csgen switch --engine ray`` (whole jobs with a manifest) is
:class:`csgen.pipeline.executors.ray.RayExecutor`.

Ray is optional (``pip install 'csgen[ray]'``). Without ``ray.init`` beforehand, a local
cluster is started, or the cluster ``RAY_ADDRESS`` names is joined.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from ._ray import ray_module
from ._validate import DEFAULT_BATCH_ROWS
from .config import SwitchConfig
from .errors import ConfigError
from .lexicon.core import Lexicon
from .steps import StepSpec


class _SwitchBatches:
    """The ``map_batches`` callable: builds the chain (and its switcher) once per actor."""

    def __init__(self, spec: StepSpec) -> None:
        self.steps = spec.build()

    def __call__(self, table: pa.Table) -> pa.Table:
        return pa.Table.from_batches([self.steps.process_table(table).batch])


def switch(dataset: Any, lexicons: Sequence[str | Lexicon] | str | Lexicon,
           columns: Sequence[str], *, id_column: str, concurrency: int | None = None,
           num_cpus: float = 1.0, batch_size: int = DEFAULT_BATCH_ROWS,
           config: SwitchConfig | None = None,
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
    cpus = int(ray_module("csgen.ray").cluster_resources().get("CPU", 1))
    workers = concurrency or max(1, int((cpus - 1) // num_cpus))
    # Threads: Ray gives each actor one CPU; the core should not oversubscribe it.
    per_actor = SwitchConfig(**{**config.__dict__, "threads": 1})
    spec = StepSpec(tuple(lexicons), per_actor, tuple(columns), id_column)
    return dataset.map_batches(
        _SwitchBatches, fn_constructor_args=(spec,),
        batch_format="pyarrow", batch_size=batch_size, concurrency=workers, num_cpus=num_cpus,
        zero_copy_batch=True)

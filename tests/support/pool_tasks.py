"""Functions that worker processes run in the tests: they live in an importable module
(``tests/support`` is on the path), which spawned processes import by name; a function
of a test module, imported by pytest under a name of its own, cannot be found there."""

from __future__ import annotations

from typing import Any

import pyarrow as pa


def switch_chunk(args: tuple[Any, pa.Table, int]) -> pa.Table:
    """``(switcher, table, row_base)`` -> the table's ``question`` column switched."""
    switcher, chunk, row_base = args
    batch = chunk.combine_chunks().to_batches()[0]
    return pa.Table.from_batches([switcher.switch_batch(batch, ["question"], row_base=row_base)])

"""The ``parquet`` reader (``.parquet``, ``.pq``): row group by row group, column types as
stored.

Buffers: each row group is decoded into new buffers (pyarrow's), and the batches handed
on are zero-copy slices of it; nothing borrows the file.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from ..files import File, reading
from .base import BadRows, Probe, Reader, register

_BIG_ROW_GROUP = 256 << 20


@register
class ParquetReader(Reader):
    """Parquet, row group by row group (never the whole file).

    A row group is read whole and sliced into batches: memory stays flat over a long
    file, where pyarrow's ``iter_batches`` grows the process by about 150 MB per GB
    read (measured). A row group larger than ``_BIG_ROW_GROUP`` uncompressed bytes is
    streamed with ``iter_batches`` instead, so one huge row group is never all in memory.
    """

    format = "parquet"
    rebatch = False

    def probe(self, f: File) -> Probe:
        with reading(f.name, "not a readable Parquet file"), f.random_access() as src:
            meta = pq.ParquetFile(src)
            return Probe(meta.schema_arrow, meta.metadata.num_rows)

    def read(self, f: File, probe: Probe, schema: pa.Schema,
             bad: BadRows) -> Iterator[pa.RecordBatch]:
        rows = self.options.batch_rows
        with f.random_access() as src:
            pf = pq.ParquetFile(src)
            for i in range(pf.num_row_groups):
                if pf.metadata.row_group(i).total_byte_size > _BIG_ROW_GROUP:
                    yield from pf.iter_batches(batch_size=rows, row_groups=[i],
                                               use_threads=True)
                else:
                    table = pf.read_row_group(i, use_threads=True)
                    yield from table.to_batches(max_chunksize=rows)
                    del table

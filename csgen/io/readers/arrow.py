"""The ``arrow`` reader (``.arrow``, ``.feather``, ``.ipc``): an Arrow IPC file (Feather
v2) or stream.

Buffers: a local file is memory-mapped and the batches of an uncompressed file borrow
the mapped pages (slicing them to ``batch_rows`` copies nothing; they stay valid after
the pass, as the mapping lives as long as a batch refers to it). Compressed buffers are
decompressed into new memory; a file on an fsspec filesystem is read into new buffers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from ...errors import InputError
from ..files import File, clean, reading
from .base import BadRows, Probe, Reader, register


@register
class ArrowReader(Reader):
    """Arrow IPC file or stream: a file's batches are taken by index (its row count is
    known from the footer), a stream's in order."""

    format = "arrow"
    rebatch = False

    @staticmethod
    def _open(f: File, src: Any) -> tuple[Any, bool]:
        head = src.read(6)
        src.seek(0)
        try:
            return pa.ipc.open_file(src), True
        except pa.ArrowInvalid as e:
            if head == b"ARROW1":
                raise InputError(f"{f.name}: truncated or corrupt Arrow IPC file: "
                                 f"{clean(e)}") from None
        src.seek(0)
        try:
            return pa.ipc.open_stream(src), False
        except pa.ArrowInvalid as e:
            raise InputError(f"{f.name}: not an Arrow IPC file or stream: {clean(e)}") from None

    def probe(self, f: File) -> Probe:
        with reading(f.name, "cannot read as Arrow IPC"), f.random_access(mmap=True) as src:
            reader, is_file = self._open(f, src)
            rows = None
            if is_file:
                rows = (reader.count_rows() if hasattr(reader, "count_rows") else
                        sum(reader.get_batch(i).num_rows
                            for i in range(reader.num_record_batches)))
            return Probe(reader.schema, rows)

    def read(self, f: File, probe: Probe, schema: pa.Schema,
             bad: BadRows) -> Iterator[pa.RecordBatch]:
        with f.random_access(mmap=True) as src:
            reader, is_file = self._open(f, src)
            if is_file:
                for i in range(reader.num_record_batches):
                    yield reader.get_batch(i)
            else:
                yield from reader

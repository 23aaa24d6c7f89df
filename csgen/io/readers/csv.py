"""The ``csv`` and ``tsv`` readers (also ``.gz``): ``pyarrow.csv.open_csv`` with every
column read as ``string``, so text stays as written (``007``, ``NA``, ``""``). TSV has no
quoting (MS MARCO text holds quotes); CSV quotes with ``"`` and values may span lines.

pyarrow counts records, not lines, and a row longer than its block fails the block: the
retry loops here read again with a larger block, and the error path scans the file with
the ``csv`` module to turn record numbers into line numbers.

Buffers: pyarrow parses each block into new buffers; the batches handed on are those.
Nothing borrows the file.
"""

from __future__ import annotations

import bisect
import csv
import io
import re
import sys
import zlib
from collections.abc import Iterator
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.csv as pa_csv

from ...errors import InputError
from ..files import READ_ERRORS, File, clean, reading
from .base import BadRows, Probe, Reader, ReadOptions, register

CSV_BLOCK_BYTES = 4 << 20       # pyarrow.csv block size
MAX_CSV_BLOCK = 256 << 20       # largest pyarrow.csv block tried for one long row
ROW_NUMBER = re.compile(r"Row #(\d+)")   # where pyarrow.csv names a failing record


@register
class CsvReader(Reader):
    """CSV (comma, ``"`` quotes, values may span lines) through ``pyarrow.csv.open_csv``,
    every column as ``string``; blank lines are skipped. A row with the wrong number of
    fields is ``file:LINE: expected N fields, found M`` (pyarrow counts records; the line
    is recovered from the file on the error path, and for skipped rows once per file).
    Subclasses change the dialect (:class:`TsvReader`) and the columns (MS MARCO)."""

    format = "csv"
    names_own_columns = False  # a header, or column_names
    delimiter: ClassVar[str] = ","
    quoted: ClassVar[bool] = True
    reads_header: ClassVar[bool] = True   # False: the format's files have no header

    def __init__(self, options: ReadOptions):
        super().__init__(options)
        self.header = options.header if self.reads_header else False
        self.fixed_names: tuple[str, ...] | None = options.column_names

    def fingerprint_options(self) -> dict[str, Any]:
        return {"header": self.options.header, "column_names": list(self.fixed_names or ())}

    def _parse_options(self, handler: Any = None) -> pa_csv.ParseOptions:
        return pa_csv.ParseOptions(
            delimiter=self.delimiter, quote_char='"' if self.quoted else False,
            double_quote=self.quoted, escape_char=False, newlines_in_values=self.quoted,
            ignore_empty_lines=True, invalid_row_handler=handler)

    def empty_schema(self) -> pa.Schema | None:
        if self.fixed_names is None:
            return None
        return pa.schema([(n, pa.string()) for n in self.fixed_names])

    def probe(self, f: File) -> Probe:
        if self.fixed_names is not None:
            names = self.fixed_names
            with reading(f.name), f.open() as fh:
                empty = not fh.read(1)
        else:
            names, empty = self._peek_names(f)
        if empty:
            return Probe(None)
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise InputError(f"{f.name}:1: the header repeats column "
                             f"{', '.join(map(repr, dup))}")
        return Probe(pa.schema([(n, pa.string()) for n in names]), names=tuple(names))

    def _peek_names(self, f: File) -> tuple[tuple[str, ...], bool]:
        block = 1 << 20
        while True:
            ro = pa_csv.ReadOptions(use_threads=False, block_size=block,
                                    autogenerate_column_names=not self.header)
            try:
                with f.arrow_stream() as stream:
                    reader = pa_csv.open_csv(stream, read_options=ro,
                                             parse_options=self._parse_options(lambda r: "skip"))
                    return tuple(reader.schema.names), False
            except pa.ArrowInvalid as e:
                # pyarrow says "Empty CSV file or block" (or "straddling") when the first
                # row does not fit in a block: retry with a larger one, else it is empty
                if row_too_long(e) and block < MAX_CSV_BLOCK and longer_than(f, block):
                    block *= 4
                    continue
                if "Empty CSV file" in str(e):
                    return (), True
                raise InputError(f"{f.name}: cannot read the first line: {clean(e)}") from None
            except READ_ERRORS as e:
                raise InputError(f"{f.name}: read error: {clean(e)}") from None

    def _records(self, f: File, probe: Probe, schema: pa.Schema, bad: BadRows,
                 ) -> Iterator[tuple[pa.RecordBatch, list[int], int]]:
        """Batches of the file as strings, with the sorted record numbers skipped so far
        and the number of rows before the batch. Bad rows are raised or counted here."""
        names = list(probe.names or schema.names)
        invalid: list[tuple[int | None, int, int, str]] = []

        def handler(row: Any) -> str:
            invalid.append((row.number, row.expected_columns, row.actual_columns, row.text))
            return "skip"

        co = pa_csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                   strings_can_be_null=False)
        skipped: list[int] = []
        pending: list[tuple[int, int]] = []   # (example index, record) to resolve
        rows_before = 0
        taken = 0   # highest record number of a bad row handled (a retry meets them again)
        block = CSV_BLOCK_BYTES
        try:
            while True:
                ro = pa_csv.ReadOptions(use_threads=False, block_size=block,
                                        column_names=names, skip_rows=1 if self.header else 0)
                rows_read = 0
                try:
                    with f.arrow_stream() as stream:
                        reader = pa_csv.open_csv(stream, read_options=ro,
                                                 parse_options=self._parse_options(handler),
                                                 convert_options=co)
                        while True:
                            try:
                                batch = reader.read_next_batch()
                            except StopIteration:
                                batch = None
                            invalid[:] = [x for x in invalid if x[0] is None or x[0] > taken]
                            taken = max([taken] + [x[0] for x in invalid if x[0] is not None])
                            self._take_invalid(f, invalid, skipped, pending, bad)
                            if batch is None:
                                break
                            rows_read += batch.num_rows
                            if rows_read > rows_before:   # rows an earlier try did not yield
                                batch = batch.slice(batch.num_rows - (rows_read - rows_before))
                                yield batch, skipped, rows_before
                                rows_before += batch.num_rows
                    return
                except pa.ArrowInvalid as e:
                    # A row longer than the block: read the file again with a larger block,
                    # skipping the rows already yielded (rare: rows of several MiB).
                    if (not row_too_long(e) or block >= MAX_CSV_BLOCK
                            or not longer_than(f, block)):
                        raise
                    invalid.clear()
                    block *= 4
        except pa.ArrowInvalid as e:
            m = ROW_NUMBER.search(str(e))
            msg = clean(e)
            if m:
                msg = msg.split(m.group(0) + ": ", 1)[-1]
                line = self._lines(f, [int(m.group(1))])[int(m.group(1))]
                col = re.search(r"column #(\d+)", str(e))
                where = f"column {names[int(col.group(1))]!r}: " if col else ""
                raise InputError(f"{f.name}:{line}: {where}{msg}") from None
            if row_too_long(e):
                msg = f"a row longer than {block >> 20} MiB, or a quote never closed ({msg})"
            raise InputError(f"{f.name}: {msg}") from None
        finally:
            if pending:
                self._resolve(f, pending, bad)

    def _take_invalid(self, f: File, invalid: list[tuple[int | None, int, int, str]],
                      skipped: list[int], pending: list[tuple[int, int]],
                      bad: BadRows) -> None:
        for number, expected, actual, _text in invalid:
            reason = f"expected {expected} fields, found {actual}"
            if number is None:  # pragma: no cover - only with use_threads
                raise InputError(f"{f.name}: {reason}")
            if not self.skip:
                line = self._lines(f, [number])[number]
                raise InputError(f"{f.name}:{line}: {reason}")
            bisect.insort(skipped, number)
            idx = len(bad.examples)
            bad.add(f.name, number, reason)   # the record number until resolved
            if idx < len(bad.examples):
                pending.append((idx, number))
        invalid.clear()

    def _resolve(self, f: File, pending: list[tuple[int, int]], bad: BadRows) -> None:
        """Turn the record numbers of this file's examples into line numbers."""
        lines = self._lines(f, [n for _, n in pending])
        for idx, number in pending:
            if idx < len(bad.examples) and bad.examples[idx][:2] == (f.name, number):
                bad.examples[idx] = (f.name, lines.get(number, number), bad.examples[idx][2])
        pending.clear()

    def read(self, f: File, probe: Probe, schema: pa.Schema,
             bad: BadRows) -> Iterator[pa.RecordBatch]:
        for batch, _skipped, _before in self._records(f, probe, schema, bad):
            yield batch

    def _lines(self, f: File, records: list[int]) -> dict[int, int]:
        return record_lines(f, records, self.quoted, self.delimiter)


@register
class TsvReader(CsvReader):
    """TSV: tab-separated, no quoting (a ``"`` is text), values on one line."""

    format = "tsv"
    delimiter = "\t"
    quoted = False


def row_too_long(e: BaseException) -> bool:
    """pyarrow.csv's words for a row that does not fit in one block."""
    msg = str(e)
    return "straddl" in msg or "Empty CSV file or block" in msg


def longer_than(f: File, n: int) -> bool:
    """The (decompressed) file holds more than ``n`` bytes."""
    with reading(f.name), f.open() as fh:
        while n >= 0:
            piece = fh.read(min(n + 1, 8 << 20))
            if not piece:
                return False
            n -= len(piece)
        return True


def record_lines(f: File, records: list[int], quoted: bool,
                 delimiter: str) -> dict[int, int]:
    """Line numbers (1-based) of pyarrow CSV record numbers (1-based, a header counted,
    blank lines not): one scan with the csv module, on the error path only."""
    want = set(records)
    last = max(want)
    out: dict[int, int] = {}
    old = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        with f.open() as fh:
            text = io.TextIOWrapper(fh, encoding="utf-8", errors="replace", newline="")
            if quoted:
                rows = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True,
                                  strict=False)
            else:
                rows = csv.reader(text, delimiter=delimiter, quoting=csv.QUOTE_NONE)
            record, end = 0, 0
            for row in rows:
                start, end = end + 1, rows.line_num
                if not row:
                    continue
                record += 1
                if record in want:
                    out[record] = start
                    if record >= last:
                        break
    except (csv.Error, OSError, EOFError, zlib.error):  # pragma: no cover - best effort
        pass
    finally:
        csv.field_size_limit(old)
    return {r: out.get(r, r) for r in want}

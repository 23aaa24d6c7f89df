"""The MS MARCO readers: ``msmarco-triples`` (TSV without header, ``query, positive,
negative`` strings) and ``msmarco-ids`` (``qid<TAB>pid_pos<TAB>pid_neg`` joined with
``collection`` and ``queries`` into ``qid: int64, query, pos_id: int64, positive, neg_id:
int64, negative``).

Buffers: the triples are parsed by pyarrow into new buffers (see
:mod:`csgen.io.readers.csv`). For ``msmarco-ids`` the collection and the queries are
loaded once per source into Arrow (new buffers: about their size, plus 16 bytes a row
for the sorted ids), and each output batch's text columns are new arrays taken from them
(``take`` copies the strings); the id columns are new arrays from the parsed ids.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ...errors import ConfigError, InputError
from ..files import READ_ERRORS, File, clean, one_file
from .base import (
    MAX_BAD_EXAMPLES,
    BadRows,
    Probe,
    ReadOptions,
    check_column_count,
    refuse_side_files,
    register,
)
from .csv import ROW_NUMBER, TsvReader, record_lines

MSMARCO_TRIPLES_COLUMNS = ("query", "positive", "negative")
MSMARCO_IDS_COLUMNS = ("qid", "query", "pos_id", "positive", "neg_id", "negative")
_INT_PATTERN = r"^[+-]?[0-9]{1,18}$"


@register
class MsmarcoTriplesReader(TsvReader):
    """``query<TAB>positive<TAB>negative`` lines (``column_names`` renames the three)."""

    format = "msmarco-triples"
    reads_header = False

    @classmethod
    def check_options(cls, options: ReadOptions) -> None:
        refuse_side_files(cls.format, options)
        check_column_count(cls.format, options, len(MSMARCO_TRIPLES_COLUMNS))

    def __init__(self, options: ReadOptions):
        super().__init__(options)
        self.fixed_names = options.column_names or MSMARCO_TRIPLES_COLUMNS

    def fingerprint_options(self) -> dict[str, Any]:
        return {"column_names": list(self.fixed_names or ())}


@register
class MsmarcoIdsReader(TsvReader):
    """``qid<TAB>pid_pos<TAB>pid_neg`` rows joined with ``collection`` (pid<TAB>passage)
    and ``queries`` (qid<TAB>query), both loaded once per source as Arrow (memory: about
    their size). The join is vectorised per batch (``np.searchsorted`` on the sorted ids,
    then ``take``). An id that is not an integer or not in its file is a bad row."""

    format = "msmarco-ids"
    reads_header = False

    @classmethod
    def check_options(cls, options: ReadOptions) -> None:
        missing = [k for k in ("collection", "queries") if getattr(options, k) is None]
        if missing:
            raise ConfigError("format msmarco-ids needs both collection (pid<TAB>passage) and "
                              f"queries (qid<TAB>query); missing: {', '.join(missing)}")
        check_column_count(cls.format, options, len(MSMARCO_IDS_COLUMNS))

    def __init__(self, options: ReadOptions):
        super().__init__(options)
        self.fixed_names = ("qid", "pos_id", "neg_id")
        self.out_names = options.column_names or MSMARCO_IDS_COLUMNS
        assert options.collection is not None and options.queries is not None
        self.collection_file = one_file(options.collection, "collection")
        self.collection = _Lookup(self.collection_file, "collection")
        self.queries_file = one_file(options.queries, "queries")
        self.queries = _Lookup(self.queries_file, "queries")
        self.schema = pa.schema([(n, pa.int64() if i % 2 == 0 else pa.string())
                                 for i, n in enumerate(self.out_names)])

    def fingerprint_options(self) -> dict[str, Any]:
        return {"column_names": list(self.out_names),
                "collection": self.collection_file.info.to_dict(),
                "queries": self.queries_file.info.to_dict()}

    def empty_schema(self) -> pa.Schema:
        return self.schema

    def probe(self, f: File) -> Probe:
        p = super().probe(f)
        return p if p.schema is None else Probe(self.schema, names=self.fixed_names)

    def read(self, f: File, probe: Probe, schema: pa.Schema,
             bad: BadRows) -> Iterator[pa.RecordBatch]:
        for batch, skipped, before in self._records(f, probe, schema, bad):
            yield self._join(f, batch, skipped, before, bad)

    def _join(self, f: File, batch: pa.RecordBatch, skipped: list[int], before: int,
              bad: BadRows) -> pa.RecordBatch:
        n = batch.num_rows
        problem = np.zeros(n, bool)
        reasons: dict[int, str] = {}

        def flag(mask: np.ndarray, why: Callable[[int], str]) -> None:
            for i in np.flatnonzero(mask & ~problem)[: MAX_BAD_EXAMPLES + 1]:
                reasons[int(i)] = why(int(i))
            problem[mask] = True

        ids = []
        for k, label in enumerate(("query id", "positive passage id", "negative passage id")):
            col = batch.column(k)
            try:
                ids.append(pc.cast(col, pa.int64()).to_numpy())
                continue
            except pa.ArrowInvalid:
                pass
            ok = pc.match_substring_regex(col, _INT_PATTERN).to_numpy(zero_copy_only=False)
            flag(~ok, lambda i, c=col, lb=label: f"{lb} {c[i].as_py()!r} is not an integer")
            ids.append(pc.cast(pc.if_else(pa.array(ok), col, "0"), pa.int64()).to_numpy())
        qid, pos, neg = ids
        q_rows, q_ok = self.queries.find(qid)
        p_rows, p_ok = self.collection.find(pos)
        n_rows, n_ok = self.collection.find(neg)
        flag(~q_ok, lambda i: f"query id {qid[i]} not in {self.queries.name}")
        flag(~p_ok, lambda i: f"passage id {pos[i]} not in {self.collection.name}")
        flag(~n_ok, lambda i: f"passage id {neg[i]} not in {self.collection.name}")
        if problem.any():
            bad_idx = np.flatnonzero(problem)
            records = [self._record(before + int(i), skipped) for i in bad_idx]
            if not self.skip:
                line = self._lines(f, [records[0]])[records[0]]
                raise InputError(f"{f.name}:{line}: {reasons[int(bad_idx[0])]}")
            room = MAX_BAD_EXAMPLES - len(bad.examples)
            lines = self._lines(f, records[:room]) if room > 0 else {}
            for i, rec in zip(bad_idx, records, strict=True):
                bad.add(f.name, lines.get(rec, rec), reasons.get(int(i), "bad ids"))
            keep = ~problem
            qid, pos, neg = qid[keep], pos[keep], neg[keep]
            q_rows, p_rows, n_rows = q_rows[keep], p_rows[keep], n_rows[keep]
        arrays = [pa.array(qid, pa.int64()), self.queries.take(q_rows),
                  pa.array(pos, pa.int64()), self.collection.take(p_rows),
                  pa.array(neg, pa.int64()), self.collection.take(n_rows)]
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _record(self, row: int, skipped: list[int]) -> int:
        """pyarrow record number (1-based) of the file's ``row``-th kept row (0-based)."""
        x = row + 1
        while True:
            y = row + 1 + bisect.bisect_right(skipped, x)
            if y == x:
                return x
            x = y


class _Lookup:
    """An MS MARCO ``id<TAB>text`` file held as Arrow (memory: about its size plus 16
    bytes per row): int64 ids sorted once, the text as one array. Duplicate ids: the
    first row wins."""

    def __init__(self, f: File, what: str):
        self.name = os.path.basename(f.name.rstrip("/"))
        invalid: list[tuple[int | None, int, int]] = []

        def handler(row: Any) -> str:
            invalid.append((row.number, row.expected_columns, row.actual_columns))
            return "skip"

        ro = pa_csv.ReadOptions(use_threads=False, block_size=16 << 20,
                                column_names=["id", "text"])
        po = pa_csv.ParseOptions(delimiter="\t", quote_char=False, double_quote=False,
                                 escape_char=False, invalid_row_handler=handler)
        co = pa_csv.ConvertOptions(column_types={"id": pa.int64(), "text": pa.string()},
                                   strings_can_be_null=False)
        try:
            with f.arrow_stream() as stream:
                table = pa_csv.read_csv(stream, read_options=ro, parse_options=po,
                                        convert_options=co)
        except pa.ArrowInvalid as e:
            if "Empty CSV file" in str(e):
                table = pa.table({"id": pa.array([], pa.int64()),
                                  "text": pa.array([], pa.string())})
            else:
                m = ROW_NUMBER.search(str(e))
                at = f":{_tsv_line(f, int(m.group(1)))}" if m else ""
                raise InputError(f"{f.name}{at}: {what}: {clean(e).split(': ', 2)[-1]}"
                                 ) from None
        except READ_ERRORS as e:
            raise InputError(f"{f.name}: {what}: {clean(e)}") from None
        if invalid:
            number, expected, actual = invalid[0]
            at = f":{_tsv_line(f, number)}" if number is not None else ""
            raise InputError(f"{f.name}{at}: {what}: expected {expected} fields, found {actual}")
        ids = table.column("id").to_numpy()
        text = table.column("text")
        if text.num_chunks != 1:
            if sum(c.nbytes for c in text.chunks) >= (1 << 31) - (1 << 20):
                text = text.cast(pa.large_string())
            text = text.combine_chunks()
        else:
            text = text.chunk(0)
        self.text: pa.Array = text
        self.order = np.argsort(ids, kind="stable")
        self.sorted_ids = ids[self.order]
        self.size = len(ids)

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row of each key and whether it was found (vectorised binary search)."""
        if self.size == 0:
            return np.zeros(len(keys), np.int64), np.zeros(len(keys), bool)
        pos = np.searchsorted(self.sorted_ids, keys)
        pos = np.minimum(pos, self.size - 1)
        found = self.sorted_ids[pos] == keys
        return self.order[pos], found

    def take(self, rows: np.ndarray) -> pa.Array:
        """The texts of ``rows`` as a new ``string`` array."""
        out = self.text.take(pa.array(rows, pa.int64()))
        return out if out.type == pa.string() else out.cast(pa.string())


def _tsv_line(f: File, record: int) -> int:
    return record_lines(f, [record], False, "\t")[record]

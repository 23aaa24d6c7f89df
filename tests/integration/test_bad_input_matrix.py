"""Bad input, cell by cell: every input format ``csgen switch`` reads x every way a file can
be broken, and lexicons (``csgen lexicon import`` and ``--lexicon``) x every encoding
accident.

Each cell runs the real CLI in-process and expects one of two outcomes:

- a typed error (a :class:`~csgen.errors.CsgenError` subclass) shown as one ``Error:``
  line, never a traceback, whose message names the file and the line (or the column and
  global row) and says what is wrong; or
- the correct output: the switched columns equal switching the input in-process.

Either way ``OUTDIR`` holds no partial output: no ``*.tmp``, only shards listed in the
manifest with their size and checksum, or no ``OUTDIR`` at all when the run stopped before
finishing a shard. Combinations that make no sense (a null-only column in a TSV file,
which has no nulls) are not generated.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

import csgen
from csgen.cli import main
from csgen.errors import (
    ColumnError,
    ColumnTypeError,
    CsgenError,
    InputError,
    InvalidTextError,
    LexiconFormatError,
)
from csgen.io.manifest import read_manifest
from csgen.io.readers import CSV_BLOCK_BYTES, JSON_BLOCK_BYTES
from csgen.lexicon.store import load_lexicon

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample"
DE = str(SAMPLE / "en-de.txt")
RATIO, SEED = 0.5, 3
#: ``_Lookup`` (msmarco-ids collection and queries) reads with this pyarrow block size
LOOKUP_BLOCK_BYTES = 16 << 20
BIG_ROW_BYTES = 10_000_000

FORMATS = ("parquet", "arrow", "jsonl", "csv", "tsv", "msmarco-triples", "msmarco-ids", "squad")
#: the two text columns a cell switches, by format
COLUMNS = {"msmarco-triples": ("query", "positive"), "msmarco-ids": ("query", "positive"),
           "squad": ("question", "context")}
GENERIC = ("question", "context")
SUFFIX = {"parquet": ".parquet", "arrow": ".arrow", "arrow-stream": ".arrow", "jsonl": ".jsonl",
          "csv": ".csv", "tsv": ".tsv", "msmarco-triples": ".tsv", "msmarco-ids": ".tsv",
          "squad": ".json"}


# -- what a cell expects ------------------------------------------------------------------------


@dataclass(frozen=True)
class Fails:
    """Stop with ``error``; every string of ``parts`` is in the message. ``shards_first``:
    the input is cut so that shards finish before the error (they must stay listed);
    otherwise the run stops before any shard and leaves no OUTDIR."""

    error: type[CsgenError]
    parts: tuple[str, ...]
    shards_first: bool = False


@dataclass(frozen=True)
class Succeeds:
    """Finish; each switched column equals in-process switching of ``texts[column]`` (the
    column's values as written, in order, row keys = global row indices)."""

    texts: dict[str, list[str | None]]
    shards: int | None = None


@dataclass
class Plan:
    """A cell's command-line arguments (input, format options) and expected outcome."""

    args: list[str]
    expect: Fails | Succeeds
    columns: tuple[str, ...] = GENERIC
    extra: list[str] = field(default_factory=list)


# -- sample text and writers --------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> dict[str, list[str]]:
    """Real questions and contexts (XQuAD sample; no TAB or newline in them)."""
    table = pq.read_table(SAMPLE / "xquad-en.parquet")
    return {"question": table.column("question").to_pylist(),
            "context": table.column("context").to_pylist()}


def text_rows(sample: dict[str, list[str]], fmt: str, n: int) -> dict[str, list]:
    """``n`` rows of the logical table a format is written from."""
    q = [sample["question"][i % 240] for i in range(n)]
    c = [sample["context"][i % 240] for i in range(n)]
    if fmt.startswith("msmarco"):
        return {"query": q, "positive": c, "negative": [sample["context"][(i + 7) % 240]
                                                        for i in range(n)]}
    return {"id": [f"r{i}" for i in range(n)], "question": q, "context": c}


def write_input(fmt: str, cols: dict[str, list], d: Path, *, group: int = 64,
                types: dict[str, pa.DataType] | None = None) -> tuple[Path, list[str]]:
    """Write the logical table ``cols`` as ``fmt``; the path and the CLI's format options."""
    path = d / f"in{SUFFIX[fmt]}"
    n = len(next(iter(cols.values())))
    if fmt in ("parquet", "arrow", "arrow-stream"):
        table = pa.table({k: v if isinstance(v, pa.Array) else pa.array(v, (types or {}).get(k))
                          for k, v in cols.items()})
        if fmt == "parquet":
            pq.write_table(table, path, row_group_size=group)
        else:
            new = pa.ipc.new_file if fmt == "arrow" else pa.ipc.new_stream
            with new(str(path), table.schema) as w:
                for batch in table.to_batches(max_chunksize=group):
                    w.write_batch(batch)
        return path, [str(path)]
    rows = [dict(zip(cols, vals, strict=True)) for vals in zip(*cols.values(), strict=True)]
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                        encoding="utf-8")
        return path, [str(path)]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        w.writerows(r.values() for r in rows)
        path.write_text(buf.getvalue(), encoding="utf-8")
        return path, [str(path)]
    if fmt in ("tsv", "msmarco-triples"):
        lines = ["\t".join(cols)] if fmt == "tsv" else []
        lines += ["\t".join(r.values()) for r in rows]
        path.write_text("".join(x + "\n" for x in lines), encoding="utf-8")
        return path, [str(path)] + (["-f", fmt] if fmt != "tsv" else [])
    if fmt == "msmarco-ids":
        coll, queries = d / "collection.tsv", d / "queries.tsv"
        coll.write_text("".join(f"{2 * i}\t{r['positive']}\n{2 * i + 1}\t{r['negative']}\n"
                                for i, r in enumerate(rows)), encoding="utf-8")
        queries.write_text("".join(f"{100 + i}\t{r['query']}\n" for i, r in enumerate(rows)),
                           encoding="utf-8")
        path.write_text("".join(f"{100 + i}\t{2 * i}\t{2 * i + 1}\n" for i in range(n)))
        return path, [str(path), "-f", fmt, "--collection", str(coll), "--queries",
                      str(queries)]
    assert fmt == "squad"
    doc = {"version": "1.1", "data": [{"title": "t", "paragraphs": [
        {"context": r["context"], "qas": [{"id": r["id"], "question": r["question"],
                                           "answers": []}]} for r in rows]}]}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path, [str(path)]


def last_line_start(data: bytes) -> int:
    return data.rstrip(b"\n").rfind(b"\n") + 1


# -- the cells ----------------------------------------------------------------------------------


def truncated(fmt: str, d: Path, sample: dict) -> Plan:
    """The file ends early: binary formats lose their second half; text formats stop
    inside the first field of the last row (a cut at a field boundary is a valid file)."""
    cols = text_rows(sample, fmt, 60)
    path, args = write_input(fmt, cols, d, group=10)
    data = path.read_bytes()
    name = str(path)
    if fmt == "parquet":
        path.write_bytes(data[: len(data) // 2])
        return Plan(args, Fails(InputError, (name, "not a readable Parquet file")))
    if fmt == "arrow":
        path.write_bytes(data[: len(data) // 2])
        return Plan(args, Fails(InputError, (name, "truncated or corrupt Arrow IPC file")))
    if fmt == "arrow-stream":  # batches of 10 rows, shards of 10: the first ones finish
        path.write_bytes(data[: len(data) * 2 // 3])
        return Plan(args, Fails(InputError, (name, "read error"), shards_first=True),
                    extra=["--shard-rows", "10"])
    if fmt == "squad":
        cut = len(data) // 2
        path.write_bytes(data[:cut])
        line = data[:cut].count(b"\n") + 1
        return Plan(args, Fails(InputError, (f"{name}:{line}:", "invalid JSON")),
                    columns=COLUMNS[fmt])
    cut = last_line_start(data) + 2
    path.write_bytes(data[:cut])
    line = data[:cut].count(b"\n") + 1
    if fmt == "jsonl":
        return Plan(args, Fails(InputError, (f"{name}:{line}:", "invalid JSON")))
    # csv, tsv (id, question, context), triples, ids: three fields, one left
    return Plan(args, Fails(InputError, (f"{name}:{line}:", "expected 3 fields, found 1")),
                columns=COLUMNS.get(fmt, GENERIC))


def missing_column(fmt: str, d: Path, sample: dict) -> Plan:
    """A column to switch is not in the input (named in the file's header or schema, or
    a fixed-schema format asked for a column it does not have)."""
    cols = text_rows(sample, fmt, 20)
    if fmt in ("msmarco-triples", "msmarco-ids", "squad"):
        path, args = write_input(fmt, cols, d)
        have = {"msmarco-triples": "query, positive, negative",
                "msmarco-ids": "qid, query, pos_id, positive, neg_id, negative",
                "squad": "id, title, context, question, answers"}[fmt]
        return Plan(args, Fails(ColumnError, (str(path), "column 'passage' not found",
                                              f"the input has: {have}")),
                    columns=("passage",))
    cols = {"id": cols["id"], "text": cols["question"], "context": cols["context"]}
    path, args = write_input(fmt, cols, d)
    return Plan(args, Fails(ColumnError, (str(path), "column 'question' not found",
                                          "the input has: id, text, context")))


def mistyped_column(fmt: str, d: Path, sample: dict) -> Plan:
    """A column to switch holds numbers (a schema type, or one JSON line in the middle, or
    one SQuAD question)."""
    cols = text_rows(sample, fmt, 50)
    if fmt in ("parquet", "arrow"):
        cols["question"] = list(range(50))
        path, args = write_input(fmt, cols, d)
        return Plan(args, Fails(ColumnTypeError, (str(path), "column 'question' has type "
                                                  "int64, not a string type")))
    if fmt == "msmarco-ids":
        path, args = write_input(fmt, cols, d)
        return Plan(args, Fails(ColumnTypeError, (str(path), "column 'qid' has type int64")),
                    columns=("qid",))
    cols["question"][39] = 7
    path, args = write_input(fmt, cols, d)
    if fmt == "jsonl":
        return Plan(args, Fails(InputError, (f"{path}:40:", "field 'question' is a number "
                                             "here but string in the schema")))
    assert fmt == "squad"
    return Plan(args, Fails(InputError, (str(path), "question 'r39'",
                                         "'question' is missing or not a string")))


def null_only(fmt: str, d: Path, sample: dict) -> Plan:
    """Every value of a switched column is null: nulls stay null (Parquet: a string
    column; Arrow: a column of type null; JSONL: null on every line). SQuAD has no null
    question: an error naming it."""
    cols = text_rows(sample, fmt, 30)
    cols["question"] = [None] * 30
    types = {"question": pa.string() if fmt == "parquet" else pa.null()}
    path, args = write_input(fmt, cols, d, types=types)
    if fmt == "squad":
        return Plan(args, Fails(InputError, (str(path), "question 'r0'",
                                             "'question' is missing or not a string")))
    return Plan(args, Succeeds({"question": cols["question"], "context": cols["context"]}))


def huge_row(fmt: str, d: Path, sample: dict) -> Plan:
    """One 10 MB row (second text column) between two small ones: more than a JSONL,
    CSV or SQuAD block; it gets switched like any other row."""
    cols = text_rows(sample, fmt, 3)
    words = " ".join(sample["context"])
    big = (words * (BIG_ROW_BYTES // len(words) + 1))[:BIG_ROW_BYTES]
    second = COLUMNS.get(fmt, GENERIC)[1]
    cols[second][1] = big
    _, args = write_input(fmt, cols, d)
    columns = COLUMNS.get(fmt, GENERIC)
    return Plan(args, Succeeds({c: cols[c] for c in columns}), columns=columns)


def many_rows(fmt: str, d: Path, sample: dict) -> Plan:
    """1M tiny rows in 4 shards: linear time, no crash."""
    n = 1_000_000
    path = d / f"in{SUFFIX[fmt]}"
    if fmt == "jsonl":
        path.write_bytes(b'{"question": "the house", "context": "a"}\n' * n)
    else:
        path.write_bytes(b"question,context\n" + b"the house,a\n" * n)
    return Plan([str(path)], Succeeds({"question": ["the house"] * n, "context": ["a"] * n},
                                      shards=4), extra=["--shard-rows", "250000"])


def many_rows_bad_last(fmt: str, d: Path, sample: dict) -> Plan:
    """1M tiny rows whose last one is malformed: the error names line 1,000,000 (JSONL)
    or 1,000,001 (CSV, after the header), and the shards before it stay."""
    n = 1_000_000
    path = d / f"in{SUFFIX[fmt]}"
    if fmt == "jsonl":
        path.write_bytes(b'{"question": "the house", "context": "a"}\n' * (n - 1)
                         + b'{"question": "the house", "context": "a"\n')
        return Plan([str(path)], Fails(InputError, (f"{path}:{n}:", "invalid JSON"),
                                       shards_first=True), extra=["--shard-rows", "250000"])
    path.write_bytes(b"question,context\n" + b"the house,a\n" * (n - 1) + b"the house\n")
    return Plan([str(path)], Fails(InputError, (f"{path}:{n + 1}:", "expected 2 fields, "
                                                "found 1"), shards_first=True),
                extra=["--shard-rows", "250000"])


def _boundary_file(fmt: str, d: Path, sample: dict, marker: bytes, at: int,
                   ) -> tuple[Path, list[str], dict[str, list], int, int]:
    """A text-format file whose ``marker`` bytes start at byte ``at`` of the file (for
    msmarco-ids: of the collection), inside a ``question``/``query``/``positive`` value.
    Returns the file, the CLI arguments, the logical columns (the marker decoded with
    ``replace``), the marker's line and its 1-based byte in that line."""
    text_col = {"msmarco-triples": "query", "msmarco-ids": "positive"}.get(fmt, "question")
    placeholder = "\u2603" * 4  # snowmen: where the padding and the marker go
    probe = d / "probe"
    probe.mkdir()
    written, _ = write_input(fmt, text_rows(sample, fmt, 240), probe)
    if fmt == "msmarco-ids":
        written = probe / "collection.tsv"
    per_row = written.stat().st_size / 240
    n_fill = int((at - 3000) / per_row)
    for _ in range(5):  # the sample's rows vary in length: aim, then correct
        cols = text_rows(sample, fmt, n_fill + 3)
        cols[text_col][n_fill] = placeholder
        path, args = write_input(fmt, cols, d)
        target = d / "collection.tsv" if fmt == "msmarco-ids" else path
        data = target.read_bytes()
        mark = data.find(placeholder.encode())
        if 0 < at - mark < 6000:
            break
        n_fill += round((at - 3000 - mark) / per_row)
    else:  # pragma: no cover - the aim always converges
        raise AssertionError(f"cannot place the marker at byte {at}")
    value = b"a" * (at - mark) + marker + b"z"
    data = data.replace(placeholder.encode(), value, 1)
    target.write_bytes(data)
    assert data[at: at + len(marker)] == marker
    cols[text_col][n_fill] = value.decode("utf-8", "replace")
    line = data.count(b"\n", 0, at) + 1
    column = at - data.rfind(b"\n", 0, at)
    return target, args, cols, line, column


def bad_utf8_at_boundary(fmt: str, d: Path, sample: dict) -> Plan:
    """An invalid byte (0xFF) exactly at a reader block boundary: byte 8 MiB of a JSONL
    file, 4 MiB of a CSV/TSV/triples file, 16 MiB of an msmarco collection; the first row
    of the second row group / record batch of Parquet/Arrow; anywhere in SQuAD JSON, which
    is read whole. Shards before it finish where the format streams them."""
    if fmt in ("parquet", "arrow"):
        cols = text_rows(sample, fmt, 300)
        raw = [x.encode() for x in cols["question"]]
        raw[100] = b"bad \xff " + raw[100]
        # a string column holding invalid UTF-8 (the writers do not check)
        cols["question"] = pa.array(raw, pa.binary()).view(pa.string())
        _, args = write_input(fmt, cols, d, group=100)
        return Plan(args, Fails(InvalidTextError, ("column 'question', row 100",
                                                   "text is not valid UTF-8",
                                                   "(byte 4 of the row)"), shards_first=True),
                    extra=["--batch-rows", "100", "--shard-rows", "100"])
    if fmt == "squad":
        cols = text_rows(sample, fmt, 40)
        path, args = write_input(fmt, cols, d)
        data = path.read_bytes()
        at = data.find(cols["question"][25].encode()) + 3
        path.write_bytes(data[:at] + b"\xff" + data[at + 1:])
        line = data.count(b"\n", 0, at) + 1
        column = at - data.rfind(b"\n", 0, at)
        return Plan(args, Fails(InputError, (f"{path}:{line}:", "not valid UTF-8",
                                             f"(byte {column} of the line)")))
    at = {"jsonl": JSON_BLOCK_BYTES, "msmarco-ids": LOOKUP_BLOCK_BYTES}.get(fmt, CSV_BLOCK_BYTES)
    target, args, _cols, line, column = _boundary_file(fmt, d, sample, b"\xff", at)
    columns = COLUMNS.get(fmt, GENERIC)
    if fmt == "jsonl":
        return Plan(args, Fails(InputError, (f"{target}:{line}:", "not valid UTF-8",
                                             f"(byte {column} of the line)"),
                                shards_first=True),
                    extra=["--batch-rows", "500", "--shard-rows", "2000"])
    if fmt == "msmarco-ids":  # the collection is loaded before any shard
        return Plan(args, Fails(InputError, (f"{target}:{line}:", "collection",
                                             "invalid UTF8")), columns=columns)
    col = COLUMNS.get(fmt, GENERIC)[0] if fmt != "msmarco-triples" else "query"
    return Plan(args, Fails(InputError, (f"{target}:{line}:", f"column {col!r}",
                                         "invalid UTF8"), shards_first=True),
                columns=columns, extra=["--batch-rows", "500", "--shard-rows", "1000"])


def split_char_at_boundary(fmt: str, d: Path, sample: dict) -> Plan:
    """A valid 3-byte character (EURO SIGN) whose bytes straddle the same block boundary
    is read whole: the output equals switching the text as written."""
    at = {"jsonl": JSON_BLOCK_BYTES, "msmarco-ids": LOOKUP_BLOCK_BYTES}.get(fmt, CSV_BLOCK_BYTES)
    _target, args, cols, _line, _col = _boundary_file(fmt, d, sample, "\u20ac".encode(), at - 1)
    columns = COLUMNS.get(fmt, GENERIC)
    return Plan(args, Succeeds({c: cols[c] for c in columns}), columns=columns,
                extra=["--shard-rows", "50000"])


FAILURES: dict[str, tuple[Callable[[str, Path, dict], Plan], tuple[str, ...]]] = {
    "truncated": (truncated, (*FORMATS, "arrow-stream")),
    "missing_column": (missing_column, FORMATS),
    # CSV, TSV and triples read every column as a string: nothing can be mistyped
    "mistyped_column": (mistyped_column, ("parquet", "arrow", "jsonl", "msmarco-ids", "squad")),
    # CSV, TSV and MS MARCO text has no null (an empty field is ""): not generated
    "null_only": (null_only, ("parquet", "arrow", "jsonl", "squad")),
    "huge_row": (huge_row, FORMATS),
    "many_rows": (many_rows, ("jsonl", "csv")),
    "many_rows_bad_last": (many_rows_bad_last, ("jsonl", "csv")),
    "bad_utf8_at_boundary": (bad_utf8_at_boundary, FORMATS),
    # Parquet, Arrow and SQuAD values are never cut by a block: not generated
    "split_char_at_boundary": (split_char_at_boundary,
                               ("jsonl", "csv", "tsv", "msmarco-triples", "msmarco-ids")),
}
CELLS = [(fmt, failure) for failure, (_, fmts) in FAILURES.items() for fmt in fmts]


# -- running and checking -----------------------------------------------------------------------


def invoke(args: list[str]) -> Result:
    """The CLI in-process; ``standalone_mode=False`` keeps the ClickException (whose
    ``__context__`` is the typed error) instead of turning it into SystemExit."""
    return CliRunner().invoke(main, args, standalone_mode=False)


def typed_error(res: Result) -> CsgenError:
    """The CsgenError behind a failed run: the CLI must have shown it as a one-line
    ``Error:`` (a ClickException), never let another exception escape (a traceback)."""
    assert res.exception is not None, f"the run succeeded: {res.output}"
    if not isinstance(res.exception, click.ClickException):
        raise AssertionError("an untyped exception escaped the CLI (a traceback for the "
                             f"user): {res.exception!r}") from res.exception
    assert res.exception.exit_code == 1
    err = res.exception.__context__
    assert isinstance(err, CsgenError), repr(err)
    assert "Traceback" not in res.output
    assert "\n" not in str(err)  # one line
    return err


def listed_shards(out: Path, *, complete: bool) -> list[dict]:
    """Check OUTDIR holds no partial output and return the manifest's shard records:
    no temporary file, the manifest lists exactly the ``part-*`` files, each with its
    size and checksum, rows contiguous from 0."""
    names = sorted(os.listdir(out))
    assert not [n for n in names if n.endswith(".tmp")], names
    m = read_manifest(out)
    assert m["status"] == ("complete" if complete else "running")
    shards = m["shards"]
    assert sorted(s["file"] for s in shards) == [n for n in names if n.startswith("part-")]
    row = 0
    for s in shards:
        data = (out / s["file"]).read_bytes()
        assert len(data) == s["bytes"]
        assert hashlib.blake2b(data, digest_size=16).hexdigest() == s["blake2b"]
        assert s["row_start"] == row
        row += s["rows"]
    assert set(names) == {".csgen-manifest.parquet"} | {s["file"] for s in shards}
    return shards


def switched(texts: list[str | None], column: str) -> pa.Array:
    """In-process switching of one column as the run should have done it."""
    sw = csgen.Switcher([load_lexicon(DE)], ratio=RATIO, seed=SEED)
    return sw.switch_array(pa.array(texts, pa.string()), column=column).text


def check_output(out: Path, expect: Succeeds) -> None:
    shards = listed_shards(out, complete=True)
    if expect.shards is not None:
        assert len(shards) == expect.shards
    table = pa.concat_tables([pq.read_table(out / s["file"]) for s in shards])
    for column, texts in expect.texts.items():
        assert table.num_rows == len(texts)
        got = table.column(column).combine_chunks()
        want = switched(texts, column)
        assert got.type == pa.string()
        assert got.equals(want), column
        if all(t is None for t in texts):
            assert table.column(column + "_switches").null_count == len(texts)


@pytest.mark.parametrize(("fmt", "failure"), CELLS, ids=[f"{f}-{x}" for f, x in CELLS])
def test_bad_input_cell(fmt: str, failure: str, tmp_path: Path,
                        sample: dict[str, list[str]]) -> None:
    """One cell: the expected typed error (file, line or row, what is wrong) or the
    correct output, and never a partial OUTDIR."""
    plan = FAILURES[failure][0](fmt, tmp_path, sample)
    out = tmp_path / "out"
    res = invoke(["switch", *plan.args, "-l", DE, "-r", str(RATIO), "--seed", str(SEED),
                  "-c", ",".join(plan.columns), "-o", str(out), "-w", "1", "-q", *plan.extra])
    if isinstance(plan.expect, Succeeds):
        assert res.exception is None, f"{res.exception!r}: {res.output}"
        check_output(out, plan.expect)
        return
    err = typed_error(res)
    assert isinstance(err, plan.expect.error), repr(err)
    for part in plan.expect.parts:
        assert part in str(err), (part, str(err))
    if plan.expect.shards_first:
        assert listed_shards(out, complete=False), "the cell was meant to finish shards first"
    else:
        assert not out.exists(), sorted(os.listdir(out))


def test_csv_row_longer_than_a_block_with_skipped_rows(tmp_path: Path) -> None:
    """A 10 MB CSV row makes the reader start over with a larger block: the rows and the
    ragged rows skipped before and after it are each counted once, at their own lines, and
    the rows come out in order."""
    big = ("the house in the city garden " * 400_000)[:BIG_ROW_BYTES]
    lines = ["question,context", "a house,x", "ragged", "the city,y", f"{big},z", "last,w",
             "also,ragged,row", "end,e"]
    src = tmp_path / "in.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    res = invoke(["switch", str(src), "-l", DE, "-r", str(RATIO), "--seed", str(SEED),
                  "-c", "question", "-o", str(out), "-w", "1", "-q", "--on-bad-row", "skip",
                  "--batch-rows", "2"])
    assert res.exception is None, f"{res.exception!r}: {res.output}"
    check_output(out, Succeeds({"question": ["a house", "the city", big, "last", "end"]}))
    table = pq.read_table(out / "part-00000.parquet")
    assert table.column("context").to_pylist() == ["x", "y", "z", "w", "e"]
    bad = read_manifest(out)["summary"]["bad_rows"]
    assert bad["count"] == 2
    assert [x[1:] for x in bad["examples"]] == [[3, "expected 2 fields, found 1"],
                                                [7, "expected 2 fields, found 3"]]


def test_jsonl_encoded_surrogate_names_the_line(tmp_path: Path) -> None:
    """An encoded surrogate (b"\\xed\\xa0\\x80", U+D800 encoded like a character: invalid
    UTF-8) in a JSONL line is reported as any invalid byte: ``file:LINE: not valid UTF-8
    (byte N of the line)``, not Arrow's raw ``Invalid UTF8 sequence``."""
    bad = b'{"question": "the \xed\xa0\x80house", "context": "a"}'
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"question": "the house", "context": "a"}\n' + bad + b"\n")
    out = tmp_path / "out"
    res = invoke(["switch", str(src), "-l", DE, "-r", str(RATIO), "--seed", str(SEED),
                  "-c", "question", "-o", str(out), "-w", "1", "-q"])
    err = typed_error(res)
    assert isinstance(err, InputError), repr(err)
    at = bad.index(b"\xed") + 1
    assert str(err) == f"{src}:2: not valid UTF-8 (byte {at} of the line)"
    assert not out.exists()


def test_matrix_covers_every_reader_format() -> None:
    """The matrix keeps up with the readers: every format has its cells."""
    from csgen.io.readers import READ_FORMATS

    assert set(READ_FORMATS) == set(FORMATS)
    for failure in ("truncated", "missing_column", "huge_row", "bad_utf8_at_boundary"):
        assert set(FAILURES[failure][1]) >= set(FORMATS)


# -- lexicons -----------------------------------------------------------------------------------

LEXICON_TEXT = {"muse": "house Haus\nthe die\ncity Stadt\nnew york\tNew York\n",
                "tsv": "house\tHaus\nthe\tdie\ncity\tStadt\nnew york\tNew York\n"}
LEXICON_PAIRS = [("house", "Haus"), ("the", "die"), ("city", "Stadt"), ("new york", "New York")]
SENTENCE = "The house in the city of New York."
#: ratio 1, first candidates: every word with a non-identity entry is switched
SWITCHED = "Die Haus in die Stadt of New York."
DEFECTS = ("crlf", "bom", "utf16", "utf16_no_bom", "duplicate_keys", "non_utf8")
ROUTES = ("import-muse", "import-tsv", "switch-lexicon")


def lexicon_bytes(fmt: str, defect: str) -> bytes:
    text = LEXICON_TEXT[fmt]
    sep = " " if fmt == "muse" else "\t"
    if defect == "crlf":
        return text.replace("\n", "\r\n").encode()
    if defect == "bom":
        return b"\xef\xbb\xbf" + text.encode()
    if defect == "utf16":
        return text.encode("utf-16")  # with its byte order mark
    if defect == "utf16_no_bom":
        return text.encode("utf-16-le")
    if defect == "duplicate_keys":
        return (text + f"house{sep}Geb\u00e4ude\nhouse{sep}Haus\n").encode()
    assert defect == "non_utf8"  # Latin-1 "grün" on line 5
    return text.encode() + f"gr\u00fcn{sep}gr\u00fcn\n".encode("latin-1")


#: defect -> (error, parts of the message after "PATH") or None when the lexicon loads
LEXICON_ERRORS: dict[str, tuple[type[CsgenError], tuple[str, ...]] | None] = {
    "crlf": None,
    "bom": None,
    "utf16": (LexiconFormatError, (":1:", "UTF-16 (little-endian)", "csgen reads UTF-8")),
    "utf16_no_bom": (LexiconFormatError, (":1:", "NUL byte at column 2", "UTF-16")),
    "duplicate_keys": None,
    "non_utf8": (LexiconFormatError, (":5:", "invalid UTF-8 at column 3")),
}


@pytest.mark.parametrize("defect", DEFECTS)
@pytest.mark.parametrize("route", ROUTES)
def test_lexicon_cell(route: str, defect: str, tmp_path: Path) -> None:
    """A lexicon with CRLF endings, a UTF-8 BOM, UTF-16 (with and without BOM), duplicate
    keys or Latin-1 bytes, imported (muse, tsv) or given to ``switch --lexicon``: CRLF and
    BOM are invisible, duplicates keep file order (the first wins), the rest is a typed
    error naming ``file:line`` and the encoding problem, with no output left behind."""
    fmt = "tsv" if route == "import-tsv" else "muse"
    lex_path = tmp_path / f"en-de.{defect}.txt"
    lex_path.write_bytes(lexicon_bytes(fmt, defect))
    if route == "switch-lexicon":
        src = tmp_path / "in.jsonl"
        src.write_text(json.dumps({"q": SENTENCE}) + "\n", encoding="utf-8")
        out = tmp_path / "out"
        res = invoke(["switch", str(src), "-l", str(lex_path), "-r", "1", "-c", "q",
                      "-o", str(out), "-w", "1", "-q"])
    else:
        out = tmp_path / "de.csglex"
        res = invoke(["lexicon", "import", fmt, str(lex_path), "-o", str(out)])
    expected = LEXICON_ERRORS[defect]
    if expected is not None:
        err = typed_error(res)
        cls, parts = expected
        assert isinstance(err, cls), repr(err)
        assert str(err).startswith(f"{lex_path}{parts[0]}"), str(err)
        for part in parts[1:]:
            assert part in str(err), (part, str(err))
        assert not out.exists()
        return
    assert res.exception is None, f"{res.exception!r}: {res.output}"
    if route == "switch-lexicon":
        shards = listed_shards(out, complete=True)
        table = pq.read_table(out / shards[0]["file"])
        assert table.column("q").to_pylist() == [SWITCHED]
        return
    lex = load_lexicon(str(out))
    pairs = list(zip(lex.table.column("source").to_pylist(),
                     lex.table.column("target").to_pylist(), strict=True))
    if defect == "duplicate_keys":
        assert pairs == [*LEXICON_PAIRS, ("house", "Geb\u00e4ude"), ("house", "Haus")]
        # the repeated pair counts twice; the first translation stays first
        assert lex.lookup("house") == [("de", "Haus", 2.0), ("de", "Geb\u00e4ude", 1.0)]
    else:
        assert pairs == LEXICON_PAIRS  # no "\r", no BOM glued to "house"
        assert lex.lookup("House") == [("de", "Haus", 1.0)]


# -- the real command line ----------------------------------------------------------------------


def test_real_cli_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    """Through a real ``python -m csgen`` process: bad input and a bad lexicon each give
    exit status 1 and one ``Error:`` line on stderr naming the file, no traceback, and no
    OUTDIR."""
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"question": ["the house"] * 50}), src)
    src.write_bytes(src.read_bytes()[:100])
    lex = tmp_path / "en-de.txt"
    lex.write_bytes(lexicon_bytes("muse", "utf16"))
    good = tmp_path / "good.jsonl"
    good.write_text('{"question": "the house"}\n', encoding="utf-8")
    for args, where in (([str(src), "-l", DE], str(src)), ([str(good), "-l", str(lex)],
                                                           f"{lex}:1:")):
        out = tmp_path / "out"
        proc = subprocess.run([sys.executable, "-m", "csgen", "switch", *args, "-r", "0.5",
                               "-c", "question", "-o", str(out), "-q"],
                              capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr and proc.stdout == ""
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"Error: {where}"), proc.stderr
        assert not out.exists()

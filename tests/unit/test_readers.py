"""csgen.io.readers: every format, specs (file, directory, glob, memory:// URL), batch
bounds, determinism, and the errors bad input gives."""

from __future__ import annotations

import doctest
import gzip
import json
import os
import re
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from csgen.errors import ConfigError, InputError
from csgen.io import (
    INPUT_FORMATS,
    READ_FORMATS,
    SQUAD_SCHEMA,
    ReadOptions,
    detect_format,
    open_source,
)
from csgen.io import readers as readers_mod
from csgen.io.readers import jsonl as jsonl_mod

MSMARCO = Path(__file__).resolve().parent.parent / "data" / "readers"


def read_all(src) -> pa.Table:
    return pa.Table.from_batches(list(src.batches()), schema=src.schema)


def write_jsonl(path, rows, extra: str = ""):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + extra, encoding="utf-8")
    return path


ROWS = [{"id": i, "text": f"row {i} says \"hi\", twice"} for i in range(23)]


# -- options ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, words", [
    ({"format": "xml"}, "unknown input format"),
    ({"batch_rows": 0}, "batch_rows"),
    ({"batch_rows": True}, "batch_rows"),
    ({"on_bad_row": "ignore"}, "on_bad_row"),
    ({"header": "no"}, "header"),
    ({"column_names": ("a", "a")}, "repeats 'a'"),
    ({"column_names": ("a", "")}, "column_names"),
    ({"format": "tsv", "collection": "c.tsv"}, "msmarco-ids only"),
    ({"format": "msmarco-ids", "collection": "c.tsv"}, "missing: queries"),
    ({"format": "msmarco-triples", "column_names": ("a", "b")}, "3 columns"),
    ({"format": "jsonl", "column_names": ("a",)}, "not jsonl"),
])
def test_read_options_are_checked(kwargs, words):
    with pytest.raises(ConfigError, match=words):
        ReadOptions(**kwargs)


def test_read_options_normalise_lists():
    opts = ReadOptions(column_names=["a", "b"])
    assert opts.column_names == ("a", "b")
    ids = ReadOptions(format="msmarco-ids", collection=MSMARCO / "collection.tsv",
                      queries=MSMARCO / "queries.tsv")
    assert ids.collection == str(MSMARCO / "collection.tsv")
    assert hash(opts) == hash(ReadOptions(column_names=("a", "b")))
    assert INPUT_FORMATS is READ_FORMATS


def test_detect_format():
    assert [detect_format(n) for n in ("a.parquet", "b.PQ", "c.feather", "d.arrow", "e.ipc",
                                        "f.jsonl", "g.ndjson.gz", "h.csv", "i.tsv.gz",
                                        "j.json", "k.json.gz")] == [
        "parquet", "parquet", "arrow", "arrow", "arrow", "jsonl", "jsonl", "csv", "tsv",
        "squad", "squad"]
    with pytest.raises(InputError, match="--input-format"):
        detect_format("notes.txt")
    with pytest.raises(InputError, match="gzip-compressed parquet"):
        detect_format("a.parquet.gz")


# -- columnar formats -------------------------------------------------------------------------


def test_parquet_batches_are_bounded_and_complete(tmp_path):
    table = pa.table({"id": list(range(50)), "text": [f"t{i}" for i in range(50)]})
    path = tmp_path / "a.parquet"
    pq.write_table(table, path, row_group_size=20)
    src = open_source(path, ReadOptions(batch_rows=7))
    assert src.format == "parquet" and src.num_rows == 50
    assert src.size_bytes == path.stat().st_size
    batches = list(src.batches())
    assert max(b.num_rows for b in batches) <= 7
    assert read_all(src).equals(table)
    assert src.files[0].path == str(path) and src.files[0].mtime_ns == path.stat().st_mtime_ns


def test_truncated_parquet_is_named(tmp_path):
    path = tmp_path / "cut.parquet"
    pq.write_table(pa.table({"a": list(range(1000))}), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.parquet: not a readable Parquet file"):
        open_source(path)


@pytest.mark.parametrize("kind", ["file", "stream"])
def test_arrow_ipc(tmp_path, kind):
    table = pa.table({"id": list(range(30)), "text": [f"t{i}" for i in range(30)]})
    path = tmp_path / "a.arrow"
    if kind == "file":
        feather.write_feather(table, path, compression="uncompressed", chunksize=12)
    else:
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
            w.write_table(table, max_chunksize=12)
    src = open_source(path, ReadOptions(batch_rows=5))
    assert src.num_rows == (30 if kind == "file" else None)
    batches = list(src.batches())
    assert [b.num_rows for b in batches] == [5, 5, 2] * 2 + [5, 1]
    del src
    assert pa.Table.from_batches(batches).equals(table)  # still valid after the pass


def test_truncated_arrow_file_is_named(tmp_path):
    path = tmp_path / "cut.feather"
    feather.write_feather(pa.table({"a": list(range(1000))}), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    with pytest.raises(InputError, match=r"cut\.feather: truncated or corrupt Arrow IPC"):
        open_source(path)
    path.write_bytes(b"garbage bytes, not arrow")
    with pytest.raises(InputError, match=r"cut\.feather: not an Arrow IPC file or stream"):
        open_source(path)


def test_truncated_arrow_stream_is_named_when_read(tmp_path):
    table = pa.table({"a": list(range(1000))})
    path = tmp_path / "cut.arrow"
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table, max_chunksize=100)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 3])
    src = open_source(path)
    with pytest.raises(InputError, match=r"cut\.arrow: read error"):
        list(src.batches())


# -- JSONL ------------------------------------------------------------------------------------


def test_jsonl_reads_rows_and_blank_lines(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('\ufeff{"id": 1, "t": "x", "n": null, "d": "2020-01-01"}\n\n   \n'
                    '{"id": 2, "t": "y", "n": "later text", "d": "not a date"}\n'
                    '{"id": 3, "t": "z"}', encoding="utf-8")
    src = open_source(path)
    assert src.schema == pa.schema([("id", pa.int64()), ("t", pa.string()),
                                    ("n", pa.string()), ("d", pa.string())])
    assert src.num_rows is None
    assert read_all(src).to_pydict() == {
        "id": [1, 2, 3], "t": ["x", "y", "z"], "n": [None, "later text", None],
        "d": ["2020-01-01", "not a date", None]}


def test_jsonl_bad_line_names_file_and_line(tmp_path):
    path = write_jsonl(tmp_path / "b.jsonl", ROWS[:5], extra='{"id": 5, "text": \n\n'
                       '{"id": 6, "text": "ok"}\n[1, 2]\n{"id": "seven", "text": "x"}\n'
                       '{"id": 8, "text": "x", "extra": 1}\n{"id": 9, "text": "\\ud800"}\n'
                       '{"id": 10, "text": "\\ud83d\\ude00"}\n')
    with pytest.raises(InputError,
                       match=rf"^{path}:6: invalid JSON at column 19: Expecting value$"):
        list(open_source(path).batches())
    src = open_source(path, ReadOptions(on_bad_row="skip"))
    table = read_all(src)
    assert table.column("id").to_pylist() == [0, 1, 2, 3, 4, 6, 10]
    assert table.column("text").to_pylist()[-1] == "\U0001f600"
    assert src.bad_rows.count == 5
    lines = [(f, line) for f, line, _ in src.bad_rows.examples]
    assert lines == [(str(path), n) for n in (6, 9, 10, 11, 12)]
    reasons = [r for _, _, r in src.bad_rows.examples]
    assert "expected a JSON object, found list" in reasons[1]
    assert "field 'id' is a string here but int64" in reasons[2]
    assert "field 'extra' is not in the schema" in reasons[3]
    assert "surrogate" in reasons[4]


def test_jsonl_encoded_surrogate_is_invalid_utf8(tmp_path):
    """b"\\xed\\xa0\\x80" is U+D800 encoded like a character: not UTF-8. It is reported as
    any invalid byte is, not with Arrow's raw words (``json.loads`` decodes bytes with
    "surrogatepass", which let it through)."""
    path = tmp_path / "s.jsonl"
    path.write_bytes(b'{"t": "ok"}\n{"t": "a\xed\xa0\x80b"}\n{"t": "fine"}\n')
    with pytest.raises(InputError,
                       match=rf"^{path}:2: not valid UTF-8 \(byte 9 of the line\)$"):
        list(open_source(path).batches())
    src = open_source(path, ReadOptions(on_bad_row="skip"))
    assert read_all(src).column("t").to_pylist() == ["ok", "fine"]
    assert src.bad_rows.examples == [(str(path), 2, "not valid UTF-8 (byte 9 of the line)")]


def test_jsonl_line_numbers_across_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl_mod, "JSON_BLOCK_BYTES", 64)
    monkeypatch.setattr(jsonl_mod, "JSON_SAMPLE_BYTES", 64)
    rows = [{"i": i, "s": "x" * (i % 7)} for i in range(200)]
    text = "".join(json.dumps(r) + "\n" + ("\n" if i % 13 == 0 else "")
                   for i, r in enumerate(rows))
    lines = text.split("\n")
    bad_line = next(n for n, ln in enumerate(lines, 1) if ln.startswith('{"i": 150,'))
    lines[bad_line - 1] = '{"i": 150, "s": oops}'
    path = tmp_path / "long.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError, match=rf"long\.jsonl:{bad_line}: invalid JSON"):
        list(open_source(path).batches())
    src = open_source(path, ReadOptions(on_bad_row="skip", batch_rows=32))
    got = read_all(src).column("i").to_pylist()
    assert got == [i for i in range(200) if i != 150]
    assert src.bad_rows.examples == [(str(path), bad_line, "invalid JSON at column 17: "
                                                           "Expecting value")]


def test_jsonl_gzip(tmp_path):
    path = tmp_path / "a.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("".join(json.dumps(r) + "\n" for r in ROWS))
    assert read_all(open_source(path)).to_pylist() == ROWS


# -- CSV / TSV --------------------------------------------------------------------------------


def test_csv_every_column_is_a_string(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('id,text,score\n007,"a, b",1.5\n008,"line one\nline two ""q""",NA\n'
                    "009,,2\n", encoding="utf-8")
    src = open_source(path)
    assert src.schema == pa.schema([(n, pa.string()) for n in ("id", "text", "score")])
    assert read_all(src).to_pydict() == {
        "id": ["007", "008", "009"], "text": ["a, b", 'line one\nline two "q"', ""],
        "score": ["1.5", "NA", "2"]}


def test_headerless_csv_names(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("1,x\n2,y\n", encoding="utf-8")
    src = open_source(path, ReadOptions(header=False))
    assert src.schema.names == ["f0", "f1"]
    assert read_all(src).column("f1").to_pylist() == ["x", "y"]
    src = open_source(path, ReadOptions(header=False, column_names=("id", "text")))
    assert read_all(src).to_pydict() == {"id": ["1", "2"], "text": ["x", "y"]}
    # with a header, column_names replace its names
    src = open_source(path, ReadOptions(column_names=("a", "b")))
    assert read_all(src).to_pydict() == {"a": ["2"], "b": ["y"]}


def test_tsv_keeps_quotes(tmp_path):
    path = tmp_path / "a.tsv"
    path.write_text('q\tp\nsay "hi\tit\'s "quoted"\n"open\tclose"\n', encoding="utf-8")
    assert read_all(open_source(path)).to_pydict() == {
        "q": ['say "hi', '"open'], "p": ['it\'s "quoted"', 'close"']}


def test_ragged_rows_give_the_line(tmp_path):
    path = tmp_path / "r.tsv"
    path.write_text("a\tb\tc\n1\t2\t3\n\n\n4\t5\n6\t7\t8\n9\t1\t2\t3\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"^{path}:5: expected 3 fields, found 2$"):
        list(open_source(path).batches())
    src = open_source(path, ReadOptions(on_bad_row="skip"))
    assert read_all(src).column("a").to_pylist() == ["1", "6"]
    assert src.bad_rows.count == 2
    assert src.bad_rows.examples == [(str(path), 5, "expected 3 fields, found 2"),
                                     (str(path), 7, "expected 3 fields, found 4")]
    # a quoted value over three lines before the bad row
    path = tmp_path / "r.csv"
    path.write_text('a,b\n"x\ny\nz",1\n\n2\n3,4\n', encoding="utf-8")
    with pytest.raises(InputError, match=rf"^{path}:6: expected 2 fields, found 1$"):
        list(open_source(path).batches())


def test_invalid_utf8_in_csv_names_line_and_column(tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes(b"a,b\n1,ok\n\n2,bad \xff\n")
    with pytest.raises(InputError, match=rf"^{path}:4: column 'b': .*UTF8"):
        list(open_source(path).batches())


# -- MS MARCO ---------------------------------------------------------------------------------


def test_msmarco_triples():
    src = open_source(MSMARCO / "triples.tsv", ReadOptions(format="msmarco-triples"))
    table = read_all(src)
    assert table.schema.names == ["query", "positive", "negative"]
    assert table.num_rows == 4
    assert table.column("query").to_pylist()[0] == 'what was the "manhattan project"'
    assert table.column("negative").to_pylist()[1].endswith('and a trailing quote"')


def msmarco_ids(path="triples.ids.tsv", **kw):
    return open_source(MSMARCO / path, ReadOptions(
        format="msmarco-ids", collection=str(MSMARCO / "collection.tsv"),
        queries=str(MSMARCO / "queries.tsv"), **kw))


def test_msmarco_ids_join_the_collection():
    src = msmarco_ids(batch_rows=3)
    assert src.schema == pa.schema([
        ("qid", pa.int64()), ("query", pa.string()), ("pos_id", pa.int64()),
        ("positive", pa.string()), ("neg_id", pa.int64()), ("negative", pa.string())])
    assert [b.num_rows for b in src.batches()] == [3, 1]
    table = read_all(src)
    assert table.column("pos_id").to_pylist() == [0, 1, 3, 7]
    assert table.column("qid").to_pylist() == [100, 101, 102, 101]
    text = read_all(open_source(MSMARCO / "triples.tsv", ReadOptions(format="msmarco-triples")))
    for name in ("query", "positive", "negative"):
        assert table.column(name).to_pylist() == text.column(name).to_pylist()
    fp = src.fingerprint()
    assert fp["options"]["collection"]["path"].endswith("collection.tsv")
    assert fp["options"]["collection"]["size"] == (MSMARCO / "collection.tsv").stat().st_size


def test_msmarco_ids_missing_passage():
    with pytest.raises(InputError, match=r"triples\.bad-ids\.tsv:2: passage id 9 not in "
                                         r"collection\.tsv$"):
        list(msmarco_ids("triples.bad-ids.tsv").batches())
    src = msmarco_ids("triples.bad-ids.tsv", on_bad_row="skip")
    assert read_all(src).column("qid").to_pylist() == [100, 102]
    assert src.bad_rows.count == 1
    assert src.bad_rows.examples[0][1:] == (2, "passage id 9 not in collection.tsv")


def test_msmarco_ids_bad_rows_after_a_skipped_row(tmp_path):
    path = tmp_path / "ids.tsv"
    path.write_text("100\t0\t3\n\n101\t1\n102\tx7\t3\n100\t0\t3\n102\t3\t8\n", encoding="utf-8")
    src = open_source(path, ReadOptions(
        format="msmarco-ids", collection=str(MSMARCO / "collection.tsv"),
        queries=str(MSMARCO / "queries.tsv"), on_bad_row="skip"))
    assert read_all(src).column("qid").to_pylist() == [100, 100]
    assert src.bad_rows.examples == [
        (str(path), 3, "expected 3 fields, found 2"),
        (str(path), 4, "positive passage id 'x7' is not an integer"),
        (str(path), 6, "passage id 8 not in collection.tsv")]


def test_msmarco_ids_needs_both_files():
    with pytest.raises(ConfigError, match="missing: collection"):
        open_source(MSMARCO / "triples.ids.tsv",
                    ReadOptions(format="msmarco-ids", queries=str(MSMARCO / "queries.tsv")))


# -- SQuAD ------------------------------------------------------------------------------------


def squad_doc():
    return {"version": "1.1", "data": [
        {"title": "Ünïcode", "paragraphs": [
            {"context": "Zoë lives in Zürich. Bob too.", "qas": [
                {"id": "q1", "question": "Where?", "answers": [
                    {"text": "Zürich", "answer_start": 13},
                    {"text": "Zürich.", "answer_start": 13}]},
                {"id": "q2", "question": "Who?", "answers": [{"text": "Bob", "answer_start": 21}]},
            ]}]},
        {"paragraphs": [{"context": "No title here.", "qas": [
            {"id": 3, "question": "What?", "answers": []}]}]},
    ]}


def test_squad_flattens_to_the_hf_schema(tmp_path):
    path = tmp_path / "s.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump(squad_doc(), f, ensure_ascii=False)
    src = open_source(path, ReadOptions(batch_rows=2))
    assert src.format == "squad" and src.schema == SQUAD_SCHEMA
    assert [b.num_rows for b in src.batches()] == [2, 1]
    assert read_all(src).to_pylist() == [
        {"id": "q1", "title": "Ünïcode", "context": "Zoë lives in Zürich. Bob too.",
         "question": "Where?", "answers": {"text": ["Zürich", "Zürich."],
                                           "answer_start": [13, 13]}},
        {"id": "q2", "title": "Ünïcode", "context": "Zoë lives in Zürich. Bob too.",
         "question": "Who?", "answers": {"text": ["Bob"], "answer_start": [21]}},
        {"id": "3", "title": "", "context": "No title here.", "question": "What?",
         "answers": {"text": [], "answer_start": []}}]


def test_squad_bad_question_is_named(tmp_path):
    doc = squad_doc()
    del doc["data"][0]["paragraphs"][0]["qas"][1]["question"]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match=r"s\.json: question 'q2' \(data\[0\]\.paragraphs\[0\]"
                                         r"\.qas\[1\]\): 'question' is missing"):
        list(open_source(path).batches())
    src = open_source(path, ReadOptions(on_bad_row="skip"))
    assert read_all(src).column("id").to_pylist() == ["q1", "3"]
    assert src.bad_rows.count == 1 and src.bad_rows.examples[0][1] == 2
    path.write_text('{"data": [\n  {"title": "x",\n   "paragraphs": [}\n]}', encoding="utf-8")
    with pytest.raises(InputError, match=r"s\.json:3: invalid JSON at column 19"):
        list(open_source(path).batches())


def write_squad(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_squad_encodings_and_surrogates(tmp_path):
    doc = json.dumps(squad_doc(), ensure_ascii=False).encode()
    path = tmp_path / "s.json"
    want = read_all(open_source(write_squad(path, doc))).to_pylist()
    # a UTF-8 byte order mark, and UTF-16 (json detects it): read as before
    assert read_all(open_source(write_squad(path, b"\xef\xbb\xbf" + doc))).to_pylist() == want
    utf16 = doc.decode().encode("utf-16")
    assert read_all(open_source(write_squad(path, utf16))).to_pylist() == want
    # an encoded surrogate is invalid UTF-8, named like any invalid byte
    at = doc.index(b"Bob too")
    write_squad(path, doc[:at] + b"\xed\xa0\x80" + doc[at:])
    with pytest.raises(InputError,
                       match=rf"^{path}:1: not valid UTF-8 \(byte {at + 1} of the line\)$"):
        list(open_source(path).batches())
    # an escaped lone surrogate is valid JSON but not text
    bad = squad_doc()
    bad["data"][0]["paragraphs"][0]["qas"][1]["question"] = "Who\ud800?"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(InputError, match=r"^.*s\.json: question 'q2': a question holds a lone "
                                         r"surrogate \(\\ud800\), which is not text$"):
        list(open_source(path).batches())


# -- specs ------------------------------------------------------------------------------------


def test_directory_and_glob_are_sorted(tmp_path):
    for name in ("b/2.jsonl", "a.jsonl", "b/1.jsonl", "c/.hidden.jsonl", "_tmp/x.jsonl"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        write_jsonl(tmp_path / name, [{"t": name}])
    (tmp_path / "notes.md").write_text("not data")
    src = open_source(tmp_path)
    assert [os.path.relpath(f.path, tmp_path) for f in src.files] == [
        "a.jsonl", os.path.join("b", "1.jsonl"), os.path.join("b", "2.jsonl")]
    assert read_all(src).column("t").to_pylist() == ["a.jsonl", "b/1.jsonl", "b/2.jsonl"]
    src = open_source(str(tmp_path / "b" / "*.jsonl"))
    assert read_all(src).column("t").to_pylist() == ["b/1.jsonl", "b/2.jsonl"]
    src = open_source(str(tmp_path / "**" / "*.jsonl"))
    assert len(src.files) == 4  # a glob takes what it matches, hidden or not


def test_empty_match_and_missing_paths(tmp_path):
    spec = str(tmp_path / "*.parquet")
    with pytest.raises(InputError, match=rf"^{re.escape(spec)}: no file matches"):
        open_source(spec)
    with pytest.raises(InputError, match="no such file"):
        open_source(tmp_path / "missing.jsonl")
    (tmp_path / "x.md").write_text("x")
    with pytest.raises(InputError, match="holds no input file"):
        open_source(tmp_path)


def test_mixed_formats_are_refused(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", ROWS)
    pq.write_table(pa.table({"id": [1]}), tmp_path / "b.parquet")
    with pytest.raises(InputError, match="different formats"):
        open_source(tmp_path)


def test_schemas_must_match_the_first_file(tmp_path):
    write_jsonl(tmp_path / "1.jsonl", [{"id": 1, "text": "a"}])
    write_jsonl(tmp_path / "2.jsonl", [{"id": 2}])
    with pytest.raises(InputError, match=rf"{tmp_path / '2.jsonl'}: missing column 'text' "
                                         rf"\(present in {tmp_path / '1.jsonl'}\)"):
        open_source(tmp_path)
    write_jsonl(tmp_path / "2.jsonl", [{"text": "b", "id": "2"}])
    with pytest.raises(InputError, match=r"2\.jsonl: column 'id' is string here but int64 in "):
        open_source(tmp_path)
    write_jsonl(tmp_path / "2.jsonl", [{"text": "b", "id": 2, "more": 1}])
    with pytest.raises(InputError, match=r"2\.jsonl: unexpected column 'more'"):
        open_source(tmp_path)
    # another order and a column that is null here: fine, read in the first file's schema
    write_jsonl(tmp_path / "2.jsonl", [{"text": None, "id": 2}])
    assert read_all(open_source(tmp_path)).to_pydict() == {"id": [1, 2], "text": ["a", None]}


def test_string_widths_are_unified(tmp_path):
    pq.write_table(pa.table({"t": pa.array(["a"], pa.string())}), tmp_path / "1.parquet")
    pq.write_table(pa.table({"t": pa.array(["b"], pa.large_string())}), tmp_path / "2.parquet")
    src = open_source(tmp_path)
    batches = list(src.batches())
    assert all(b.schema == src.schema for b in batches)
    assert src.schema.field("t").type == pa.string()
    assert pa.Table.from_batches(batches).column("t").to_pylist() == ["a", "b"]


def test_memory_url(tmp_path):
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    root = f"/csgen-test-{uuid.uuid4().hex}"
    try:
        fs.pipe(f"{root}/b.jsonl", b'{"t": "b"}\n{"t": "bb"}\n')
        fs.pipe(f"{root}/a.jsonl", b'{"t": "a"}\n')
        fs.pipe(f"{root}/sub/c.jsonl", b'{"t": "c"}\n')
        table = pa.table({"t": ["p"]})
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        fs.pipe(f"{root}/p/x.parquet", sink.getvalue().to_pybytes())
        src = open_source(f"memory://{root}/*.jsonl")
        assert read_all(src).column("t").to_pylist() == ["a", "b", "bb"]
        assert all(f.path.startswith("memory://") for f in src.files)
        assert [f.size for f in src.files] == [11, 23]
        src = open_source(f"memory://{root}/sub")
        assert read_all(src).column("t").to_pylist() == ["c"]
        src = open_source(f"memory://{root}/p/x.parquet")
        assert src.num_rows == 1 and read_all(src).equals(table)
        sink = pa.BufferOutputStream()
        feather.write_feather(table, sink)
        fs.pipe(f"{root}/f/x.feather", sink.getvalue().to_pybytes())
        assert read_all(open_source(f"memory://{root}/f/x.feather")).equals(table)
        fs.pipe(f"{root}/t/x.tsv", b't\nsay "p"\n\nbad\tline\n')
        with pytest.raises(InputError, match=r"^memory://.*/t/x\.tsv:4: expected 1 fields"):
            list(open_source(f"memory://{root}/t/x.tsv").batches())
        with pytest.raises(InputError, match="no file matches"):
            open_source(f"memory://{root}/*.csv")
    finally:
        fs.rm(root, recursive=True)


def test_url_without_fsspec(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "fsspec", None)
    with pytest.raises(ConfigError, match="pip install fsspec"):
        open_source("memory://x/a.jsonl")


# -- every format: bounds, determinism, fingerprint --------------------------------------------


def make_inputs(tmp_path):
    """One input of every format, 23+ rows each."""
    n = len(ROWS)
    table = pa.table({"id": [r["id"] for r in ROWS], "text": [r["text"] for r in ROWS]})
    pq.write_table(table, tmp_path / "a.parquet", row_group_size=10)
    feather.write_feather(table, tmp_path / "a.feather", chunksize=9)
    write_jsonl(tmp_path / "a.jsonl", ROWS)
    (tmp_path / "a.csv").write_text("id,text\n" + "".join(
        f'{r["id"]},"{r["text"].replace(chr(34), 2 * chr(34))}"\n' for r in ROWS))
    (tmp_path / "a.tsv").write_text("id\ttext\n" + "".join(
        f'{r["id"]}\t{r["text"]}\n' for r in ROWS))
    doc = {"data": [{"title": "t", "paragraphs": [{"context": "c", "qas": [
        {"id": str(i), "question": f"q{i}", "answers": []} for i in range(n)]}]}]}
    (tmp_path / "a.json").write_text(json.dumps(doc))
    return {
        "parquet": (tmp_path / "a.parquet", {}),
        "arrow": (tmp_path / "a.feather", {}),
        "jsonl": (tmp_path / "a.jsonl", {}),
        "csv": (tmp_path / "a.csv", {}),
        "tsv": (tmp_path / "a.tsv", {}),
        "squad": (tmp_path / "a.json", {}),
        "msmarco-triples": (MSMARCO / "triples.tsv", {"format": "msmarco-triples"}),
        "msmarco-ids": (MSMARCO / "triples.ids.tsv", {
            "format": "msmarco-ids", "collection": str(MSMARCO / "collection.tsv"),
            "queries": str(MSMARCO / "queries.tsv")}),
    }


@pytest.mark.parametrize("fmt", READ_FORMATS)
def test_every_format_bounded_deterministic_and_fingerprinted(tmp_path, fmt):
    path, kw = make_inputs(tmp_path)[fmt]
    src = open_source(path, ReadOptions(batch_rows=3, **kw))
    assert src.format == fmt
    first = list(src.batches())
    second = list(src.batches())
    assert [b.num_rows for b in first] == [b.num_rows for b in second]
    assert all(a.equals(b) for a, b in zip(first, second, strict=True))
    assert all(b.schema == src.schema for b in first)
    assert max(b.num_rows for b in first) <= 3
    expected = 4 if fmt.startswith("msmarco") else len(ROWS)
    assert sum(b.num_rows for b in first) == expected
    if fmt not in ("parquet", "arrow"):  # text formats: full batches but the last
        assert all(b.num_rows == 3 for b in first[:-1])
    fp = src.fingerprint()
    assert json.loads(json.dumps(fp)) == fp
    assert fp["format"] == fmt and fp["files"][0]["size"] == os.path.getsize(path)
    assert open_source(path, ReadOptions(batch_rows=5, **kw)).fingerprint() == fp
    assert open_source(path, ReadOptions(on_bad_row="skip", **kw)).fingerprint() != fp


def test_fingerprint_follows_the_files(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", ROWS)
    fp = open_source(path).fingerprint()
    write_jsonl(path, ROWS[:-1])
    assert open_source(path).fingerprint()["files"] != fp["files"]


def test_bad_rows_reset_at_each_pass(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", ROWS[:3], extra="nope\n")
    src = open_source(path, ReadOptions(on_bad_row="skip"))
    list(src.batches())
    list(src.batches())
    assert src.bad_rows.count == 1 and len(src.bad_rows.examples) == 1


def test_docstring_examples():
    result = doctest.testmod(readers_mod)
    assert result.attempted >= 5 and result.failed == 0

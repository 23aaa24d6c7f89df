"""``csgen switch`` on SQuAD data: answers remapped, bad answers, SQuAD output, resume."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from csgen.cli import main
from csgen.errors import ColumnError, ConfigError, InputError
from csgen.io.manifest import read_manifest
from csgen.io.readers import open_source
from csgen.pipeline import switch_to_dataset

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample"
DE = str(SAMPLE / "en-de.txt")
SQUAD_COLS = ["id", "title", "context", "question", "answers"]


@pytest.fixture(scope="module")
def squad_file(tmp_path_factory) -> Path:
    """The 240 sample questions as SQuAD JSON (paragraphs grouped by context)."""
    rows = pq.read_table(SAMPLE / "xquad-en.parquet").to_pylist()
    docs: dict[str, dict[str, list]] = {}
    for r in rows:
        paras = docs.setdefault(r["title"], {})
        paras.setdefault(r["context"], []).append(
            {"id": r["id"], "question": r["question"],
             "answers": [{"text": r["answer_text"], "answer_start": r["answer_start"]}]})
    data = [{"title": t, "paragraphs": [{"context": c, "qas": q} for c, q in paras.items()]}
            for t, paras in docs.items()]
    path = tmp_path_factory.mktemp("squad") / "sample.json"
    path.write_text(json.dumps({"version": "1.1", "data": data}), encoding="utf-8")
    return path


def read_squad(paths) -> pa.Table:
    tables = [pa.Table.from_batches(list(open_source(str(p)).batches())) for p in paths]
    return pa.concat_tables(tables)


def check_answers(table: pa.Table) -> int:
    n = 0
    for ctx, ans in zip(table["context"].to_pylist(), table["answers"].to_pylist(), strict=True):
        for t, s in zip(ans["text"], ans["answer_start"], strict=True):
            assert ctx[s:s + len(t)] == t
            n += 1
    return n


@pytest.mark.parametrize("policy", ["protect", "switch"])
def test_answers_follow_the_switched_context(squad_file, tmp_path, policy):
    out = tmp_path / "out"
    summary = switch_to_dataset(squad_file, out, lexicons=[DE], columns=["question", "context"],
                                ratio=1.0, seed=2, workers=1, shard_rows=100, answers=policy)
    assert summary.rows == 240 and summary.bad_rows == 0
    table = ds.dataset(out, format="parquet", exclude_invalid_files=True).to_table()
    assert check_answers(table) == 240
    before = read_squad([squad_file])
    assert table["context"] != before["context"]
    same = ([a["text"] for a in table["answers"].to_pylist()]
            == [a["text"] for a in before["answers"].to_pylist()])
    assert same == (policy == "protect")
    m = read_manifest(out)
    assert m["params"]["answers"] == policy


def test_auto_policy_is_protect_and_off_leaves_answers(squad_file, tmp_path):
    switch_to_dataset(squad_file, tmp_path / "auto", lexicons=[DE], columns=["context"],
                      ratio=1.0, workers=1)
    auto = ds.dataset(tmp_path / "auto", format="parquet", exclude_invalid_files=True).to_table()
    assert check_answers(auto) == 240
    switch_to_dataset(squad_file, tmp_path / "off", lexicons=[DE], columns=["context"],
                      ratio=1.0, workers=1, answers="off")
    off = ds.dataset(tmp_path / "off", format="parquet", exclude_invalid_files=True).to_table()
    assert off["answers"] == read_squad([squad_file])["answers"]
    with pytest.raises(ConfigError, match="needs 'context' and 'answers'"):
        switch_to_dataset(SAMPLE / "xquad-en.parquet", tmp_path / "x", lexicons=[DE],
                          columns=["context"], ratio=0.5, answers="protect")
    assert not (tmp_path / "x").exists()


def test_bad_answers_error_or_skip_counted(squad_file, tmp_path):
    doc = json.loads(squad_file.read_text(encoding="utf-8"))
    qa = doc["data"][0]["paragraphs"][0]["qas"][0]
    qa["id"] = "q7"
    qa["answers"][0]["answer_start"] += 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match=r"question 'q7': answer .* is not at character \d+ "
                                         r"of its context"):
        switch_to_dataset(bad, tmp_path / "err", lexicons=[DE], columns=["context"],
                          ratio=0.5, workers=1)
    assert not (tmp_path / "err").exists()
    from csgen.io.readers import ReadOptions

    summary = switch_to_dataset(bad, tmp_path / "skip", lexicons=[DE], columns=["context"],
                                ratio=0.5, workers=1, shard_rows=50,
                                read=ReadOptions(on_bad_row="skip"))
    assert summary.bad_rows == 1
    m = read_manifest(tmp_path / "skip")
    assert m["summary"]["bad_rows"]["count"] == 1 and m["summary"]["bad_rows"]["answers"] == 1
    table = ds.dataset(tmp_path / "skip", format="parquet", exclude_invalid_files=True).to_table()
    assert table.num_rows == 239 and "q7" not in table["id"].to_pylist()


def test_squad_output_round_trips_and_resumes_byte_identical(squad_file, tmp_path):
    opts = dict(lexicons=[DE], columns=["question", "context"], ratio=0.5, seed=4,
                shard_rows=70, answers="switch", protect_regex=[r"[0-9]+"])
    switch_to_dataset(squad_file, tmp_path / "pq", workers=1, **opts)
    parquet = ds.dataset(tmp_path / "pq", format="parquet",
                         exclude_invalid_files=True).to_table()
    out = tmp_path / "js"
    switch_to_dataset(squad_file, out, workers=2, output_format="squad", **opts)
    parts = sorted(out.glob("part-*.json"))
    assert [p.name for p in parts] == [f"part-0000{i}.json" for i in range(4)]
    doc = json.loads(parts[0].read_text(encoding="utf-8"))
    assert doc["version"] == "csgen" and len(doc["data"]) == 70
    assert len(doc["data"][0]["paragraphs"]) == 1
    back = read_squad(parts)
    assert back.select(SQUAD_COLS).equals(parquet.select(SQUAD_COLS))
    assert check_answers(back) == 240
    # numbers are protected in contexts
    first = bytes(parts[0].read_bytes())
    before = {p.name: p.read_bytes() for p in parts}
    parts[2].unlink()
    parts[1].write_bytes(first)
    summary = switch_to_dataset(squad_file, out, workers=1, output_format="squad", resume=True,
                                **opts)
    assert summary.shards_reused == 2 and summary.shards_written == 2
    assert {p.name: p.read_bytes() for p in sorted(out.glob("part-*.json"))} == before
    with pytest.raises(ColumnError, match="needs the columns"):
        switch_to_dataset(SAMPLE / "xquad-en.parquet", tmp_path / "no", lexicons=[DE],
                          columns=["context"], ratio=0.5, output_format="squad")


def test_cli_flags(squad_file, tmp_path):
    out = tmp_path / "cli"
    result = CliRunner().invoke(main, [
        "switch", str(squad_file), "-l", DE, "-r", "1", "-c", "question,context", "-o", str(out),
        "--answers", "switch", "--protect-regex", r"\d+", "--output-format", "squad", "-w", "1",
        "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    m = read_manifest(out)
    assert m["params"]["answers"] == "switch" and m["params"]["protect_regex"] == [r"\d+"]
    back = read_squad(sorted(out.glob("part-*.json")))
    assert check_answers(back) == 240
    result = CliRunner().invoke(main, [
        "switch", str(squad_file), "-l", DE, "-r", "1", "-c", "context", "-o",
        str(tmp_path / "x"), "--answers", "maybe"])
    assert result.exit_code == 2
    result = CliRunner().invoke(main, [
        "switch", str(squad_file), "-l", DE, "-r", "1", "-c", "context", "-o",
        str(tmp_path / "y"), "--protect-spans", "ents", "-q"])
    assert result.exit_code == 1 and "protect span column 'ents' not found" in result.output

"""``csgen tokenizer train``, ``csgen switch --tokenizer`` and ``csgen switch-aligned``."""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
from click.testing import CliRunner

from csgen.cli import main
from csgen.io.manifest import read_manifest

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample"


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_tokenizer_train_then_switch_with_subword_view(tmp_path):
    prefix = tmp_path / "sp"
    res = run("tokenizer", "train", SAMPLE / "xquad-en.parquet", "-c", "question,context",
              "-l", SAMPLE / "en-de.txt", "-o", prefix, "--vocab-size", "600")
    assert res.exit_code == 0, res.output
    model = Path(str(prefix) + ".model")
    assert model.is_file() and f"wrote {model}" in res.output
    out = tmp_path / "out"
    res = run("switch", SAMPLE / "xquad-en.parquet", "-l", SAMPLE / "en-de.txt", "-r", "0.5",
              "-c", "question", "--tokenizer", model, "-o", out, "-q", "--answers", "off")
    assert res.exit_code == 0, res.output
    table = ds.dataset(out, format="parquet", exclude_invalid_files=True).to_table()
    names = table.schema.names
    i = names.index("question_switches")
    assert names[i + 1:i + 4] == ["question_input_ids", "question_switched", "question_lang_id"]
    import sentencepiece

    sp = sentencepiece.SentencePieceProcessor(model_file=str(model))
    for row in range(0, 240, 37):
        ids = table.column("question_input_ids")[row].as_py()
        assert sp.decode(ids) == table.column("question")[row].as_py()
        switched = table.column("question_switched")[row].as_py()
        langs = table.column("question_lang_id")[row].as_py()
        assert len(switched) == len(ids) == len(langs)
        assert all((lang == 1) == sw for sw, lang in zip(switched, langs, strict=True))
        assert any(switched) == bool(table.column("question_switches")[row].as_py())
    m = read_manifest(out)
    assert len(m["params"]["tokenizer"]["blake2b"]) == 32
    res = run("switch", SAMPLE / "xquad-en.parquet", "-l", SAMPLE / "en-de.txt", "-r", "0.5",
              "-c", "question", "--tokenizer", tmp_path / "none.model", "-o", tmp_path / "o2")
    assert res.exit_code == 1 and "no such sentencepiece model" in res.output


def test_switch_aligned_three_files(tmp_path):
    src, tgt, ali = tmp_path / "c.en", tmp_path / "c.de", tmp_path / "c.align"
    src.write_text("the house is red\nthe  cat\n", encoding="utf-8")
    tgt.write_text("das Haus ist rot\ndie Katze\n", encoding="utf-8")
    ali.write_text("0-0 1-1 2-2 3-3\n0-0 1-1\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    res = run("switch-aligned", src, tgt, ali, "-r", "1", "--lang", "de", "-o", out)
    assert res.exit_code == 0, res.output
    assert "2 rows, 6 source words, 6 phrases switched" in res.output
    table = pq.read_table(out)
    assert table.column("source").to_pylist() == ["das Haus ist rot", "die  Katze"]
    assert table.column("target").to_pylist() == ["das Haus ist rot", "die Katze"]
    res = run("switch-aligned", src, tgt, ali, "-r", "1", "-o", out)
    assert res.exit_code == 1 and "--overwrite" in res.output
    ali.write_text("0-0 1-9\n0-0\n", encoding="utf-8")
    res = run("switch-aligned", src, tgt, ali, "-r", "1", "-o", out, "--overwrite")
    assert res.exit_code == 1 and "row 0" in res.output and "1-9" in res.output


def test_switch_aligned_gold_set(tmp_path, shared):
    text = shared("alignments", "deen.src-tgt")
    out = tmp_path / "deen.parquet"
    res = run("switch-aligned", text, "-r", "1", "--lang", "en", "-o", out)
    assert res.exit_code == 0, res.output
    table = pq.read_table(out)
    assert table.num_rows == 508
    records = table.column("source_switches").to_pylist()
    assert sum(len(r) for r in records) > 2000
    for src, row in zip(table.column("source").to_pylist()[:50], records[:50], strict=True):
        data = src.encode("utf-8")
        for r in row:
            assert r["lang"] == "en" and data[r["dst_start"]:r["dst_end"]]

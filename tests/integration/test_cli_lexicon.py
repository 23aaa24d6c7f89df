"""``csgen lexicon import | merge | info`` and ``csgen switch`` with .csglex files."""

import json
from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner

from csgen.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample"


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_import_merge_info_and_switch(tmp_path):
    de, ar, multi = tmp_path / "de.csglex", tmp_path / "ar.csglex", tmp_path / "multi.csglex"
    res = run("lexicon", "import", "muse", SAMPLE / "en-de.txt", "-o", de, "--drop-identity")
    assert res.exit_code == 0, res.output
    assert "wrote" in res.output and "languages de" in res.output
    assert run("lexicon", "import", "muse", SAMPLE / "en-ar.txt", "-o", ar).exit_code == 0
    assert run("lexicon", "merge", de, ar, "-o", multi).exit_code == 0
    res = run("lexicon", "info", multi, "--dataset", SAMPLE / "xquad-en.parquet",
              "-c", "question", "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.output)
    assert set(info["languages"]) == {"de", "ar"}
    assert info["languages"]["de"]["identity_entries"] == 0
    assert 0.5 < info["coverage"]["question"]["coverage"] < 1.0
    res = run("lexicon", "info", multi)
    assert res.exit_code == 0 and "translations/so" in res.output
    out = tmp_path / "out"
    res = run("switch", SAMPLE / "xquad-en.parquet", "-l", multi, "-r", "1", "-c", "question",
              "-o", out, "-q")
    assert res.exit_code == 0, res.output
    langs = {r["lang"] for rows in pq.read_table(out / "part-00000.parquet")["question_switches"]
             .to_pylist() for r in rows}
    assert langs == {"de", "ar"}


def test_import_reports_skipped_lines_and_refuses_bad_output(tmp_path):
    src = tmp_path / "en-de.txt"
    src.write_text("a b\nx y z\nc d\n", encoding="utf-8")
    res = run("lexicon", "import", "muse", src, "-o", tmp_path / "x.csglex", "--skip-bad")
    assert res.exit_code == 0 and "1 malformed lines skipped" in res.output
    res = run("lexicon", "import", "muse", src, "-o", tmp_path / "x.csglex")
    assert res.exit_code == 1 and f"{src}:2: expected 2 fields" in res.output
    res = run("lexicon", "import", "muse", src, "-o", tmp_path / "x.txt")
    assert res.exit_code == 1 and "must end in .csglex" in res.output


def test_corrupt_csglex_is_a_clear_error(tmp_path):
    path = tmp_path / "de.csglex"
    assert run("lexicon", "import", "muse", SAMPLE / "en-de.txt", "-o", path).exit_code == 0
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    res = run("switch", SAMPLE / "xquad-en.jsonl", "-l", path, "-r", "0.5", "-c", "question",
              "-o", tmp_path / "o", "-q")
    assert res.exit_code == 1 and "checksum mismatch" in res.output
    assert "Traceback" not in res.output

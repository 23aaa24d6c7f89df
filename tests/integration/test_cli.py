"""``csgen switch`` end to end on the bundled sample."""

import shutil
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from csgen.cli import main

SAMPLE_ARGS = ["--ratio", "0.5", "--columns", "question,context", "--seed", "1", "--quiet"]


@pytest.fixture
def sample(tmp_path):
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "examples" / "sample"
    for name in ("xquad-en.jsonl", "xquad-en.parquet", "en-de.txt", "en-es.txt", "en-ar.txt"):
        shutil.copy(src / name, tmp_path / name)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_switch_parquet_carries_columns(sample):
    out = sample / "out"
    res = run("switch", str(sample / "xquad-en.parquet"), "-l", str(sample / "en-de.txt"),
              "-o", str(out), *SAMPLE_ARGS)
    assert res.exit_code == 0, res.output
    table = pq.read_table(out / "part-00000.parquet")
    source = pq.read_table(sample / "xquad-en.parquet")
    assert table.column_names == ["id", "title", "question", "question_switches", "context",
                                  "context_switches", "answer_start", "answer_text"]
    for name in ("id", "title", "answer_start", "answer_text"):
        assert table[name].equals(source[name])
    assert table["question"].to_pylist() != source["question"].to_pylist()
    # no temp files left
    names = sorted(p.name for p in out.iterdir())
    assert names == [".csgen-manifest.parquet", "part-00000.parquet"]


def test_jsonl_and_parquet_inputs_give_the_same_text(sample):
    outs = []
    for name in ("xquad-en.jsonl", "xquad-en.parquet"):
        out = sample / f"out-{name}"
        res = run("switch", str(sample / name), "-l", f"de={sample / 'en-de.txt'}",
                  "-l", str(sample / "en-es.txt"), "--lang-weights", "de=2,es=1",
                  "-o", str(out), *SAMPLE_ARGS)
        assert res.exit_code == 0, res.output
        outs.append(pq.read_table(out / "part-00000.parquet"))
    for column in ("question", "context", "context_switches"):
        assert outs[0][column].to_pylist() == outs[1][column].to_pylist()


def test_summary_is_printed(sample):
    res = run("switch", str(sample / "xquad-en.jsonl"), "-l", str(sample / "en-de.txt"),
              "-l", str(sample / "en-ar.txt"), "-r", "0.5", "-c", "question",
              "-o", str(sample / "o"))
    assert res.exit_code == 0, res.output
    assert "question" in res.output and "de" in res.output and "ar" in res.output
    assert "wrote 1 shards and" in res.output and f"csgen manifest {sample / 'o'}" in res.output


def test_non_empty_output_is_refused_unless_overwrite(sample):
    out = sample / "out"
    args = ["switch", str(sample / "xquad-en.jsonl"), "-l", str(sample / "en-de.txt"),
            "-o", str(out), *SAMPLE_ARGS]
    assert run(*args).exit_code == 0
    res = run(*args)
    assert res.exit_code == 1 and "not empty" in res.output and "--overwrite" in res.output
    assert run(*args, "--overwrite").exit_code == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--ratio", "1.5"], "ratio must be in [0, 1]"),
        (["--columns", "passage"], "column 'passage' not found"),
        (["--columns", "answer_start"], "has type int64"),
        (["--lang-weights", "fr=1"], "which no lexicon has"),
        (["--id-column", "nope"], "column 'nope' not found"),
    ],
)
def test_user_mistakes_are_one_line_errors(sample, extra, message):
    args = ["switch", str(sample / "xquad-en.jsonl"), "-l", str(sample / "en-de.txt"),
            "-o", str(sample / "out"), *SAMPLE_ARGS, *extra]
    res = run(*args)
    assert res.exit_code == 1
    assert message in res.output and "Traceback" not in res.output
    assert not (sample / "out").exists() or not any((sample / "out").iterdir())


def test_bad_lexicon_and_input_files(sample):
    bad = sample / "en-fr.txt"
    bad.write_text("one un\ntwo deux trois\n", encoding="utf-8")
    res = run("switch", str(sample / "xquad-en.jsonl"), "-l", str(bad), "-o",
              str(sample / "o"), *SAMPLE_ARGS)
    assert res.exit_code == 1 and f"{bad}:2: expected 2 fields" in res.output
    res = run("switch", str(sample / "missing.jsonl"), "-l", str(sample / "en-de.txt"), "-o",
              str(sample / "o"), *SAMPLE_ARGS)
    assert res.exit_code == 1 and "missing.jsonl: no such file" in res.output
    broken = sample / "broken.jsonl"
    broken.write_text('{"question": "a"}\n{"question": \n', encoding="utf-8")
    res = run("switch", str(broken), "-l", str(sample / "en-de.txt"), "-o",
              str(sample / "o2"), *SAMPLE_ARGS, "--columns", "question")
    assert res.exit_code == 1 and "broken.jsonl" in res.output
    assert not list((sample / "o2").glob("*")), "no partial output"
    res = run("switch", str(sample / "en-de.txt"), "-l", str(sample / "en-de.txt"), "-o",
              str(sample / "o3"), *SAMPLE_ARGS)
    assert res.exit_code == 1 and "--input-format" in res.output


def test_invalid_utf8_row_is_named_and_nothing_is_left(sample, tmp_path):
    import numpy as np
    import pyarrow as pa

    data = b"fine text" + b"bad \xff byte"
    offsets = np.array([0, 9, 19], dtype=np.int32)
    arr = pa.Array.from_buffers(pa.string(), 2, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    pq.write_table(pa.table({"text": arr}), tmp_path / "bad.parquet")
    res = run("switch", str(tmp_path / "bad.parquet"), "-l", str(sample / "en-de.txt"),
              "-r", "0.5", "-c", "text", "-q", "-o", str(tmp_path / "o"))
    assert res.exit_code == 1 and "column 'text', row 1: text is not valid UTF-8" in res.output
    assert not (tmp_path / "o").exists()  # the run created it and finished nothing


def test_installed_command_and_light_import():
    exe = shutil.which("csgen")
    assert exe, "the csgen console script is installed with the package"
    assert "switch" in subprocess.run([exe, "--help"], capture_output=True, text=True,
                                      check=True).stdout
    code = ("import sys, csgen; heavy = {'torch', 'numba', 'ray', 'polars'} & set(sys.modules);"
            "print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd="/")
    assert out.stdout.strip() == "[]"

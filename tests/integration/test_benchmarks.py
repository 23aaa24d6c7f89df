"""The benchmark suite runs (a seconds-long smoke run), so it never rots."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_bench_switch_smoke(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_switch.py"), "--smoke", "--json",
         str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| csgen 2 threads |" in proc.stdout
    results = json.loads(out.read_text())["results"]
    assert {r["method"] for r in results} >= {"utf8_lower", "csgen 1 thread", "csgen 2 threads"}
    assert all(r["mb_s"] > 0 for r in results)


def test_bench_lexicon_smoke(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_lexicon.py"), "--smoke", "--json",
         str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| load .csglex |" in proc.stdout and "| induce CSLS top-1 | numpy |" in proc.stdout
    results = json.loads(out.read_text())["results"]
    assert all(r["seconds"] > 0 for r in results)


def test_bench_pipeline_smoke(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_pipeline.py"), "--smoke", "--json",
         str(out)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| input text | rows | workers |" in proc.stdout
    results = json.loads(out.read_text())["results"]
    assert {r["workers"] for r in results} == {1, 2}
    assert all(r["peak_rss_mb"] > 10 and r["rows"] == r["input_rows"] for r in results)


def test_bench_spans_smoke(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_spans.py"), "--smoke", "--json",
         str(out)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| piece_mask kernel |" in proc.stdout
    results = {r["step"]: r for r in json.loads(out.read_text())["results"]}
    assert set(results) >= {"switch", "remap_spans_arrow", "piece_mask kernel", "subword_view"}
    assert all(r["rows_s"] > 0 for r in results.values())
    assert results["remap_spans_arrow"]["first_call_s"] > 0


def test_bench_stream_smoke(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_stream.py"), "--smoke", "--json",
         str(out)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| data | 2 workers |" in proc.stdout and "| train step | transformer |" in proc.stdout
    results = json.loads(out.read_text())["results"]
    data = [r for r in results if r["what"] == "data"]
    assert {r["workers"] for r in data} == {0, 2}
    assert all(r["data_s_per_step"] > 0 and r["ratio_to_step"]["bag"] > 0 for r in data)
    assert all(r["step_s"] > 0 for r in results if r["what"] == "train step")

"""The benchmark suite runs (a seconds-long smoke run), so it never rots."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


# -- the suite: python -m benchmarks / csgen bench ----------------------------------------------
SUITE = ("switch", "pipeline", "lexicon", "spans", "stream", "integrations")


def test_suite_smoke(tmp_path):
    """One seconds-long run of every benchmark writes the JSON, the Markdown report and the
    plots, each holding every benchmark's figures."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (json_path,) = tmp_path.glob("*-smoke.json")
    stem = json_path.stem
    doc = json.loads(json_path.read_text())
    assert set(doc["benchmarks"]) == set(SUITE)
    for name, bench in doc["benchmarks"].items():
        assert bench["returncode"] == 0 and bench["data"]["results"], name
        assert bench["seconds"] > 0 and bench["peak_rss_mb"] > 10, name
    machine = doc["machine"]
    assert machine["cpu_count"] >= 1 and machine["cpu_model"] and machine["ram_gb"] > 0
    assert machine["versions"]["pyarrow"] and machine["versions"]["csgen"]
    assert len(machine["git_commit"]) == 40

    # switching: the whole grid and every reference, with tokens/s and both ratios
    switch = doc["benchmarks"]["switch"]["data"]
    rows = switch["results"]
    grid = {(r["mode"], r["ratio"], r["threads"]) for r in rows if r["method"].startswith(
        "csgen ") and "thread" in r["method"]}
    assert grid == {(m, x, n) for m in ("BL-CS", "ML-CS") for x in (0.25, 0.5, 1.0)
                    for n in (1, 2)}
    assert len(switch["info"]["ml_lexicons"]) >= 2
    methods = {r["method"] for r in rows}
    assert methods >= {"utf8_lower", "csgen switch (pipeline)", "polars replace_many",
                       "datasets.map num_proc=2", "python loop"}
    assert all(r["mb_s"] > 0 and r["tokens_s"] > 0 and r["x_utf8_lower"] > 0
               and r["x_python_loop"] > 0 for r in rows)
    assert {r["threads"] for r in switch["scaling"]} == {1, 2}
    # the engine's targets, each a ratio of two figures of the run (no --big-mb: no 1 GB row)
    goals = {(t["target"], t["ratio"]) for t in switch["targets"]}
    assert goals == {("BL-CS, 1 thread, x utf8_lower", x) for x in (0.25, 0.5, 1.0)} | {
        ("ML-CS / BL-CS, 1 thread", x) for x in (0.25, 0.5, 1.0)} | {
        ("BL-CS, 2 threads / 1 thread, 1 MB", 0.5)}
    assert all(t["value"] > 0 and t["met"] == (t["value"] >= t["goal"]) for t in switch["targets"])
    assert switch["big"] == []
    assert all(len(r["mb_s_runs"]) == 1 for r in rows if r["method"].startswith("csgen ")
               and "thread" in r["method"])
    assert len({r["bytes"] for r in switch["scaling"]}) >= 3  # several input sizes
    pipeline = doc["benchmarks"]["pipeline"]["data"]
    assert {(r["size_gb"], r["format"], r["options"]) for r in pipeline["results"]} == {
        (0.003, f, o) for f in ("parquet", "parquet-1rg", "jsonl")
        for o in ("default", "-w 1", "--engine processes")}
    assert all(r["rows"] == r["input_rows"] and r["peak_rss_mb"] > 10 and r["x_slower_ref"] > 0
               for r in pipeline["results"])
    assert {r["engine"] for r in pipeline["results"]} == {"local", "processes"}
    assert len(pipeline["references"]) == 3
    assert {c["column"] for c in pipeline["columns"]} >= {"context", "context_switches"}
    assert pipeline["startup"]["csgen_help_s"] > 0

    md = (tmp_path / f"{stem}.md").read_text()
    for heading in ("## Switching throughput", "## Whole pipeline", "## Lexicons",
                    "## Span remapping", "## Streaming", "## In users' tools"):
        assert heading in md
    for cell in ("| x utf8_lower | x python loop |", "| csgen 2 threads | ML-CS | 2 |",
                 "| ML-CS / BL-CS, 1 thread | 0.5 |", "| worst MB/s |",
                 "| polars replace_many", "| datasets.map num_proc=2", "| x -w 1 |",
                 "| load .csglex |", "| remap_spans_arrow |", "| train step | transformer |",
                 "| csgen.hf.switch, num_proc=1 |", "| polars lf.csgen.switch, streaming engine |",
                 "| x slower ref |", "| (a) engine, all cores |", "| context_switches |"):
        assert cell in md, cell
    assert "FAILED" not in md

    # --readme prints the README table of the newest results without running anything
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--readme", "--smoke", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=60, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| csgen 2 threads | BL-CS | 2 |" in proc.stdout and "| x -w 1 |" in proc.stdout

    pngs = [tmp_path / f"{stem}-{kind}.png" for kind in ("throughput", "scaling")]
    if importlib.util.find_spec("matplotlib") is None:
        assert "matplotlib" in doc["plots_skipped"]
        pytest.skip("matplotlib is not installed (pip install 'csgen[bench]'): no PNG to check")
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
        assert f"]({png.name})" in md


def test_cli_bench_without_checkout(tmp_path, monkeypatch):
    """`csgen bench` outside a source checkout is a one-line typed error, not a traceback."""
    from click.testing import CliRunner

    from csgen.cli import main

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["bench", "--smoke"])
    assert result.exit_code == 1
    assert "no benchmark suite in" in result.output and "--suite-dir" in result.output
    result = CliRunner().invoke(main, ["bench", "--suite-dir", str(tmp_path)])
    assert result.exit_code == 1 and "no benchmark suite there" in result.output


def test_cli_bench_runs_the_suite(tmp_path, monkeypatch):
    """`csgen bench` finds the checkout from a folder inside it and passes its options on."""
    from click.testing import CliRunner

    from csgen.cli import main

    (tmp_path / "2000-01-02-smoke.json").write_text(json.dumps({
        "date": "2000-01-02", "smoke": True, "benchmarks": {}, "machine": {}}))
    monkeypatch.chdir(REPO / "examples")
    result = CliRunner().invoke(main, ["bench", "--readme", "--smoke", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["bench", "--readme", "--out", str(tmp_path)])
    assert result.exit_code == 1  # no full run there yet

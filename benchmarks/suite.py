"""The benchmark suite: every benchmark on real text, one results file, a report and plots.

``python -m benchmarks`` (or ``csgen bench`` in a source checkout) runs each benchmark
script in a fresh subprocess (so its peak RSS and import costs are its own), collects the
JSON each one writes, and writes into ``--out`` (default ``benchmarks/results``):

* ``<date>.json``: machine facts (CPU model, cores, RAM, load, package versions, git
  commit), the options, and per benchmark its command, wall time, peak RSS and results;
* ``<date>.md``: one Markdown table per benchmark, every figure also as a ratio against a
  reference measured in the same run (``x utf8_lower``, ``x python loop``, ...);
* ``<date>-throughput.png`` and ``<date>-scaling.png`` (matplotlib, when installed).

A ``--smoke`` run (seconds, tiny sizes) writes ``<date>-smoke.*``, and an ``--only`` run
``<date>-only-NAME.*``, so neither replaces the day's full run. ``--readme`` prints the
README table of the newest full results file without running anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import report

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFAULT_OUT = BENCH_DIR / "results"
PACKAGES = ("csgen", "numpy", "pyarrow", "polars", "numba", "torch", "datasets",
            "sentencepiece", "matplotlib")


@dataclass(frozen=True)
class Benchmark:
    """One benchmark script and how the suite's options become its arguments."""

    name: str
    script: str
    title: str
    argv: Callable[[argparse.Namespace], list[str]]


def _switch_argv(o: argparse.Namespace) -> list[str]:
    if o.smoke:
        return ["--smoke"]
    big = ["--big-mb", f"{o.big_mb:g}"] if o.big_mb else []
    return ["--mb", f"{o.mb:g}", "--threads", o.threads, *big, *_repeat(o)]


def _pipeline_argv(o: argparse.Namespace) -> list[str]:
    sizes = o.pipeline_gb or ("0.003" if o.smoke else "0.1,1")
    return ["--sizes", sizes, "--workers", "1" if o.smoke else o.workers,
            *(["--repeat", "1"] if o.smoke else _repeat(o))]


def _lexicon_argv(o: argparse.Namespace) -> list[str]:
    if o.smoke:
        return ["--smoke"]
    return ([] if o.induce_words is None else ["--sizes", o.induce_words]) + _repeat(o)


def _spans_argv(o: argparse.Namespace) -> list[str]:
    return ["--smoke"] if o.smoke else _repeat(o)


def _stream_argv(o: argparse.Namespace) -> list[str]:
    return ["--smoke"] if o.smoke else []


def _integrations_argv(o: argparse.Namespace) -> list[str]:
    return ["--smoke"] if o.smoke else _repeat(o)


def _repeat(o: argparse.Namespace) -> list[str]:
    return [] if o.repeat is None else ["--repeat", str(o.repeat)]


BENCHMARKS: dict[str, Benchmark] = {
    b.name: b
    for b in (
        Benchmark("switch", "bench_switch.py", "Switching throughput", _switch_argv),
        Benchmark("pipeline", "bench_pipeline.py",
                  "Whole pipeline: read Parquet, switch, write zstd Parquet", _pipeline_argv),
        Benchmark("lexicon", "bench_lexicon.py", "Lexicons: compile, load, induce",
                  _lexicon_argv),
        Benchmark("spans", "bench_spans.py", "Span remapping and subword masks", _spans_argv),
        Benchmark("stream", "bench_stream.py", "Streaming: switching per training step",
                  _stream_argv),
        Benchmark("integrations", "bench_integrations.py",
                  "In users' tools: HF datasets and polars", _integrations_argv),
    )
}


# -- machine facts ---------------------------------------------------------------------------
def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024 / 1e9
    except (OSError, ValueError, IndexError):
        pass
    return None


def _git(*args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def machine_facts() -> dict[str, Any]:
    """What the figures depend on: hardware, load, package versions, the code's commit.

    Versions come from the installed distributions' metadata, so torch and friends are
    not imported (seconds) just to be named.
    """
    versions: dict[str, str | None] = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            versions[pkg] = None
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "ram_gb": _ram_gb(),
        "load_avg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "versions": versions,
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": None if status is None else bool(status),
    }


# -- running ---------------------------------------------------------------------------------
def run_benchmark(bench: Benchmark, opts: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Run one benchmark script in a fresh process; its results, wall time and peak RSS.

    The peak RSS is ``ru_maxrss`` from ``wait4``: the largest resident set of the process
    or any of its waited-for children (the suite samples nothing while a benchmark runs,
    so it takes no CPU from it; ``bench_pipeline`` sums its process trees itself).
    """
    out_json = work / f"{bench.name}.json"
    log_path = work / f"{bench.name}.log"
    cmd = [sys.executable, str(BENCH_DIR / bench.script), *bench.argv(opts),
           "--json", str(out_json)]
    env = dict(os.environ)
    # Keep Hugging Face datasets offline, quiet and out of ~/.cache and the repository.
    env.update(HF_DATASETS_CACHE=str(work / "hf-cache"), HF_DATASETS_OFFLINE="1",
               HF_HUB_OFFLINE="1", HF_DATASETS_DISABLE_PROGRESS_BARS="1", MPLBACKEND="Agg")
    print(f"[{bench.name}] {' '.join(cmd[1:])}", flush=True)
    started = time.perf_counter()
    with log_path.open("w", encoding="utf-8") as log:
        # cwd: a scratch directory, never the repository root, whose csgen/ has no compiled
        # core and would shadow the installed package.
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=work, env=env)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    entry: dict[str, Any] = {
        "title": bench.title,
        "command": ["python", f"benchmarks/{bench.script}", *cmd[2:-2]],
        "returncode": proc.returncode,
        "seconds": seconds,
        # ru_maxrss is in KiB on Linux (bytes on macOS)
        "peak_rss_mb": usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024) / 2**20,
        "output": log_text[-20_000:],
        "data": None,
    }
    if proc.returncode == 0 and out_json.is_file():
        entry["data"] = json.loads(out_json.read_text(encoding="utf-8"))
        print(f"[{bench.name}] done in {seconds:.1f} s, peak RSS "
              f"{entry['peak_rss_mb']:,.0f} MB", flush=True)
    else:
        tail = "\n".join(log_text.strip().splitlines()[-15:])
        print(f"[{bench.name}] FAILED (exit {proc.returncode}) after {seconds:.1f} s:\n{tail}",
              file=sys.stderr, flush=True)
    return entry


def output_stem(opts: argparse.Namespace, date: str) -> str:
    """``<date>``, ``<date>-smoke`` or ``<date>[-smoke]-only-a-b``."""
    stem = date + ("-smoke" if opts.smoke else "")
    if opts.only and set(opts.only) != set(BENCHMARKS):
        stem += "-only-" + "-".join(n for n in BENCHMARKS if n in opts.only)
    return stem


def run_suite(opts: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Path]]:
    """Run the chosen benchmarks; write and return the results document and its files."""
    names = [n for n in BENCHMARKS if not opts.only or n in opts.only]
    now = dt.datetime.now().astimezone()
    doc: dict[str, Any] = {
        "date": now.date().isoformat(),
        "started": now.isoformat(timespec="seconds"),
        "smoke": opts.smoke,
        "options": {"mb": opts.mb, "pipeline_gb": opts.pipeline_gb, "workers": opts.workers,
                    "threads": opts.threads, "repeat": opts.repeat,
                    "induce_words": opts.induce_words, "only": names},
        "machine": machine_facts(),
        "benchmarks": {},
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="csgen-bench-suite-") as tmp:
        for name in names:
            work = Path(tmp) / name
            work.mkdir()
            doc["benchmarks"][name] = run_benchmark(BENCHMARKS[name], opts, work)
            shutil.rmtree(work, ignore_errors=True)  # inputs of GBs go as soon as done
    doc["seconds"] = time.perf_counter() - started

    out: Path = opts.out
    out.mkdir(parents=True, exist_ok=True)
    stem = output_stem(opts, doc["date"])
    files = {"json": out / f"{stem}.json", "md": out / f"{stem}.md"}
    try:
        from benchmarks import plots  # matplotlib is imported there only
    except ImportError as e:
        doc["plots_skipped"] = f"matplotlib is not installed ({e}); pip install 'csgen[bench]'"
        print(f"no plots: {doc['plots_skipped']}", file=sys.stderr)
    else:
        for kind, path in plots.write_plots(doc, out, stem).items():
            files[kind] = path
    doc["files"] = {k: p.name for k, p in files.items()}
    files["md"].write_text(report.markdown(doc), encoding="utf-8")
    files["json"].write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return doc, files


# -- command line ----------------------------------------------------------------------------
def latest_results(out: Path, smoke: bool = False) -> Path:
    """The newest full-run ``<date>.json`` in ``out`` (``<date>-smoke.json`` with smoke)."""
    suffix = "-smoke" if smoke else ""
    found = []
    for path in out.glob("*.json"):
        stem = path.stem.removesuffix(suffix) if suffix else path.stem
        try:
            dt.date.fromisoformat(stem)
        except ValueError:
            continue
        if path.stem == stem + suffix:
            found.append(path)
    if not found:
        kind = "smoke" if smoke else "full"
        raise SystemExit(f"no {kind} results (<date>{suffix}.json) in {out}; run "
                         "`python -m benchmarks` first")
    return max(found, key=lambda p: (p.stem, p.stat().st_mtime))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run csgen's benchmark suite on real text; write <date>.json, .md and "
                    "PNG plots.")
    p.add_argument("--mb", type=float, default=100.0,
                   help="MB of text for the switching benchmark (default 100)")
    p.add_argument("--big-mb", type=float, default=0.0,
                   help="also time switching a column of this many MB on 1 and 2 threads, "
                        "e.g. 1000 (about 7 GB of memory; default 0: left out)")
    p.add_argument("--smoke", action="store_true",
                   help="a seconds-long run at tiny sizes (writes <date>-smoke.*)")
    p.add_argument("--only", nargs="+", default=None, metavar="NAME",
                   help=f"run only these ({', '.join(BENCHMARKS)}; commas work too)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help="results folder (default benchmarks/results)")
    p.add_argument("--pipeline-gb", default=None,
                   help="pipeline input sizes in GB of text (default 0.1,0.5,2; smoke: "
                        "0.002,0.005)")
    p.add_argument("--workers", default="1,2", help="pipeline worker counts (default 1,2)")
    p.add_argument("--threads", default="1,2", help="switching thread counts (default 1,2)")
    p.add_argument("--repeat", type=int, default=None,
                   help="runs per measurement, best kept (default: each benchmark's, 3)")
    p.add_argument("--induce-words", default=None,
                   help="embedding induction sizes, words per side (default "
                        "20000,50000,200000; the 200k ones take about 8 minutes on 2 cores)")
    p.add_argument("--readme", action="store_true",
                   help="print the README table of the newest results in --out; run nothing")
    p.add_argument("--write-readme", type=Path, default=None, metavar="README",
                   help="with --readme: also put the table between the <!-- bench-table --> "
                        "markers of this file")
    opts = p.parse_args(argv)
    if opts.only:
        opts.only = [n.strip() for item in opts.only for n in item.split(",") if n.strip()]
        unknown = sorted(set(opts.only) - set(BENCHMARKS))
        if unknown:
            p.error(f"--only: unknown {', '.join(unknown)} (known: {', '.join(BENCHMARKS)})")
    if opts.mb <= 0 or opts.big_mb < 0 or (opts.repeat is not None and opts.repeat < 1):
        p.error("--mb must be > 0, --big-mb >= 0 and --repeat >= 1")
    if opts.write_readme is not None and not opts.readme:
        p.error("--write-readme goes with --readme")
    opts.out = opts.out.resolve()
    return opts


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    if opts.readme:
        path = latest_results(opts.out, opts.smoke)
        doc = json.loads(path.read_text(encoding="utf-8"))
        table = report.readme_table(doc, source=path.name)
        print(table)
        if opts.write_readme is not None:
            report.replace_readme_table(opts.write_readme, table)
            print(f"\nwrote the table into {opts.write_readme}", file=sys.stderr)
        return 0
    doc, files = run_suite(opts)
    print()
    print(report.readme_table(doc, source=files["json"].name))
    print()
    print(f"suite: {doc['seconds']:.1f} s; wrote " + ", ".join(str(p) for p in files.values()))
    failed = [n for n, b in doc["benchmarks"].items() if b["returncode"] != 0]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0

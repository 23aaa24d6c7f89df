"""``csgen bench``: the benchmark suite of a source checkout, run as ``python -m benchmarks``
there (the suite is not part of the installed package)."""

from __future__ import annotations

import sys
from pathlib import Path

import click


# The suite (benchmarks/) is not part of the installed package: it reads ../shared/data and
# the sample of a checkout, so this command only finds one and runs `python -m benchmarks`.
def _find_bench_suite(suite_dir: Path | None) -> Path:
    """The checkout root whose ``benchmarks/`` holds the suite: ``suite_dir`` (the root or
    its ``benchmarks/``), else the current directory or the nearest parent with one."""
    from ..errors import MissingFileError

    def has_suite(root: Path) -> bool:
        return (root / "benchmarks" / "__main__.py").is_file() and \
            (root / "benchmarks" / "suite.py").is_file()

    if suite_dir is not None:
        suite_dir = suite_dir.resolve()
        for root in (suite_dir, suite_dir.parent if suite_dir.name == "benchmarks" else None):
            if root is not None and has_suite(root):
                return root
        raise MissingFileError(f"--suite-dir {suite_dir}: no benchmark suite there (expected "
                               "benchmarks/__main__.py and benchmarks/suite.py)")
    cwd = Path.cwd().resolve()
    for root in (cwd, *cwd.parents):
        if has_suite(root):
            return root
    raise MissingFileError(f"no benchmark suite in {cwd} or its parents: `csgen bench` runs the "
                           "benchmarks/ of a csgen source checkout; run it inside one or pass "
                           "--suite-dir")


@click.command("bench")
@click.option("--mb", type=click.FloatRange(min=0, min_open=True), default=None,
              help="MB of text for the switching benchmark [100].")
@click.option("--smoke", is_flag=True, help="A seconds-long run at tiny sizes (<date>-smoke.*).")
@click.option("--only", multiple=True,
              help="Run only this benchmark: switch, pipeline, lexicon, spans, stream "
                   "(repeatable, or comma-separated).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Results folder [benchmarks/results of the checkout].")
@click.option("--pipeline-gb", default=None, help="Pipeline input sizes in GB [0.1,0.5,2].")
@click.option("--workers", default=None, help="Pipeline worker counts [1,2].")
@click.option("--threads", default=None, help="Switching thread counts [1,2].")
@click.option("--repeat", type=click.IntRange(min=1), default=None,
              help="Runs per measurement, best kept [3].")
@click.option("--induce-words", default=None,
              help="Embedding induction sizes, words per side [20000,50000,200000].")
@click.option("--readme", is_flag=True,
              help="Print the README table of the newest results; run nothing.")
@click.option("--write-readme", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --readme: put the table between this file's <!-- bench-table --> "
                   "markers.")
@click.option("--suite-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The source checkout (or its benchmarks/) [the current directory or a "
                   "parent].")
def bench_command(suite_dir: Path | None, only: tuple[str, ...], smoke: bool, readme: bool,
                  out: Path | None, write_readme: Path | None, **values: object) -> None:
    """Run the benchmark suite of a source checkout: `python -m benchmarks` there, which
    writes <date>.json, <date>.md and PNG plots into benchmarks/results."""
    import subprocess

    root = _find_bench_suite(suite_dir)
    argv = [f"--{k.replace('_', '-')}={v}" for k, v in values.items() if v is not None]
    argv += ["--smoke"] * smoke + ["--readme"] * readme
    if only:
        argv += ["--only", *only]
    # The suite runs in the checkout, so paths the user typed are made absolute first.
    argv += [] if out is None else [f"--out={out.resolve()}"]
    argv += [] if write_readme is None else [f"--write-readme={write_readme.resolve()}"]
    code = subprocess.call([sys.executable, "-m", "benchmarks", *argv], cwd=root)
    if code:
        raise SystemExit(code)

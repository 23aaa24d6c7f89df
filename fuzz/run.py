"""Run csgen's atheris fuzzers for a bounded time and fail on any finding.

    python fuzz/run.py --seconds 60                 # every target, 60 s in all
    python fuzz/run.py --seconds 600 switch lexicon # two targets, 300 s each
    python fuzz/run.py --seconds 60 --asan-python /tmp/csgen-asan/bin/python

Each target runs in its own process (``fuzz/fuzz_<target>.py``) for its share of
``--seconds``, coverage-guided on the Python side, starting from ``fuzz/corpus/<target>/``
(read only: new inputs go to the work folder) with ``fuzz/csgen.dict``. With
``--asan-python`` (an interpreter whose csgen is the sanitizer build of ``.ci/sanitize``),
every input of the seed corpus and of the grown work corpus is then replayed through that
build with gcc's ASan runtime preloaded, so memory errors in the C++ core on any input the
fuzzer found interesting are caught (atheris' coverage feedback does not work beside gcc's
ASan runtime, hence two stages; see ``fuzz/README.md``).

Exit status 1 when a target crashed, broke an invariant, timed out, ran out of memory or
failed its ASan replay; the input that did it is kept under ``WORKDIR/artifacts/<target>/``
(or named in the replay log). Reproduce it with ``python fuzz/replay.py TARGET FILE``; keep
it as a regression test by copying it to ``tests/data/regression/<target>-<what>.bin``.
Exit status 2 when atheris is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = ("segment", "switch", "lexicon", "csglex")


@dataclass
class Result:
    """What one target's run did."""

    target: str
    seconds: float
    execs: int | None
    returncode: int
    artifacts: list[str]
    log: str
    replayed: int | None = None  # inputs replayed under ASan (None: no replay asked)
    replay_returncode: int = 0
    replay_log: str | None = None

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.artifacts and self.replay_returncode == 0


def _execs(log: str) -> int | None:
    """Executions libFuzzer reports (final stats, else the last 'Done N runs' line)."""
    found = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
    found = found or re.findall(r"Done (\d+) runs", log)
    found = found or re.findall(r"#(\d+)\s", log)
    return int(found[-1]) if found else None


def run_target(target: str, seconds: int, workdir: Path, python: str, extra: list[str]) -> Result:
    """Fuzz ``target`` for ``seconds`` in a child process; its log goes to ``workdir``."""
    corpus = workdir / "corpus" / target
    artifacts = workdir / "artifacts" / target
    logs = workdir / "logs"
    for folder in (corpus, artifacts, logs):
        folder.mkdir(parents=True, exist_ok=True)
    cmd = [
        python, str(HERE / f"fuzz_{target}.py"), str(corpus), str(HERE / "corpus" / target),
        f"-max_total_time={seconds}", f"-artifact_prefix={artifacts}/",
        f"-dict={HERE / 'csgen.dict'}", "-print_final_stats=1", "-rss_limit_mb=4096",
        "-timeout=120", "-max_len=8192", *extra,
    ]
    log_path = logs / f"{target}.log"
    start = time.monotonic()
    with open(log_path, "wb") as log:
        try:
            # Startup and the seed corpus come on top of -max_total_time; a run far past its
            # budget is hung, which is a finding too.
            rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT,
                                timeout=seconds * 2 + 300).returncode
        except subprocess.TimeoutExpired:
            rc = -9
    elapsed = time.monotonic() - start
    text = log_path.read_text("utf-8", "replace")
    found = sorted(str(p) for p in artifacts.iterdir() if p.is_file())
    return Result(target, round(elapsed, 1), _execs(text), rc, found, str(log_path))


def asan_env() -> dict[str, str]:
    """The environment for an uninstrumented Python loading the ASan-built core: gcc's ASan
    runtime first, then libstdc++ (else ASan cannot find ``__cxa_throw`` to intercept and
    aborts on the first C++ exception). The same recipe as ``.ci/sanitize``; options already
    set in the environment are kept."""

    def lib(name: str) -> str:
        return subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True,
                              text=True, check=True).stdout.strip()

    env = dict(os.environ)
    env["LD_PRELOAD"] = f"{lib('libasan.so')} {lib('libstdc++.so')}"
    # Leak checking is off: CPython keeps objects alive at exit by design.
    env.setdefault("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1:abort_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    return env


def replay_asan(result: Result, workdir: Path, python: str) -> None:
    """Replay the seeds and the work corpus of ``result.target`` under the ASan build."""
    target = result.target
    log_path = workdir / "logs" / f"{target}.asan.log"
    cmd = [python, str(HERE / "replay.py"), "--expect-asan", target,
           str(workdir / "corpus" / target),
           str(HERE / "corpus" / target)]
    with open(log_path, "wb") as log:
        try:
            rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=asan_env(),
                                timeout=1800).returncode
        except subprocess.TimeoutExpired:
            rc = -9
    text = log_path.read_text("utf-8", "replace")
    result.replayed = text.count("\nreplay ") + text.startswith("replay ")
    result.replay_returncode = rc
    result.replay_log = str(log_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", metavar="TARGET",
                        help=f"targets to run (default: all of {', '.join(TARGETS)})")
    parser.add_argument("--seconds", type=int, default=60,
                        help="total fuzzing time, split evenly between the targets")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where corpora, findings and logs go (default: a new temp dir)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter with csgen and atheris installed")
    parser.add_argument("--asan-python", default=None,
                        help="interpreter with the ASan build of csgen (.ci/sanitize): replay "
                        "every kept input through it after fuzzing")
    parser.add_argument("--summary", type=Path, default=None,
                        help="write the per-target results as JSON here")
    parser.add_argument("--libfuzzer-flag", action="append", default=[], dest="extra",
                        help="extra libFuzzer flag for every target, e.g. -seed=1")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.targets) - set(TARGETS))
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; choose from {', '.join(TARGETS)}")
    targets = list(dict.fromkeys(args.targets)) or list(TARGETS)
    probe = subprocess.run([args.python, "-c", "import atheris"], capture_output=True)
    if probe.returncode != 0:
        print("fuzz/run.py: atheris is not importable by "
              f"{args.python} (pip install 'csgen[fuzz]')", file=sys.stderr)
        return 2
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="csgen-fuzz-run-"))
    share = max(1, args.seconds // len(targets))
    results = []
    for target in targets:
        result = run_target(target, share, workdir, args.python, args.extra)
        if args.asan_python and result.returncode == 0:
            replay_asan(result, workdir, args.asan_python)
        results.append(result)
        status = "ok" if result.ok else (
            f"FAILED (exit {result.returncode})" if result.returncode or result.artifacts
            else f"FAILED under ASan (exit {result.replay_returncode})")
        rate = f"{result.execs / result.seconds:,.0f}/s" if result.execs and result.seconds else "?"
        replay = "" if result.replayed is None else f"  {result.replayed:,} replayed under ASan"
        print(f"{target:8s} {result.seconds:7.1f} s  {result.execs or 0:>10,} execs  {rate:>9s}"
              f"{replay}  {status}", flush=True)
    if args.summary:
        args.summary.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    failed = [r for r in results if not r.ok]
    for r in failed:
        log = r.replay_log if r.returncode == 0 and not r.artifacts and r.replay_log else r.log
        tail = Path(log).read_text("utf-8", "replace").splitlines()[-60:]
        print(f"\n--- {r.target}: last lines of {log}", file=sys.stderr)
        print("\n".join(tail), file=sys.stderr)
        for path in r.artifacts:
            print(f"finding: {path}\n  replay: {args.python} {HERE / f'fuzz_{r.target}.py'} {path}"
                  f"\n  keep it: cp {path} tests/data/regression/{r.target}-<what>.bin",
                  file=sys.stderr)
    if not failed:
        print(f"no findings ({workdir})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

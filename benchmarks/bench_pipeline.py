"""Pipeline benchmark: ``csgen switch`` end to end (read Parquet, switch, write zstd Parquet
shards + manifest) on inputs of growing size, with 1 and 2 workers.

Inputs are real text (XQuAD English questions and contexts from ``../shared/data``,
else the bundled sample) repeated to the asked size (uncompressed text bytes), with a
unique id per row. Each configuration runs ``csgen switch`` in a fresh process; peak
RSS is the largest sum, over the process and its workers, of resident memory sampled
every 20 ms from ``/proc``. Reported: rows/s, MB/s of input text, peak RSS; memory
should stay flat as the input grows (at most ``workers + 1`` shards in flight).

Usage::

    python benchmarks/bench_pipeline.py                  # 0.2 GB and 2 GB
    python benchmarks/bench_pipeline.py --sizes 0.05 --smoke
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from csgen.io.manifest import read_manifest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CSGEN_SHARED_DATA", REPO.parent / "shared" / "data"))
SAMPLE = REPO / "examples" / "sample"


def source_rows() -> tuple[list[str], list[str], str]:
    """(questions, contexts, where from): XQuAD English if present, else the sample."""
    import pyarrow.parquet as pq

    xquad = SHARED / "xquad" / "xquad.en.json"
    if xquad.exists():
        data = json.loads(xquad.read_text(encoding="utf-8"))["data"]
        q, c = [], []
        for article in data:
            for para in article["paragraphs"]:
                for qa in para["qas"]:
                    q.append(qa["question"])
                    c.append(para["context"])
        return q, c, str(xquad)
    table = pq.read_table(SAMPLE / "xquad-en.parquet")
    return (table.column("question").to_pylist(), table.column("context").to_pylist(),
            str(SAMPLE / "xquad-en.parquet"))


def make_input(path: Path, target_bytes: int) -> tuple[int, int]:
    """Write real rows repeated to ``target_bytes`` of text; returns (rows, text bytes).
    Written row group by row group, so making a 2 GB input needs little memory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    questions, contexts, _ = source_rows()
    q = pa.array(questions, pa.string())
    c = pa.array(contexts, pa.string())
    per_copy = q.nbytes + c.nbytes - 2 * 4 * (len(q) + 1)  # text bytes, offsets left out
    n = len(q)
    rows = written = copy = 0
    schema = pa.schema([("id", pa.int64()), ("question", pa.string()),
                        ("context", pa.string())])
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        while written < target_bytes:
            ids = pa.array(range(copy * n, (copy + 1) * n), pa.int64())
            writer.write_table(pa.table([ids, q, c], schema=schema), row_group_size=n)
            rows += n
            written += per_copy
            copy += 1
    return rows, written


class RssSampler(threading.Thread):
    """Peak of the summed RSS of a process and its descendants, from /proc."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak = pid, every, 0
        self._halt = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")

    def tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
        out, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo += children.get(pid, [])
        return out

    def rss(self) -> int:
        total = 0
        for pid in self.tree():
            try:
                with open(f"/proc/{pid}/statm") as f:
                    total += int(f.read().split()[1]) * self._page
            except (OSError, ValueError, IndexError):
                pass
        return total

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(self.every)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def run_switch(src: Path, out: Path, lexicon: Path, workers: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "csgen", "switch", str(src), "-l", str(lexicon),
           "-r", "0.5", "-c", "question,context", "-o", str(out), "--seed", "1",
           "-w", str(workers), "--id-column", "id", "-q", "--overwrite"]
    started = time.perf_counter()
    # cwd: not the repository root, whose csgen/ has no compiled core
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, cwd=out.parent)
    sampler = RssSampler(proc.pid)
    sampler.start()
    _, err = proc.communicate()
    sampler.stop()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"csgen switch failed: {err}")
    manifest = read_manifest(out)
    return {"seconds": seconds, "peak_rss_mb": sampler.peak / 2**20,
            "rows": manifest["summary"]["rows"], "shards": manifest["summary"]["shards"]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="0.2,2", help="input sizes in GB of text (default 0.2,2)")
    p.add_argument("--workers", default="1,2", help="worker counts (default 1,2)")
    p.add_argument("--lexicon", type=Path, default=None,
                   help="MUSE en-de (default ../shared/data/muse/en-de.txt, else the sample)")
    p.add_argument("--json", type=Path, default=None, help="also write results here")
    p.add_argument("--smoke", action="store_true", help="one small size, seconds")
    p.add_argument("--keep", type=Path, default=None, help="work directory to keep")
    args = p.parse_args(argv)
    sizes = [0.005] if args.smoke else [float(x) for x in args.sizes.split(",")]
    workers = [int(x) for x in args.workers.split(",")]
    lexicon = args.lexicon or (SHARED / "muse" / "en-de.txt")
    if not lexicon.exists():
        lexicon = SAMPLE / "en-de.txt"
    work = args.keep or Path(tempfile.mkdtemp(prefix="csgen-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for size in sizes:
            src = work / f"input-{size}GB.parquet"
            rows, text_bytes = make_input(src, int(size * 1e9))
            for w in workers:
                r = run_switch(src, work / f"out-{size}-{w}", lexicon, w)
                r.update(size_gb=size, workers=w, input_rows=rows, text_mb=text_bytes / 1e6,
                         rows_per_s=rows / r["seconds"], mb_per_s=text_bytes / 1e6 / r["seconds"])
                results.append(r)
                shutil.rmtree(work / f"out-{size}-{w}", ignore_errors=True)
            src.unlink()
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print("| input text | rows | workers | seconds | rows/s | MB/s | peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['text_mb']:,.0f} MB | {r['input_rows']:,} | {r['workers']} | "
              f"{r['seconds']:.1f} | {r['rows_per_s']:,.0f} | {r['mb_per_s']:.1f} | "
              f"{r['peak_rss_mb']:,.0f} MB |")
    print(f"\nmachine: {os.cpu_count()} CPUs, {platform.platform()}, Python "
          f"{platform.python_version()}; lexicon {lexicon.name}; text from {source_rows()[2]}; "
          "each run a fresh `csgen switch` process (start-up included)")
    if args.json:
        args.json.write_text(json.dumps({"results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Throughput benchmark: csgen code-switching vs. a one-pass Arrow kernel and plain Python.

All methods run on the same ``large_string`` column (XQuAD English contexts and
questions, repeated until it holds ``--mb`` MB of UTF-8 text) and are reported
in MB/s of input bytes (1 MB = 10**6 bytes), each the best of ``--repeat`` runs:

* ``utf8_lower``: ``pyarrow.compute.utf8_lower`` -- one pass over the bytes,
  the floor reference;
* ``csgen 1 thread`` / ``csgen 2 threads``: ``Switcher.switch_array``;
* ``csgen switch (pipeline)``: the job behind the CLI on the column stored as
  Parquet: read, switch (2 threads), write zstd Parquet;
* ``python loop``: the same algorithm in plain Python (regex tokenizer, dict
  lookup, ``random.random() < ratio``, case carried over), timed on a slice of
  about ``--python-mb`` MB only.

The csgen output of 1 and 2 threads is checked to be identical.

Usage::

    python benchmarks/bench_switch.py [--mb 50] [--repeat 3] [--json out.json]
    python -m benchmarks.bench_switch --smoke
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

try:  # run as python -m benchmarks.NAME, or as python benchmarks/NAME.py
    from benchmarks._common import (
        SAMPLE_MUSE,
        SAMPLE_XQUAD,
        SHARED_MUSE,
        SHARED_XQUAD,
        best_of,
        import_csgen,
    )
except ImportError:
    from _common import (
        SAMPLE_MUSE,
        SAMPLE_XQUAD,
        SHARED_MUSE,
        SHARED_XQUAD,
        best_of,
        import_csgen,
    )

MB = 1_000_000

TOKEN_RE = re.compile(r"\w+(?:['\u2019-]\w+)*|\s+|[^\w\s]")


# -- data ----------------------------------------------------------------------------------------
def load_texts(data: Path | None) -> tuple[list[str], str]:
    """Contexts (each once) and questions of a SQuAD json, or of the sample parquet."""
    path = data if data is not None else SHARED_XQUAD
    if data is not None or path.exists():
        squad = json.loads(path.read_text(encoding="utf-8"))
        texts: list[str] = []
        for article in squad["data"]:
            for para in article["paragraphs"]:
                texts.append(para["context"])
                texts.extend(qa["question"] for qa in para["qas"])
        return texts, str(path)
    import pyarrow.parquet as pq

    table = pq.read_table(SAMPLE_XQUAD, columns=["question", "context"])
    contexts = list(dict.fromkeys(table.column("context").to_pylist()))
    return contexts + table.column("question").to_pylist(), str(SAMPLE_XQUAD)


def repeat_to_size(texts: Sequence[str], target_bytes: int) -> tuple[list[str], int]:
    """Cycle ``texts`` until their UTF-8 size reaches ``target_bytes``; return rows and bytes."""
    sizes = [len(t.encode("utf-8")) for t in texts]
    if not texts or sum(sizes) == 0:
        raise SystemExit("no text to benchmark")
    rows: list[str] = []
    total = 0
    i = 0
    while total < target_bytes:
        rows.append(texts[i])
        total += sizes[i]
        i = (i + 1) % len(texts)
    return rows, total


def head_bytes(rows: Sequence[str], target_bytes: int) -> tuple[list[str], int]:
    """The first rows of ``rows`` holding at least ``target_bytes`` (or all of them)."""
    out: list[str] = []
    total = 0
    for row in rows:
        if total >= target_bytes:
            break
        out.append(row)
        total += len(row.encode("utf-8"))
    return out, total


def load_muse_dict(path: Path) -> dict[str, str]:
    """First translation per source word; lines whose target equals the source are skipped."""
    table: dict[str, str] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 2:
                continue
            src, tgt = parts
            if src == tgt:
                continue
            table.setdefault(src.lower(), tgt)
    return table


# -- methods -------------------------------------------------------------------------------------
def python_switch(
    texts: Iterable[str], table: dict[str, str], ratio: float, seed: int
) -> list[str]:
    """Plain-Python code-switching: the reference the C++ core is compared with."""
    rng = random.Random(seed)
    rand = rng.random
    get = table.get
    out: list[str] = []
    for text in texts:
        parts: list[str] = []
        for m in TOKEN_RE.finditer(text):
            tok = m.group()
            if tok[0].isalnum() or tok[0] == "_":
                tgt = get(tok.lower())
                if tgt is not None and rand() < ratio:
                    if len(tok) > 1 and tok.isupper():
                        tgt = tgt.upper()
                    elif tok[0].isupper():
                        tgt = tgt[:1].upper() + tgt[1:]
                    tok = tgt
            parts.append(tok)
        out.append("".join(parts))
    return out


# -- report --------------------------------------------------------------------------------------
def time_pipeline(csgen: ModuleType, arr: pa.Array, lex: Any, args: argparse.Namespace) -> float:
    """Seconds of the job behind ``csgen switch`` on ``arr`` stored as Parquet (best of repeat)."""
    import tempfile

    import pyarrow.parquet as pq

    from csgen.pipeline import SwitchJob, run_switch

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "input.parquet"
        pq.write_table(pa.table({"context": arr}), src, compression="zstd")
        config = csgen.SwitchConfig(ratio=args.ratio, seed=args.seed, threads=2)

        def run() -> None:
            # one worker with 2 threads: the single-shard case (the input is one shard)
            job = SwitchJob(input=src, output_dir=Path(tmp) / "out", columns=("context",),
                            lexicons=(lex,), config=config, workers=1, overwrite=True)
            run_switch(job)

        sec, _ = best_of(run, args.repeat)
    return sec


def format_table(results: list[dict[str, Any]]) -> str:
    """Markdown table: method | MB/s | x utf8_lower | x python loop."""
    base = next(r["mb_s"] for r in results if r["method"] == "utf8_lower")
    py = next(r["mb_s"] for r in results if r["method"] == "python loop")
    lines = ["| method | MB/s | x utf8_lower | x python loop |", "|---|---:|---:|---:|"]
    for r in results:
        name = r["method"] + (f" ({r['note']})" if r.get("note") else "")
        mb_s = r["mb_s"]
        lines.append(f"| {name} | {mb_s:.1f} | {mb_s / base:.3f} | {mb_s / py:.1f} |")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--data", type=Path, default=None, help="SQuAD-format json (default: XQuAD en)")
    p.add_argument("--lexicon", type=Path, default=None, help=f"MUSE file (default: {SHARED_MUSE})")
    p.add_argument("--mb", type=float, default=50.0, help="MB of text in the column (default 50)")
    p.add_argument("--python-mb", type=float, default=2.0, help="MB for python loop (default 2)")
    p.add_argument("--repeat", type=int, default=3, help="runs per method, best kept (default 3)")
    p.add_argument("--ratio", type=float, default=0.5, help="switch ratio (default 0.5)")
    p.add_argument("--seed", type=int, default=1, help="RNG seed (default 1)")
    p.add_argument("--json", type=Path, default=None, help="also write the results to this file")
    p.add_argument("--smoke", action="store_true", help="--mb 1 --python-mb 0.2 --repeat 1")
    args = p.parse_args(argv)
    if args.smoke:
        args.mb, args.python_mb, args.repeat = 1.0, 0.2, 1
    if args.mb <= 0 or args.python_mb <= 0 or args.repeat < 1:
        p.error("--mb and --python-mb must be > 0 and --repeat >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    csgen = import_csgen()

    lexicon_path = args.lexicon or (SHARED_MUSE if SHARED_MUSE.exists() else SAMPLE_MUSE)
    texts, source = load_texts(args.data)
    rows, n_bytes = repeat_to_size(texts, int(args.mb * MB))
    arr = pa.array(rows, type=pa.large_string())
    py_rows, py_bytes = head_bytes(rows, int(args.python_mb * MB))
    del rows

    lex = csgen.Lexicon.from_muse(lexicon_path, lang="de")
    table = load_muse_dict(lexicon_path)
    switchers = {
        n: csgen.Switcher([lex], ratio=args.ratio, seed=args.seed, threads=n) for n in (1, 2)
    }

    results: list[dict[str, Any]] = []

    def record(method: str, seconds: float, nbytes: int, note: str = "") -> None:
        results.append(
            {
                "method": method,
                "seconds": seconds,
                "bytes": nbytes,
                "mb_s": nbytes / MB / seconds,
                "note": note,
            }
        )

    sec, _ = best_of(lambda: pc.utf8_lower(arr), args.repeat)
    record("utf8_lower", sec, n_bytes)
    outputs: dict[int, pa.Array] = {}
    for n, sw in switchers.items():
        sec, out = best_of(lambda sw=sw: sw.switch_array(arr, column="context"), args.repeat)
        outputs[n] = out.text
        record(f"csgen {n} thread" + ("s" if n > 1 else ""), sec, n_bytes)
    sec = time_pipeline(csgen, arr, lex, args)
    record("csgen switch (pipeline)", sec, n_bytes,
           note="read Parquet, switch on 2 threads, write zstd Parquet")
    sec, _ = best_of(lambda: python_switch(py_rows, table, args.ratio, args.seed), args.repeat)
    record("python loop", sec, py_bytes, note=f"on a {py_bytes / MB:.2f} MB slice")

    assert outputs[1].equals(outputs[2]), "csgen output differs between 1 and 2 threads"

    info = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pyarrow": pa.__version__,
        "csgen": csgen.__version__,
        "input_mb": n_bytes / MB,
        "rows": len(arr),
        "data": source,
        "lexicon": str(lexicon_path),
        "ratio": args.ratio,
        "repeat": args.repeat,
    }
    print(format_table(results))
    print()
    print(
        f"machine: {info['cpu_count']} CPUs, {info['platform']}, Python {info['python']}, "
        f"pyarrow {info['pyarrow']}, csgen {info['csgen']}; "
        f"input: {info['input_mb']:.2f} MB, {info['rows']} rows ({source}); "
        f"lexicon: {lexicon_path}; ratio {args.ratio}; best of {args.repeat}; "
        "csgen 1 vs 2 threads: identical output"
    )
    if args.json is not None:
        args.json.write_text(json.dumps({"info": info, "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

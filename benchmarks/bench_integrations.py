"""csgen inside users' tools: HF ``datasets`` and polars, against what they would write.

XQuAD English (question, context) rows (the shared ``xquad.en.json``, else the sample)
repeated to ``--rows`` rows, BL-CS with MUSE en-de (the shared file, else the sample's
slice), ratio 0.5. Best of ``--repeat``, rows/s, each against a reference of the same run:

* ``datasets.map`` + Python loop: ``Dataset.map(batched=True, num_proc=2)`` running the
  plain-Python per-token loop of ``bench_switch`` over both columns (what many users
  write today); the reference of ``csgen.hf.switch`` with ``num_proc`` 1 and 2;
* ``Switcher.switch_table`` on the Arrow table (the engine); the reference of polars'
  ``df.csgen.switch`` and ``lf.csgen.switch`` collected by the streaming engine.

HF's cache is off for every timed ``map`` (``load_from_cache_file=False``, in memory), so
each run computes.

Usage::

    python benchmarks/bench_integrations.py [--rows 20000] [--json out.json]
    python -m benchmarks.bench_integrations --smoke
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

try:  # run as python -m benchmarks.NAME, or as python benchmarks/NAME.py
    from benchmarks._common import SAMPLE, SHARED_MUSE, SHARED_XQUAD, best_of, import_csgen
    from benchmarks.bench_switch import load_muse_dict, python_loop
except ImportError:
    from _common import SAMPLE, SHARED_MUSE, SHARED_XQUAD, best_of, import_csgen
    from bench_switch import load_muse_dict, python_loop

COLUMNS = ["question", "context"]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=20_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--ratio", type=float, default=0.5)
    p.add_argument("--smoke", action="store_true", help="seconds: 600 rows, one repeat")
    p.add_argument("--json", type=Path, default=None, help="write the results here")
    args = p.parse_args(argv)
    if args.smoke:
        args.rows, args.repeat = 600, 1
    return args


def load_rows(csgen: Any, rows: int) -> tuple[pa.Table, str]:
    """``rows`` (question, context) rows of XQuAD English, repeated as needed."""
    if SHARED_XQUAD.is_file():
        from csgen.io.readers import ReadOptions, open_source

        source = open_source(str(SHARED_XQUAD), ReadOptions(format="squad"))
        table = pa.Table.from_batches(list(source.batches()), schema=source.schema)
        origin = str(SHARED_XQUAD)
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(SAMPLE / "xquad-en.parquet")
        origin = str(SAMPLE / "xquad-en.parquet")
    table = table.select(COLUMNS)
    reps = -(-rows // table.num_rows)
    return pa.concat_tables([table] * reps).slice(0, rows).combine_chunks(), origin


def hf_loop(batch: dict[str, list[str]], indices: list[int], *, lexicon: dict[str, str],
            ratio: float) -> dict[str, list[str]]:
    """The user's ``map`` function: the Python loop on each column, seeded per batch."""
    return {c: python_loop(batch[c], [lexicon], ratio, indices[0]) for c in COLUMNS}


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    csgen = import_csgen()
    import datasets
    import polars as pl

    hf = importlib.import_module("csgen.hf")
    importlib.import_module("csgen.polars")  # registers df.csgen / lf.csgen

    datasets.disable_progress_bars()
    muse = SHARED_MUSE if SHARED_MUSE.is_file() and not args.smoke else SAMPLE / "en-de.txt"
    lex = csgen.Lexicon.from_muse(muse)
    lexicon = load_muse_dict(muse)
    table, origin = load_rows(csgen, args.rows)
    mb = sum(table[c].chunk(0).nbytes for c in COLUMNS) / 1e6
    results: list[dict[str, Any]] = []

    def record(method: str, seconds: float, reference: str | None, **extra: Any) -> None:
        results.append({"method": method, "seconds": seconds, "rows_s": args.rows / seconds,
                        "mb_s": mb / seconds, "reference": reference, **extra})

    with tempfile.TemporaryDirectory(prefix="csgen-bench-int-") as tmp:
        os.environ.setdefault("HF_DATASETS_CACHE", tmp)
        ds = datasets.Dataset(table)
        loop = functools.partial(hf_loop, lexicon=lexicon, ratio=args.ratio)
        sec, _ = best_of(lambda: ds.map(loop, batched=True, with_indices=True, num_proc=2,
                                        keep_in_memory=True, load_from_cache_file=False),
                         args.repeat)
        record("datasets.map + Python loop, num_proc=2", sec, None)
        for procs in (1, 2):
            sec, _ = best_of(lambda p=procs: hf.switch(
                ds, [lex], COLUMNS, ratio=args.ratio, seed=1, num_proc=p if p > 1 else None,
                keep_in_memory=True, load_from_cache_file=False), args.repeat)
            record(f"csgen.hf.switch, num_proc={procs}", sec,
                   "datasets.map + Python loop, num_proc=2")
    sw = csgen.Switcher([lex], ratio=args.ratio, seed=1)
    sec, _ = best_of(lambda: sw.switch_table(table, COLUMNS), args.repeat)
    record("Switcher.switch_table (engine)", sec, None)
    frame = pl.from_arrow(table)
    sec, _ = best_of(lambda: frame.csgen.switch([lex], COLUMNS, ratio=args.ratio, seed=1),
                     args.repeat)
    record("polars df.csgen.switch", sec, "Switcher.switch_table (engine)")
    sec, _ = best_of(lambda: frame.lazy().csgen.switch([lex], COLUMNS, ratio=args.ratio,
                                                       seed=1).collect(engine="streaming"),
                     args.repeat)
    record("polars lf.csgen.switch, streaming engine", sec, "Switcher.switch_table (engine)")
    by_name = {r["method"]: r for r in results}
    for r in results:
        ref = by_name.get(r["reference"]) if r["reference"] else None
        r["x_reference"] = ref["seconds"] / r["seconds"] if ref else None
    doc = {"info": {"rows": args.rows, "input_mb": mb, "ratio": args.ratio,
                    "lexicon": str(muse), "rows_source": origin, "repeat": args.repeat,
                    "python": sys.version.split()[0]},
           "results": results}
    for r in results:
        x = f"  x{r['x_reference']:.2f} {r['reference']}" if r["x_reference"] else ""
        print(f"{r['method']:45s} {r['rows_s']:>12,.0f} rows/s {r['mb_s']:8.1f} MB/s{x}")
    if args.json:
        args.json.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

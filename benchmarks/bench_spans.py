"""Cost of span remapping and subword masks, relative to the switching that produced them.

On real text (XQuAD English contexts, else the sample's contexts) repeated to ``--rows``
rows and switched with the MUSE en-de lexicon (the shared one, else the sample) at
``--ratio``, each step is timed (best of ``--repeat``) and reported in rows/s and as a
ratio of its time to the switching time of the same run:

* ``switch``: ``Switcher.switch_array`` (1 thread), the baseline (also in MB/s);
* ``remap_spans_arrow``: one answer-like span per row (1-4 whole words) mapped through
  the ``<col>_switches`` records;
* ``sentencepiece encode``: ``sentencepiece`` batch encoding with byte offsets alone, then
  ``encode_offsets`` (the same plus flattening the per-row lists into arrays and fixing
  byte-fallback pieces);
* ``piece_mask kernel``: the Numba mask assignment (pieces x records) on flat arrays;
* ``subword_view``: all of it, Arrow in, Arrow out.

Numba kernels are warmed up first; the first call's time (compilation or cache load) is
reported apart. The tokenizer is trained on the distinct contexts first (also reported).

Usage::

    python benchmarks/bench_spans.py [--rows 50000] [--repeat 3] [--json out.json]
    python -m benchmarks.bench_spans --smoke
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

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
WORD = re.compile(r"\w+")


def load_contexts() -> tuple[list[str], str]:
    """Distinct XQuAD en contexts (shared data), else those of the sample parquet."""
    if SHARED_XQUAD.exists():
        squad = json.loads(SHARED_XQUAD.read_text(encoding="utf-8"))
        texts = [p["context"] for a in squad["data"] for p in a["paragraphs"]]
        return texts, str(SHARED_XQUAD)
    import pyarrow.parquet as pq

    table = pq.read_table(SAMPLE_XQUAD, columns=["context"])
    return list(dict.fromkeys(table.column("context").to_pylist())), str(SAMPLE_XQUAD)


def answer_span(text: str, k: int) -> tuple[int, int]:
    """Byte span of 1-4 whole words (word index and length picked from ``k``)."""
    words = [m.span() for m in WORD.finditer(text)]
    if not words:
        return 0, 0
    i = (k * 7919) % len(words)
    j = min(len(words), i + 1 + k % 4)
    start, end = words[i][0], words[j - 1][1]
    a = len(text[:start].encode("utf-8"))
    return a, a + len(text[start:end].encode("utf-8"))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--rows", type=int, default=50_000, help="rows of text (default 50000)")
    p.add_argument("--repeat", type=int, default=3, help="runs per step, best kept (default 3)")
    p.add_argument("--ratio", type=float, default=0.5, help="switch ratio (default 0.5)")
    p.add_argument("--seed", type=int, default=1, help="RNG seed (default 1)")
    p.add_argument("--vocab", type=int, default=4000, help="tokenizer vocab size (default 4000)")
    p.add_argument("--threads", type=int, default=1,
                   help="sentencepiece encoding threads (default 1, like the switch)")
    p.add_argument("--json", type=Path, default=None, help="also write the results to this file")
    p.add_argument("--smoke", action="store_true", help="--rows 2000 --repeat 1 --vocab 1000")
    args = p.parse_args(argv)
    if args.smoke:
        args.rows, args.repeat, args.vocab = 2000, 1, 1000
    if args.rows < 1 or args.repeat < 1:
        p.error("--rows and --repeat must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    csgen = import_csgen()
    import sentencepiece as spm

    from csgen import spans as S
    from csgen import subword as W

    contexts, source = load_contexts()
    lexicon_path = SHARED_MUSE if SHARED_MUSE.exists() else SAMPLE_MUSE
    rows = [contexts[i % len(contexts)] for i in range(args.rows)]
    arr = pa.array(rows, pa.large_string())
    n_bytes = sum(len(t.encode("utf-8")) for t in rows)
    span_list = [[dict(zip(("start", "end"), answer_span(t, i), strict=True))]
                 for i, t in enumerate(rows)]
    spans = pa.array(span_list, pa.list_(pa.struct([("start", pa.int32()),
                                                    ("end", pa.int32())])))
    del rows, span_list

    lex = csgen.Lexicon.from_muse(lexicon_path, lang="de")
    sw = csgen.Switcher([lex], ratio=args.ratio, seed=args.seed, threads=1)
    switch_s, out = best_of(lambda: sw.switch_array(arr, column="context"), args.repeat)
    text, switches = out.text, out.switches

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        model = W.train_tokenizer(contexts, Path(tmp) / "bench", vocab_size=args.vocab,
                                  hard_vocab_limit=False)
        train_s = time.perf_counter() - t0
        sp = spm.SentencePieceProcessor(model_file=str(model))

    # first calls: Numba compilation (or loading its cache), on one row
    t0 = time.perf_counter()
    S.remap_spans_arrow(spans.slice(0, 1), switches.slice(0, 1))
    first_remap = time.perf_counter() - t0
    t0 = time.perf_counter()
    W.subword_view(text.slice(0, 1), switches.slice(0, 1), sp, langs=["de"])
    first_view = time.perf_counter() - t0

    results: list[dict[str, Any]] = []

    def record(step: str, seconds: float, note: str = "", first_call: float | None = None):
        results.append({
            "step": step, "seconds": seconds, "rows_s": args.rows / seconds,
            "mb_s": n_bytes / MB / seconds, "x_switch": seconds / switch_s,
            "first_call_s": first_call, "note": note,
        })

    record("switch", switch_s, note="Switcher.switch_array, 1 thread")
    sec, (_, status) = best_of(lambda: S.remap_spans_arrow(spans, switches), args.repeat)
    n_ok = int((status.values.to_numpy() == S.OK).sum())
    record("remap_spans_arrow", sec, first_call=first_remap,
           note=f"1 span/row, {n_ok / args.rows:.1%} mappable")
    rows_out = text.to_pylist()
    sec, _ = best_of(lambda: sp.encode(rows_out, out_type="offset_mapping", return_bytes=True,
                                       num_threads=args.threads), args.repeat)
    record("sentencepiece encode", sec, note="batch offset_mapping, per-row lists")
    sec, enc = best_of(lambda: W.encode_offsets(text, sp, num_threads=args.threads),
                       args.repeat)
    record("encode_offsets", sec, note="+ flatten to arrays, byte-fallback fix")
    p_off, _, begins, ends = enc
    rec_off = np.asarray(switches.offsets, np.int64)
    ds = switches.values.field("dst_start").to_numpy()
    de = switches.values.field("dst_end").to_numpy()
    rec_lang = W.record_langs(switches, ["de"])
    sec, _ = best_of(lambda: W.piece_mask(p_off, begins, ends, rec_off, ds, de, rec_lang),
                     args.repeat)
    record("piece_mask kernel", sec, first_call=first_view,
           note=f"{len(begins) / args.rows:.0f} pieces/row")
    sec, _ = best_of(lambda: W.subword_view(text, switches, sp, langs=["de"],
                                            num_threads=args.threads), args.repeat)
    record("subword_view", sec, note="Arrow in, Arrow out")

    info = {
        "cpu_count": os.cpu_count(), "platform": platform.platform(),
        "python": platform.python_version(), "pyarrow": pa.__version__,
        "sentencepiece": spm.__version__, "csgen": csgen.__version__,
        "rows": args.rows, "input_mb": n_bytes / MB, "data": source,
        "lexicon": str(lexicon_path), "ratio": args.ratio, "repeat": args.repeat,
        "vocab": args.vocab, "threads": args.threads, "train_s": train_s,
        "switches_per_row": len(switches.values) / args.rows,
    }
    lines = ["| step | seconds | rows/s | x switch time | first call s | note |",
             "|---|---:|---:|---:|---:|---|"]
    for r in results:
        first = "" if r["first_call_s"] is None else f"{r['first_call_s']:.3f}"
        lines.append(f"| {r['step']} | {r['seconds']:.4f} | {r['rows_s']:,.0f} | "
                     f"{r['x_switch']:.3f} | {first} | {r['note']} |")
    print("\n".join(lines))
    print()
    print(f"switch: {results[0]['mb_s']:.1f} MB/s; machine: {info['cpu_count']} CPUs, "
          f"{info['platform']}, Python {info['python']}, sentencepiece {spm.__version__}; "
          f"input: {args.rows} rows, {n_bytes / MB:.2f} MB ({source}); lexicon: "
          f"{lexicon_path}; ratio {args.ratio}; {info['switches_per_row']:.1f} switches/row; "
          f"tokenizer: {args.vocab} pieces, trained in {train_s:.2f} s; best of {args.repeat}")
    if args.json is not None:
        args.json.write_text(json.dumps({"info": info, "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

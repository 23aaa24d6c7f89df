"""Throughput benchmark: csgen code-switching against one-pass, Rust, Python and HF references.

Every method runs on the same ``large_string`` column (XQuAD English contexts and
questions, repeated until it holds ``--mb`` MB of UTF-8 text) and is reported in MB/s of
input bytes (1 MB = 10**6 bytes) and tokens/s (words as csgen segments them), each the
best of ``--repeat`` runs, and as a ratio against ``utf8_lower`` and against the Python
loop of the same mode and ratio, both measured in this run:

* ``utf8_lower``: ``pyarrow.compute.utf8_lower``, one pass over the bytes: the floor;
* ``csgen N thread(s)``: ``Switcher.switch_array`` for every ratio of ``--ratios``, BL-CS
  (MUSE en-de) and ML-CS (``--ml-langs``, a language drawn per word), every thread
  count of ``--threads``; the outputs of all thread counts are checked to be identical;
* ``csgen switch (pipeline)``: the job behind the CLI on the column stored as Parquet:
  read, switch (2 threads), write zstd Parquet (BL-CS, ``--ratio``);
* ``polars replace_many``: ``str.replace_many`` (Aho-Corasick, leftmost-first) with the
  same lexicon's (source -> first target) pairs. Different semantics: substrings, no word
  boundaries, no case handling, every match replaced (so filed under ratio 1.0): an upper
  bound of what a fast Rust replacer does, not the same output;
* ``datasets.map num_proc=2``: HF ``Dataset.map(batched=True, num_proc=2)`` of the Python
  loop (what many users write today), on a slice of about ``--hf-mb`` MB, in memory
  (``keep_in_memory``; no cache file is written);
* ``python loop``: the same algorithm in plain Python (regex tokenizer, dict lookup,
  ``random.random() < ratio``, ML-CS: a language drawn uniformly per attempt, case carried
  over), timed on a slice of about ``--python-mb`` MB, per mode and ratio.

The size sweep (``scaling`` in the JSON) times ``csgen`` at ``--ratio`` BL-CS on the first
``--size-fractions`` of the column with every thread count: the cost per byte should be
flat. With ``--big-mb`` (e.g. 1000; off by default), a second column of that size is timed
at ``--ratio`` BL-CS on 1 and 2 threads (``big`` in the JSON; 1000 MB needs about 7 GB of
memory).

Every csgen row keeps the time of each of the ``--repeat`` runs (``mb_s_runs``): MB/s is the
best, and the spread is shown beside it. ``targets`` in the JSON (and its table) holds the
engine's goals, each a ratio of two figures of this run: BL-CS on one thread at least 0.2x
``utf8_lower``; ML-CS at least 0.75x BL-CS at the same ratio (one thread); two threads at
least 1.85x one thread (BL-CS at ``--ratio``, on the column and on the ``--big-mb`` one).

Usage::

    python benchmarks/bench_switch.py [--mb 50] [--repeat 3] [--json out.json]
    python -m benchmarks.bench_switch --smoke
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import random
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

try:  # run as python -m benchmarks.NAME, or as python benchmarks/NAME.py
    from benchmarks._common import (
        ML_LANGS,
        SAMPLE_MUSE,
        SAMPLE_XQUAD,
        SHARED_MUSE,
        SHARED_XQUAD,
        best_of,
        import_csgen,
        muse_path,
    )
except ImportError:
    from _common import (
        ML_LANGS,
        SAMPLE_MUSE,
        SAMPLE_XQUAD,
        SHARED_MUSE,
        SHARED_XQUAD,
        best_of,
        import_csgen,
        muse_path,
    )

MB = 1_000_000
BL, ML = "BL-CS", "ML-CS"

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
def _carry_case(tok: str, tgt: str) -> str:
    if len(tok) > 1 and tok.isupper():
        return tgt.upper()
    if tok[0].isupper():
        return tgt[:1].upper() + tgt[1:]
    return tgt


def python_switch(
    texts: Iterable[str], table: dict[str, str], ratio: float, seed: int
) -> list[str]:
    """Plain-Python code-switching (BL-CS): the reference the C++ core is compared with."""
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
                    tok = _carry_case(tok, tgt)
            parts.append(tok)
        out.append("".join(parts))
    return out


def python_switch_multi(
    texts: Iterable[str], tables: Sequence[dict[str, str]], ratio: float, seed: int
) -> list[str]:
    """Plain-Python ML-CS: per word, attempt with probability ``ratio``, draw a language
    uniformly, look the word up in it (csgen's ``lang_sampling="uniform"``: the same
    distribution of outputs, with one lookup per attempt instead of one per language)."""
    rng = random.Random(seed)
    rand = rng.random
    gets = [t.get for t in tables]
    k = len(gets)
    out: list[str] = []
    for text in texts:
        parts: list[str] = []
        for m in TOKEN_RE.finditer(text):
            tok = m.group()
            if (tok[0].isalnum() or tok[0] == "_") and rand() < ratio:
                tgt = gets[int(rand() * k)](tok.lower())
                if tgt is not None:
                    tok = _carry_case(tok, tgt)
            parts.append(tok)
        out.append("".join(parts))
    return out


def python_loop(
    texts: Iterable[str], tables: Sequence[dict[str, str]], ratio: float, seed: int
) -> list[str]:
    """BL-CS with one table, ML-CS with several."""
    if len(tables) == 1:
        return python_switch(texts, tables[0], ratio, seed)
    return python_switch_multi(texts, tables, ratio, seed)


def hf_batch(
    batch: dict[str, list[str]], indices: list[int], *, tables: Sequence[dict[str, str]],
    ratio: float, seed: int,
) -> dict[str, list[str]]:
    """``datasets.map(batched=True, with_indices=True)`` function: the Python loop, seeded
    per batch by its first row so batches differ."""
    return {"text": python_loop(batch["text"], tables, ratio, seed * 1_000_003 + indices[0])}


def time_hf_map(rows: list[str], tables: Sequence[dict[str, str]], ratio: float, seed: int,
                repeat: int) -> float:
    """Best seconds of ``Dataset.map(python loop, batched=True, num_proc=2)`` on ``rows``.

    The dataset is built from a Python dict (in memory) and mapped with
    ``keep_in_memory=True``; ``HF_DATASETS_CACHE`` points at a temporary directory (unless
    set) so nothing lands in the user's cache or the repository.
    """
    with tempfile.TemporaryDirectory(prefix="csgen-bench-hf-") as tmp:
        os.environ.setdefault("HF_DATASETS_CACHE", tmp)
        os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
        import datasets

        datasets.disable_progress_bars()  # bars on stderr would bury the table
        ds = datasets.Dataset.from_dict({"text": rows})
        fn = functools.partial(hf_batch, tables=tables, ratio=ratio, seed=seed)

        def run() -> Any:
            return ds.map(fn, batched=True, with_indices=True, num_proc=2,
                          keep_in_memory=True, load_from_cache_file=False)

        sec, out = best_of(run, repeat)
        assert len(out) == len(rows)
    return sec


def time_polars(arr: pa.Array, table: dict[str, str], repeat: int) -> tuple[float, str]:
    """Best seconds of polars ``str.replace_many`` (leftmost-first) with ``table``'s pairs."""
    import polars as pl

    series = pl.Series("text", arr)  # converted once, outside the timing
    keys, values = list(table), list(table.values())
    try:
        series.str.replace_many(keys[:1], values[:1], leftmost=True)
        options: dict[str, Any] = {"leftmost": True}
    except TypeError:  # polars before 1.18 has no leftmost; its default is leftmost-first
        options = {}
    sec, _ = best_of(lambda: series.str.replace_many(keys, values, **options), repeat)
    return sec, pl.__version__


def time_pipeline(csgen: ModuleType, arr: pa.Array, lex: Any, args: argparse.Namespace) -> float:
    """Seconds of the job behind ``csgen switch`` on ``arr`` stored as Parquet (best of repeat)."""
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


def timed_runs(fn: Any, repeat: int) -> tuple[list[float], Any]:
    """Wall seconds of each of ``repeat`` calls of ``fn`` and the last result."""
    import time

    runs: list[float] = []
    result: Any = None
    for _ in range(repeat):
        result = None  # free the previous output before the next run
        t0 = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t0)
    return runs, result


def time_big(csgen: ModuleType, texts: Sequence[str], lexicon: Any, args: argparse.Namespace,
             ) -> list[dict[str, Any]]:
    """BL-CS at ``--ratio`` on a ``--big-mb`` column, 1 and 2 threads, outputs compared."""
    rows, n_bytes = repeat_to_size(texts, int(args.big_mb * MB))
    arr = pa.array(rows, type=pa.large_string())
    del rows
    out: list[dict[str, Any]] = []
    first: pa.Array | None = None
    for n in (1, 2):
        sw = csgen.Switcher([lexicon], ratio=args.ratio, seed=args.seed, threads=n)
        runs, res = timed_runs(lambda sw=sw: sw.switch_array(arr, column="context"), args.repeat)
        if first is None:
            first = res.text
        else:
            assert res.text.equals(first), "--big-mb: output differs between 1 and 2 threads"
        del res
        out.append({"method": f"csgen {n} thread" + ("s" if n > 1 else ""), "mode": BL,
                    "ratio": args.ratio, "threads": n, "bytes": n_bytes, "rows": len(arr),
                    "seconds": min(runs), "mb_s": n_bytes / MB / min(runs),
                    "mb_s_runs": [n_bytes / MB / s for s in runs]})
    return out


def _median(xs: Sequence[float]) -> float:
    s = sorted(xs)
    return (s[(len(s) - 1) // 2] + s[len(s) // 2]) / 2


def targets(results: list[dict[str, Any]], big: list[dict[str, Any]], ratios: Sequence[float],
            main_ratio: float, input_mb: float) -> list[dict[str, Any]]:
    """The engine's goals, each a ratio of two figures of this run: best against best, and
    median against median of the runs (a noisy machine shows in the gap)."""
    engine = {(r["mode"], r["ratio"], r["threads"]): r for r in results
              if r["method"].startswith("csgen ") and "thread" in r["method"]}
    lower = next(r for r in results if r["method"] == "utf8_lower")
    out: list[dict[str, Any]] = []

    def add(name: str, ratio: float, num: dict[str, Any], den: dict[str, Any], goal: float,
            ) -> None:
        value = num["mb_s"] / den["mb_s"]
        runs_num, runs_den = num.get("mb_s_runs") or [], den.get("mb_s_runs") or []
        median = (_median(runs_num) / _median(runs_den)) if runs_num and runs_den else value
        out.append({"target": name, "ratio": ratio, "value": value, "value_median": median,
                    "goal": goal, "met": value >= goal})

    for ratio in ratios:
        bl1, ml1 = engine.get((BL, ratio, 1)), engine.get((ML, ratio, 1))
        if bl1:
            add("BL-CS, 1 thread, x utf8_lower", ratio, bl1, lower, 0.2)
        if bl1 and ml1:
            add("ML-CS / BL-CS, 1 thread", ratio, ml1, bl1, 0.75)
    bl1, bl2 = engine.get((BL, main_ratio, 1)), engine.get((BL, main_ratio, 2))
    if bl1 and bl2:
        add(f"BL-CS, 2 threads / 1 thread, {input_mb:,.0f} MB", main_ratio, bl2, bl1, 1.85)
    by_threads = {r["threads"]: r for r in big}
    if 1 in by_threads and 2 in by_threads:
        add(f"BL-CS, 2 threads / 1 thread, {by_threads[1]['bytes'] / MB:,.0f} MB", main_ratio,
            by_threads[2], by_threads[1], 1.85)
    return out


def format_targets(rows: list[dict[str, Any]]) -> str:
    """Markdown table of targets()."""
    lines = ["| target | ratio | value | value (medians) | goal | met |",
             "|---|---:|---:|---:|---:|---|"]
    for t in rows:
        lines.append(f"| {t['target']} | {t['ratio']:g} | {t['value']:.3f} | "
                     f"{t['value_median']:.3f} | {t['goal']:g} | "
                     f"{'yes' if t['met'] else 'no'} |")
    return "\n".join(lines)


# -- report --------------------------------------------------------------------------------------
def add_ratios(results: list[dict[str, Any]], main_ratio: float) -> None:
    """Set ``x_utf8_lower`` and ``x_python_loop`` (MB/s over the reference's MB/s) on every
    row; the Python loop of the row's mode and ratio, else BL-CS at ``main_ratio``."""
    base = next(r["mb_s"] for r in results if r["method"] == "utf8_lower")
    loops = {(r["mode"], r["ratio"]): r["mb_s"] for r in results if r["method"] == "python loop"}
    fallback = loops.get((BL, main_ratio))
    for r in results:
        r["x_utf8_lower"] = r["mb_s"] / base
        py = loops.get((r["mode"], r["ratio"]), fallback)
        r["x_python_loop"] = None if py is None else r["mb_s"] / py


def method_label(r: dict[str, Any]) -> str:
    """``method`` plus its note, for tables."""
    return r["method"] + (f" ({r['note']})" if r.get("note") else "")


def format_table(results: list[dict[str, Any]]) -> str:
    """Markdown table: method | mode | ratio | MB/s | M tokens/s | x utf8_lower | x python loop."""
    lines = ["| method | mode | ratio | MB/s | M tokens/s | x utf8_lower | x python loop |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for r in results:
        ratio = "" if r["ratio"] is None else f"{r['ratio']:g}"
        x_py = "" if r["x_python_loop"] is None else f"{r['x_python_loop']:.1f}"
        lines.append(f"| {method_label(r)} | {r['mode'] or ''} | {ratio} | {r['mb_s']:.1f} | "
                     f"{r['tokens_s'] / 1e6:.2f} | {r['x_utf8_lower']:.3f} | {x_py} |")
    return "\n".join(lines)


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--data", type=Path, default=None, help="SQuAD-format json (default: XQuAD en)")
    p.add_argument("--lexicon", type=Path, default=None,
                   help=f"BL-CS MUSE file (default: {SHARED_MUSE})")
    p.add_argument("--ml-langs", default=",".join(ML_LANGS),
                   help="ML-CS languages, MUSE en-LANG.txt each (default de,ar,ru,es,zh,vi)")
    p.add_argument("--mb", type=float, default=50.0, help="MB of text in the column (default 50)")
    p.add_argument("--python-mb", type=float, default=2.0, help="MB for python loop (default 2)")
    p.add_argument("--hf-mb", type=float, default=10.0,
                   help="MB for datasets.map (default 10: its process pool start-up amortised)")
    p.add_argument("--repeat", type=int, default=3, help="runs per method, best kept (default 3)")
    p.add_argument("--ratio", type=float, default=0.5,
                   help="ratio of the references and the size sweep (default 0.5)")
    p.add_argument("--ratios", default="0.25,0.5,1.0", help="ratio grid (default 0.25,0.5,1.0)")
    p.add_argument("--threads", default="1,2", help="thread counts (default 1,2)")
    p.add_argument("--size-fractions", default="0.125,0.25,0.5,1",
                   help="size sweep: shares of the column (default 0.125,0.25,0.5,1)")
    p.add_argument("--skip", default="",
                   help="references to leave out: polars,datasets,pipeline (comma-separated)")
    p.add_argument("--seed", type=int, default=1, help="RNG seed (default 1)")
    p.add_argument("--big-mb", type=float, default=0.0,
                   help="also time a column of this many MB on 1 and 2 threads (BL-CS, "
                        "--ratio), e.g. 1000; 0 (default) leaves it out")
    p.add_argument("--json", type=Path, default=None, help="also write the results to this file")
    p.add_argument("--smoke", action="store_true",
                   help="--mb 1 --python-mb 0.2 --hf-mb 0.2 --repeat 1")
    args = p.parse_args(argv)
    if args.smoke:
        args.mb, args.python_mb, args.hf_mb, args.repeat = 1.0, 0.2, 0.2, 1
    args.ratios = sorted(set(_floats(args.ratios)) | {args.ratio})
    args.threads = sorted({int(x) for x in args.threads.split(",") if x.strip()})
    args.size_fractions = sorted(set(_floats(args.size_fractions)))
    args.ml_langs = [x.strip() for x in args.ml_langs.split(",") if x.strip()]
    args.skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    if args.mb <= 0 or args.python_mb <= 0 or args.hf_mb <= 0 or args.repeat < 1:
        p.error("--mb, --python-mb and --hf-mb must be > 0 and --repeat >= 1")
    if args.big_mb < 0:
        p.error("--big-mb must be >= 0")
    if not all(0 <= r <= 1 for r in args.ratios) or not args.threads or min(args.threads) < 1:
        p.error("ratios must lie in [0, 1] and thread counts be >= 1")
    if not args.size_fractions or not all(0 < f <= 1 for f in args.size_fractions):
        p.error("--size-fractions must lie in (0, 1]")
    if args.skip - {"polars", "datasets", "pipeline"}:
        p.error(f"--skip: unknown {', '.join(sorted(args.skip))}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    csgen = import_csgen()

    bl_path = args.lexicon or (SHARED_MUSE if SHARED_MUSE.exists() else SAMPLE_MUSE)
    bl_lang = bl_path.stem.split(".")[0].rpartition("-")[2] or "de"
    ml_paths = {lang: muse_path(lang) for lang in args.ml_langs}
    missing = sorted(lang for lang, path in ml_paths.items() if path is None)
    ml_paths = {lang: path for lang, path in ml_paths.items() if path is not None}
    if len(ml_paths) < 2:
        raise SystemExit(f"ML-CS needs two MUSE files or more; found {sorted(ml_paths)}")

    texts, source = load_texts(args.data)
    rows, n_bytes = repeat_to_size(texts, int(args.mb * MB))
    arr = pa.array(rows, type=pa.large_string())
    py_rows, py_bytes = head_bytes(rows, int(args.python_mb * MB))
    hf_rows, hf_bytes = head_bytes(rows, int(args.hf_mb * MB))
    del rows

    lexicons = {BL: [csgen.Lexicon.from_muse(bl_path, lang=bl_lang)],
                ML: [csgen.Lexicon.from_muse(p, lang=lang) for lang, p in ml_paths.items()]}
    tables = {BL: [load_muse_dict(bl_path)], ML: [load_muse_dict(p) for p in ml_paths.values()]}

    results: list[dict[str, Any]] = []
    words_prefix: np.ndarray | None = None  # cumulative words per row, from csgen's counts

    def words(n_rows: int) -> int:
        assert words_prefix is not None
        return int(words_prefix[n_rows - 1]) if n_rows else 0

    def record(method: str, seconds: float, nbytes: int, n_rows: int, *, mode: str | None,
               ratio: float | None, threads: int | None = None, note: str = "",
               runs: Sequence[float] = ()) -> None:
        results.append({
            "method": method, "mode": mode, "ratio": ratio, "threads": threads,
            "seconds": seconds, "bytes": nbytes, "rows": n_rows, "words": words(n_rows),
            "mb_s": nbytes / MB / seconds, "tokens_s": words(n_rows) / seconds, "note": note,
            "mb_s_runs": [nbytes / MB / s for s in runs],
        })

    # The grid: BL-CS and ML-CS, every ratio and thread count; outputs checked identical
    # across thread counts (the engine's promise), then dropped to keep memory flat.
    grid_rows: list[tuple[str, float, int, list[float]]] = []
    for mode in (BL, ML):
        for ratio in args.ratios:
            first: pa.Array | None = None
            for n in args.threads:
                sw = csgen.Switcher(lexicons[mode], ratio=ratio, seed=args.seed, threads=n)
                runs, out = timed_runs(lambda sw=sw: sw.switch_array(arr, column="context"),
                                       args.repeat)
                if words_prefix is None:
                    words_prefix = np.cumsum(out.n_words, dtype=np.int64)
                if first is None:
                    first = out.text
                else:
                    assert out.text.equals(first), f"{mode} {ratio}: output differs, {n} threads"
                grid_rows.append((mode, ratio, n, runs))
                del out
            del first
    runs, _ = timed_runs(lambda: pc.utf8_lower(arr), args.repeat)
    record("utf8_lower", min(runs), n_bytes, len(arr), mode=None, ratio=None,
           note="one pass over the bytes, the floor", runs=runs)
    for mode, ratio, n, runs in grid_rows:
        record(f"csgen {n} thread" + ("s" if n > 1 else ""), min(runs), n_bytes, len(arr),
               mode=mode, ratio=ratio, threads=n, runs=runs)

    skipped: dict[str, str] = {}
    if "pipeline" in args.skip:
        skipped["csgen switch (pipeline)"] = "--skip"
    else:
        sec = time_pipeline(csgen, arr, lexicons[BL][0], args)
        record("csgen switch (pipeline)", sec, n_bytes, len(arr), mode=BL, ratio=args.ratio,
               threads=2, note="read Parquet, switch on 2 threads, write zstd Parquet")
    polars_version = None
    if "polars" in args.skip:
        skipped["polars replace_many"] = "--skip"
    else:
        try:
            sec, polars_version = time_polars(arr, tables[BL][0], args.repeat)
        except ImportError as e:
            skipped["polars replace_many"] = f"not installed ({e})"
        else:
            record("polars replace_many", sec, n_bytes, len(arr), mode=BL, ratio=1.0,
                   note="substring replacement of every match (so against the loop at "
                        "ratio 1), no word boundaries, no probability: different semantics")
    if "datasets" in args.skip:
        skipped["datasets.map num_proc=2"] = "--skip"
    else:
        try:
            sec = time_hf_map(hf_rows, tables[BL], args.ratio, args.seed, args.repeat)
        except ImportError as e:
            skipped["datasets.map num_proc=2"] = f"not installed ({e})"
        else:
            record("datasets.map num_proc=2", sec, hf_bytes, len(hf_rows), mode=BL,
                   ratio=args.ratio, threads=2,
                   note=f"python loop, batched, on a {hf_bytes / MB:.2f} MB slice")
    del hf_rows
    for mode in (BL, ML):
        for ratio in args.ratios:
            sec, _ = best_of(lambda m=mode, r=ratio: python_loop(py_rows, tables[m], r, args.seed),
                             args.repeat)
            record("python loop", sec, py_bytes, len(py_rows), mode=mode, ratio=ratio,
                   threads=1, note=f"on a {py_bytes / MB:.2f} MB slice")
    add_ratios(results, args.ratio)

    # Size sweep: the first share of the column (rows repeat, so the text is alike).
    scaling: list[dict[str, Any]] = []
    lengths = pc.binary_length(arr).to_numpy().astype(np.int64)
    for n in args.threads:
        sw = csgen.Switcher(lexicons[BL], ratio=args.ratio, seed=args.seed, threads=n)
        for frac in args.size_fractions:
            k = max(1, round(len(arr) * frac))
            part = arr.slice(0, k)
            sec, _ = best_of(lambda sw=sw, part=part: sw.switch_array(part, column="context"),
                             args.repeat)
            nb = int(lengths[:k].sum())
            scaling.append({"method": "csgen", "mode": BL, "ratio": args.ratio, "threads": n,
                            "fraction": frac, "rows": k, "bytes": nb, "seconds": sec,
                            "mb_s": nb / MB / sec})

    big = time_big(csgen, texts, lexicons[BL][0], args) if args.big_mb > 0 else []
    goals = targets(results, big, args.ratios, args.ratio, n_bytes / MB)

    info = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pyarrow": pa.__version__,
        "polars": polars_version,
        "csgen": csgen.__version__,
        "input_mb": n_bytes / MB,
        "rows": len(arr),
        "words": words(len(arr)),
        "data": source,
        "lexicon": str(bl_path),
        "ml_lexicons": {lang: str(p) for lang, p in ml_paths.items()},
        "ml_langs_missing": missing,
        "ratio": args.ratio,
        "ratios": args.ratios,
        "threads": args.threads,
        "repeat": args.repeat,
        "python_mb": py_bytes / MB,
        "big_mb": args.big_mb,
        "hf_mb": hf_bytes / MB,
        "skipped": skipped,
        "tokens": "words as csgen segments them (numbers, punctuation and spaces excluded)",
    }
    print(format_table(results))
    print()
    print(format_targets(goals))
    print()
    print(
        f"machine: {info['cpu_count']} CPUs, {info['platform']}, Python {info['python']}, "
        f"pyarrow {info['pyarrow']}, csgen {info['csgen']}; "
        f"input: {info['input_mb']:.2f} MB, {info['rows']} rows, {info['words']} words "
        f"({source}); BL-CS: {bl_path}; ML-CS: {', '.join(ml_paths)}"
        + (f" (missing: {', '.join(missing)})" if missing else "")
        + f"; best of {args.repeat}; csgen output identical across {args.threads} threads"
    )
    for name, why in skipped.items():
        print(f"skipped {name}: {why}")
    if args.json is not None:
        doc = {"info": info, "results": results, "scaling": scaling, "big": big,
               "targets": goals}
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

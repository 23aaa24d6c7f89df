"""Lexicon benchmark: MUSE compile, ``.csglex`` save/load, exact CSLS induction.

Reported as a Markdown table, each row the best of ``--repeat`` runs (induction
sizes of 50k words and more run once):

* ``read MUSE into a Python dict``: the reference, ``bench_switch.load_muse_dict`` (first
  target per source, what a plain-Python switcher starts from);
* ``compile MUSE``: ``read_pairs`` of MUSE en-de (``../shared/data/muse/en-de.txt``,
  else ``examples/sample/en-de.txt``): C++ parse and compiled index;
* ``save .csglex`` / ``load .csglex``: ``csgen.lexicon.store.save`` / ``load``
  (load maps the file, verifies the checksum and builds the index);
* ``read .vec``: ``read_vec`` of the real word2vec files, when present;
* ``induce CSLS top-1``: ``induce(method="csls")`` (retrieval, then the
  lexicon) for N source x N target random float32 unit vectors of ``--dim``
  dimensions, per backend: numpy, torch CPU, torch CUDA (when available).
  All backends must give the same entries.

``--chunk-sweep 1024,2048,4096,8192`` times CSLS on every backend at
``--sweep-words`` words for each chunk size, to pick one.

Usage::

    python benchmarks/bench_lexicon.py [--max-words 50000] [--json out.json]
    python benchmarks/bench_lexicon.py --smoke
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

try:  # run as python -m benchmarks.NAME, or as python benchmarks/NAME.py
    from benchmarks._common import (
        SAMPLE_MUSE,
        SHARED,
        SHARED_MUSE,
        best_of,
        import_csgen,
    )
    from benchmarks.bench_switch import load_muse_dict
except ImportError:
    from _common import (
        SAMPLE_MUSE,
        SHARED,
        SHARED_MUSE,
        best_of,
        import_csgen,
    )
    from bench_switch import load_muse_dict

SHARED_VEC = SHARED / "embeddings" / "ubilexat-es-en"
SIZES = (20_000, 50_000, 200_000)


def backends() -> list[tuple[str, dict[str, str]]]:
    """(label, retrieve options) of every backend this machine has."""
    out = [("numpy", {"backend": "numpy", "device": "cpu"})]
    try:
        import torch
    except ImportError:
        return out
    out.append((f"torch CPU ({torch.get_num_threads()} threads)",
                {"backend": "torch", "device": "cpu"}))
    if torch.cuda.is_available():
        out.append((f"torch CUDA ({torch.cuda.get_device_name()})",
                    {"backend": "torch", "device": "cuda"}))
    return out


def unit_vectors(n: int, dim: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def format_table(results: list[dict[str, Any]]) -> str:
    lines = ["| task | backend | size | seconds | note |", "|---|---|---:|---:|---|"]
    for r in results:
        lines.append(f"| {r['task']} | {r['backend']} | {r['size']} | {r['seconds']:.3f} | "
                     f"{r.get('note', '')} |")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--lexicon", type=Path, default=None, help=f"MUSE file (default: {SHARED_MUSE})")
    p.add_argument("--sizes", default=",".join(map(str, SIZES)),
                   help="induction sizes, words per side (default 20000,50000,200000)")
    p.add_argument("--max-words", type=int, default=None, help="skip induction sizes above this")
    p.add_argument("--dim", type=int, default=300, help="vector dimensions (default 300)")
    p.add_argument("--chunk-size", type=int, default=4096, help="retrieve chunk (default 4096)")
    p.add_argument("--chunk-sweep", default="", help="chunk sizes to compare, e.g. 1024,4096")
    p.add_argument("--sweep-words", type=int, default=50_000, help="words for --chunk-sweep")
    p.add_argument("--backends", default="", help="only these (numpy,torch-cpu,torch-cuda)")
    p.add_argument("--repeat", type=int, default=3, help="runs per step, best kept (default 3)")
    p.add_argument("--json", type=Path, default=None, help="also write the results to this file")
    p.add_argument("--smoke", action="store_true",
                   help="seconds-long run: sizes 2000, 64 dimensions, one repeat")
    args = p.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.chunk_sweep = [int(s) for s in args.chunk_sweep.split(",") if s]
    if args.smoke:
        args.sizes, args.dim, args.repeat = [2000], 64, 1
        args.chunk_sweep, args.sweep_words = ([256, 1024] if args.chunk_sweep else []), 2000
    if args.max_words is not None:
        args.sizes = [n for n in args.sizes if n <= args.max_words]
    if args.repeat < 1 or args.dim < 1 or args.chunk_size < 1:
        p.error("--repeat, --dim and --chunk-size must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    csgen = import_csgen()
    from csgen.lexicon import store
    from csgen.lexicon.formats import read_pairs
    from csgen.lexicon.induce import Embeddings, induce, read_vec

    results: list[dict[str, Any]] = []

    def record(task: str, backend: str, size: Any, seconds: float, note: str = "") -> None:
        results.append({"task": task, "backend": backend, "size": size, "seconds": seconds,
                        "note": note})

    # (a), (b): MUSE compile, .csglex save and load
    muse = args.lexicon or (SHARED_MUSE if SHARED_MUSE.exists() else SAMPLE_MUSE)
    sec, table = best_of(lambda: load_muse_dict(muse), args.repeat)
    record("read MUSE into a Python dict", "Python", f"{len(table)} sources", sec, muse.name)
    sec, lex = best_of(lambda: read_pairs(muse), args.repeat)
    record("compile MUSE", "C++", f"{len(lex)} entries", sec, muse.name)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "en-de.csglex"
        sec, _ = best_of(lambda: store.save(lex, path), args.repeat)
        size = path.stat().st_size
        record("save .csglex", "C++/Arrow", f"{len(lex)} entries", sec, f"{size / 1e6:.1f} MB")
        sec, loaded = best_of(lambda: store.load(path), args.repeat)
        record("load .csglex", "C++/Arrow", f"{len(lex)} entries", sec, "mmap + checksum + index")
        assert loaded.table.equals(lex.table), ".csglex round trip changed the entries"

    for name in ("word2vec.en.gz", "word2vec.es.gz"):
        if (SHARED_VEC / name).exists():
            sec, emb = best_of(lambda name=name: read_vec(SHARED_VEC / name), args.repeat)
            record("read .vec", "Arrow CSV", f"{len(emb)} x {emb.dim}", sec, name)

    # (c): CSLS top-1 induction
    chosen = backends()
    if args.backends:
        wanted = {b.strip() for b in args.backends.split(",")}
        chosen = [(label, opt) for label, opt in chosen
                  if f"{opt['backend']}-{opt['device']}".replace("numpy-cpu", "numpy") in wanted]

    def run_induce(n: int, options: dict[str, str], chunk: int) -> tuple[float, Any]:
        src = Embeddings([f"s{i}" for i in range(n)], unit_vectors(n, args.dim, 1))
        tgt = Embeddings([f"t{i}" for i in range(n)], unit_vectors(n, args.dim, 2))
        repeat = args.repeat if n < 50_000 else 1
        return best_of(lambda: induce(src, tgt, method="csls", lang="xx", chunk_size=chunk,
                                      **options), repeat)

    for n in args.sizes:
        reference = None
        for label, options in chosen:
            sec, induced = run_induce(n, options, args.chunk_size)
            targets = induced.table.column("target")
            same = reference is None or targets.equals(reference)
            reference = targets if reference is None else reference
            assert same, f"{label} found other translations than {chosen[0][0]}"
            record("induce CSLS top-1", label, f"{n} x {n} x {args.dim}", sec,
                   f"chunk {args.chunk_size}" + ("" if len(chosen) == 1 else ", same entries"))
    for chunk in args.chunk_sweep:
        for label, options in chosen:
            sec, _ = run_induce(args.sweep_words, options, chunk)
            record("chunk sweep, CSLS top-1", label,
                   f"{args.sweep_words} x {args.sweep_words} x {args.dim}", sec, f"chunk {chunk}")

    info = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "csgen": csgen.__version__,
        "lexicon": str(muse),
        "repeat": args.repeat,
    }
    print(format_table(results))
    print()
    print(f"machine: {info['cpu_count']} CPUs, {info['platform']}, Python {info['python']}, "
          f"numpy {info['numpy']}, csgen {info['csgen']}; best of {args.repeat} "
          "(induction at 50k words and more: one run)")
    if args.json is not None:
        args.json.write_text(json.dumps({"info": info, "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

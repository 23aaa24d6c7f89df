"""Cost of on-the-fly switching + tokenising per training step, against the step itself.

(query, answer sentence) pairs of XQuAD English (the shared ``xquad.en.json``, else the
sample), repeated to ``--steps`` batches of ``--batch-size`` rows, are written to a Parquet
file and read through :class:`csgen.stream.SwitchingDataset` switched on the fly (MUSE
en-de, the shared one else the sample, ``--ratio``) and tokenised with a sentencepiece
model trained in the run, in a ``DataLoader`` with ``collate_pad`` and ``num_workers`` 0
and 2. Reported per step:

* ``data``: the loader's time per batch with nothing else running (steady state: the first
  batch, which builds the Switcher and starts workers, is reported apart);
* ``train step``: forward + backward + AdamW step of a ``bag`` and a ``transformer``
  :class:`~csgen.train.BiEncoder` (``--dim``, 2 layers, 4 heads) on such a batch (median of
  ``--repeat`` after one warm-up step), on the CPU (or ``--device``);
* the ratio data / step: below 1 means switching is not the bottleneck (with workers the
  data time overlaps the step, but on a CPU the workers also compete for its cores).

``OMP_WAIT_POLICY`` defaults to ``PASSIVE`` here: with sentencepiece loaded beside torch,
spinning OpenMP threads slowed a CPU train step by two orders of magnitude (``--spin``
measures that default).

Usage::

    python benchmarks/bench_stream.py [--steps 60] [--json out.json]
    python -m benchmarks.bench_stream --smoke
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

try:  # run as python -m benchmarks.NAME, or as python benchmarks/NAME.py
    from benchmarks._common import (
        SAMPLE,
        SHARED_MUSE,
        SHARED_XQUAD,
        import_csgen,
    )
except ImportError:
    from _common import (
        SAMPLE,
        SHARED_MUSE,
        SHARED_XQUAD,
        import_csgen,
    )



def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--steps", type=int, default=60, help="batches read per loader (default 60)")
    p.add_argument("--batch-size", type=int, default=64, help="pairs per batch (default 64)")
    p.add_argument("--repeat", type=int, default=10, help="timed train steps (default 10)")
    p.add_argument("--ratio", type=float, default=0.5, help="switch ratio (default 0.5)")
    p.add_argument("--vocab", type=int, default=4000, help="tokenizer vocab (default 4000)")
    p.add_argument("--dim", type=int, default=256, help="encoder width (default 256)")
    p.add_argument("--max-length", type=int, default=64, help="pieces per text (default 64)")
    p.add_argument("--device", default="cpu", help="torch device of the train step")
    p.add_argument("--spin", action="store_true",
                   help="keep the OpenMP default wait policy (see OMP_WAIT_POLICY below)")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    p.add_argument("--smoke", action="store_true",
                   help="--steps 6 --repeat 2 --vocab 1000 --dim 64, sample lexicon")
    args = p.parse_args(argv)
    if args.smoke:
        args.steps, args.repeat, args.vocab, args.dim = 6, 2, 1000, 64
    return args


def load_pairs(csgen_train: Any) -> tuple[pa.Table, str]:
    if SHARED_XQUAD.is_file():
        return csgen_train.squad_pairs(str(SHARED_XQUAD)), str(SHARED_XQUAD)
    rows = pq.read_table(SAMPLE / "xquad-en.parquet").to_pylist()
    for r in rows:
        r["answers"] = {"text": [r["answer_text"]], "answer_start": [r["answer_start"]]}
    return csgen_train.squad_pairs(rows), str(SAMPLE / "xquad-en.parquet")


def time_loader(dataset: Any, workers: int, batch_size: int, steps: int,
                collate: Any) -> dict[str, Any]:
    from torch.utils.data import DataLoader

    dataset.set_epoch(0)
    loader = DataLoader(dataset, batch_size=batch_size, num_workers=workers,
                        collate_fn=collate, drop_last=True)
    t0 = time.perf_counter()
    it = iter(loader)
    first_batch = next(it)
    first = time.perf_counter() - t0
    t1 = time.perf_counter()
    n = 0
    for _ in range(steps - 1):
        try:
            next(it)
        except StopIteration:
            break
        n += 1
    steady = (time.perf_counter() - t1) / max(n, 1)
    del it
    return {"first_batch_s": first, "data_s_per_step": steady, "batches": n + 1,
            "batch": first_batch}


def time_step(kind: str, batch: dict[str, Any], vocab: int, args: argparse.Namespace) -> float:
    import torch

    from csgen.train import BiEncoder, EncoderConfig

    torch.manual_seed(0)
    device = torch.device(args.device)
    model = BiEncoder(EncoderConfig(kind, vocab, args.dim, 2, 4, args.max_length)).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    q, qm = batch["query_ids"].to(device), batch["query_attention_mask"].bool().to(device)
    p, pm = batch["passage_ids"].to(device), batch["passage_attention_mask"].bool().to(device)
    times = []
    for i in range(args.repeat + 1):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        loss = model.loss(q, qm, p, pm)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if i:
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Loading sentencepiece beside torch's OpenMP makes idle OpenMP threads spin against
    # torch's (measured: a 1 ms bag step takes 220 ms on 2 CPUs); passive waiting avoids it.
    # It must be set before torch starts its thread pool; --spin keeps the default.
    if not args.spin:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import_csgen()
    import torch

    import csgen.train as csgen_train
    from csgen import SwitchConfig
    from csgen.stream import SwitchingDataset, collate_pad
    from csgen.subword import train_tokenizer

    lexicon = SAMPLE / "en-de.txt" if args.smoke or not SHARED_MUSE.is_file() else SHARED_MUSE
    pairs, source = load_pairs(csgen_train)
    need = args.steps * args.batch_size
    reps = -(-need // pairs.num_rows)
    table = pa.concat_tables([pairs.select(["query", "passage"])] * reps).slice(0, need)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        shard = Path(tmp) / "pairs.parquet"
        pq.write_table(table, shard)
        t0 = time.perf_counter()
        texts = pairs.column("query").to_pylist() + pairs.column("passage").to_pylist()
        tok = train_tokenizer(texts, Path(tmp) / "tok", vocab_size=args.vocab)
        tok_s = time.perf_counter() - t0
        import sentencepiece as spm

        vocab = spm.SentencePieceProcessor(model_file=str(tok)).get_piece_size()
        dataset = SwitchingDataset(shard, ["query", "passage"], lexicons=[str(lexicon)],
                                   config=SwitchConfig(ratio=args.ratio, seed=1),
                                   tokenizer=tok, max_length=args.max_length,
                                   block_rows=args.batch_size * 4)
        # Train steps first, on a batch of the loader, while no worker process runs.
        r = time_loader(dataset, 0, args.batch_size, args.steps, collate_pad)
        batch = {k: v.clone() if isinstance(v, torch.Tensor) else v
                 for k, v in r.pop("batch").items()}
        results.append({"what": "data", "workers": 0, **r})
        for kind in ("bag", "transformer"):
            step = time_step(kind, batch, vocab, args)
            results.append({"what": "train step", "kind": kind, "step_s": step})
        r = time_loader(dataset, 2, args.batch_size, args.steps, collate_pad)
        r.pop("batch")
        results.insert(1, {"what": "data", "workers": 2, **r})
    steps = {r["kind"]: r["step_s"] for r in results if r["what"] == "train step"}
    for r in results:
        if r["what"] == "data":
            r["ratio_to_step"] = {k: r["data_s_per_step"] / v for k, v in steps.items()}
    info = {"python": sys.version.split()[0], "torch": torch.__version__,
            "platform": platform.platform(), "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "device": args.device,
            "pairs_source": source, "lexicon": str(lexicon), "rows": need,
            "batch_size": args.batch_size, "ratio": args.ratio, "vocab": vocab,
            "dim": args.dim, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
            "max_length": args.max_length, "tokenizer_train_s": tok_s}
    lines = ["| what | workers / kind | first batch (s) | ms per step | "
             "data / bag step | data / transformer step |",
             "|---|---|---:|---:|---:|---:|"]
    for r in results:
        if r["what"] == "data":
            lines.append(f"| data | {r['workers']} workers | {r['first_batch_s']:.3f} | "
                         f"{1000 * r['data_s_per_step']:.2f} | "
                         f"{r['ratio_to_step']['bag']:.2f} | "
                         f"{r['ratio_to_step']['transformer']:.2f} |")
        else:
            lines.append(f"| train step | {r['kind']} | - | {1000 * r['step_s']:.2f} | - | - |")
    print("\n".join(lines))
    print()
    print(f"{need} pairs from {source}, lexicon {lexicon}, ratio {args.ratio}, batch "
          f"{args.batch_size}, vocab {vocab}, dim {args.dim}; {info['cpu_count']} CPUs, "
          f"torch {info['torch']} ({info['torch_threads']} threads, {args.device}), "
          f"OMP_WAIT_POLICY={info['omp_wait_policy']}")
    if args.json is not None:
        args.json.write_text(json.dumps({"info": info, "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

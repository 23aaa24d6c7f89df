"""Reproduce, in miniature and on CPU, the seed paper's claim (Litschko et al. 2023): a
ranker trained on artificially code-switched English data transfers better across
languages than one trained on English alone.

Three bi-encoders with the same vocabulary, architecture, budget and seed, trained on
SQuAD v1.0 train (question -> its answer sentence; no XQuAD article is in it):

* ``zero-shot``: English only;
* ``bl-cs``: queries and passages code-switched EN-DE at ratio 0.5 (MUSE en-de);
* ``ml-cs``: code-switched at ratio 0.5 with a language drawn per word among the XQuAD
  languages that have a MUSE dictionary (de, ar, ru, es, zh, vi, el, hi, tr, th).

Evaluated on XQuAD-R (official files: all 48 articles, 11 languages) in the LAReQA
settings MoIR EN-EN, CLIR EN-DE, DE-EN, EN-AR, AR-EN, EN-RU, DE-AR and MLIR (English
queries, candidates of all 11 languages), and on MLQA-R built from the MLQA dev sets at
hand (MoIR DE-DE, CLIR DE-AR and AR-DE over the questions both share); MRR@10 with paired
t-tests of each code-switched model against zero-shot, Bonferroni-corrected; BM25 beside.

With ``--rerank`` each bi-encoder is followed by a cross-encoder (a small Transformer over
``query [SEP] passage``, trained on the first ``--ce-pairs`` pairs of the same condition
with in-batch hard negatives from that bi-encoder) reordering its top ``--rerank-k``: the
systems ``<name>+ce``.

    python examples/reproduce_xquad_r.py [-o results/] [--encoder bag|transformer] [--rerank]
    python examples/reproduce_xquad_r.py --reduced      # about a minute, for the tests

Everything is read from ``../shared/data`` (or ``$CSGEN_SHARED_DATA``); nothing is
downloaded. Uses CUDA when present.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from _protocol import (
    BATCH_SIZE,
    DIM,
    EPOCHS,
    ML_LANGS,
    MLQA_LANGS,
    MLQA_SETTINGS,
    REDUCED_EPOCHS,
    REDUCED_PAIRS,
    REDUCED_VOCAB_LINES,
    REDUCED_VOCAB_SIZE,
    SETTINGS,
    SHARED,
    VOCAB_LINES,
    VOCAB_SIZE,
    XQUAD_R_LANGS,
    biencoder_config,
    load_pairs,
    log,
    model_ranker,
    muse_path,
    switch_pairs,
    train_model,
    train_vocabulary,
)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-o", "--output", type=Path, default=Path("results/xquad-r"))
    p.add_argument("--encoder", choices=("bag", "transformer"), default="bag")
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--pairs", type=int, default=None, help="use the first N training pairs")
    p.add_argument("--vocab-size", type=int, default=VOCAB_SIZE)
    p.add_argument("--vocab-lines", type=int, default=VOCAB_LINES,
                   help="lines of text (English first, then lexicon targets) the vocabulary "
                        "is trained on")
    p.add_argument("--dim", type=int, default=DIM)
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rerank", action="store_true",
                   help="add a cross-encoder reranking each bi-encoder's top --rerank-k")
    p.add_argument("--rerank-k", type=int, default=20)
    p.add_argument("--ce-pairs", type=int, default=20000)
    p.add_argument("--ce-epochs", type=int, default=2)
    p.add_argument("--ce-dim", type=int, default=128)
    p.add_argument("--settings", default=None,
                   help="comma-separated XQuAD-R settings [all of SETTINGS]")
    p.add_argument("--reduced", action="store_true",
                   help=f"a minute: {REDUCED_PAIRS} pairs, {REDUCED_EPOCHS} epochs, vocab "
                        f"{REDUCED_VOCAB_SIZE} from {REDUCED_VOCAB_LINES} lines, 2 settings")
    args = p.parse_args(argv)
    if args.reduced:
        args.pairs, args.epochs, args.vocab_size, args.vocab_lines = (
            REDUCED_PAIRS, REDUCED_EPOCHS, REDUCED_VOCAB_SIZE, REDUCED_VOCAB_LINES)
        args.ce_pairs, args.ce_epochs, args.ce_dim = 1000, 1, 32
    settings = (("moir:en", "clir:en-de") if args.reduced else
                tuple(args.settings.split(",")) if args.settings else SETTINGS)

    from csgen.eval.run import Setting, bm25_system, evaluate, load_data, tests_markdown
    from csgen.train import TrainConfig, load_crossencoder, train_crossencoder
    from csgen.train.jobs import rerank_ranker

    out = args.output
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    log("reading SQuAD v1.0 train")
    train, heldout = load_pairs(args.pairs, args.seed)
    log(f"{train.num_rows:,} training pairs, {heldout.num_rows:,} held out")

    de = str(muse_path("de"))
    ml = [str(muse_path(lang)) for lang in ML_LANGS]
    data_sets = {
        "zero-shot": (train, heldout),
        "bl-cs": (switch_pairs(train, [de], args.seed), switch_pairs(heldout, [de], args.seed)),
        "ml-cs": (switch_pairs(train, ml, args.seed), switch_pairs(heldout, ml, args.seed)),
    }
    log("switched the training pairs (BL-CS, ML-CS)")

    # One vocabulary for all: English text plus the lexicons' target sides.
    tokenizer = train_vocabulary(train, ml, out / "sp", args.vocab_size, args.vocab_lines)
    log(f"tokenizer {tokenizer} ({args.vocab_size} pieces)")

    config = biencoder_config(args.encoder, args.epochs, args.batch_size, args.dim, args.seed)
    systems: dict[str, Any] = {"bm25": bm25_system()}
    training: dict[str, Any] = {}
    for name, (tr, ho) in data_sets.items():
        log(f"training {name}")
        cfg = TrainConfig(**{**config.__dict__, "checkpoint_dir": str(out / name)})
        model, training[name] = train_model(name, tr, ho, tokenizer, cfg)
        systems[name] = model_ranker(model, tokenizer)
        if args.rerank:
            log(f"training {name}+ce (cross-encoder, hard negatives from {name})")
            ce_cfg = TrainConfig(epochs=args.ce_epochs, batch_size=64, lr=5e-4,
                                 seed=args.seed, max_length=128, kind="transformer",
                                 dim=args.ce_dim, layers=2, heads=4, device="auto",
                                 checkpoint_dir=str(out / f"{name}-ce"))
            ce = train_crossencoder(tr.slice(0, args.ce_pairs), tokenizer, ce_cfg, heldout=ho,
                                    biencoder=model, progress=lambda d, n=name: log(
                                        f"  {n}+ce epoch {d['epoch']}: loss {d['loss']:.4f}, "
                                        f"held-out {d['heldout_loss']:.4f}"))
            cross = load_crossencoder(ce.checkpoint) if ce.checkpoint else ce.model
            systems[f"{name}+ce"] = rerank_ranker(systems[name], cross, tokenizer=tokenizer,
                                                  rerank_k=args.rerank_k)
            training[f"{name}+ce"] = {"losses": ce.losses, "heldout_losses": ce.heldout_losses,
                                      "best_epoch": ce.best_epoch,
                                      "examples_per_second": ce.examples_per_second}

    log("evaluating on XQuAD-R")
    parsed = [Setting.parse(x) for x in settings]
    # MLIR pools the candidates of every language loaded.
    langs = (XQUAD_R_LANGS if any(x.kind == "mlir" for x in parsed) else
             sorted({lang for x in parsed for lang in x.langs}))
    xq = load_data(SHARED / "xquad-r", langs=langs)
    report, tests = evaluate(xq, parsed, systems,
                             reference="zero-shot", title="XQuAD-R")
    results: dict[str, Any] = {"xquad_r": {"report": report.to_dict(), "tests": tests}}
    text = "## XQuAD-R\n\n" + report.to_markdown() + "\n" + tests_markdown(tests)
    mlqa = SHARED / "mlqa"
    if not args.reduced and not args.settings and (
            mlqa / "dev-context-de-question-de.json").exists():
        log("evaluating on MLQA-R")
        ml_data = load_data(None, {lang: mlqa / f"dev-context-{lang}-question-{lang}.json"
                                   for lang in MLQA_LANGS})
        report2, tests2 = evaluate(ml_data, [Setting.parse(s) for s in MLQA_SETTINGS],
                                   systems, reference="zero-shot", title="MLQA-R")
        results["mlqa_r"] = {"report": report2.to_dict(), "tests": tests2}
        text += "\n## MLQA-R (dev de, ar)\n\n" + report2.to_markdown() + "\n" + \
            tests_markdown(tests2)
    results["training"] = training
    results["config"] = {**{k: str(v) for k, v in config.__dict__.items()},
                         "pairs": train.num_rows, "vocab_size": args.vocab_size,
                         "vocab_lines": args.vocab_lines,
                         "rerank": ({"k": args.rerank_k, "pairs": args.ce_pairs,
                                     "epochs": args.ce_epochs, "dim": args.ce_dim}
                                    if args.rerank else None),
                         "seconds": round(time.perf_counter() - started, 1)}
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (out / "results.md").write_text(text, encoding="utf-8")
    print(text)
    log(f"done in {time.perf_counter() - started:.0f} s; {out / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``csgen train``: flags and an optional TOML file (``--config``) merged and mapped onto
:class:`~csgen.train.jobs.TrainJob` by its ``from_mapping``, which checks them; the run
reports progress and the command prints a summary.

Every flag defaults to ``None`` (not given) so that a value of the TOML file is kept where
the flag is absent; the ``[N]`` in a flag's help is TrainJob's default (the module imports
torch, so it is not read for ``--help``; tests/unit/test_cli_house.py holds them equal).
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("train")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              help="TOML file of these options (keys as the flags, with _); flags override.")
@click.option("--squad", multiple=True,
              help="SQuAD-format file: question -> answer-sentence pairs. Repeatable.")
@click.option("--pairs", multiple=True,
              help="Parquet file or directory of shards (e.g. csgen switch output). Repeatable.")
@click.option("--query-column", default=None, help="Query column of --pairs [query].")
@click.option("--passage-column", default=None, help="Passage column of --pairs [passage].")
@click.option("-l", "--lexicon", "lexicon", multiple=True,
              help="Switch the training pairs on the fly, afresh each epoch (repeatable).")
@click.option("-r", "--ratio", type=click.FloatRange(0, 1), default=None,
              help="Switch probability per word for --lexicon.")
@click.option("--tokenizer", default=None,
              help="sentencepiece .model (required), or a Hugging Face tokenizer directory "
                   "[with --encoder hf: the checkpoint's].")
@click.option("--encoder", type=click.Choice(["bag", "transformer", "hf"]), default=None,
              help="Encoder kind [bag; transformer with --cross-encoder]; hf: fine-tune the "
                   "local checkpoint --hf-model.")
@click.option("--hf-model", default=None,
              help="With --encoder hf: a local Hugging Face checkpoint directory (config, "
                   "weights, tokenizer); needs `pip install 'csgen[hf]'`, never downloads.")
@click.option("--dim", type=click.IntRange(min=1), default=None, help="[256]")
@click.option("--layers", type=click.IntRange(min=1), default=None, help="[2]")
@click.option("--heads", type=click.IntRange(min=1), default=None, help="[4]")
@click.option("--max-length", type=click.IntRange(min=1), default=None, help="[64]")
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="[3]")
@click.option("--batch-size", type=click.IntRange(min=2), default=None, help="[64]")
@click.option("--lr", type=float, default=None, help="[1e-3]")
@click.option("--temperature", type=float, default=None, help="[0.05]")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="[0]")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default=None,
              help="[auto]")
@click.option("--patience", type=click.IntRange(min=1), default=None,
              help="Stop after this many epochs without a better held-out loss.")
@click.option("--heldout", type=click.FloatRange(0, 1, max_open=True), default=None,
              help="Share of titles held out for early stopping [0.05]; 0: none.")
@click.option("-o", "--output", default=None,
              help="Output directory: epoch-N.pt checkpoints and model.json.")
@click.option("--cross-encoder", "cross_encoder", is_flag=True, default=None,
              help="Train a cross-encoder (for `csgen eval model --rerank`) instead.")
@click.option("--biencoder", default=None,
              help="With --cross-encoder: a bi-encoder directory (same tokenizer) whose "
                   "in-batch hard negatives train it [random in-batch negatives].")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines and no summary.")
def train_command(config_file: Path | None, quiet: bool, **flags: object) -> None:
    """Train a bi-encoder (or, with --cross-encoder, a cross-encoder) on SQuAD-format files
    and/or Parquet (query, passage) pairs."""
    from ..train.jobs import TrainJob, TrainReporter, load_config_file, merge_options, run_train

    flags["cross_encoder"] = flags.get("cross_encoder") or None  # a TOML value stays
    base = load_config_file(config_file) if config_file is not None else {}
    job = TrainJob.from_mapping(merge_options(base, flags))
    with TrainReporter(job.config.epochs, quiet=quiet) as reporter:
        meta = run_train(job, reporter.update)
    if meta["truncated"]:
        click.echo(f"csgen train: warning: {meta['truncated']:,} training text(s) were longer "
                   f"than --max-length {job.config.max_length} and were cut", err=True)
    if not quiet:
        losses = ", ".join(f"{x:.4f}" for x in meta["losses"])
        click.echo(f"csgen train: {meta['data']['train_pairs']:,} pairs, "
                   f"{len(meta['losses'])} epochs (losses {losses}), best epoch "
                   f"{meta['best_epoch']}; wrote {Path(job.output) / 'model.json'}")

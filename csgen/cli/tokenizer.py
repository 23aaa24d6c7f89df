"""``csgen tokenizer``: sentencepiece models for the subword view (``switch --tokenizer``)."""

from __future__ import annotations

from pathlib import Path

import click

from ._params import LazyChoice, split_list


@click.group("tokenizer")
def tokenizer_group() -> None:
    """Sentencepiece models for the subword view (csgen switch --tokenizer)."""


# --vocab-size and --model-type copy train_tokenizer's defaults instead of reading them:
# csgen.subword imports numba, a second of start-up for a help screen
# (tests/unit/test_cli_house.py holds the copies equal).
@tokenizer_group.command("train")
@click.argument("input_spec", metavar="INPUT")
@click.option("-c", "--columns", required=True, help="Text columns to train on, comma-separated.")
@click.option("-l", "--lexicon", "lexicons", multiple=True,
              help="Lexicons whose target sides join the training text (repeatable), so "
                   "switched words are not split into bytes.")
@click.option("-o", "--output", "model_prefix", type=click.Path(path_type=Path), required=True,
              help="Model prefix: writes PREFIX.model and PREFIX.vocab.")
@click.option("--vocab-size", type=click.IntRange(min=8), default=8000, show_default=True)
@click.option("--model-type", type=click.Choice(["unigram", "bpe"]), default="unigram",
              show_default=True)
@click.option("-f", "--format", "input_format",
              type=LazyChoice("csgen.io.readers:READ_FORMATS"), default=None)
@click.option("--max-rows", type=click.IntRange(min=1), default=None,
              help="Read at most this many input rows.")
def tokenizer_train(input_spec: str, columns: str, lexicons: tuple[str, ...],
                    model_prefix: Path, vocab_size: int, model_type: str,
                    input_format: str | None, max_rows: int | None) -> None:
    """Train a sentencepiece model (byte fallback, no normalisation) on INPUT's COLUMNS
    and the lexicons' target sides."""
    from ..spans.subword import train_from_dataset

    path = train_from_dataset(input_spec, split_list(columns), model_prefix,
                              lexicons=lexicons, vocab_size=vocab_size, model_type=model_type,
                              input_format=input_format, max_rows=max_rows)
    click.echo(f"wrote {path}")

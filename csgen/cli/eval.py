"""``csgen eval``: answer-sentence retrieval (XQuAD-R / MLQA-R) of BM25 baselines
(:func:`csgen.eval.run.evaluate_baselines`) and of trained models
(:func:`csgen.train.jobs.evaluate_models`); here flags are parsed and the report printed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ._params import LANG_VALUE, apply_options

#: where the questions and candidates come from, and which settings run: every eval command
_DATA_OPTIONS = [
    click.option("--xquad-r", "xquad_r", type=click.Path(path_type=Path), default=None,
                 help="Directory of the official XQuAD-R files ({lang}.json)."),
    click.option("--squad", "squad_files", multiple=True, type=LANG_VALUE,
                 help="LANG=FILE: a SQuAD-format file (MLQA) segmented by csgen. Repeatable."),
    click.option("-s", "--setting", "settings", multiple=True, required=True,
                 help="moir:X, clir:X-Y or mlir:X (all loaded languages). Repeatable."),
]
_JSON_OPTION = click.option("--json", "json_path", type=click.Path(path_type=Path),
                            default=None, help="Also write the report and the t-tests as JSON.")
# --device and --rerank-k copy evaluate_models' defaults instead of reading them: its
# module imports torch, seconds of start-up for a help screen (tests/unit/test_cli_house.py
# holds the copies equal).
#: how trained models run: eval model and eval compare
_MODEL_OPTIONS = [
    *_DATA_OPTIONS,
    click.option("--baseline", is_flag=True, help="Also run BM25 (the t-test reference)."),
    click.option("--tokenizer", default=None,
                 help="sentencepiece .model to use instead of the one in model.json (must be "
                      "the same file)."),
    click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="cpu",
                 show_default=True),
    _JSON_OPTION,
]


@click.group("eval")
def eval_group() -> None:
    """Answer-sentence retrieval on XQuAD-R / MLQA-R (MRR@10, recall, t-tests)."""


@eval_group.command("baselines")
@apply_options(_DATA_OPTIONS)
@click.option("--translate", multiple=True, type=LANG_VALUE,
              help="LANG=LEXICON (X->en) for Translate-Test BM25, e.g. de=de-en.txt. "
                   "Repeatable.")
@_JSON_OPTION
def eval_baselines(settings: tuple[str, ...], squad_files: tuple[tuple[str, str], ...],
                   translate: tuple[tuple[str, str], ...], json_path: Path | None,
                   xquad_r: Path | None) -> None:
    """BM25, and Translate-Test BM25 when --translate is given (tested against BM25)."""
    from ..eval.run import evaluate_baselines

    report, tests = evaluate_baselines(settings, xquad_r=xquad_r, squad_files=dict(squad_files),
                                       translate=dict(translate))
    _echo_report(report, tests, json_path)


@eval_group.command("model")
@click.argument("model_dir", type=click.Path(path_type=Path))
@apply_options(_MODEL_OPTIONS)
@click.option("--rerank", "rerank", type=click.Path(path_type=Path), default=None,
              help="A cross-encoder of `csgen train --cross-encoder`: also rerank the model's "
                   "top-k with it (system NAME+rerank, t-tested against the model alone, or "
                   "against BM25 with --baseline).")
@click.option("--rerank-k", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many of the bi-encoder's top candidates --rerank reorders.")
def eval_model(model_dir: Path, **options: Any) -> None:
    """A bi-encoder trained by `csgen train` (MODEL_DIR), optionally against BM25 and/or
    reranked by a cross-encoder (--rerank)."""
    _eval_models((model_dir,), compare=False, **options)


@eval_group.command("compare")
@click.argument("model_a", type=click.Path(path_type=Path))
@click.argument("model_b", type=click.Path(path_type=Path))
@apply_options(_MODEL_OPTIONS)
def eval_compare(model_a: Path, model_b: Path, **options: Any) -> None:
    """Two bi-encoders: paired t-tests (Bonferroni) of MODEL_B against MODEL_A."""
    _eval_models((model_a, model_b), compare=True, **options)


def _eval_models(models: tuple[Path, ...], *, squad_files: tuple[tuple[str, str], ...],
                 json_path: Path | None, **options: Any) -> None:
    from ..train.jobs import evaluate_models

    report, tests = evaluate_models(models, squad_files=dict(squad_files), **options)
    _echo_report(report, tests, json_path)


def _echo_report(report: Any, tests: list[dict[str, Any]], json_path: Path | None) -> None:
    """An evaluation's Markdown tables (and t-tests) on stdout; JSON to ``json_path``."""
    from ..eval.run import tests_markdown

    click.echo(report.to_markdown(), nl=False)
    if tests:
        click.echo("\n" + tests_markdown(tests), nl=False)
    if json_path is not None:
        json_path.write_text(json.dumps({"report": report.to_dict(), "tests": tests},
                                        indent=2) + "\n", encoding="utf-8")

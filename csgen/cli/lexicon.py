"""``csgen lexicon``: import, merge, info, induce and evaluate lexicons (.csglex).

Each command maps its flags onto a job of :mod:`csgen.lexicon_jobs` (``import``'s filter
flags onto the fields of :class:`~csgen.lexicon.ops.LexiconFilter`, which checks them) and
prints what it returns.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ._params import LazyChoice, apply_options, field_option, split_list

_FILTER = "csgen.lexicon.ops:LexiconFilter"
_INDUCE = "csgen.lexicon_jobs:induce_from_files"

#: the flags of ``lexicon import`` named after the LexiconFilter fields they set
_FILTER_OPTIONS = [
    field_option("--min-words", default_from=f"{_FILTER}.min_words", type=int,
                 help="Shortest source phrase kept, in words."),
    click.option("--max-words", type=int, default=None,
                 help="Longest source phrase kept, in words."),
    click.option("--drop-identity", is_flag=True,
                 help="Drop entries whose target equals the source."),
    click.option("--max-sources", type=int, default=None,
                 help="Keep the first N source phrases per language (a frequency cut-off "
                      "for frequency-ordered files such as MUSE)."),
    click.option("--max-candidates", type=int, default=None,
                 help="Keep the first K translations of each source."),
]


@click.group("lexicon")
def lexicon_group() -> None:
    """Build, inspect and compile lexicons (.csglex)."""


@lexicon_group.command("import")
@click.argument("fmt", metavar="FORMAT", type=LazyChoice("csgen.lexicon.readers:FORMATS"))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Compiled lexicon to write (NAME.csglex).")
@click.option("--lang", default=None, help="Target language (default: from the file name).")
@click.option("--skip-bad", is_flag=True,
              help="Count and report malformed lines instead of failing.")
@apply_options(_FILTER_OPTIONS)
def lexicon_import(fmt: str, files: tuple[Path, ...], output: Path, lang: str | None,
                   skip_bad: bool, **filters: Any) -> None:
    """Read FILES in FORMAT (muse, tsv, freedict, wikititles, aligned) into one .csglex."""
    from .. import lexicon_jobs as jobs
    from ..lexicon.ops import LexiconFilter

    jobs.check_output(output)
    lexicon = jobs.import_files(fmt, files, lang=lang, skip_bad=skip_bad,
                                rules=LexiconFilter(**filters))
    path = jobs.write(lexicon, output)
    bad = sum(int(p.get("bad_lines", 0)) for p in lexicon.provenance)
    click.echo(f"wrote {path}: {len(lexicon):,} entries, languages {', '.join(lexicon.langs)}"
               + (f"; {bad:,} malformed lines skipped" if bad else ""))


@lexicon_group.command("merge")
@click.argument("lexicons", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True)
def lexicon_merge(lexicons: tuple[str, ...], output: Path) -> None:
    """Merge LEXICONS (.csglex or raw, LANG=PATH allowed) into one for ML-CS."""
    from .. import lexicon_jobs as jobs

    jobs.check_output(output)
    merged = jobs.merge_files(lexicons, name=output.stem)
    path = jobs.write(merged, output)
    click.echo(f"wrote {path}: {len(merged):,} entries, languages {', '.join(merged.langs)}")


@lexicon_group.command("info")
@click.argument("lexicon")
@click.option("--dataset", type=click.Path(path_type=Path), default=None,
              help="Also report the coverage of this dataset's columns.")
@click.option("-c", "--columns", default=None, help="Columns of --dataset, comma-separated.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def lexicon_info(lexicon: str, dataset: Path | None, columns: str | None, as_json: bool) -> None:
    """Entries per language, ambiguity, phrase lengths, and dataset coverage."""
    from .. import lexicon_jobs as jobs
    from ..lexicon import load_lexicon
    from ..lexicon.ops import describe

    lex = load_lexicon(lexicon)
    info = describe(lex)
    if dataset is not None:
        if not columns:
            raise click.UsageError("--dataset needs --columns")
        info["coverage"] = jobs.dataset_coverage(lex, dataset, split_list(columns))
    if as_json:
        click.echo(json.dumps(info, indent=2, ensure_ascii=False))
        return
    _print_info(info)


def _print_info(info: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stdout)
    table = Table(title=f"{info['name']}: {info['entries']:,} entries, "
                        f"source language {info['source_lang'] or '?'}")
    for header in ("language", "entries", "sources", "translations/source", "max",
                   "ambiguous", "identity"):
        table.add_column(header, justify="left" if header == "language" else "right")
    for lang, d in info["languages"].items():
        table.add_row(lang, f"{d['entries']:,}", f"{d['sources']:,}",
                      f"{d['candidates_mean']:.2f}", str(d["candidates_max"]),
                      f"{d['ambiguous_sources']:,}", f"{d['identity_entries']:,}")
    console.print(table)
    console.print("source phrase length (words): " + ", ".join(
        f"{k}: {v:,}" for k, v in info["phrase_words"].items()))
    console.print(f"end punctuation: {info['punct_stripped']:,} entries stripped "
                  f"(shared by source and target), {info['punct_dropped']:,} left out "
                  "(on one side only)")
    for name, c in info.get("coverage", {}).items():
        console.print(f"coverage of {name}: {c['coverage']:.1%} of {c['words']:,} words")


@lexicon_group.command("induce")
@click.argument("source_vec", type=click.Path(path_type=Path))
@click.argument("target_vec", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True)
@click.option("--lang", default=None,
              help="Target language (default: from the --seed-dict name, e.g. en-de.txt).")
# The CLI's source language is English; the API's default (None) means "not recorded".
@click.option("--source-lang", default="en", show_default=True)
@field_option("--method", default_from=f"{_INDUCE}.method",
              type=LazyChoice("csgen.lexicon.induce:METHODS"),
              help="Cosine nearest neighbour or CSLS (k=10).")
@field_option("--top-k", default_from=f"{_INDUCE}.top_k", type=click.IntRange(min=1),
              help="Translations per source word (scores become weights).")
@click.option("--mutual", is_flag=True, help="Keep mutual nearest neighbours only.")
@click.option("--max-words", type=click.IntRange(min=1), default=None,
              help="Read only the first N vectors of each file.")
@click.option("--vocab", type=click.Path(path_type=Path), default=None,
              help="Only these source words (one per line).")
@click.option("--dataset", type=click.Path(path_type=Path), default=None,
              help="Only the words of this dataset's --columns.")
@click.option("-c", "--columns", default=None, help="Columns of --dataset, comma-separated.")
@click.option("--align", type=click.Choice(["procrustes"]), default=None,
              help="Map the source space onto the target space first.")
@click.option("--seed-dict", type=click.Path(path_type=Path), default=None,
              help="MUSE seed dictionary for --align procrustes.")
@field_option("--chunk-size", default_from=f"{_INDUCE}.chunk_size", type=click.IntRange(min=1))
@field_option("--device", default_from=f"{_INDUCE}.device",
              type=LazyChoice("csgen.lexicon.induce:DEVICES"),
              help="torch device (numpy is used when torch is absent).")
@field_option("--backend", default_from=f"{_INDUCE}.backend",
              type=LazyChoice("csgen.lexicon.induce:BACKENDS"),
              help="Matrix library for retrieval.")
def lexicon_induce(source_vec: Path, target_vec: Path, output: Path, columns: str | None,
                   **options: Any) -> None:
    """Induce a lexicon from two .vec embedding files in one (or aligned) space."""
    from .. import lexicon_jobs as jobs

    jobs.check_output(output)
    lexicon = jobs.induce_from_files(source_vec, target_vec,
                                     columns=split_list(columns or ""), **options)
    path = jobs.write(lexicon, output)
    counts = lexicon.provenance[0]["counts"]
    click.echo(f"wrote {path}: {len(lexicon):,} entries for {counts['queried']:,} source words "
               f"({counts['words_without_vector']:,} without a vector, "
               f"{counts['dropped_not_mutual']:,} dropped as not mutual)")


@lexicon_group.command("evaluate")
@click.argument("lexicon")
@click.argument("gold", type=click.Path(path_type=Path))
@click.option("--lang", default=None,
              help="Language of GOLD's targets (default: from its name, else the lexicon's "
                   "only language).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def lexicon_evaluate(lexicon: str, gold: Path, lang: str | None, as_json: bool) -> None:
    """Precision@1/@5 of LEXICON against a MUSE-format GOLD dictionary."""
    from .. import lexicon_jobs as jobs

    result = jobs.evaluate_files(lexicon, gold, lang=lang)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"{result['covered']:,} of {result['gold_sources']:,} gold source words covered "
               f"({result['coverage']:.1%})")
    for key, value in result.items():
        if key.startswith("p@"):
            click.echo(f"{key}: {value:.4f}")

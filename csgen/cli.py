"""``csgen`` command line: flags -> config -> API call -> print. No logic here."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .config import (
    CANDIDATE_CHOICES,
    LANG_SAMPLINGS,
    SwitchConfig,
    parse_lang_weights,
    parse_langs_spec,
    parse_ratio_spec,
)
from .errors import CsgenError
from .io.readers import READ_FORMATS, ReadOptions
from .io.writers import COMPRESSIONS, OUTPUT_FORMATS
from .lexicon import FORMATS, jobs, load_lexicon
from .lexicon.ops import LexiconFilter, describe
from .pipeline import ANSWER_POLICIES, ENGINES, RunSummary, SwitchJob, parse_size, run_job
from .progress import ProgressReporter


class _CsgenGroup(click.Group):
    """Turns every CsgenError into a one-line message and exit status 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except CsgenError as e:
            raise click.ClickException(str(e)) from None


@click.group(cls=_CsgenGroup)
@click.version_option(__version__, prog_name="csgen")
def main() -> None:
    """csgen: artificial code-switching of text datasets."""


@main.command("switch")
@click.argument("input_spec", metavar="INPUT")
@click.option("-l", "--lexicon", "lexicons", multiple=True, required=True,
              help="Lexicon: .csglex or MUSE file (language from its name: en-de.txt -> de), "
                   "or LANG=PATH. Repeat for multilingual switching.")
@click.option("-r", "--ratio", required=True,
              help="Probability of attempting a switch per word, in [0, 1]; per column: "
                   "query=0.5,passage=0.25 (a bare number is the default for other columns).")
@click.option("-c", "--columns", required=True,
              help="Comma-separated string columns to switch, e.g. query,passage.")
@click.option("-o", "--output", "output_dir", type=click.Path(path_type=Path), required=True,
              help="Output directory (shards and manifest.json).")
@click.option("--langs", default=None,
              help="Languages per column, e.g. query=de,passage=de+ar+ru (default: all).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Random seed.")
@click.option("--consistent", is_flag=True,
              help="The same source word gets the same translation within a row, across "
                   "columns.")
@click.option("--candidates", type=click.Choice(CANDIDATE_CHOICES), default="first",
              show_default=True, help="Which translation of a word to use.")
@click.option("--lang-sampling", type=click.Choice(LANG_SAMPLINGS), default="uniform",
              show_default=True,
              help="uniform: draw a language, then look the word up in it (ratio x coverage); "
                   "coverage: draw among the languages that have the word.")
@click.option("--lang-weights", default=None, help="Language draw weights, e.g. de=2,ar=1.")
@click.option("--keep-identity", is_flag=True,
              help="Also use entries whose target equals the source.")
@click.option("--skip-stopwords", is_flag=True, help="Never switch English stopwords.")
@click.option("--id-column", default=None,
              help="Column whose value keys the randomness of a row (default: the row index).")
@click.option("-f", "--format", "--input-format", "input_format", type=click.Choice(READ_FORMATS),
              default=None, help="Input format (default: from the extension).")
@click.option("--no-header", is_flag=True, help="CSV/TSV input has no header line.")
@click.option("--column-names", default=None,
              help="Names of the columns of a CSV/TSV file without header, comma-separated.")
@click.option("--collection", default=None, help="msmarco-ids: collection.tsv (pid, passage).")
@click.option("--queries", default=None, help="msmarco-ids: queries.tsv (qid, query).")
@click.option("--on-bad-row", type=click.Choice(["error", "skip"]), default="error",
              show_default=True, help="Stop at a malformed input row, or count and skip it.")
@click.option("--output-format", type=click.Choice(OUTPUT_FORMATS), default="parquet",
              show_default=True)
@click.option("--compression", type=click.Choice(COMPRESSIONS), default="zstd",
              show_default=True)
@click.option("--shard-rows", type=click.IntRange(min=1), default=None,
              help="Close a shard at this many rows.")
@click.option("--shard-bytes", default=None,
              help="Close a shard at about this many input bytes, e.g. 256MB (default 64MiB "
                   "unless --shard-rows is given).")
@click.option("--batch-rows", type=click.IntRange(min=1), default=16384, show_default=True,
              help="Rows per batch (and per Parquet row group).")
@click.option("-w", "--workers", type=click.IntRange(min=1), default=None,
              help="Shards switched in parallel (default: all cores).")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="C++ threads in all (default: all cores), shared among the workers.")
@click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True,
              help="local processes, or Ray actors (pip install 'csgen[ray]').")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run in OUTPUT: keep its verified shards.")
@click.option("--overwrite", is_flag=True, help="Replace the run in a non-empty OUTPUT.")
@click.option("--answers", type=click.Choice(ANSWER_POLICIES), default=None,
              help="SQuAD answers beside a switched context column: protect (default when "
                   "present: never switch inside an answer), switch (switch inside answers, "
                   "rewrite their text and start), off (leave them alone: spans may be wrong).")
@click.option("--protect-spans", multiple=True,
              help="list<struct<start,end>> byte-span column never switched: SPANCOL (for the "
                   "first switched column) or COLUMN=SPANCOL. Repeatable.")
@click.option("--protect-regex", multiple=True,
              help="RE2 pattern whose matches are never switched, in every switched column "
                   "(e.g. URLs, numbers). Repeatable.")
@click.option("--tokenizer", default=None,
              help="sentencepiece .model: also write <col>_input_ids, <col>_switched and "
                   "<col>_lang_id per switched column (csgen tokenizer train makes one).")
@click.option("-q", "--quiet", is_flag=True, help="No progress and no summary.")
def switch_command(input_spec: str, lexicons: tuple[str, ...], ratio: str, columns: str,
                   output_dir: Path, langs: str | None, seed: int, consistent: bool,
                   candidates: str, lang_sampling: str, lang_weights: str | None,
                   keep_identity: bool, skip_stopwords: bool, id_column: str | None,
                   input_format: str | None, no_header: bool, column_names: str | None,
                   collection: str | None, queries: str | None, on_bad_row: str,
                   output_format: str, compression: str, shard_rows: int | None,
                   shard_bytes: str | None, batch_rows: int, workers: int | None,
                   threads: int | None, engine: str, resume: bool, overwrite: bool,
                   answers: str | None, protect_spans: tuple[str, ...],
                   protect_regex: tuple[str, ...], tokenizer: str | None,
                   quiet: bool) -> None:
    """Code-switch string COLUMNS of INPUT (a file, directory, glob or URL of Parquet,
    Arrow, JSONL, CSV/TSV, MS MARCO or SQuAD files) into sharded Parquet, Arrow or SQuAD JSON."""
    base_ratio, column_ratios = parse_ratio_spec(ratio)
    config = SwitchConfig(
        ratio=base_ratio, column_ratios=column_ratios or None,
        column_langs=parse_langs_spec(langs) if langs else None,
        seed=seed, consistent=consistent,
        candidates=candidates, lang_sampling=lang_sampling,  # type: ignore[arg-type]
        lang_weights=parse_lang_weights(lang_weights) if lang_weights else None,
        keep_identity=keep_identity, skip_stopwords=skip_stopwords, threads=threads,
    )
    read = ReadOptions(
        format=input_format, batch_rows=batch_rows, on_bad_row=on_bad_row,
        header=not no_header,
        column_names=_split_columns(column_names) if column_names else None,
        collection=collection, queries=queries,
    )
    job = SwitchJob(
        input=input_spec, output_dir=output_dir, columns=_split_columns(columns),
        lexicons=lexicons, config=config, read=read, id_column=id_column,
        output_format=output_format, compression=compression, shard_rows=shard_rows,
        shard_bytes=parse_size(shard_bytes) if shard_bytes else None, workers=workers,
        resume=resume, overwrite=overwrite, engine=engine, answers=answers,
        protect_spans=protect_spans, protect_regex=protect_regex, tokenizer=tokenizer,
    )
    if quiet:
        run_job(job)
        return
    with ProgressReporter() as reporter:
        summary = run_job(job, reporter.update)
    _print_summary(summary)


def _print_summary(summary: RunSummary) -> None:
    from rich.console import Console
    from rich.table import Table

    stats = summary.stats.to_dict()
    langs = sorted({lang for col in stats.values() for lang in col["by_lang"]})
    console = Console(file=sys.stdout, soft_wrap=True)
    console.print(f"csgen switch: {summary.rows:,} rows, {summary.shards_written} shards "
                  f"written, {summary.shards_reused} reused; {summary.seconds:.2f} s "
                  f"({summary.rows_per_s:,.0f} rows/s, {summary.mb_per_s:.1f} MB/s)")
    table = Table()
    for header in ("column", "words", "coverage", "switched", *langs):
        table.add_column(header, justify="left" if header == "column" else "right")
    for name, col in stats.items():
        per_lang = [f"{col['by_lang'][lang]['share']:.1%}" if lang in col["by_lang"] else "-"
                    for lang in langs]
        table.add_row(name, f"{col['words']:,}", f"{col['coverage']:.1%}",
                      f"{col['switched_share']:.1%}", *per_lang)
    console.print(table)
    if summary.bad_rows:
        console.print(f"skipped {summary.bad_rows:,} malformed input rows (see the manifest)")
    console.print(f"wrote {len(summary.outputs)} shards and {summary.manifest}")


# -- csgen lexicon ------------------------------------------------------------------------------

_FILTER_OPTIONS = [
    click.option("--min-words", type=click.IntRange(min=1), default=1, show_default=True,
                 help="Shortest source phrase kept, in words."),
    click.option("--max-words", type=click.IntRange(min=1), default=None,
                 help="Longest source phrase kept, in words."),
    click.option("--drop-identity", is_flag=True,
                 help="Drop entries whose target equals the source."),
    click.option("--max-sources", type=click.IntRange(min=1), default=None,
                 help="Keep the first N source phrases per language (a frequency cut-off "
                      "for frequency-ordered files such as MUSE)."),
    click.option("--max-candidates", type=click.IntRange(min=1), default=None,
                 help="Keep the first K translations of each source."),
]


def _filter_options(fn: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(_FILTER_OPTIONS):
        fn = option(fn)
    return fn


def _rules(min_words: int, max_words: int | None, drop_identity: bool, max_sources: int | None,
           max_candidates: int | None) -> LexiconFilter:
    return LexiconFilter(min_words=min_words, max_words=max_words, drop_identity=drop_identity,
                         max_sources=max_sources, max_candidates=max_candidates)


@main.group("lexicon")
def lexicon_group() -> None:
    """Build, inspect and compile lexicons (.csglex)."""


@lexicon_group.command("import")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(FORMATS))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Compiled lexicon to write (NAME.csglex).")
@click.option("--lang", default=None, help="Target language (default: from the file name).")
@click.option("--skip-bad", is_flag=True,
              help="Count and report malformed lines instead of failing.")
@_filter_options
def lexicon_import(fmt: str, files: tuple[Path, ...], output: Path, lang: str | None,
                   skip_bad: bool, **filters: object) -> None:
    """Read FILES in FORMAT (muse, tsv, freedict, wikititles, aligned) into one .csglex."""
    jobs.check_output(output)
    lexicon = jobs.import_files(fmt, files, lang=lang, skip_bad=skip_bad,
                                rules=_rules(**filters))  # type: ignore[arg-type]
    path = jobs.write(lexicon, output)
    bad = sum(int(p.get("bad_lines", 0)) for p in lexicon.provenance)
    click.echo(f"wrote {path}: {len(lexicon):,} entries, languages {', '.join(lexicon.langs)}"
               + (f"; {bad:,} malformed lines skipped" if bad else ""))


@lexicon_group.command("merge")
@click.argument("lexicons", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True)
def lexicon_merge(lexicons: tuple[str, ...], output: Path) -> None:
    """Merge LEXICONS (.csglex or raw, LANG=PATH allowed) into one for ML-CS."""
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
    lex = load_lexicon(lexicon)
    info = describe(lex)
    if dataset is not None:
        if not columns:
            raise click.UsageError("--dataset needs --columns")
        info["coverage"] = jobs.dataset_coverage(lex, dataset, _split_columns(columns))
    if as_json:
        click.echo(json.dumps(info, indent=2, ensure_ascii=False))
        return
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
@click.option("--source-lang", default="en", show_default=True)
@click.option("--method", type=click.Choice(["nn", "csls"]), default="csls", show_default=True,
              help="Cosine nearest neighbour or CSLS (k=10).")
@click.option("--top-k", type=click.IntRange(min=1), default=1, show_default=True,
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
@click.option("--chunk-size", type=click.IntRange(min=1), default=4096, show_default=True)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto",
              show_default=True, help="torch device (numpy is used when torch is absent).")
@click.option("--backend", type=click.Choice(["auto", "torch", "numpy"]), default="auto",
              show_default=True, help="Matrix library for retrieval.")
def lexicon_induce(source_vec: Path, target_vec: Path, output: Path, columns: str | None,
                   **options: object) -> None:
    """Induce a lexicon from two .vec embedding files in one (or aligned) space."""
    jobs.check_output(output)
    lexicon = jobs.induce_from_files(source_vec, target_vec,
                                     columns=_split_columns(columns or ""),
                                     **options)  # type: ignore[arg-type]
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
    result = jobs.evaluate_files(lexicon, gold, lang=lang)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"{result['covered']:,} of {result['gold_sources']:,} gold source words covered "
               f"({result['coverage']:.1%})")
    for key, value in result.items():
        if key.startswith("p@"):
            click.echo(f"{key}: {value:.4f}")


# -- csgen tokenizer ----------------------------------------------------------------------------
@main.group("tokenizer")
def tokenizer_group() -> None:
    """Sentencepiece models for the subword view (csgen switch --tokenizer)."""


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
@click.option("-f", "--format", "input_format", type=click.Choice(READ_FORMATS), default=None)
@click.option("--max-rows", type=click.IntRange(min=1), default=None,
              help="Read at most this many input rows.")
def tokenizer_train(input_spec: str, columns: str, lexicons: tuple[str, ...],
                    model_prefix: Path, vocab_size: int, model_type: str,
                    input_format: str | None, max_rows: int | None) -> None:
    """Train a sentencepiece model (byte fallback, no normalisation) on INPUT's COLUMNS
    and the lexicons' target sides."""
    from .subword import train_from_dataset

    path = train_from_dataset(input_spec, _split_columns(columns), model_prefix,
                              lexicons=lexicons, vocab_size=vocab_size, model_type=model_type,
                              input_format=input_format, max_rows=max_rows)
    click.echo(f"wrote {path}")


# -- csgen switch-aligned -------------------------------------------------------------------------
@main.command("switch-aligned")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True,
              help="Output Parquet file.")
@click.option("-r", "--ratio", type=float, required=True, help="Switch probability per unit.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--max-phrase-len", type=click.IntRange(min=1), default=1, show_default=True,
              help="Longest phrase, in words, on either side.")
@click.option("--lang", default="xx", show_default=True, help="Language of the target side.")
@click.option("--sure-only", is_flag=True, help="Gold sets: keep sure (i-j) links only.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
def switch_aligned_command(files: tuple[Path, ...], output: Path, ratio: float, seed: int,
                           max_phrase_len: int, lang: str, sure_only: bool,
                           overwrite: bool) -> None:
    """Switch source phrases with their word-aligned target phrases.

    FILES: SRC TGT ALIGN (parallel line files, Pharaoh i-j links, 0-based), or one
    `SOURCE ||| TARGET` file with its links beside it (STEM.align, STEM.gold.0idx, or
    1-based STEM.gold), or a Parquet/JSONL file with source, target and alignment columns.
    """
    from .aligned_switch import run_switch_aligned

    summary = run_switch_aligned(files, output, ratio=ratio, seed=seed,
                                 max_phrase_len=max_phrase_len, lang=lang,
                                 sure_only=sure_only, overwrite=overwrite)
    click.echo(f"wrote {output}: {summary['rows']:,} rows, {summary['words']:,} source words, "
               f"{summary['switches']:,} phrases switched")


# -- csgen eval ---------------------------------------------------------------------------------
@main.group("eval")
def eval_group() -> None:
    """Answer-sentence retrieval on XQuAD-R / MLQA-R (MRR@10, recall, t-tests)."""


@eval_group.command("baselines")
@click.option("--xquad-r", "xquad_r", type=click.Path(path_type=Path), default=None,
              help="Directory of the official XQuAD-R files ({lang}.json).")
@click.option("--squad", "squad_files", multiple=True,
              help="LANG=FILE: a SQuAD-format file (MLQA) segmented by csgen. Repeatable.")
@click.option("-s", "--setting", "settings", multiple=True, required=True,
              help="moir:X, clir:X-Y or mlir:X (all loaded languages). Repeatable.")
@click.option("--translate", multiple=True,
              help="LANG=LEXICON (X->en) for Translate-Test BM25, e.g. de=de-en.txt. "
                   "Repeatable.")
@click.option("--json", "json_path", type=click.Path(path_type=Path), default=None,
              help="Also write the report and the t-tests as JSON.")
def eval_baselines(xquad_r: Path | None, squad_files: tuple[str, ...],
                   settings: tuple[str, ...], translate: tuple[str, ...],
                   json_path: Path | None) -> None:
    """BM25, and Translate-Test BM25 when --translate is given (tested against BM25)."""
    from .eval.run import Setting, bm25_system, evaluate, load_data

    parsed = [Setting.parse(x) for x in settings]
    langs = sorted({lang for x in parsed for lang in x.langs})
    squad = dict(_lang_pair(x, "--squad") for x in squad_files)
    data = load_data(xquad_r, squad, [lang for lang in langs if lang not in squad])
    systems = {"bm25": bm25_system()}
    if translate:
        lexicons = {lang: load_lexicon(spec) for lang, spec in
                    (_lang_pair(x, "--translate") for x in translate)}
        systems["translate-test"] = bm25_system(lexicons)
    report, tests = evaluate(data, parsed, systems,
                             reference="bm25" if translate else None)
    _echo_report(report, tests, json_path)


_EVAL_DATA_OPTIONS = [
    click.option("--xquad-r", "xquad_r", type=click.Path(path_type=Path), default=None,
                 help="Directory of the official XQuAD-R files ({lang}.json)."),
    click.option("--squad", "squad_files", multiple=True,
                 help="LANG=FILE: a SQuAD-format file (MLQA) segmented by csgen. Repeatable."),
    click.option("-s", "--setting", "settings", multiple=True, required=True,
                 help="moir:X, clir:X-Y or mlir:X (all loaded languages). Repeatable."),
    click.option("--baseline", is_flag=True, help="Also run BM25 (the t-test reference)."),
    click.option("--tokenizer", default=None,
                 help="sentencepiece .model to use instead of the one in model.json (must be "
                      "the same file)."),
    click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="cpu",
                 show_default=True),
    click.option("--json", "json_path", type=click.Path(path_type=Path), default=None,
                 help="Also write the report and the t-tests as JSON."),
]


def _eval_data_options(fn: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(_EVAL_DATA_OPTIONS):
        fn = option(fn)
    return fn


def _eval_models(models: tuple[Path, ...], compare: bool, xquad_r: Path | None,
                 squad_files: tuple[str, ...], settings: tuple[str, ...], baseline: bool,
                 tokenizer: str | None, device: str, json_path: Path | None,
                 rerank: Path | None = None, rerank_k: int = 20) -> None:
    from .train.jobs import evaluate_models

    squad = dict(_lang_pair(x, "--squad") for x in squad_files)
    report, tests = evaluate_models(models, settings, xquad_r=xquad_r, squad_files=squad,
                                    baseline=baseline, compare=compare, tokenizer=tokenizer,
                                    device=device, rerank=rerank, rerank_k=rerank_k)
    _echo_report(report, tests, json_path)


@eval_group.command("model")
@click.argument("model_dir", type=click.Path(path_type=Path))
@_eval_data_options
@click.option("--rerank", "rerank", type=click.Path(path_type=Path), default=None,
              help="A cross-encoder of `csgen train --cross-encoder`: also rerank the model's "
                   "top-k with it (system NAME+rerank, t-tested against the model alone, or "
                   "against BM25 with --baseline).")
@click.option("--rerank-k", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many of the bi-encoder's top candidates --rerank reorders.")
def eval_model(model_dir: Path, **options: object) -> None:
    """A bi-encoder trained by `csgen train` (MODEL_DIR), optionally against BM25 and/or
    reranked by a cross-encoder (--rerank)."""
    _eval_models((model_dir,), False, **options)  # type: ignore[arg-type]


@eval_group.command("compare")
@click.argument("model_a", type=click.Path(path_type=Path))
@click.argument("model_b", type=click.Path(path_type=Path))
@_eval_data_options
def eval_compare(model_a: Path, model_b: Path, **options: object) -> None:
    """Two bi-encoders: paired t-tests (Bonferroni) of MODEL_B against MODEL_A."""
    _eval_models((model_a, model_b), True, **options)  # type: ignore[arg-type]


# -- csgen train --------------------------------------------------------------------------------
@main.command("train")
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
    from .train.jobs import TrainJob, TrainReporter, load_config_file, merge_options, run_train

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


def _echo_report(report: Any, tests: list[dict[str, Any]], json_path: Path | None) -> None:
    """An evaluation's Markdown tables (and t-tests) on stdout; JSON to ``json_path``."""
    from .eval.run import tests_markdown

    click.echo(report.to_markdown(), nl=False)
    if tests:
        click.echo("\n" + tests_markdown(tests), nl=False)
    if json_path is not None:
        json_path.write_text(json.dumps({"report": report.to_dict(), "tests": tests},
                                        indent=2) + "\n", encoding="utf-8")


def _lang_pair(text: str, flag: str) -> tuple[str, str]:
    lang, sep, value = text.partition("=")
    if not sep or not lang or not value:
        raise click.UsageError(f"{flag} takes LANG=VALUE, got {text!r}")
    return lang.strip(), value.strip()


def _split_columns(text: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in text.split(",") if c.strip())


# -- csgen bench: the benchmark suite of a source checkout -----------------------------------
# The suite (benchmarks/) is not part of the installed package: it reads ../shared/data and
# the sample of a checkout, so this command only finds one and runs `python -m benchmarks`.
def _find_bench_suite(suite_dir: Path | None) -> Path:
    """The checkout root whose ``benchmarks/`` holds the suite: ``suite_dir`` (the root or
    its ``benchmarks/``), else the current directory or the nearest parent with one."""
    from .errors import MissingFileError

    def has_suite(root: Path) -> bool:
        return (root / "benchmarks" / "__main__.py").is_file() and \
            (root / "benchmarks" / "suite.py").is_file()

    if suite_dir is not None:
        suite_dir = suite_dir.resolve()
        for root in (suite_dir, suite_dir.parent if suite_dir.name == "benchmarks" else None):
            if root is not None and has_suite(root):
                return root
        raise MissingFileError(f"--suite-dir {suite_dir}: no benchmark suite there (expected "
                               "benchmarks/__main__.py and benchmarks/suite.py)")
    cwd = Path.cwd().resolve()
    for root in (cwd, *cwd.parents):
        if has_suite(root):
            return root
    raise MissingFileError(f"no benchmark suite in {cwd} or its parents: `csgen bench` runs the "
                           "benchmarks/ of a csgen source checkout; run it inside one or pass "
                           "--suite-dir")


@main.command("bench")
@click.option("--mb", type=click.FloatRange(min=0, min_open=True), default=None,
              help="MB of text for the switching benchmark [100].")
@click.option("--smoke", is_flag=True, help="A seconds-long run at tiny sizes (<date>-smoke.*).")
@click.option("--only", multiple=True,
              help="Run only this benchmark: switch, pipeline, lexicon, spans, stream "
                   "(repeatable, or comma-separated).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Results folder [benchmarks/results of the checkout].")
@click.option("--pipeline-gb", default=None, help="Pipeline input sizes in GB [0.1,0.5,2].")
@click.option("--workers", default=None, help="Pipeline worker counts [1,2].")
@click.option("--threads", default=None, help="Switching thread counts [1,2].")
@click.option("--repeat", type=click.IntRange(min=1), default=None,
              help="Runs per measurement, best kept [3].")
@click.option("--induce-words", default=None,
              help="Embedding induction sizes, words per side [20000,50000,200000].")
@click.option("--readme", is_flag=True,
              help="Print the README table of the newest results; run nothing.")
@click.option("--write-readme", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --readme: put the table between this file's <!-- bench-table --> "
                   "markers.")
@click.option("--suite-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The source checkout (or its benchmarks/) [the current directory or a "
                   "parent].")
def bench_command(suite_dir: Path | None, only: tuple[str, ...], smoke: bool, readme: bool,
                  out: Path | None, write_readme: Path | None, **values: object) -> None:
    """Run the benchmark suite of a source checkout: `python -m benchmarks` there, which
    writes <date>.json, <date>.md and PNG plots into benchmarks/results."""
    import subprocess

    root = _find_bench_suite(suite_dir)
    argv = [f"--{k.replace('_', '-')}={v}" for k, v in values.items() if v is not None]
    argv += ["--smoke"] * smoke + ["--readme"] * readme
    if only:
        argv += ["--only", *only]
    # The suite runs in the checkout, so paths the user typed are made absolute first.
    argv += [] if out is None else [f"--out={out.resolve()}"]
    argv += [] if write_readme is None else [f"--write-readme={write_readme.resolve()}"]
    code = subprocess.call([sys.executable, "-m", "benchmarks", *argv], cwd=root)
    if code:
        raise SystemExit(code)


if __name__ == "__main__":
    main()

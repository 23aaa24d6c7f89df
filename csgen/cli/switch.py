"""``csgen switch``, ``csgen switch-aligned`` and ``csgen manifest``.

``switch``'s flags are named after the fields of :class:`~csgen.pipeline.SwitchJob`,
:class:`~csgen.SwitchConfig` and :class:`~csgen.io.ReadOptions` they set, and
:meth:`SwitchJob.from_mapping` routes and validates them; here text is only parsed into
values (``--ratio query=0.5`` by :func:`~csgen.config.parse_ratio_spec` ...). Defaults and
choices are read from those classes and their modules when first needed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..config import parse_lang_weights, parse_langs_spec, parse_ratio_spec
from ._params import LazyChoice, field_option, split_list

if TYPE_CHECKING:
    from ..pipeline import RunSummary

_JOB = "csgen.pipeline.job:SwitchJob"
_CONFIG = "csgen.config:SwitchConfig"
_READ = "csgen.io.readers:ReadOptions"


@click.command("switch")
@click.argument("input", metavar="INPUT")
@click.option("-l", "--lexicon", "lexicons", multiple=True, required=True,
              help="Lexicon: .csglex or MUSE file (language from its name: en-de.txt -> de), "
                   "or LANG=PATH. Repeat for multilingual switching.")
@click.option("-r", "--ratio", required=True,
              help="Probability of attempting a switch per word, in [0, 1]; per column: "
                   "query=0.5,passage=0.25 (a bare number is the default for other columns).")
@click.option("-c", "--columns", required=True,
              help="Comma-separated string columns to switch, e.g. query,passage.")
@click.option("-o", "--output", "output_dir", type=click.Path(path_type=Path), required=True,
              help="Output directory (shards and their manifest, .csgen-manifest.parquet).")
@click.option("--langs", "column_langs", default=None,
              help="Languages per column, e.g. query=de,passage=de+ar+ru (default: all).")
@field_option("--seed", default_from=f"{_CONFIG}.seed", type=int, help="Random seed.")
@click.option("--consistent", is_flag=True,
              help="The same source word gets the same translation within a row, across "
                   "columns.")
@field_option("--candidates", default_from=f"{_CONFIG}.candidates",
              type=LazyChoice("csgen.config:CANDIDATE_CHOICES"),
              help="Which translation of a word to use.")
@field_option("--lang-sampling", default_from=f"{_CONFIG}.lang_sampling",
              type=LazyChoice("csgen.config:LANG_SAMPLINGS"),
              help="uniform: draw a language, then look the word up in it (ratio x coverage); "
                   "coverage: draw among the languages that have the word.")
@click.option("--lang-weights", default=None, help="Language draw weights, e.g. de=2,ar=1.")
@click.option("--keep-identity", is_flag=True,
              help="Also use entries whose target equals the source.")
@click.option("--skip-stopwords", is_flag=True, help="Never switch English stopwords.")
@click.option("--id-column", default=None,
              help="Column whose value keys the randomness of a row (default: the row index).")
@click.option("-f", "--format", "--input-format", "format",
              type=LazyChoice("csgen.io.readers:READ_FORMATS"), default=None,
              help="Input format (default: from the extension).")
@click.option("--no-header", is_flag=True, help="CSV/TSV input has no header line.")
@click.option("--column-names", default=None,
              help="Names of the columns of a CSV/TSV file without header, comma-separated.")
@click.option("--collection", default=None, help="msmarco-ids: collection.tsv (pid, passage).")
@click.option("--queries", default=None, help="msmarco-ids: queries.tsv (qid, query).")
@field_option("--on-bad-row", default_from=f"{_READ}.on_bad_row",
              type=LazyChoice("csgen.io.readers:ON_BAD_ROW"),
              help="Stop at a malformed input row, or count and skip it.")
@field_option("--output-format", default_from=f"{_JOB}.output_format",
              type=LazyChoice("csgen.io.writers:OUTPUT_FORMATS"))
@field_option("--compression", default_from=f"{_JOB}.compression",
              type=LazyChoice("csgen.io.writers:COMPRESSIONS"))
@click.option("--shard-rows", type=int, default=None, help="Close a shard at this many rows.")
@click.option("--shard-bytes", default=None,
              help="Close a shard at about this many input bytes, e.g. 256MB (default 64MiB "
                   "unless --shard-rows is given).")
@field_option("--batch-rows", default_from=f"{_READ}.batch_rows", type=int,
              help="Rows per batch (and per Parquet row group).")
@click.option("-w", "--workers", type=int, default=None,
              help="Shards switched in parallel (default: all cores).")
@click.option("--threads", type=int, default=None,
              help="C++ threads in all (default: all cores), shared among the workers.")
@field_option("--engine", default_from=f"{_JOB}.engine",
              type=LazyChoice("csgen.pipeline.job:ENGINES"),
              help="Where shards run: threads of this process (local), worker processes, "
                   "or Ray actors (pip install 'csgen[ray]'). Never changes the output.")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run in OUTPUT: keep its verified shards.")
@click.option("--overwrite", is_flag=True, help="Replace the run in a non-empty OUTPUT.")
@click.option("--answers", type=LazyChoice("csgen.config:ANSWER_POLICIES"), default=None,
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
def switch_command(quiet: bool, **flags: Any) -> None:
    """Code-switch string COLUMNS of INPUT (a file, directory, glob or URL of Parquet,
    Arrow, JSONL, CSV/TSV, MS MARCO or SQuAD files) into sharded Parquet, Arrow or SQuAD JSON."""
    from ..pipeline import SwitchJob, run_switch

    job = SwitchJob.from_mapping(switch_options(flags))
    if quiet:
        run_switch(job)
        return
    from ..progress import ProgressReporter

    with ProgressReporter() as reporter:
        summary = run_switch(job, reporter.update)
    _print_summary(summary)


def switch_options(flags: dict[str, Any]) -> dict[str, Any]:
    """``csgen switch``'s flag values as :meth:`SwitchJob.from_mapping` keys: the text of
    list- and spec-valued flags parsed (an empty value counts as not given)."""
    from ..pipeline.job import parse_size

    options = dict(flags)
    options["ratio"], column_ratios = parse_ratio_spec(flags["ratio"])
    options["column_ratios"] = column_ratios or None
    options["columns"] = split_list(flags["columns"])
    options["header"] = not options.pop("no_header")
    parsers = {"column_langs": parse_langs_spec, "lang_weights": parse_lang_weights,
               "column_names": split_list, "shard_bytes": parse_size}
    for key, parse in parsers.items():
        options[key] = parse(flags[key]) if flags[key] else None
    return options


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
    console.print(f"wrote {len(summary.outputs)} shards and their manifest "
                  f"(csgen manifest {summary.manifest.parent if summary.manifest else ''})")


@click.command("manifest")
@click.argument("output_dir", type=click.Path(path_type=Path))
def manifest_command(output_dir: Path) -> None:
    """Print the manifest of a csgen switch output directory as JSON."""
    from ..io.manifest import read_manifest

    click.echo(json.dumps(read_manifest(output_dir), indent=2, ensure_ascii=False))


# --seed, --max-phrase-len and --lang copy run_switch_aligned's defaults instead of reading
# them: csgen.aligned_switch imports numba, a second of start-up for a help screen
# (tests/unit/test_cli_house.py holds the copies equal).
@click.command("switch-aligned")
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
def switch_aligned_command(files: tuple[Path, ...], output: Path, **options: Any) -> None:
    """Switch source phrases with their word-aligned target phrases.

    FILES: SRC TGT ALIGN (parallel line files, Pharaoh i-j links, 0-based), or one
    `SOURCE ||| TARGET` file with its links beside it (STEM.align, STEM.gold.0idx, or
    1-based STEM.gold), or a Parquet/JSONL file with source, target and alignment columns.
    """
    from ..aligned.corpus import run_switch_aligned

    summary = run_switch_aligned(files, output, **options)
    click.echo(f"wrote {output}: {summary['rows']:,} rows, {summary['words']:,} source words, "
               f"{summary['switches']:,} phrases switched")

"""``csgen`` command line: flags -> config -> API call -> print. No logic here."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .config import CANDIDATE_CHOICES, LANG_SAMPLINGS, SwitchConfig, parse_lang_weights
from .errors import CsgenError
from .io import INPUT_FORMATS
from .lexicon import load_lexicon
from .pipeline import RunSummary, SwitchJob, run_switch
from .switch import Switcher


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
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("-l", "--lexicon", "lexicons", multiple=True, required=True,
              help="MUSE dictionary PATH (language from its name: en-de.txt -> de) or LANG=PATH. "
                   "Repeat for multilingual switching.")
@click.option("-r", "--ratio", type=float, required=True,
              help="Probability of attempting a switch per word, in [0, 1].")
@click.option("-c", "--columns", required=True,
              help="Comma-separated string columns to switch, e.g. query,passage.")
@click.option("-o", "--output", "output_dir", type=click.Path(path_type=Path), required=True,
              help="Output directory (Parquet shards).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--threads", type=int, default=None, help="C++ threads (default: all cores).")
@click.option("--id-column", default=None,
              help="Column whose value keys the randomness of a row (default: the row index).")
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
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default=None,
              help="Input format (default: from the extension).")
@click.option("--batch-rows", type=click.IntRange(min=1), default=16384, show_default=True,
              help="Rows per batch.")
@click.option("--overwrite", is_flag=True, help="Replace shards in a non-empty output directory.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
def switch_command(input_path: Path, lexicons: tuple[str, ...], ratio: float, columns: str,
                   output_dir: Path, seed: int, threads: int | None, id_column: str | None,
                   candidates: str, lang_sampling: str, lang_weights: str | None,
                   keep_identity: bool, skip_stopwords: bool, input_format: str | None,
                   batch_rows: int, overwrite: bool, quiet: bool) -> None:
    """Code-switch string COLUMNS of INPUT (Parquet or JSONL) into Parquet shards."""
    config = SwitchConfig(
        ratio=ratio, seed=seed, candidates=candidates, lang_sampling=lang_sampling,  # type: ignore[arg-type]
        lang_weights=parse_lang_weights(lang_weights) if lang_weights else None,
        keep_identity=keep_identity, skip_stopwords=skip_stopwords, threads=threads,
    )
    switcher = Switcher([load_lexicon(spec) for spec in lexicons], config)
    job = SwitchJob(
        input=input_path, output_dir=output_dir,
        columns=tuple(c.strip() for c in columns.split(",") if c.strip()),
        id_column=id_column, input_format=input_format, batch_rows=batch_rows,
        overwrite=overwrite,
    )
    if quiet:
        run_switch(job, switcher)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True,
                  disable=not console.is_terminal) as progress:
        task = progress.add_task("switching rows", total=None)

        def on_batch(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        summary = run_switch(job, switcher, on_batch)
    _print_summary(summary, switcher)


def _print_summary(summary: RunSummary, switcher: Switcher) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"csgen switch: {summary.rows:,} rows in {summary.seconds:.2f} s "
                        f"({summary.mb_per_s:.1f} MB/s of input)")
    for header in ("column", "words", "coverage", "switched", *switcher.langs):
        table.add_column(header, justify="left" if header == "column" else "right")
    for name, col in summary.stats.columns.items():
        per_lang = [
            f"{col.by_lang.get(lang, [0, 0])[1] / col.words:.1%}" if col.words else "-"
            for lang in switcher.langs
        ]
        table.add_row(name, f"{col.words:,}", f"{col.coverage:.1%}", f"{col.switched_share:.1%}",
                      *per_lang)
    console = Console(file=sys.stdout)
    console.print(table)
    for path in summary.outputs:
        console.print(f"wrote {path}")


if __name__ == "__main__":
    main()

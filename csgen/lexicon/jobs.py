"""The jobs behind ``csgen lexicon ...``: each takes plain values and returns results;
the CLI only maps flags onto them and prints."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .core import Lexicon
from .formats import read_lexicon
from .ops import LexiconFilter, coverage, filter_lexicon
from .store import SUFFIX, load_lexicon, merge, save


def import_files(fmt: str, files: Sequence[str | Path], *, lang: str | None = None,
                 skip_bad: bool = False, rules: LexiconFilter | None = None) -> Lexicon:
    """Read ``files`` of one format, merge them in order, apply ``rules``."""
    if not files:
        raise ConfigError("no input file")
    parts = [read_lexicon(f, fmt, lang=lang, skip_bad=skip_bad) for f in files]
    lexicon = parts[0] if len(parts) == 1 else merge(parts, name=Path(files[0]).stem)
    return filter_lexicon(lexicon, rules or LexiconFilter())


def check_output(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix != SUFFIX:
        raise ConfigError(f"output {str(path)!r} must end in {SUFFIX}")
    return path


def write(lexicon: Lexicon, output: str | Path) -> Path:
    return save(lexicon, check_output(output))


def merge_files(specs: Sequence[str], *, name: str) -> Lexicon:
    """Load ``.csglex`` or raw lexicons (``LANG=PATH`` allowed) and merge them."""
    return merge([load_lexicon(s) for s in specs], name=name)


def dataset_coverage(lexicon: Lexicon, dataset: str | Path, columns: Sequence[str],
                     input_format: str | None = None) -> dict[str, Any]:
    """Coverage of ``columns`` of a dataset file (see :func:`ops.coverage`)."""
    from ..io import open_input
    from ..switch import check_columns

    source = open_input(dataset, input_format)
    check_columns(source.schema, columns, None)
    return coverage(lexicon, source.batches, columns)

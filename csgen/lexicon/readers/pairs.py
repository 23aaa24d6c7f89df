"""MUSE (``src tgt``) and TSV (``src<TAB>tgt[<TAB>weight]``) lexicon files."""

from __future__ import annotations

from pathlib import Path

from ..core import Lexicon

__all__ = ["read_pairs"]


def read_pairs(
    path: str | Path, fmt: str = "muse", *, lang: str | None = None, skip_bad: bool = False,
) -> Lexicon:
    """Read a ``muse`` (``src tgt``) or ``tsv`` (``src<TAB>tgt[<TAB>weight]``) file.

    The language defaults to the file name's target (``en-de.txt`` -> ``de``).
    With ``skip_bad``, malformed lines are counted (``provenance[0]["bad_lines"]``)
    instead of failing.
    """
    return Lexicon.from_pair_file(path, fmt, lang=lang, skip_bad=skip_bad)

"""Parallel Wikipedia page titles as phrase entries: the WMT ``title_x ||| title_en``
layout or a TSV of title pairs, normalised with Arrow compute kernels (no per-line
Python)."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ...errors import ConfigError, EmptyLexiconError
from .._text import no_entries, parse_file, provenance, read_bytes
from ..core import _LANG_CODE, Lexicon

__all__ = ["WIKITITLES_SEPARATOR", "read_wikititles", "wikititles_langs"]

WIKITITLES_SEPARATOR = " ||| "


# Namespace prefixes: one word and a colon directly followed by the title
# ("Category:Paris", "Kategorie:Berlin"); "Star Wars: Episode I" keeps its colon.
_NAMESPACE = r"^[^\W\d_]+:(\S)"  # replaced by the captured first character
# A trailing qualifier in parentheses: "Paris (band)" -> "Paris".
_QUALIFIER = r"\s*\([^()]*\)\s*$"
_LANG_PAIR = re.compile(r"(?<![A-Za-z])([a-z]{2,3})-([a-z]{2,3})(?![A-Za-z])")


def wikititles_langs(path: Path) -> tuple[str, str] | None:
    """``(source, target)`` from a WMT name such as ``wikititles-v3.de-en.tsv``: English
    is the source when it is one of the two (titles are ``title_x ||| title_en``)."""
    match = _LANG_PAIR.search(path.name)
    if not match:
        return None
    a, b = match.groups()
    return (b, a) if b == "en" else (a, b)


def read_wikititles(
    path: str | Path, *, lang: str | None = None, source_first: bool | None = None,
    skip_bad: bool = False,
) -> Lexicon:
    """Parallel Wikipedia page titles as phrase entries.

    Two layouts: the WMT ``title_x ||| title_en`` (the English title is the
    source), or a TSV of title pairs (source first, unless ``source_first``
    is False). Titles are normalised: namespace prefixes (``Category:``) and
    trailing parenthesised qualifiers (``Paris (band)``) are dropped, then
    pairs whose sides are equal (case-insensitively) or empty are dropped.
    """
    path = Path(path)
    data_head = read_bytes(path)[:65536]
    wmt = WIKITITLES_SEPARATOR.encode() in data_head
    parsed = parse_file(path, "wikititles" if wmt else "tsv",
                        separator=WIKITITLES_SEPARATOR if wmt else "", skip_bad=skip_bad)
    first, second = parsed["source"], parsed["target"]
    if source_first is None:
        source_first = not wmt
    source, target = (first, second) if source_first else (second, first)
    langs = wikititles_langs(path)
    lang = lang or (langs[1] if langs else None)
    if not lang or not _LANG_CODE.match(lang):
        raise ConfigError(f"cannot tell the language of {str(path)!r}; give lang= / LANG=PATH")
    source, target = (_normalise_title(source), _normalise_title(target))
    keep = pc.and_(
        pc.and_(pc.greater(pc.utf8_length(source), 0), pc.greater(pc.utf8_length(target), 0)),
        pc.not_equal(pc.utf8_lower(source), pc.utf8_lower(target)),
    )
    table = pa.table({"source": source, "target": target, "weight": parsed["weight"],
                      "line": parsed["line"]}).filter(keep)
    dropped = len(keep) - table.num_rows
    if table.num_rows == 0:
        raise EmptyLexiconError(no_entries(parsed) + " after normalisation", path)
    return Lexicon.from_entries(
        table["source"].combine_chunks(), table["target"].combine_chunks(), lang,
        weight=table["weight"].combine_chunks(), line=table["line"].combine_chunks(),
        name=path.name, path=str(path), source_lang=langs[0] if langs else "en",
        provenance=[provenance(path, "wikititles", parsed, dropped_by_normalisation=dropped)],
    )


def _normalise_title(titles: pa.Array) -> pa.Array:
    titles = pc.replace_substring_regex(titles, _NAMESPACE, r"\1")
    titles = pc.replace_substring_regex(titles, _QUALIFIER, "")
    titles = pc.replace_substring(titles, "_", " ")
    return pc.utf8_trim_whitespace(titles)

"""Readers for the lexicon sources users bring: MUSE, TSV and Wikipedia titles.

Files are parsed by the C++ core (``parse_pairs``) into packed Arrow string
arrays, with the GIL released; normalisation (wikititles) uses Arrow compute
kernels. No per-line Python.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import _core
from ..errors import (
    ConfigError,
    EmptyLexiconError,
    LexiconFormatError,
    LexiconReadError,
    from_core,
)
from .core import _LANG_CODE, Lexicon, lang_from_path, langs_from_path

_SPLIT = {"muse": 0, "tsv": 1, "wikititles": 2}
WIKITITLES_SEPARATOR = " ||| "


_OTHER_ENCODINGS = ((b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
                    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
                    (b"\xff\xfe", "UTF-16 (little-endian)"), (b"\xfe\xff", "UTF-16 (big-endian)"))


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        reason = e.strerror or e
        raise LexiconReadError(f"cannot read lexicon {str(path)!r}: {reason}") from None


def _check_text_encoding(path: Path, data: bytes) -> None:
    """A byte order mark tells the encoding for sure: say so rather than "invalid UTF-8"."""
    for bom, name in _OTHER_ENCODINGS:
        if data.startswith(bom):
            raise LexiconFormatError(
                f"the file is {name}, csgen reads UTF-8 (convert it, e.g. iconv -f "
                f"{name.split()[0]} -t UTF-8)", path, 1)
    # NUL is valid UTF-8 but never in a dictionary: UTF-16/32 without a byte order mark
    # would otherwise parse into entries of NUL-separated letters.
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        column = nul - (data.rfind(b"\n", 0, nul) + 1) + 1
        raise LexiconFormatError(
            f"NUL byte at column {column}: the file looks like UTF-16 or UTF-32 without a byte "
            "order mark, csgen reads UTF-8 (convert it with iconv -t UTF-8)", path, line)


def _packed(offsets: np.ndarray, data: np.ndarray) -> pa.Array:
    return pa.Array.from_buffers(
        pa.string(), len(offsets) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def parse_file(
    path: Path, split: str, *, separator: str = "", allow_weight: bool = False,
    skip_bad: bool = False,
) -> dict[str, Any]:
    """Parse a two-column file with the core; errors name ``path:line``.

    Returns ``source``/``target`` (Arrow strings), ``weight`` float64[n],
    ``line`` int64[n] and, with ``skip_bad``, ``bad_lines`` with the first
    bad line and reason.
    """
    data = _read_bytes(path)
    _check_text_encoding(path, data)
    try:
        parsed = _core.parse_pairs(data, _SPLIT[split], separator, allow_weight, skip_bad)
    except _core.CoreError as e:
        raise from_core(e, lexicon_path=path) from None
    parsed["source"] = _packed(parsed.pop("source_offsets"), parsed.pop("source_data"))
    parsed["target"] = _packed(parsed.pop("target_offsets"), parsed.pop("target_data"))
    return parsed


def _provenance(path: Path, fmt: str, parsed: dict[str, Any], **extra: Any) -> dict[str, Any]:
    stat = path.stat()
    return {"format": fmt, "path": str(path), "size": stat.st_size,
            "mtime": int(stat.st_mtime), "entries": len(parsed["line"]),
            "bad_lines": int(parsed["bad_lines"]), **extra}


def read_pairs(
    path: str | Path, fmt: str = "muse", *, lang: str | None = None, skip_bad: bool = False,
) -> Lexicon:
    """Read a ``muse`` (``src tgt``) or ``tsv`` (``src<TAB>tgt[<TAB>weight]``) file.

    The language defaults to the file name's target (``en-de.txt`` -> ``de``).
    With ``skip_bad``, malformed lines are counted (``provenance[0]["bad_lines"]``)
    instead of failing.
    """
    if fmt not in ("muse", "tsv"):
        raise ConfigError(f"read_pairs reads muse or tsv, not {fmt!r}")
    path = Path(path)
    lang = lang or lang_from_path(path)
    parsed = parse_file(path, fmt, allow_weight=fmt == "tsv", skip_bad=skip_bad)
    if len(parsed["line"]) == 0:
        raise EmptyLexiconError(_no_entries(parsed), path)
    langs = langs_from_path(path)
    return Lexicon.from_entries(
        parsed["source"], parsed["target"], lang, weight=parsed["weight"], line=parsed["line"],
        name=path.name, path=str(path), source_lang=langs[0] if langs else None,
        provenance=[_provenance(path, fmt, parsed)],
    )


def _no_entries(parsed: dict[str, Any]) -> str:
    if parsed["bad_lines"]:
        return (f"no entries: all {parsed['bad_lines']} lines are malformed (first: line "
                f"{parsed['first_bad_line']}: {parsed['first_bad_reason']})")
    return "no entries"


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
    data_head = _read_bytes(path)[:65536]
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
        raise EmptyLexiconError(_no_entries(parsed) + " after normalisation", path)
    return Lexicon.from_entries(
        table["source"].combine_chunks(), table["target"].combine_chunks(), lang,
        weight=table["weight"].combine_chunks(), line=table["line"].combine_chunks(),
        name=path.name, path=str(path), source_lang=langs[0] if langs else "en",
        provenance=[_provenance(path, "wikititles", parsed, dropped_by_normalisation=dropped)],
    )


def _normalise_title(titles: pa.Array) -> pa.Array:
    titles = pc.replace_substring_regex(titles, _NAMESPACE, r"\1")
    titles = pc.replace_substring_regex(titles, _QUALIFIER, "")
    titles = pc.replace_substring(titles, "_", " ")
    return pc.utf8_trim_whitespace(titles)


FORMATS = ("muse", "tsv", "freedict", "wikititles", "aligned")


def read_lexicon(path: str | Path, fmt: str, *, lang: str | None = None,
                 skip_bad: bool = False) -> Lexicon:
    """Read one source file of any supported format."""
    if fmt in ("muse", "tsv"):
        return read_pairs(path, fmt, lang=lang, skip_bad=skip_bad)
    if fmt == "wikititles":
        return read_wikititles(path, lang=lang, skip_bad=skip_bad)
    if fmt == "freedict":
        from .freedict import read_freedict

        return read_freedict(path, lang=lang)
    if fmt == "aligned":
        from .aligned import read_aligned_path

        return read_aligned_path(path, lang=lang, skip_bad=skip_bad)
    raise ConfigError(f"unknown lexicon format {fmt!r}; use one of {', '.join(FORMATS)}")

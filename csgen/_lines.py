"""Reading line files: the parallel corpora of alignment-based switching and the aligned
corpora lexicons are induced from share these rules. Callers raise their own typed error
(an input error, or a lexicon format error), naming the file and line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def utf8_lines(data: bytes) -> list[str]:
    """The lines of UTF-8 ``data``: split at ``\\n``, a ``\\r`` before it dropped, a final
    newline optional. Raises ``UnicodeDecodeError`` (:func:`line_of` its ``start``)."""
    lines = data.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def line_of(data: bytes, pos: int) -> int:
    """1-based line of byte ``pos`` of ``data``."""
    return data.count(b"\n", 0, pos) + 1


def uneven(files: Sequence[tuple[Path, int]]) -> tuple[Path, int, Path, int] | None:
    """For parallel files given as ``(path, line count)``: the first file with fewer lines
    than the longest, as ``(path, lines, longest path, its lines)``; None when even."""
    most = max(n for _, n in files)
    longer = next(p for p, m in files if m == most)
    for path, n in files:
        if n != most:
            return path, n, longer, most
    return None

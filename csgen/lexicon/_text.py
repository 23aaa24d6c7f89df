"""What every lexicon source shares: reading its bytes, refusing other encodings, and
parsing two-column text with the C++ core (``parse_pairs``, GIL released) into packed
Arrow string arrays. Below :mod:`csgen.lexicon.core` and the readers: imports neither."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from .. import _core
from ..errors import LexiconFormatError, LexiconReadError, from_core

#: ``parse_pairs`` split modes: white space (``muse``), TAB, or a separator string
SPLIT = {"muse": 0, "tsv": 1, "wikititles": 2}

_OTHER_ENCODINGS = ((b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
                    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
                    (b"\xff\xfe", "UTF-16 (little-endian)"), (b"\xfe\xff", "UTF-16 (big-endian)"))


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        reason = e.strerror or e
        raise LexiconReadError(f"cannot read lexicon {str(path)!r}: {reason}") from None


def check_text_encoding(path: Path, data: bytes) -> None:
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
    data = read_bytes(path)
    check_text_encoding(path, data)
    try:
        parsed = _core.parse_pairs(data, SPLIT[split], separator, allow_weight, skip_bad)
    except _core.CoreError as e:
        raise from_core(e, lexicon_path=path) from None
    parsed["source"] = _packed(parsed.pop("source_offsets"), parsed.pop("source_data"))
    parsed["target"] = _packed(parsed.pop("target_offsets"), parsed.pop("target_data"))
    return parsed


def provenance(path: Path, fmt: str, parsed: dict[str, Any], **extra: Any) -> dict[str, Any]:
    stat = path.stat()
    return {"format": fmt, "path": str(path), "size": stat.st_size,
            "mtime": int(stat.st_mtime), "entries": len(parsed["line"]),
            "bad_lines": int(parsed["bad_lines"]), **extra}


def no_entries(parsed: dict[str, Any]) -> str:
    if parsed["bad_lines"]:
        return (f"no entries: all {parsed['bad_lines']} lines are malformed (first: line "
                f"{parsed['first_bad_line']}: {parsed['first_bad_reason']})")
    return "no entries"

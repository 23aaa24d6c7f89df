"""``.csglex``: a compiled lexicon file, versioned, checksummed, memory-mapped.

Layout::

    b"CSGLEX\\x00\\x01"       magic and layout version (8 bytes)
    uint64 little-endian      length H of the header
    H bytes                   UTF-8 JSON header: format version, languages,
                              entry count, provenance, payload size and
                              BLAKE2b-128 checksum of the payload
    zero padding to 64 bytes
    payload                   an Arrow IPC file holding the entry table
                              (Lexicon.ENTRY_SCHEMA)

Loading maps the file and verifies the checksum; the entry arrays are then
views of the mapping (no copy, shared by every process that maps the file),
and the C++ index is built from them (tens of milliseconds for 100k entries).
Writing goes through a temporary file and a rename.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc

from .._version import __version__
from ..errors import ConfigError, LexiconFormatError, LexiconReadError
from .core import _LANG_CODE, ENTRY_SCHEMA, Lexicon

MAGIC = b"CSGLEX\x00\x01"
FORMAT_VERSION = 1
SUFFIX = ".csglex"
_ALIGN = 64


class CorruptLexiconError(LexiconFormatError):
    """A ``.csglex`` file that is truncated, altered or not one at all."""


def _checksum(data: Any) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def save(lexicon: Lexicon, path: str | Path) -> Path:
    """Write ``lexicon`` to ``path`` (``.csglex``) atomically; returns the path."""
    path = Path(path)
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, ENTRY_SCHEMA) as writer:
        writer.write_table(lexicon.table)
    payload = sink.getvalue()
    header = {
        "format": "csglex",
        "version": FORMAT_VERSION,
        "csgen": __version__,
        "name": lexicon.name,
        "source_lang": lexicon.source_lang,
        "target_langs": list(lexicon.langs),
        "entries": len(lexicon),
        "provenance": list(lexicon.provenance),
        "payload_bytes": payload.size,
        "checksum": "blake2b-128:" + _checksum(payload),
    }
    head = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    prefix = MAGIC + struct.pack("<Q", len(head)) + head
    prefix += b"\x00" * (-len(prefix) % _ALIGN)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(prefix)
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def read_header(path: str | Path) -> dict[str, Any]:
    """The JSON header of a ``.csglex`` file (cheap: the payload is not read)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            start = f.read(16)
            # Never read past the end: a corrupt length must not become an allocation of
            # that size (an OverflowError for 2**63 - 1; found by fuzz/fuzz_csglex.py).
            header, _ = _parse_header(path, start, lambda n: f.read(min(n, size)))
    except OSError as e:
        raise LexiconReadError(f"cannot read lexicon {str(path)!r}: {e.strerror or e}") from None
    return header


def _parse_header(path: Path, start: bytes, read: Any) -> tuple[dict[str, Any], int]:
    if len(start) < 16 and MAGIC.startswith(start[:8]):
        # the magic so far, then the end: a .csglex file cut short, not another file
        raise CorruptLexiconError(f"truncated .csglex file ({len(start)} bytes, shorter "
                                  "than its 16-byte preamble)", path)
    if len(start) < 16 or start[:6] != MAGIC[:6]:
        raise CorruptLexiconError("not a .csglex file (bad magic bytes)", path)
    if start[:8] != MAGIC:
        raise CorruptLexiconError(
            f"unsupported .csglex layout version {start[7]} (this csgen reads {MAGIC[7]})", path
        )
    (length,) = struct.unpack("<Q", start[8:16])
    head = read(length)
    if len(head) != length:
        raise CorruptLexiconError("truncated .csglex file (header cut short)", path)
    try:
        header = json.loads(head.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise CorruptLexiconError("corrupt .csglex header", path) from None
    # Valid JSON is not yet a header: 0 or [] would fail below with AttributeError, and
    # wrong field types later with TypeError (found by fuzz/fuzz_csglex.py).
    if not isinstance(header, dict):
        raise CorruptLexiconError("corrupt .csglex header (not a JSON object)", path)
    for key, types in (("payload_bytes", int), ("provenance", list), ("target_langs", list),
                       ("name", (str, type(None))), ("source_lang", (str, type(None)))):
        value = header.get(key)
        if key in header and (not isinstance(value, types) or isinstance(value, bool)):
            raise CorruptLexiconError(f"corrupt .csglex header ({key} is {value!r})", path)
    if header.get("format") != "csglex" or header.get("version") != FORMAT_VERSION:
        raise CorruptLexiconError(
            f"unsupported .csglex version {header.get('version')!r} "
            f"(this csgen reads {FORMAT_VERSION})", path,
        )
    offset = 16 + length
    return header, offset + (-offset % _ALIGN)


def load(path: str | Path, lang: str | None = None) -> Lexicon:
    """Map a ``.csglex`` file, verify it and return its lexicon.

    ``lang`` renames the target language of a single-language file.
    """
    path = Path(path)
    try:
        source = pa.memory_map(str(path), "r")
    except (OSError, pa.ArrowException) as e:
        raise LexiconReadError(f"cannot read lexicon {str(path)!r}: {e}") from None
    data = source.read_buffer()
    header, start = _parse_header(path, data[:16].to_pybytes(),
                                  _Reader(data, 16).read)
    size = header.get("payload_bytes")
    if not isinstance(size, int) or size < 0 or data.size < start + size:
        raise CorruptLexiconError(
            f"truncated .csglex file ({data.size} bytes, expected {start + (size or 0)})", path
        )
    payload = data.slice(start, size)
    if "blake2b-128:" + _checksum(payload) != header.get("checksum"):
        raise CorruptLexiconError("checksum mismatch: the file is corrupt or was altered", path)
    try:
        table = ipc.open_file(payload).read_all()
    except (pa.ArrowException, OSError) as e:
        # Arrow's IOError status (a footer that fails flatbuffer verification) surfaces as a
        # plain OSError, not an ArrowException (found by fuzz/fuzz_csglex.py).
        raise CorruptLexiconError(f"unreadable entry table: {e}", path) from None
    if not table.schema.equals(ENTRY_SCHEMA):
        raise CorruptLexiconError(f"unexpected entry schema {table.schema}", path)
    try:
        # The IPC reader checks structure, not values: offsets past the data (which crash
        # the compute kernels the Lexicon runs next) or invalid UTF-8 pass it, even under a
        # matching checksum, which only proves the file is what its writer wrote. One linear
        # pass over the entries, after the schema check (validate() decodes field names,
        # which may not be UTF-8 in a foreign schema); found by fuzz/fuzz_csglex.py.
        table.validate(full=True)
    except pa.ArrowException as e:
        raise CorruptLexiconError(f"invalid entry table: {e}", path) from None
    if lang is not None:
        langs = header.get("target_langs", [])
        if len(langs) != 1:
            raise ConfigError(f"{path} holds languages {langs}; LANG= works for one only")
        table = table.set_column(
            2, "lang", pa.array([lang] * table.num_rows, type=pa.string())
        )
    return Lexicon(table, header.get("name") or path.name, path=str(path),
                   source_lang=header.get("source_lang"),
                   provenance=header.get("provenance", []))


class _Reader:
    """``read(n)`` over an Arrow buffer, for the header parser."""

    def __init__(self, buf: pa.Buffer, pos: int) -> None:
        self.buf, self.pos = buf, pos

    def read(self, n: int) -> bytes:
        out = self.buf[self.pos:self.pos + n].to_pybytes()
        self.pos += len(out)
        return out


def merge(lexicons: Sequence[Lexicon], name: str = "merged") -> Lexicon:
    """One lexicon holding every entry of ``lexicons`` (in order) for ML-CS."""
    if not lexicons:
        raise ConfigError("nothing to merge")
    sources = {lex.source_lang for lex in lexicons} - {None}
    if len(sources) > 1:
        raise ConfigError(f"cannot merge lexicons of different source languages: {sorted(sources)}")
    table = pa.concat_tables([lex.table for lex in lexicons])
    return Lexicon(table, name, source_lang=next(iter(sources), None),
                   provenance=[p for lex in lexicons for p in lex.provenance])


def load_lexicon(spec: str | Path, fmt: str | None = None) -> Lexicon:
    """Load a lexicon named on the command line: ``PATH`` or ``LANG=PATH``.

    ``.csglex`` files are loaded as compiled; anything else is read as
    ``fmt`` (default ``muse``), its language from ``LANG=`` or the file name
    (``en-de.txt`` -> ``de``).
    """
    from .readers import read_lexicon

    text = str(spec)
    lang, sep, rest = text.partition("=")
    if not (sep and _LANG_CODE.match(lang) and rest):
        lang, rest = None, text
    if Path(rest).suffix == SUFFIX:
        return load(rest, lang=lang)
    return read_lexicon(rest, fmt or "muse", lang=lang)

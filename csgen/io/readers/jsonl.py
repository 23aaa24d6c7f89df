"""The ``jsonl`` reader (``.jsonl``, ``.ndjson``, also ``.gz``): JSON Lines parsed by
``pyarrow.json`` in blocks, one explicit schema for the whole source.

Buffers: each block is new bytes read from the file (gunzipped for ``.gz``), parsed into
new Arrow buffers; the batches handed on borrow those (a block's table, sliced). Nothing
borrows the file.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.json as pa_json

from ...errors import InputError
from ..files import File, reading
from .base import BadRows, Probe, Reader, ReadOptions, register

JSON_BLOCK_BYTES = 8 << 20      # JSONL bytes parsed at a time (cut at a newline)
JSON_SAMPLE_BYTES = 1 << 20     # JSONL bytes a file's schema is inferred from
_BOM = b"\xef\xbb\xbf"


def _fix_json_type(t: pa.DataType) -> pa.DataType:
    """Inferred JSON types made stable: null and timestamp (from strings) -> string."""
    if pa.types.is_null(t) or pa.types.is_timestamp(t):
        return pa.string()
    if pa.types.is_struct(t):
        return pa.struct([pa.field(x.name, _fix_json_type(x.type)) for x in t])
    if pa.types.is_list(t):
        return pa.list_(_fix_json_type(t.value_type))
    return t


_JSON_CHANGED = re.compile(r"Column\((.*?)\) changed from (\w+) to (\w+)")
_JSON_TWICE = re.compile(r"Column\((.*?)\) was specified twice")


@register
class JsonlReader(Reader):
    """JSON Lines: the file is read in :data:`JSON_BLOCK_BYTES` blocks cut after a newline
    and each block is parsed by ``pyarrow.json.read_json`` with one explicit schema (the
    first file's, inferred from its first :data:`JSON_SAMPLE_BYTES`; null and timestamp
    columns become string). Blank lines are fine. A block that fails is split in halves
    until the bad lines are found (error path only), giving ``file:LINE: reason``; a field
    not in the schema is a bad line too."""

    format = "jsonl"

    def __init__(self, options: ReadOptions):
        super().__init__(options)
        self._schema: pa.Schema | None = None
        self._base: str | None = None

    def probe(self, f: File) -> Probe:
        with reading(f.name), f.open() as fh:
            sample = fh.read(JSON_SAMPLE_BYTES)
            while sample and b"\n" not in sample[-JSON_SAMPLE_BYTES:]:
                more = fh.read(JSON_SAMPLE_BYTES)
                if not more:
                    break
                sample += more
        sample = sample.removeprefix(_BOM)
        cut = sample.rfind(b"\n")
        if cut >= 0 and len(sample) >= JSON_SAMPLE_BYTES:
            sample = sample[:cut + 1]
        if not sample or sample.isspace():
            return Probe(None)
        try:
            raw = _infer_json(sample)
        except (pa.ArrowInvalid, UnicodeDecodeError):
            raw = _infer_json_prefix(f.name, sample)
        schema = pa.schema([pa.field(x.name, _fix_json_type(x.type)) for x in raw])
        wild = frozenset(x.name for x in raw if pa.types.is_null(x.type))
        if self._schema is None:
            self._schema, self._base = schema, f.name
        return Probe(schema, None, wild)

    def read(self, f: File, probe: Probe, schema: pa.Schema,
             bad: BadRows) -> Iterator[pa.RecordBatch]:
        opts = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error")
        line_base = 0
        carry = b""
        first = True
        with f.open() as fh:
            while True:
                chunk = fh.read(JSON_BLOCK_BYTES)
                if first:
                    chunk, first = chunk.removeprefix(_BOM), False
                if chunk:
                    data = carry + chunk if carry else chunk
                    cut = data.rfind(b"\n")
                    if cut < 0:
                        carry = data
                        continue
                    block, carry = data[:cut + 1], data[cut + 1:]
                else:
                    block, carry = carry, b""
                if block and not block.isspace():
                    yield from self._parse(f.name, block, line_base, opts, schema, bad)
                line_base += block.count(b"\n")
                if not chunk:
                    return

    def _parse(self, name: str, block: bytes, line_base: int, opts: pa_json.ParseOptions,
               schema: pa.Schema, bad: BadRows) -> Iterator[pa.RecordBatch]:
        try:
            table = _read_json(block, opts)
        except (pa.ArrowInvalid, UnicodeDecodeError):
            yield from self._salvage(name, block, line_base, opts, schema, bad)
            return
        yield from table.to_batches()

    def _salvage(self, name: str, block: bytes, line_base: int, opts: pa_json.ParseOptions,
                 schema: pa.Schema, bad: BadRows) -> Iterator[pa.RecordBatch]:
        """Error path: split the failing block until the bad lines are single lines."""
        lines = block.split(b"\n")
        stack = [(0, len(lines))]
        while stack:
            lo, hi = stack.pop()
            chunk = b"\n".join(lines[lo:hi])
            if not chunk or chunk.isspace():
                continue
            try:
                table = _read_json(chunk, opts)
            except (pa.ArrowInvalid, UnicodeDecodeError) as e:
                if hi - lo == 1:
                    reason = _json_reason(lines[lo], e, schema, self._base or name)
                    if not self.skip:
                        raise InputError(f"{name}:{line_base + lo + 1}: {reason}") from None
                    bad.add(name, line_base + lo + 1, reason)
                    continue
                mid = (lo + hi) // 2
                stack.append((mid, hi))   # right half after the left one
                stack.append((lo, mid))
                continue
            yield from table.to_batches()


def _read_json(data: bytes, opts: pa_json.ParseOptions) -> pa.Table:
    try:
        table = pa_json.read_json(io.BytesIO(data), parse_options=opts,
                                  read_options=pa_json.ReadOptions(block_size=1 << 20,
                                                                   use_threads=False))
    except pa.ArrowInvalid as e:
        if "straddl" not in str(e):
            raise
        # a line longer than 1 MiB: one block for the whole chunk
        table = pa_json.read_json(io.BytesIO(data), parse_options=opts,
                                  read_options=pa_json.ReadOptions(block_size=len(data) + 1,
                                                                   use_threads=False))
    # pyarrow's JSON parser copies string bytes without checking UTF-8: an invalid byte
    # would reach the output as an invalid string. Full validation raises ArrowInvalid,
    # which sends the block down the error path (``file:LINE: not valid UTF-8``).
    table.validate(full=True)
    return table


def _infer_json(data: bytes) -> pa.Schema:
    return _read_json(data, pa_json.ParseOptions()).schema


def _infer_json_prefix(name: str, sample: bytes) -> pa.Schema:
    """Error path of schema inference: the schema of the longest run of leading JSON
    object lines that pyarrow infers (bad lines are reported when read)."""
    good = [ln for ln in sample.split(b"\n") if _json_object(ln) and _arrow_parses(ln)]
    lo, hi = 0, len(good)   # good[:lo] infers (best); good[:hi + 1] does not
    best: pa.Schema | None = None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            best, lo = _infer_json(b"\n".join(good[:mid])), mid
        except (pa.ArrowInvalid, UnicodeDecodeError):
            hi = mid - 1
    if lo == 0 or best is None:
        raise InputError(f"{name}: no JSON object to infer a schema from in its first "
                         f"{len(sample):,} bytes")
    return best


def _arrow_parses(line: bytes) -> bool:
    try:
        _infer_json(line)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return False
    return True


def _json_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


_JSON_KINDS = {"string": "a string", "number": "a number", "boolean": "a boolean",
               "null": "null", "object": "an object", "array": "an array"}


def _json_reason(line: bytes, err: BaseException, schema: pa.Schema, base: str) -> str:
    """Why one JSONL line fails, in words (error path)."""
    try:
        # Decoded strictly first: ``json.loads`` decodes bytes with "surrogatepass", so
        # an encoded surrogate (b"\xed\xa0\x80", invalid UTF-8) would pass it and leave
        # only Arrow's raw "Invalid UTF8 sequence" to report.
        line.decode("utf-8")
        obj = json.loads(line)
    except UnicodeDecodeError as e:
        return f"not valid UTF-8 (byte {e.start + 1} of the line)"
    except json.JSONDecodeError as e:
        return f"invalid JSON at column {e.colno}: {e.msg}"
    if not isinstance(obj, dict):
        return f"expected a JSON object, found {type(obj).__name__}"
    extra = [k for k in obj if schema.get_field_index(k) < 0]
    if extra:
        return (f"field {extra[0]!r} is not in the schema (inferred from the first rows of "
                f"{base}: {', '.join(schema.names)})")
    msg = str(err)
    m = _JSON_CHANGED.search(msg)
    if m:
        path = m.group(1).lstrip("/").split("/")
        found = _JSON_KINDS.get(m.group(3), m.group(3))
        want: Any = m.group(2)
        with contextlib.suppress(KeyError, TypeError, AttributeError):
            t = schema.field(path[0]).type
            for part in path[1:]:
                t = t.value_type if pa.types.is_list(t) else t.field(part).type
            want = t
        return (f"field {'.'.join(path)!r} is {found} here but {want} in the schema "
                f"(inferred from the first rows of {base})")
    m = _JSON_TWICE.search(msg)
    if m:
        return f"field {m.group(1).lstrip('/')!r} appears twice"
    return msg.replace("JSON parse error: ", "").replace(" in row 0", "").strip()

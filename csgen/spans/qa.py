"""Question answering data: answer spans and protected spans through switching.

SQuAD counts ``answer_start`` in Python characters (code points) of the context, the
switch records count UTF-8 bytes. Everything here is vectorised over Arrow buffers:
``@numba.njit(cache=True, nogil=True)`` kernels over a string array's offsets and data
(each with a plain-Python twin, ``*_reference``, that the tests use as the oracle) and
pyarrow compute kernels for regular expressions. No Python loop runs per row.

- :func:`char_to_byte` / :func:`byte_to_char`: character <-> byte offsets in rows.
- :func:`locate_answers`: byte spans of SQuAD answers, and whether each one matches.
- :func:`remap_extend`: map byte spans through ``<col>_switches`` records; a boundary
  strictly inside a switched unit extends to cover the unit's whole output.
- :func:`merge_spans`: sort and merge overlapping spans per row.
- :func:`regex_spans`: byte spans of every match of RE2 patterns.
- :func:`switch_qa_batch`: the per-row-group step of ``csgen switch`` with answers and
  protected spans.

This module imports numba; ``import csgen`` does not import it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .._arrow import string_parts
from ..config import ANSWER_POLICIES
from ..errors import ColumnError, ColumnTypeError, ConfigError, InputError
from .kernels import first_record_ending_after

__all__ = [
    "ANSWER_POLICIES",
    "byte_to_char",
    "byte_to_char_reference",
    "char_to_byte",
    "char_to_byte_reference",
    "locate_answers",
    "locate_answers_reference",
    "merge_spans",
    "merge_spans_reference",
    "regex_spans",
    "remap_extend",
    "remap_extend_reference",
    "switch_qa_batch",
]


SPAN_TYPE = pa.list_(pa.struct([("start", pa.int64()), ("end", pa.int64())]))
_I64 = np.int64


def _i64(a: Any) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=_I64)


# --------------------------------------------------------------------------- kernels


@numba.njit(cache=True, nogil=True)
def _byte_of_char(data, lo, hi, c):  # pragma: no cover - compiled
    """Absolute byte position of character ``c`` of the UTF-8 row ``data[lo:hi]`` (``hi``
    for the character just past the end), or -1 when ``c`` is negative or past it."""
    if c < 0:
        return -1
    p = lo
    k = 0
    while p < hi and k < c:
        p += 1
        while p < hi and (data[p] & 0xC0) == 0x80:  # continuation bytes
            p += 1
        k += 1
    return p if k == c else -1


@numba.njit(cache=True, nogil=True)
def _char_to_byte_kernel(offsets, data, rows, chars):  # pragma: no cover - compiled
    n = rows.shape[0]
    out = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        lo, hi = offsets[rows[i]], offsets[rows[i] + 1]
        p = _byte_of_char(data, lo, hi, chars[i])
        if p >= 0:
            out[i] = p - lo
    return out


@numba.njit(cache=True, nogil=True)
def _byte_to_char_kernel(offsets, data, rows, pos):  # pragma: no cover - compiled
    n = rows.shape[0]
    out = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        lo, hi = offsets[rows[i]], offsets[rows[i] + 1]
        p = pos[i]
        if p < 0 or lo + p > hi or (lo + p < hi and (data[lo + p] & 0xC0) == 0x80):
            continue
        k = 0
        for q in range(lo, lo + p):
            if (data[q] & 0xC0) != 0x80:
                k += 1
        out[i] = k
    return out


def char_to_byte(offsets: np.ndarray, data: np.ndarray, rows: np.ndarray,
                 chars: np.ndarray) -> np.ndarray:
    """Byte offset within row ``rows[i]`` of its character ``chars[i]`` (``int64``;
    ``-1`` when the row has fewer characters or ``chars[i] < 0``)."""
    return _char_to_byte_kernel(_i64(offsets), np.ascontiguousarray(data, np.uint8),
                                _i64(rows), _i64(chars))


def byte_to_char(offsets: np.ndarray, data: np.ndarray, rows: np.ndarray,
                 pos: np.ndarray) -> np.ndarray:
    """Character index within row ``rows[i]`` of its byte ``pos[i]`` (``-1`` when the
    byte is outside the row or not at a character boundary)."""
    return _byte_to_char_kernel(_i64(offsets), np.ascontiguousarray(data, np.uint8),
                                _i64(rows), _i64(pos))


def _row_text(offsets: np.ndarray, data: np.ndarray, row: int) -> str:
    return bytes(data[offsets[row]:offsets[row + 1]]).decode("utf-8")


def char_to_byte_reference(offsets, data, rows, chars) -> np.ndarray:
    """Plain-Python twin of :func:`char_to_byte`."""
    out = np.full(len(rows), -1, _I64)
    for i, (r, c) in enumerate(zip(rows, chars, strict=True)):
        text = _row_text(offsets, data, int(r))
        if 0 <= c <= len(text):
            out[i] = len(text[:c].encode("utf-8"))
    return out


def byte_to_char_reference(offsets, data, rows, pos) -> np.ndarray:
    """Plain-Python twin of :func:`byte_to_char`."""
    out = np.full(len(rows), -1, _I64)
    for i, (r, p) in enumerate(zip(rows, pos, strict=True)):
        raw = bytes(data[offsets[int(r)]:offsets[int(r) + 1]])
        if 0 <= p <= len(raw):
            with contextlib.suppress(UnicodeDecodeError):
                out[i] = len(raw[:p].decode("utf-8"))
    return out


@numba.njit(cache=True, nogil=True)
def _locate_kernel(ctx_off, ctx_data, rows, char_start, txt_off, txt_data):
    # pragma: no cover - compiled
    n = rows.shape[0]
    bstart = np.full(n, -1, dtype=np.int64)
    bend = np.full(n, -1, dtype=np.int64)
    ok = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        lo, hi = ctx_off[rows[i]], ctx_off[rows[i] + 1]
        p = _byte_of_char(ctx_data, lo, hi, char_start[i])
        if p < 0:
            continue
        t0, t1 = txt_off[i], txt_off[i + 1]
        if p + (t1 - t0) > hi:
            continue
        same = True
        for j in range(t1 - t0):
            if ctx_data[p + j] != txt_data[t0 + j]:
                same = False
                break
        if same:
            bstart[i] = p - lo
            bend[i] = p - lo + (t1 - t0)
            ok[i] = True
    return bstart, bend, ok


def locate_answers(ctx_off: np.ndarray, ctx_data: np.ndarray, rows: np.ndarray,
                   char_start: np.ndarray, txt_off: np.ndarray,
                   txt_data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Answer ``i`` (text ``txt_data[txt_off[i]:txt_off[i + 1]]``, starting at character
    ``char_start[i]`` of context row ``rows[i]``): ``(byte_start, byte_end, ok)``, byte
    offsets within the row, ``-1`` and ``ok == False`` where the text is not there."""
    return _locate_kernel(_i64(ctx_off), np.ascontiguousarray(ctx_data, np.uint8), _i64(rows),
                          _i64(char_start), _i64(txt_off),
                          np.ascontiguousarray(txt_data, np.uint8))


def locate_answers_reference(ctx_off, ctx_data, rows, char_start, txt_off, txt_data):
    """Plain-Python twin of :func:`locate_answers`."""
    n = len(rows)
    bs, be, ok = np.full(n, -1, _I64), np.full(n, -1, _I64), np.zeros(n, np.bool_)
    for i in range(n):
        ctx = _row_text(ctx_off, ctx_data, int(rows[i]))
        text = bytes(txt_data[txt_off[i]:txt_off[i + 1]]).decode("utf-8")
        c = int(char_start[i])
        if c >= 0 and ctx[c:c + len(text)] == text and c <= len(ctx):
            bs[i] = len(ctx[:c].encode("utf-8"))
            be[i] = bs[i] + len(text.encode("utf-8"))
            ok[i] = True
    return bs, be, ok


@numba.njit(cache=True, nogil=True)
def _extend_point(p, a, b, c, d, lo, hi, is_end):  # pragma: no cover - compiled
    k = first_record_ending_after(p, b, lo, hi)
    if k < hi and a[k] < p:
        return d[k] if is_end else c[k]
    if k > lo:
        return p + (d[k - 1] - b[k - 1])
    return p


@numba.njit(cache=True, nogil=True)
def _remap_extend_kernel(rows, starts, ends, rec_offsets, src_start, src_end,
                         dst_start, dst_end):  # pragma: no cover - compiled
    n = rows.shape[0]
    new_s = np.empty(n, dtype=np.int64)
    new_e = np.empty(n, dtype=np.int64)
    for i in range(n):
        lo, hi = rec_offsets[rows[i]], rec_offsets[rows[i] + 1]
        new_s[i] = _extend_point(starts[i], src_start, src_end, dst_start, dst_end, lo, hi,
                                 False)
        new_e[i] = _extend_point(ends[i], src_start, src_end, dst_start, dst_end, lo, hi, True)
    return new_s, new_e


def remap_extend(rows, starts, ends, rec_offsets, src_start, src_end, dst_start,
                 dst_end) -> tuple[np.ndarray, np.ndarray]:
    """Map byte spans ``[starts[i], ends[i])`` of input row ``rows[i]`` to the switched
    row through its records (``rec_offsets[row]:rec_offsets[row + 1]``, sorted, as
    ``<col>_switches``). A boundary outside every record shifts by the length change of
    the records before it; a start strictly inside a record goes to its ``dst_start``,
    an end strictly inside one to its ``dst_end`` (the span grows to the whole unit)."""
    return _remap_extend_kernel(_i64(rows), _i64(starts), _i64(ends), _i64(rec_offsets),
                                _i64(src_start), _i64(src_end), _i64(dst_start), _i64(dst_end))


def remap_extend_reference(rows, starts, ends, rec_offsets, src_start, src_end, dst_start,
                           dst_end) -> tuple[np.ndarray, np.ndarray]:
    """Plain-Python twin of :func:`remap_extend`."""
    def point(p: int, recs: list[tuple[int, int, int, int]], is_end: bool) -> int:
        shift = 0
        for a, b, c, d in recs:
            if a < p < b:
                return d if is_end else c
            if b <= p:
                shift += (d - c) - (b - a)
        return p + shift

    n = len(rows)
    new_s, new_e = np.empty(n, _I64), np.empty(n, _I64)
    for i in range(n):
        r = int(rows[i])
        recs = [(int(src_start[k]), int(src_end[k]), int(dst_start[k]), int(dst_end[k]))
                for k in range(rec_offsets[r], rec_offsets[r + 1])]
        new_s[i] = point(int(starts[i]), recs, False)
        new_e[i] = point(int(ends[i]), recs, True)
    return new_s, new_e


@numba.njit(cache=True, nogil=True)
def _merge_kernel(offsets, starts, ends):  # pragma: no cover - compiled
    n_rows = offsets.shape[0] - 1
    out_off = np.zeros(n_rows + 1, dtype=np.int64)
    out_s = np.empty(starts.shape[0], dtype=np.int64)
    out_e = np.empty(starts.shape[0], dtype=np.int64)
    m = 0
    for r in range(n_rows):
        lo, hi = offsets[r], offsets[r + 1]
        if hi > lo:
            order = np.argsort(starts[lo:hi], kind="mergesort")
            cs, ce = starts[lo + order[0]], ends[lo + order[0]]
            for j in range(1, hi - lo):
                s, e = starts[lo + order[j]], ends[lo + order[j]]
                if s <= ce:
                    if e > ce:
                        ce = e
                else:
                    out_s[m], out_e[m] = cs, ce
                    m += 1
                    cs, ce = s, e
            out_s[m], out_e[m] = cs, ce
            m += 1
        out_off[r + 1] = m
    return out_off, out_s[:m], out_e[:m]


def merge_spans(offsets, starts, ends) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row (``offsets[r]:offsets[r + 1]``), sort spans by start and merge the ones
    that overlap or touch: ``(new_offsets, starts, ends)``."""
    return _merge_kernel(_i64(offsets), _i64(starts), _i64(ends))


def merge_spans_reference(offsets, starts, ends):
    """Plain-Python twin of :func:`merge_spans`."""
    out_off, out_s, out_e = [0], [], []
    for r in range(len(offsets) - 1):
        merged: list[list[int]] = []
        for s, e in sorted(zip(starts[offsets[r]:offsets[r + 1]],
                               ends[offsets[r]:offsets[r + 1]], strict=True),
                           key=lambda x: x[0]):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], int(e))
            else:
                merged.append([int(s), int(e)])
        out_s += [s for s, _ in merged]
        out_e += [e for _, e in merged]
        out_off.append(len(out_s))
    return np.array(out_off, _I64), np.array(out_s, _I64), np.array(out_e, _I64)


@numba.njit(cache=True, nogil=True)
def _gather_kernel(offsets, data, rows, starts, ends):  # pragma: no cover - compiled
    n = rows.shape[0]
    out_off = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        out_off[i + 1] = out_off[i] + (ends[i] - starts[i])
    out = np.empty(out_off[n], dtype=np.uint8)
    for i in range(n):
        base = offsets[rows[i]] + starts[i]
        for j in range(ends[i] - starts[i]):
            out[out_off[i] + j] = data[base + j]
    return out_off, out


# --------------------------------------------------------------------------- arrow level


def spans_array(n_rows: int, rows: np.ndarray, starts: np.ndarray,
                ends: np.ndarray) -> pa.ListArray:
    """``list<struct<start: int64, end: int64>>`` of ``n_rows`` rows from flat spans
    (``rows[i]`` owns span ``i``), sorted and merged per row."""
    rows = _i64(rows)
    order = np.lexsort((_i64(starts), rows)) if len(rows) else np.zeros(0, _I64)
    offsets = np.zeros(n_rows + 1, _I64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=offsets[1:])
    off, s, e = merge_spans(offsets, _i64(starts)[order], _i64(ends)[order])
    values = pa.StructArray.from_arrays([pa.array(s), pa.array(e)], names=["start", "end"])
    return pa.ListArray.from_arrays(pa.array(off.astype(np.int32)), values, type=SPAN_TYPE)


def _flat_spans(arr: pa.Array, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, starts, ends)`` of a ``list<struct<start, end>>`` column."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not (pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type)) or \
            not pa.types.is_struct(arr.type.value_type):
        raise ColumnTypeError(f"protect span column {what!r} must be list<struct<start, end>>, "
                              f"got {arr.type}")
    off = np.asarray(arr.offsets, _I64)
    counts = np.diff(off)
    if arr.null_count:
        counts = np.where(arr.is_null().to_numpy(zero_copy_only=False), 0, counts)
    vals = arr.values
    rows = np.repeat(np.arange(len(arr), dtype=_I64), counts)
    idx = _range_index(off[:-1], counts)
    cols = []
    for name in ("start", "end"):
        try:
            child = vals.field(name)
        except KeyError:
            raise ColumnTypeError(f"protect span column {what!r} has no field {name!r} "
                                  f"(type {arr.type})") from None
        values = child.to_numpy(zero_copy_only=False)
        cols.append(_i64(values[idx]) if len(idx) else np.zeros(0, _I64))
    return rows, cols[0], cols[1]


def _range_index(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(starts[i], starts[i] + counts[i])``, vectorised."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, _I64)
    ends = np.cumsum(counts)
    base = np.repeat(_i64(starts) - (ends - counts), counts)
    return base + np.arange(total, dtype=_I64)


def regex_spans(arr: pa.Array, patterns: Sequence[str],
                column: str = "text") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, starts, ends)``: UTF-8 byte spans of every non-empty match of each RE2
    pattern in each row, found by Arrow kernels (``replace_substring_regex`` marks each
    match with NUL bytes, ``split_pattern`` cuts there, piece lengths give the spans).
    A row holding a NUL byte cannot be marked: an :class:`InputError`."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not len(patterns) or not len(arr):
        z = np.zeros(0, _I64)
        return z, z, z
    nul = pc.fill_null(pc.match_substring(arr, "\x00"), False)
    if pc.any(nul).as_py():
        row = int(np.flatnonzero(nul.to_numpy(zero_copy_only=False))[0])
        raise InputError(f"column {column!r}, row {row}: --protect-regex cannot search text "
                         "holding NUL bytes")
    text = pc.fill_null(arr, "")
    out_rows, out_s, out_e = [], [], []
    for pattern in patterns:
        marked = pc.replace_substring_regex(text, pattern, "\x00\\0\x00")
        parts = pc.split_pattern(marked, "\x00")
        off = np.asarray(parts.offsets, _I64)
        lens = pc.binary_length(parts.values).to_numpy(zero_copy_only=False).astype(_I64)
        lens = lens[off[0]:off[-1]]
        counts = np.diff(off)
        rows = np.repeat(np.arange(len(arr), dtype=_I64), counts)
        # pieces alternate gap, match, gap, ...: byte end of each piece within its row
        cum = np.concatenate([np.zeros(1, _I64), np.cumsum(lens)])
        rel = off - off[0]
        pos_end = cum[1:] - np.repeat(cum[rel[:-1]], counts)
        k = np.arange(len(lens), dtype=_I64) - np.repeat(rel[:-1], counts)
        is_match = (k % 2 == 1) & (lens > 0)
        out_rows.append(rows[is_match])
        out_s.append((pos_end - lens)[is_match])
        out_e.append(pos_end[is_match])
    return np.concatenate(out_rows), np.concatenate(out_s), np.concatenate(out_e)


def check_regex(pattern: str) -> None:
    """A :class:`ConfigError` unless ``pattern`` is a valid RE2 pattern."""
    if not isinstance(pattern, str) or not pattern:
        raise ConfigError(f"protect regex must be a non-empty string, got {pattern!r}")
    try:
        pc.replace_substring_regex(pa.array(["x"]), pattern, "")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise ConfigError(f"protect regex {pattern!r} is not a valid RE2 pattern: {e}") from None


@dataclass(frozen=True)
class Answers:
    """Flat answers of a batch: answer ``i`` belongs to row ``rows[i]``."""

    list_offsets: np.ndarray
    rows: np.ndarray
    char_start: np.ndarray
    text_off: np.ndarray
    text_data: np.ndarray


def flat_answers(answers: pa.Array, column: str = "answers") -> Answers:
    """The flat answers of a SQuAD ``answers`` column
    (``struct<text: list<string>, answer_start: list<int>>``)."""
    if isinstance(answers, pa.ChunkedArray):
        answers = answers.combine_chunks()
    t = answers.type
    if not pa.types.is_struct(t) or t.get_field_index("text") < 0 or \
            t.get_field_index("answer_start") < 0:
        raise ColumnTypeError(f"column {column!r} must be struct<text: list<string>, "
                              f"answer_start: list<int>> (SQuAD answers), got {t}")
    texts, starts = answers.field("text"), answers.field("answer_start")
    t_off = np.asarray(texts.offsets, _I64)
    s_off = np.asarray(starts.offsets, _I64)
    null = (answers.is_null().to_numpy(zero_copy_only=False) if answers.null_count
            else np.zeros(len(answers), bool))
    if texts.null_count:
        null |= texts.is_null().to_numpy(zero_copy_only=False)
    t_cnt = np.where(null, 0, np.diff(t_off))
    s_cnt = np.where(null, 0, np.diff(s_off))
    if not np.array_equal(t_cnt, s_cnt):
        row = int(np.flatnonzero(t_cnt != s_cnt)[0])
        raise InputError(f"column {column!r}, row {row}: answers has {t_cnt[row]} texts but "
                         f"{s_cnt[row]} answer_start values")
    rows = np.repeat(np.arange(len(answers), dtype=_I64), t_cnt)
    t_idx = _range_index(t_off[:-1], t_cnt)
    s_idx = _range_index(s_off[:-1], s_cnt)
    text_vals = texts.values.take(pa.array(t_idx))
    if text_vals.null_count:
        raise InputError(f"column {column!r}: an answer text is null")
    start_vals = starts.values.take(pa.array(s_idx))
    if start_vals.null_count:
        raise InputError(f"column {column!r}: an answer_start is null")
    toff, tdata = string_parts(text_vals)
    list_offsets = np.zeros(len(answers) + 1, _I64)
    np.cumsum(t_cnt, out=list_offsets[1:])
    return Answers(list_offsets, rows, _i64(start_vals.to_numpy(zero_copy_only=False)),
                   toff, tdata)


def rebuild_answers(original: pa.Array, ans: Answers, new_ctx: pa.Array, new_s: np.ndarray,
                    new_e: np.ndarray) -> pa.Array:
    """The answers column with texts ``new_ctx[row][new_s:new_e]`` and starts in
    characters of ``new_ctx``; same type, row lengths and nulls as ``original``."""
    if isinstance(original, pa.ChunkedArray):
        original = original.combine_chunks()
    c_off, c_data = string_parts(new_ctx)
    t_off, t_data = _gather_kernel(c_off, c_data, _i64(ans.rows), _i64(new_s), _i64(new_e))
    chars = byte_to_char(c_off, c_data, ans.rows, new_s)
    t = original.type
    text_t = t.field("text").type
    start_t = t.field("answer_start").type
    text_vals = pa.LargeStringArray.from_buffers(len(t_off) - 1, pa.py_buffer(t_off),
                                                 pa.py_buffer(t_data))
    text_vals = text_vals.cast(text_t.value_type)
    start_vals = pa.array(chars).cast(start_t.value_type)
    off = ans.list_offsets
    mask = original.is_null() if original.null_count else None

    def lists(list_t: pa.DataType, values: pa.Array) -> pa.Array:
        large = pa.types.is_large_list(list_t)
        cls = pa.LargeListArray if large else pa.ListArray
        return cls.from_arrays(pa.array(off, pa.int64() if large else pa.int32()), values,
                               type=list_t, mask=mask)

    arrays = [lists(text_t, text_vals) if f.name == "text"
              else lists(start_t, start_vals) if f.name == "answer_start"
              else original.field(f.name) for f in t]
    return pa.StructArray.from_arrays(arrays, fields=list(t), mask=mask)


# --------------------------------------------------------------------------- the step


@dataclass(frozen=True)
class QAOptions:
    """What :func:`switch_qa_batch` does besides switching (see ``SwitchJob``)."""

    answers: str = "off"
    context_column: str = "context"
    answers_column: str = "answers"
    id_column: str = "id"
    protect_spans: tuple[tuple[str, str], ...] = ()
    protect_regex: tuple[str, ...] = ()
    skip_bad: bool = False

    @property
    def active(self) -> bool:
        return self.answers != "off" or bool(self.protect_spans) or bool(self.protect_regex)


@dataclass
class QAResult:
    """A switched batch and the rows dropped from it (bad answers, ``skip_bad``)."""

    batch: pa.RecordBatch
    dropped: int = 0
    examples: list[str] | None = None


_TMP = "__csgen_protect__"


def switch_qa_batch(switcher: Any, batch: pa.RecordBatch, columns: Sequence[str],
                    options: QAOptions, *, id_column: str | None = None, row_base: int = 0,
                    stats: Any = None) -> QAResult:
    """``switcher.switch_batch`` plus answers and protected spans.

    Answers (``options.answers`` ``protect``/``switch``) are located in the input
    context (a mismatch is an :class:`InputError` naming the question, or a dropped
    row with ``skip_bad``), protected when asked, and remapped through the context's
    switch records; the answer text becomes the slice of the switched context.
    Protected spans (span columns, regex matches, answers) are merged per row and
    passed to the core's ``protect``; temporary columns never reach the output.
    """
    n = batch.num_rows
    names = batch.schema.names
    spans: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {c: [] for c in columns}
    for col, span_col in options.protect_spans:
        if span_col not in names:
            raise ColumnError(f"protect span column {span_col!r} not found; the input has: "
                              f"{', '.join(names)}")
        flat = _flat_spans(batch.column(span_col), span_col)
        _check_no_overlap(*flat, span_col, row_base)
        spans[col].append(flat)
    if options.protect_regex:
        for col in columns:
            spans[col].append(regex_spans(batch.column(col), options.protect_regex, col))
    ans = None
    bad = np.zeros(n, bool)
    examples: list[str] = []
    ctx_name = options.context_column
    if options.answers != "off":
        ctx = batch.column(ctx_name)
        ans = flat_answers(batch.column(options.answers_column), options.answers_column)
        c_off, c_data = string_parts(ctx)
        bs, be, ok = locate_answers(c_off, c_data, ans.rows, ans.char_start, ans.text_off,
                                    ans.text_data)
        if not ok.all():
            bad_idx = np.flatnonzero(~ok)
            bad[ans.rows[bad_idx]] = True
            messages = [_bad_answer(batch, options, ans, int(i), row_base) for i in bad_idx[:5]]
            if not options.skip_bad:
                raise InputError(messages[0])
            examples = messages
            bs = np.where(ok, bs, 0)
            be = np.where(ok, be, 0)
        if options.answers == "protect":
            spans[ctx_name].append((ans.rows[ok], bs[ok], be[ok]))
    work = batch
    protect: dict[str, str] = {}
    for col, parts in spans.items():
        if not parts:
            continue
        rows = np.concatenate([p[0] for p in parts])
        arr = spans_array(n, rows, np.concatenate([p[1] for p in parts]),
                          np.concatenate([p[2] for p in parts]))
        tmp = f"{_TMP}{col}"
        work = work.append_column(tmp, arr)
        protect[col] = tmp
    out = switcher.switch_batch(work, columns, id_column=id_column, row_base=row_base,
                                stats=stats, protect=protect or None)
    if protect:
        out = out.drop_columns(list(protect.values()))
    if ans is not None:
        new_ctx = out.column(ctx_name)
        recs = out.column(ctx_name + "_switches")
        r_off = np.asarray(recs.offsets, _I64)
        vals = recs.values
        fields = [_i64(vals.field(f).to_numpy(zero_copy_only=False))
                  for f in ("src_start", "src_end", "dst_start", "dst_end")]
        ns, ne = remap_extend(ans.rows, bs, be, r_off, *fields)
        new_answers = rebuild_answers(batch.column(options.answers_column), ans, new_ctx, ns, ne)
        out = out.set_column(out.schema.get_field_index(options.answers_column),
                             out.schema.field(options.answers_column), new_answers)
    dropped = int(bad.sum())
    if dropped:
        out = out.filter(pa.array(~bad))
    return QAResult(out, dropped, examples)


def _check_no_overlap(rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, span_col: str,
                      row_base: int) -> None:
    """Spans of a user's span column must not overlap within a row: overlapping entity or
    slot spans point at a labelling error, which protecting their union would hide.
    (Answers may overlap each other; they and regex matches are merged instead.)"""
    if len(rows) < 2:
        return
    order = np.lexsort((starts, rows))
    r, s, e = rows[order], starts[order], ends[order]
    # sorted by start within a row, any overlap shows between neighbours
    clash = (r[1:] == r[:-1]) & (s[1:] < e[:-1])
    if clash.any():
        k = int(np.flatnonzero(clash)[0])
        raise InputError(f"protect span column {span_col!r}, row {row_base + int(r[k])}: spans "
                         f"[{s[k]}, {e[k]}) and [{s[k + 1]}, {e[k + 1]}) overlap")


def _bad_answer(batch: pa.RecordBatch, options: QAOptions, ans: Answers, i: int,
                row_base: int) -> str:
    row = int(ans.rows[i])
    if options.id_column in batch.schema.names:
        who = f"question {batch.column(options.id_column)[row].as_py()!r}"
    else:
        who = f"row {row_base + row}"
    text = bytes(ans.text_data[ans.text_off[i]:ans.text_off[i + 1]]).decode("utf-8")
    return (f"{who}: answer {text!r} is not at character {int(ans.char_start[i])} of its "
            f"{options.context_column}")


def normalise_protect_spans(spec: Any, columns: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``"ents"`` (for the first switched column), ``"context=ents"``, a sequence of
    those, or a ``{column: span_column}`` mapping -> sorted ``((column, span_column), ...)``."""
    if spec is None:
        return ()
    items: list[Any]
    if isinstance(spec, Mapping):
        items = list(spec.items())
    elif isinstance(spec, str):
        items = [spec]
    else:
        items = list(spec)
    pairs: dict[str, str] = {}
    for item in items:
        if isinstance(item, str):
            col, sep, span = item.partition("=")
            col, span = (col.strip(), span.strip()) if sep else (columns[0], col.strip())
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            col, span = str(item[0]), str(item[1])
        else:
            raise ConfigError(f"protect spans must be 'SPANCOL' or 'COLUMN=SPANCOL', got {item!r}")
        if not col or not span:
            raise ConfigError(f"protect spans must be 'SPANCOL' or 'COLUMN=SPANCOL', got {item!r}")
        if col not in columns:
            raise ConfigError(f"protect spans name {col!r}, which is not a column being switched")
        if span in columns:
            raise ConfigError(f"protect span column {span!r} cannot itself be switched")
        if col in pairs and pairs[col] != span:
            raise ConfigError(f"column {col!r} has two protect span columns: {pairs[col]!r} "
                              f"and {span!r}")
        pairs[col] = span
    return tuple(sorted(pairs.items()))

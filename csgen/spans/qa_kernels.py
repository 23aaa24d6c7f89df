"""The Numba kernels of QA work (each with a plain-Python twin, ``*_reference``, that the
tests use as the oracle): character <-> byte offsets, answer location, span remapping
with extension, per-row span merging and gathering. ``offsets: int64[n_rows + 1]`` and
``data: uint8`` are a string array's borrowed buffers (:func:`csgen._arrow.string_parts`);
rows, starts and ends are flat ``int64`` arrays. This module imports numba."""

from __future__ import annotations

import contextlib
from typing import Any

import numba
import numpy as np

from .kernels import first_record_ending_after

_I64 = np.int64


def _i64(a: Any) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=_I64)


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

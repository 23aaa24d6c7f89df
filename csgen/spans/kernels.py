"""Span arithmetic over flat arrays (Numba kernels): spans through switch records.

Every kernel works on Arrow's list layout, flattened: ``offsets: int64[n_rows + 1]``
(row ``i`` owns items ``offsets[i]:offsets[i + 1]``) plus one flat value array per
field. Kernels are ``@numba.njit(cache=True, nogil=True)``, never parallel, and have a
plain Python twin (``*_reference``) that the tests use as the oracle. Offsets are
UTF-8 byte offsets (or word indices for alignments), half-open.

This module imports numba; ``import csgen`` does not import it.

- :func:`remap_spans` / :func:`remap_spans_arrow`: map spans of an input text through
  its ``<col>_switches`` records to the switched text.
- :func:`protect_mask`: which tokens share a byte with a protected span.

Alignment strings and phrase extraction (once here) are in :mod:`csgen.aligned.phrases`.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import pyarrow as pa

from ..errors import ArrowLayoutError, ColumnError, ColumnTypeError

__all__ = [
    "BAD_SPAN",
    "CUTS_SWITCH",
    "OK",
    "first_record_ending_after",
    "protect_mask",
    "protect_mask_reference",
    "remap_spans",
    "remap_spans_arrow",
    "remap_spans_reference",
]

#: ``remap_spans`` status codes, one per span.
OK = 0
#: A span boundary lies strictly inside a switched source region: it has no image.
CUTS_SWITCH = 1
#: ``start < 0`` or ``start > end``.
BAD_SPAN = 2

_I64 = np.int64


def _i64(a: Any) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=_I64)


# --------------------------------------------------------------------------- remap


@numba.njit(cache=True, nogil=True)
def first_record_ending_after(p, src_end, lo, hi):  # pragma: no cover - compiled
    """Index of the first record of ``lo..hi-1`` whose ``src_end`` is past byte ``p``
    (``hi`` if none). Records of a row are sorted and non-overlapping, so ``src_end``
    increases: a binary search; the records before it end at or before ``p``."""
    left, right = lo, hi
    while left < right:
        mid = (left + right) >> 1
        if src_end[mid] <= p:
            left = mid + 1
        else:
            right = mid
    return left


@numba.njit(cache=True, nogil=True)
def _map_point(p, a, b, d, lo, hi):  # pragma: no cover - compiled
    k = first_record_ending_after(p, b, lo, hi)
    if k < hi and a[k] < p:
        return -1  # strictly inside record k
    if k > lo:
        return p + (d[k - 1] - b[k - 1])
    return p


@numba.njit(cache=True, nogil=True)
def _remap_kernel(span_offsets, starts, ends, rec_offsets,
                  src_start, src_end, dst_end):  # pragma: no cover - compiled
    n_spans = starts.shape[0]
    new_starts = np.full(n_spans, -1, dtype=np.int64)
    new_ends = np.full(n_spans, -1, dtype=np.int64)
    status = np.zeros(n_spans, dtype=np.int8)
    n_rows = span_offsets.shape[0] - 1
    for row in range(n_rows):
        lo, hi = rec_offsets[row], rec_offsets[row + 1]
        for i in range(span_offsets[row], span_offsets[row + 1]):
            s, e = starts[i], ends[i]
            if s < 0 or s > e:
                status[i] = 2
                continue
            ms = _map_point(s, src_start, src_end, dst_end, lo, hi)
            me = _map_point(e, src_start, src_end, dst_end, lo, hi)
            if ms < 0 or me < 0:
                status[i] = 1
                continue
            new_starts[i] = ms
            new_ends[i] = me
    return new_starts, new_ends, status


def remap_spans(
    span_offsets: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    rec_offsets: np.ndarray,
    src_start: np.ndarray,
    src_end: np.ndarray,
    dst_start: np.ndarray,
    dst_end: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map byte spans of input rows to the switched output rows.

    Args (all converted to ``int64``; ``n_spans``/``n_recs`` = flat lengths):
        span_offsets: ``int64[n_rows + 1]``, absolute indices into ``starts``/``ends``.
        starts, ends: ``int64[n_spans]``, half-open byte spans ``[start, end)`` of the
            input row (any order; sorted is the usual case).
        rec_offsets: ``int64[n_rows + 1]``, absolute indices into the record arrays.
        src_start, src_end, dst_start, dst_end: ``int64[n_recs]``, the switch records
            (sorted, non-overlapping, ``src_start < src_end``, as ``<col>_switches``).

    Returns:
        ``(new_starts int64[n_spans], new_ends int64[n_spans], status int8[n_spans])``.
        A boundary outside every switched region shifts by the length change of the
        records before it (a boundary at a record's edge maps to the matching output
        edge, so a span covering whole records maps to the covering output range).
        A boundary strictly inside a record gives ``status == CUTS_SWITCH``; a span with
        ``start < 0`` or ``start > end`` gives ``BAD_SPAN``; both return ``-1, -1``.
    """
    span_offsets, rec_offsets = _i64(span_offsets), _i64(rec_offsets)
    if span_offsets.shape != rec_offsets.shape or span_offsets.ndim != 1:
        raise ArrowLayoutError(
            f"span_offsets and rec_offsets must both be int64[n_rows + 1], got shapes "
            f"{span_offsets.shape} and {rec_offsets.shape}"
        )
    del dst_start  # dst_start == src_start + shift before it: implied by dst_end
    return _remap_kernel(span_offsets, _i64(starts), _i64(ends), rec_offsets,
                         _i64(src_start), _i64(src_end), _i64(dst_end))


def _point_reference(p: int, recs: list[tuple[int, int, int, int]]) -> int | None:
    # Image of byte p: p minus the source bytes of the records before it plus their
    # output bytes; None when p lies strictly inside a record.
    shift = 0
    for a, b, c, d in recs:
        if a < p < b:
            return None
        if b <= p:
            shift += (d - c) - (b - a)
    return p + shift


def remap_spans_reference(span_offsets, starts, ends, rec_offsets,
                          src_start, src_end, dst_start, dst_end):
    """Plain-Python twin of :func:`remap_spans` (same arguments and results)."""
    n = len(starts)
    new_s, new_e = np.full(n, -1, _I64), np.full(n, -1, _I64)
    status = np.zeros(n, np.int8)
    for row in range(len(span_offsets) - 1):
        recs = [(int(src_start[k]), int(src_end[k]), int(dst_start[k]), int(dst_end[k]))
                for k in range(rec_offsets[row], rec_offsets[row + 1])]
        point = _point_reference
        for i in range(span_offsets[row], span_offsets[row + 1]):
            s, e = int(starts[i]), int(ends[i])
            if s < 0 or s > e:
                status[i] = BAD_SPAN
                continue
            ms, me = point(s, recs), point(e, recs)
            if ms is None or me is None:
                status[i] = CUTS_SWITCH
                continue
            new_s[i], new_e[i] = ms, me
    return new_s, new_e, status


def _list_parts(arr: pa.Array, what: str) -> tuple[np.ndarray, pa.Array]:
    """``(offsets int64[n + 1], values)`` of a list array, borrowing its buffers."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not (pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type)):
        raise ColumnTypeError(f"{what} must be a list array, got {arr.type}")
    # .offsets are absolute into .values (slice offsets included); nulls keep their range.
    return np.asarray(arr.offsets, dtype=_I64), arr.values


def _field(values: pa.Array, name: str, what: str) -> np.ndarray:
    try:
        child = values.field(name)  # honours the struct's own slice offset
    except KeyError:
        raise ColumnTypeError(f"{what} has no field {name!r} (type {values.type})") from None
    if child.null_count:
        raise ColumnError(f"{what}: field {name!r} holds nulls")
    return child.to_numpy(zero_copy_only=False).astype(_I64, copy=False)


def remap_spans_arrow(spans: pa.Array, switches: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Arrow front end of :func:`remap_spans`.

    Args:
        spans: ``list<struct<start: int, end: int>>``, one list of input-row byte spans
            per row (``int32`` or ``int64`` fields).
        switches: the ``<col>_switches`` column of the same rows (``list<struct<src_start,
            src_end, dst_start, dst_end, ...>>``); a null row has no records.

    Returns:
        ``(remapped, status)``: ``remapped`` has the type, row lengths and nulls of
        ``spans`` with output-row offsets (``-1`` where not mappable); ``status`` is
        ``list<int8>`` of the same shape (``OK``, ``CUTS_SWITCH``, ``BAD_SPAN``).
        Buffers are borrowed, never converted through Python lists.
    """
    if len(spans) != len(switches):
        raise ColumnError(f"spans has {len(spans)} rows, switches {len(switches)}")
    if isinstance(spans, pa.ChunkedArray):
        spans = spans.combine_chunks()
    s_off, s_val = _list_parts(spans, "spans")
    r_off, r_val = _list_parts(switches, "switches")
    starts, ends = _field(s_val, "start", "spans"), _field(s_val, "end", "spans")
    rec = [_field(r_val, f, "switches") for f in ("src_start", "src_end", "dst_start", "dst_end")]
    new_s, new_e, status = remap_spans(s_off, starts, ends, r_off, *rec)
    lo, hi = int(s_off[0]), int(s_off[-1])
    out_off = pa.array(s_off - lo, pa.int64() if pa.types.is_large_list(spans.type)
                       else pa.int32())
    struct_t = spans.type.value_type
    fields = [
        pa.array(new_s[lo:hi]).cast(struct_t.field("start").type),
        pa.array(new_e[lo:hi]).cast(struct_t.field("end").type),
    ]
    values = pa.StructArray.from_arrays(fields, names=["start", "end"])
    mask = spans.is_null() if spans.null_count else None
    list_cls = pa.LargeListArray if pa.types.is_large_list(spans.type) else pa.ListArray
    remapped = list_cls.from_arrays(out_off, values, mask=mask)
    status_arr = list_cls.from_arrays(out_off, pa.array(status[lo:hi], pa.int8()), mask=mask)
    return remapped, status_arr


# --------------------------------------------------------------------------- protect


@numba.njit(cache=True, nogil=True)
def _protect_kernel(prot_offsets, prot_starts, prot_ends,
                    tok_offsets, tok_starts, tok_ends):  # pragma: no cover - compiled
    n_tok = tok_starts.shape[0]
    out = np.zeros(n_tok, dtype=np.bool_)
    n_rows = tok_offsets.shape[0] - 1
    for row in range(n_rows):
        plo, phi = prot_offsets[row], prot_offsets[row + 1]
        tlo, thi = tok_offsets[row], tok_offsets[row + 1]
        if phi <= plo or thi <= tlo:
            continue
        # Union of the row's non-empty protected spans, sorted and disjoint.
        ps = prot_starts[plo:phi]
        pe = prot_ends[plo:phi]
        order = np.argsort(ps, kind="mergesort")
        us = np.empty(phi - plo, dtype=np.int64)
        ue = np.empty(phi - plo, dtype=np.int64)
        m = 0
        for j in range(phi - plo):
            s, e = ps[order[j]], pe[order[j]]
            if e <= s:
                continue
            if m > 0 and s <= ue[m - 1]:
                if e > ue[m - 1]:
                    ue[m - 1] = e
            else:
                us[m] = s
                ue[m] = e
                m += 1
        if m == 0:
            continue
        for i in range(tlo, thi):
            ts, te = tok_starts[i], tok_ends[i]
            if te <= ts:
                continue
            # last union interval starting before te
            left, right = 0, m
            while left < right:
                mid = (left + right) >> 1
                if us[mid] < te:
                    left = mid + 1
                else:
                    right = mid
            if left > 0 and ue[left - 1] > ts:
                out[i] = True
    return out


def protect_mask(
    prot_offsets: np.ndarray,
    prot_starts: np.ndarray,
    prot_ends: np.ndarray,
    tok_offsets: np.ndarray,
    tok_starts: np.ndarray,
    tok_ends: np.ndarray,
) -> np.ndarray:
    """Mark tokens that share at least one byte with a protected span of their row.

    Args (converted to ``int64``):
        prot_offsets: ``int64[n_rows + 1]``; prot_starts, prot_ends: ``int64[n_prot]``,
            half-open protected spans (any order, may overlap; empty ones protect nothing).
        tok_offsets: ``int64[n_rows + 1]``; tok_starts, tok_ends: ``int64[n_tokens]``.

    Returns:
        ``bool[n_tokens]``: ``max(ts, ps) < min(te, pe)`` for some protected span of the
        token's row (so empty tokens are never marked).
    """
    prot_offsets, tok_offsets = _i64(prot_offsets), _i64(tok_offsets)
    if prot_offsets.shape != tok_offsets.shape or prot_offsets.ndim != 1:
        raise ArrowLayoutError(
            f"prot_offsets and tok_offsets must both be int64[n_rows + 1], got shapes "
            f"{prot_offsets.shape} and {tok_offsets.shape}"
        )
    return _protect_kernel(prot_offsets, _i64(prot_starts), _i64(prot_ends),
                           tok_offsets, _i64(tok_starts), _i64(tok_ends))


def protect_mask_reference(prot_offsets, prot_starts, prot_ends,
                           tok_offsets, tok_starts, tok_ends) -> np.ndarray:
    """Plain-Python twin of :func:`protect_mask`."""
    out = np.zeros(len(tok_starts), np.bool_)
    for row in range(len(tok_offsets) - 1):
        prot = [(prot_starts[j], prot_ends[j])
                for j in range(prot_offsets[row], prot_offsets[row + 1])]
        for i in range(tok_offsets[row], tok_offsets[row + 1]):
            out[i] = any(max(tok_starts[i], s) < min(tok_ends[i], e) for s, e in prot)
    return out


# --------------------------------------------------------------------------- pharaoh

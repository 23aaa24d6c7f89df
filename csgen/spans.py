"""Span arithmetic over flat arrays (Numba kernels), groundwork for alignment.

Every kernel works on Arrow's list layout, flattened: ``offsets: int64[n_rows + 1]``
(row ``i`` owns items ``offsets[i]:offsets[i + 1]``) plus one flat value array per
field. Kernels are ``@numba.njit(cache=True, nogil=True)``, never parallel, and have a
plain Python twin (``*_reference``) that the tests use as the oracle. Offsets are
UTF-8 byte offsets (or word indices for alignments), half-open.

This module imports numba; ``import csgen`` does not import it.

- :func:`remap_spans` / :func:`remap_spans_arrow`: map spans of an input text through
  its ``<col>_switches`` records to the switched text.
- :func:`protect_mask`: which tokens share a byte with a protected span.
- :func:`parse_pharaoh`: ``"0-0 1-2"`` alignment strings to flat ``int32`` arrays.
- :func:`extract_phrases`: consistent phrase pairs (Koehn) of each row's alignment.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import ConfigError, InputError

__all__ = [
    "BAD_SPAN",
    "CUTS_SWITCH",
    "OK",
    "extract_phrases",
    "extract_phrases_reference",
    "parse_pharaoh",
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
        raise ValueError(
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
        raise TypeError(f"{what} must be a list array, got {arr.type}")
    # .offsets are absolute into .values (slice offsets included); nulls keep their range.
    return np.asarray(arr.offsets, dtype=_I64), arr.values


def _field(values: pa.Array, name: str, what: str) -> np.ndarray:
    try:
        child = values.field(name)  # honours the struct's own slice offset
    except KeyError:
        raise TypeError(f"{what} has no field {name!r} (type {values.type})") from None
    if child.null_count:
        raise ValueError(f"{what}: field {name!r} holds nulls")
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
        raise ValueError(f"spans has {len(spans)} rows, switches {len(switches)}")
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
        raise ValueError(
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


_PAIR = r"^[0-9]{1,9}-[0-9]{1,9}$"


def parse_pharaoh(text: Any, *, row_base: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse Pharaoh alignments (``"0-0 1-2 2-1"``: whitespace-separated 0-based ``i-j``).

    Args:
        text: a string array (``pa.Array``, ``pa.ChunkedArray`` or anything ``pa.array``
            takes); a null or blank row has no links.
        row_base: added to row numbers in error messages (global row of a batch).

    Returns:
        ``(offsets int32[n_rows + 1], src int32[n_links], tgt int32[n_links])``, links in
        the order written. Vectorised with ``pyarrow.compute``; no per-row Python.

    Raises:
        InputError: ``row 3: '1-x' is not an i-j pair`` for a malformed token, a
            negative or too large (over 9 digits) index.
    """
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    elif not isinstance(text, pa.Array):
        text = pa.array(text, pa.string())
    if pa.types.is_dictionary(text.type) or pa.types.is_string_view(text.type):
        text = text.cast(pa.string())
    if not (pa.types.is_string(text.type) or pa.types.is_large_string(text.type)):
        raise TypeError(f"Pharaoh alignments must be strings, got {text.type}")
    n = len(text)
    tokens = pc.utf8_split_whitespace(text)
    lens = pc.list_value_length(tokens).fill_null(0).to_numpy(zero_copy_only=False)
    flat = pc.list_flatten(tokens)
    row_of = np.repeat(np.arange(n, dtype=np.int64), lens)
    nonempty = pc.not_equal(pc.binary_length(flat), 0).to_numpy(zero_copy_only=False)
    if not nonempty.all():  # leading/trailing white space yields empty tokens
        flat = flat.filter(pa.array(nonempty))
        row_of = row_of[nonempty]
    ok = pc.match_substring_regex(flat, _PAIR).to_numpy(zero_copy_only=False)
    if not ok.all():
        bad = int(np.argmin(ok))
        tok = flat[bad].as_py()
        row = int(row_of[bad]) + row_base
        if tok.startswith("-") or "--" in tok:
            why = "has a negative index"
        elif all(p.isascii() and p.isdigit() for p in tok.split("-", 1)) and "-" in tok:
            why = "has an index too large"
        else:
            why = "is not an i-j pair"
        raise InputError(f"row {row}: {tok!r} {why}")
    parts = pc.split_pattern(flat, "-", max_splits=1)
    src = pc.list_element(parts, 0).cast(pa.int32()).to_numpy(zero_copy_only=False)
    tgt = pc.list_element(parts, 1).cast(pa.int32()).to_numpy(zero_copy_only=False)
    counts = np.bincount(row_of, minlength=n) if n else np.zeros(0, np.int64)
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(counts, out=offsets[1:])
    return offsets, src.astype(np.int32, copy=False), tgt.astype(np.int32, copy=False)


# --------------------------------------------------------------------------- phrases


@numba.njit(cache=True, nogil=True)
def _phrase_row(lo, hi, a_src, a_tgt, n_src, n_tgt, max_len, smin_of_t, smax_of_t,
                tmin_of_s, tmax_of_s, aligned_t, row, pos, fill, out_row, out_ss, out_se,
                out_ts, out_te):  # pragma: no cover - compiled
    big = np.int64(1) << 40
    for t in range(n_tgt):
        smin_of_t[t] = big
        smax_of_t[t] = -1
        aligned_t[t] = False
    for s in range(n_src):
        tmin_of_s[s] = big
        tmax_of_s[s] = -1
    for k in range(lo, hi):
        s, t = a_src[k], a_tgt[k]
        smin_of_t[t] = min(smin_of_t[t], s)
        smax_of_t[t] = max(smax_of_t[t], s)
        tmin_of_s[s] = min(tmin_of_s[s], t)
        tmax_of_s[s] = max(tmax_of_s[s], t)
        aligned_t[t] = True
    for s1 in range(n_src):
        tmin, tmax = big, np.int64(-1)
        for s2 in range(s1, min(n_src, s1 + max_len)):
            tmin = min(tmin, tmin_of_s[s2])
            tmax = max(tmax, tmax_of_s[s2])
            if tmax < 0 or tmax - tmin + 1 > max_len:
                continue
            # Consistent: every link of a target word in [tmin, tmax] stays in [s1, s2].
            good = True
            for t in range(tmin, tmax + 1):
                if aligned_t[t] and (smin_of_t[t] < s1 or smax_of_t[t] > s2):
                    good = False
                    break
            if not good:
                continue
            # Extend over unaligned target words at both edges (Koehn 2010, fig. 5.5).
            t1 = tmin
            while t1 >= 0 and (t1 == tmin or not aligned_t[t1]):
                t2 = tmax
                while t2 < n_tgt and (t2 == tmax or not aligned_t[t2]):
                    if t2 - t1 + 1 > max_len:
                        break
                    if fill:
                        out_row[pos] = row
                        out_ss[pos] = s1
                        out_se[pos] = s2 + 1
                        out_ts[pos] = t1
                        out_te[pos] = t2 + 1
                    pos += 1
                    t2 += 1
                t1 -= 1
                if tmax - t1 + 1 > max_len:
                    break
    return pos


@numba.njit(cache=True, nogil=True)
def _extract_kernel(a_offsets, a_src, a_tgt, src_len, tgt_len,
                    max_len):  # pragma: no cover - compiled
    n_rows = a_offsets.shape[0] - 1
    ms, mt = 1, 1
    for r in range(n_rows):
        ms = max(ms, src_len[r])
        mt = max(mt, tgt_len[r])
    smin_of_t = np.empty(mt, np.int64)
    smax_of_t = np.empty(mt, np.int64)
    aligned_t = np.empty(mt, np.bool_)
    tmin_of_s = np.empty(ms, np.int64)
    tmax_of_s = np.empty(ms, np.int64)
    dummy = np.empty(0, np.int32)
    total = 0
    for r in range(n_rows):
        total = _phrase_row(a_offsets[r], a_offsets[r + 1], a_src, a_tgt, src_len[r],
                            tgt_len[r], max_len, smin_of_t, smax_of_t, tmin_of_s, tmax_of_s,
                            aligned_t, r, total, False, dummy, dummy, dummy, dummy, dummy)
    out_row = np.empty(total, np.int32)
    out_ss = np.empty(total, np.int32)
    out_se = np.empty(total, np.int32)
    out_ts = np.empty(total, np.int32)
    out_te = np.empty(total, np.int32)
    pos = 0
    for r in range(n_rows):
        pos = _phrase_row(a_offsets[r], a_offsets[r + 1], a_src, a_tgt, src_len[r],
                          tgt_len[r], max_len, smin_of_t, smax_of_t, tmin_of_s, tmax_of_s,
                          aligned_t, r, pos, True, out_row, out_ss, out_se, out_ts, out_te)
    return out_row, out_ss, out_se, out_ts, out_te


def _check_alignment(a_offsets, a_src, a_tgt, src_len, tgt_len, row_base):
    n = len(a_offsets) - 1
    if len(src_len) != n or len(tgt_len) != n:
        raise ValueError(
            f"a_offsets must be int64[n_rows + 1] and src_len, tgt_len int64[n_rows]; got "
            f"{len(a_offsets)}, {len(src_len)}, {len(tgt_len)}"
        )
    if len(a_src) != a_offsets[-1] or len(a_tgt) != a_offsets[-1]:
        raise ValueError("a_src and a_tgt must hold the links a_offsets points at")
    if n and (np.any(np.diff(a_offsets) < 0)):
        raise ValueError("a_offsets must be non-decreasing")
    bad_len = np.flatnonzero((src_len < 0) | (tgt_len < 0))
    if bad_len.size:
        r = int(bad_len[0])
        raise InputError(f"row {r + row_base}: negative sentence length "
                         f"({src_len[r]}, {tgt_len[r]})")
    row_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(a_offsets))
    bad = (a_src < 0) | (a_tgt < 0) | (a_src >= src_len[row_of]) | (a_tgt >= tgt_len[row_of])
    if bad.any():
        k = int(np.argmax(bad))
        r = int(row_of[k])
        raise InputError(
            f"row {r + row_base}: link {a_src[k]}-{a_tgt[k]} is out of range for "
            f"{src_len[r]} source and {tgt_len[r]} target words"
        )


def extract_phrases(
    a_offsets: np.ndarray,
    a_src: np.ndarray,
    a_tgt: np.ndarray,
    src_len: np.ndarray,
    tgt_len: np.ndarray,
    max_len: int,
    *,
    row_base: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Phrase pairs consistent with each row's word alignment (Koehn's algorithm).

    Args:
        a_offsets: ``int64[n_rows + 1]``, absolute indices into the links (as
            :func:`parse_pharaoh` gives).
        a_src, a_tgt: ``int64[n_links]``, 0-based word indices of each link.
        src_len, tgt_len: ``int64[n_rows]``, words per row on each side.
        max_len: longest phrase, in words, on either side (``>= 1``).
        row_base: added to row numbers in error messages.

    Returns:
        ``(row, src_start, src_end, tgt_start, tgt_end)``, each ``int32[n_phrases]``,
        half-open word ranges, grouped by row. A pair is kept when at least one link lies
        inside the box and no link joins a word inside it to a word outside it; unaligned
        words at the edges are included in every way the lengths allow.

    Raises:
        InputError: a link outside its row (``row 2: link 3-0 is out of range ...``).
        ConfigError: ``max_len < 1``.
    """
    if int(max_len) < 1:
        raise ConfigError(f"max_len must be >= 1, got {max_len}")
    a_offsets = _i64(a_offsets)
    if a_offsets.ndim != 1 or len(a_offsets) < 1:
        raise ValueError("a_offsets must be int64[n_rows + 1]")
    base, end = int(a_offsets[0]), int(a_offsets[-1])
    # Offsets are absolute into a_src/a_tgt (Arrow layout): take the rows' links only.
    a_src, a_tgt = _i64(a_src)[base:end], _i64(a_tgt)[base:end]
    a_offsets = a_offsets - base
    src_len, tgt_len = _i64(src_len), _i64(tgt_len)
    _check_alignment(a_offsets, a_src, a_tgt, src_len, tgt_len, row_base)
    return _extract_kernel(a_offsets, a_src, a_tgt, src_len, tgt_len, int(max_len))


def extract_phrases_reference(a_offsets, a_src, a_tgt, src_len, tgt_len, max_len):
    """Brute-force twin of :func:`extract_phrases`: every box, checked for consistency.

    Returns a set of ``(row, src_start, src_end, tgt_start, tgt_end)`` tuples.
    """
    out = set()
    for row in range(len(a_offsets) - 1):
        links = [(int(a_src[k]), int(a_tgt[k]))
                 for k in range(a_offsets[row], a_offsets[row + 1])]
        ns, nt = int(src_len[row]), int(tgt_len[row])
        for s1 in range(ns):
            for s2 in range(s1 + 1, min(ns, s1 + max_len) + 1):
                for t1 in range(nt):
                    for t2 in range(t1 + 1, min(nt, t1 + max_len) + 1):
                        inside = [(s1 <= s < s2) and (t1 <= t < t2) for s, t in links]
                        crossing = any((s1 <= s < s2) != (t1 <= t < t2) for s, t in links)
                        if any(inside) and not crossing:
                            out.add((row, s1, s2, t1, t2))
    return out

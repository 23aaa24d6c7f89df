"""Word alignments: Pharaoh ``i-j`` strings to flat arrays, and the phrase pairs
consistent with an alignment (Koehn's extraction), as Numba kernels.

``parse_pharaoh`` turns a string column into ``(offsets int64[n_rows + 1], src int32,
tgt int32)`` (links of row ``i`` at ``offsets[i]:offsets[i + 1]``); ``extract_phrases``
gives each row's consistent phrase pairs up to a length, with a plain-Python twin
(``extract_phrases_reference``) that the tests use as the oracle. Kernels are
``@numba.njit(cache=True, nogil=True)``, never parallel.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ArrowLayoutError, ColumnTypeError, ConfigError, InputError

__all__ = ["extract_phrases", "extract_phrases_reference", "parse_pharaoh"]


def _i64(a: Any) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.int64)


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
        raise ColumnTypeError(f"Pharaoh alignments must be strings, got {text.type}")
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
        raise ArrowLayoutError(
            f"a_offsets must be int64[n_rows + 1] and src_len, tgt_len int64[n_rows]; got "
            f"{len(a_offsets)}, {len(src_len)}, {len(tgt_len)}"
        )
    if len(a_src) != a_offsets[-1] or len(a_tgt) != a_offsets[-1]:
        raise ArrowLayoutError("a_src and a_tgt must hold the links a_offsets points at")
    if n and (np.any(np.diff(a_offsets) < 0)):
        raise ArrowLayoutError("a_offsets must be non-decreasing")
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
        raise ArrowLayoutError("a_offsets must be int64[n_rows + 1]")
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

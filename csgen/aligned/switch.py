"""Code-switching with word-aligned parallel text (alignment-based code-mixing, as GCM).

:func:`switch_aligned` replaces source phrases by the target phrases they are aligned to,
with no lexicon and no parser. Everything per row runs in Numba kernels
(``@njit(cache=True, nogil=True)``) over the flat Arrow buffers; :func:`switch_aligned_reference`
is its plain-Python twin (the test oracle). This module imports numba; ``import csgen``
does not import it.

Semantics, per row:

- **Tokens**: maximal runs of bytes that are not ASCII white space (space, ``\\t \\n \\v
  \\f \\r``), on both sides. Other white space (U+3000, NBSP) is part of a token.
- **Candidates**: the consistent phrase pairs of the alignment (:func:`csgen.aligned.
  phrases.extract_phrases`, ``max_phrase_len`` words at most on each side) that are *tight*: the
  first and last source words are aligned, and the target span is the smallest one for
  that source span (no unaligned-target extension). So an unaligned source word is never
  replaced, and two chosen pairs never share a target word.
- **Selection**, left to right: at source token ``i`` take the longest candidate source
  span ``[i, end)``; switch it when ``u < ratio``, ``u`` a draw in [0, 1) that is a pure
  function of (seed, row key, column hash, ``i``); if switched, continue at ``end``, else
  at ``i + 1``.
- **Output**: the source with each switched token range replaced by its target tokens
  joined by single spaces; every other byte (white space included) is copied unchanged.
- **Randomness** (SplitMix64 on uint64; not the C++ core's stream):
  ``mix(z) = splitmix64_finalise(z + 0x9E3779B97F4A7C15)``,
  ``x = mix(mix(mix(mix(seed) ^ key) ^ fnv1a64(column)) ^ i)``, ``u = (x >> 11) * 2**-53``.
  The row key is ``keys[r]``, or the global row ``row_base + r`` without ``keys``, so the
  output does not depend on how a table is sliced into batches.
"""

from __future__ import annotations

import re
from typing import Any

import numba
import numpy as np
import pyarrow as pa

from .._arrow import as_string_array, string_buffers, switches_type
from .._rng import MASK64 as _MASK
from .._rng import splitmix64 as _mix_py
from ..errors import ConfigError, DataTooLargeError, InputError
from .phrases import extract_phrases, parse_pharaoh

__all__ = [
    "column_hash",
    "switch_aligned",
    "switch_aligned_reference",
]

_U64 = np.uint64
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0
_INT32_MAX = 2**31 - 1


def column_hash(column: str) -> int:
    """FNV-1a 64 of the column name's UTF-8 bytes (the column part of every draw)."""
    h = 0xCBF29CE484222325
    for b in column.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & _MASK
    return h


# --------------------------------------------------------------------------- kernels


@numba.njit(cache=True, nogil=True)
def _mix(z):  # pragma: no cover - compiled
    z = z + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@numba.njit(cache=True, nogil=True)
def _is_space(b):  # pragma: no cover - compiled
    return b == 32 or (b >= 9 and b <= 13)


@numba.njit(cache=True, nogil=True)
def _tokenize(offsets, data, valid):  # pragma: no cover - compiled
    # Byte spans (absolute into data) of the ASCII-whitespace-separated tokens of each row.
    n = offsets.shape[0] - 1
    tok_off = np.zeros(n + 1, np.int64)
    for r in range(n):
        c = 0
        if valid[r]:
            inside = False
            for p in range(offsets[r], offsets[r + 1]):
                sp = _is_space(data[p])
                if not sp and not inside:
                    c += 1
                inside = not sp
        tok_off[r + 1] = tok_off[r] + c
    starts = np.empty(tok_off[n], np.int64)
    ends = np.empty(tok_off[n], np.int64)
    k = 0
    for r in range(n):
        if not valid[r]:
            continue
        inside = False
        for p in range(offsets[r], offsets[r + 1]):
            sp = _is_space(data[p])
            if not sp and not inside:
                starts[k] = p
            elif sp and inside:
                ends[k] = p
                k += 1
            inside = not sp
        if inside:
            ends[k] = offsets[r + 1]
            k += 1
    return tok_off, starts, ends


@numba.njit(cache=True, nogil=True)
def _select(a_off, a_src, ph_row, ph_ss, ph_se, ph_ts, ph_te, src_len, keys, seed, col,
            ratio):  # pragma: no cover - compiled
    n = src_len.shape[0]
    ms = 1
    total = 0
    for r in range(n):
        ms = max(ms, src_len[r])
        total += src_len[r]
    aligned = np.zeros(ms, np.bool_)
    best_end = np.zeros(ms, np.int64)
    best_ts = np.zeros(ms, np.int64)
    best_te = np.zeros(ms, np.int64)
    sw_off = np.zeros(n + 1, np.int64)
    sw_ss = np.empty(total, np.int64)
    sw_se = np.empty(total, np.int64)
    sw_ts = np.empty(total, np.int64)
    sw_te = np.empty(total, np.int64)
    base = _mix(seed)
    m = 0
    p = 0
    n_ph = ph_row.shape[0]
    for r in range(n):
        ns = src_len[r]
        for i in range(ns):
            aligned[i] = False
            best_end[i] = -1
        for k in range(a_off[r], a_off[r + 1]):
            aligned[a_src[k]] = True
        while p < n_ph and ph_row[p] == r:
            s1, s2, t1, t2 = ph_ss[p], ph_se[p], ph_ts[p], ph_te[p]
            p += 1
            if not (aligned[s1] and aligned[s2 - 1]):
                continue
            if s2 > best_end[s1] or (s2 == best_end[s1]
                                     and t2 - t1 < best_te[s1] - best_ts[s1]):
                best_end[s1] = s2
                best_ts[s1] = t1
                best_te[s1] = t2
        row_h = _mix(_mix(base ^ keys[r]) ^ col)
        i = 0
        while i < ns:
            if best_end[i] > 0:
                x = _mix(row_h ^ np.uint64(i))
                u = np.float64(x >> _S11) * _INV53
                if u < ratio:
                    sw_ss[m] = i
                    sw_se[m] = best_end[i]
                    sw_ts[m] = best_ts[i]
                    sw_te[m] = best_te[i]
                    m += 1
                    i = best_end[i]
                    continue
            i += 1
        sw_off[r + 1] = m
    return sw_off, sw_ss[:m], sw_se[:m], sw_ts[:m], sw_te[:m]


@numba.njit(cache=True, nogil=True)
def _assemble(s_off, s_data, t_data, valid, s_tok, s_st, s_en, t_tok, t_st, t_en,
              sw_off, sw_ss, sw_se, sw_ts, sw_te):  # pragma: no cover - compiled
    n = s_off.shape[0] - 1
    out_off = np.zeros(n + 1, np.int64)
    longest = 0
    for r in range(n):  # pass 1: sizes
        size = 0
        if valid[r]:
            size = s_off[r + 1] - s_off[r]
            for k in range(sw_off[r], sw_off[r + 1]):
                a = s_tok[r] + sw_ss[k]
                b = s_tok[r] + sw_se[k] - 1
                size -= s_en[b] - s_st[a]
                for t in range(t_tok[r] + sw_ts[k], t_tok[r] + sw_te[k]):
                    size += t_en[t] - t_st[t]
                size += sw_te[k] - sw_ts[k] - 1
        longest = max(longest, size, s_off[r + 1] - s_off[r])
        out_off[r + 1] = out_off[r] + size
    out = np.empty(out_off[n], np.uint8)
    m = sw_ss.shape[0]
    rs = np.empty(m, np.int32)
    re_ = np.empty(m, np.int32)
    ds = np.empty(m, np.int32)
    de = np.empty(m, np.int32)
    for r in range(n):  # pass 2: write
        if not valid[r]:
            continue
        row0, o0 = s_off[r], out_off[r]
        pin, o = row0, o0
        for k in range(sw_off[r], sw_off[r + 1]):
            a = s_st[s_tok[r] + sw_ss[k]]
            b = s_en[s_tok[r] + sw_se[k] - 1]
            for q in range(pin, a):
                out[o] = s_data[q]
                o += 1
            rs[k] = a - row0
            re_[k] = b - row0
            ds[k] = o - o0
            for t in range(t_tok[r] + sw_ts[k], t_tok[r] + sw_te[k]):
                if t > t_tok[r] + sw_ts[k]:
                    out[o] = 32
                    o += 1
                for q in range(t_st[t], t_en[t]):
                    out[o] = t_data[q]
                    o += 1
            de[k] = o - o0
            pin = b
        for q in range(pin, s_off[r + 1]):
            out[o] = s_data[q]
            o += 1
    return out_off, out, rs, re_, ds, de, longest


# --------------------------------------------------------------------------- front end


def _strings(arr: Any, name: str) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    elif not isinstance(arr, pa.Array):
        arr = pa.array(arr, pa.string())
    return as_string_array(arr, name)


def _row_keys(keys: np.ndarray | None, n: int, row_base: int) -> np.ndarray:
    if keys is None:
        return (np.arange(n, dtype=np.int64) + int(row_base)).astype(np.uint64)
    keys = np.asarray(keys)
    if keys.shape != (n,) or not np.issubdtype(keys.dtype, np.integer):
        raise ConfigError(f"keys must be an integer array of shape ({n},), "
                          f"got {keys.dtype}{keys.shape}")
    if keys.dtype.kind == "u":
        return np.ascontiguousarray(keys, dtype=np.uint64)
    return np.ascontiguousarray(keys, dtype=np.int64).view(np.uint64)


def _check_options(ratio: float, seed: int, max_phrase_len: int) -> None:
    if not (0.0 <= float(ratio) <= 1.0):
        raise ConfigError(f"ratio must be in [0, 1], got {ratio}")
    if not (0 <= int(seed) <= _MASK):
        raise ConfigError(f"seed must be in [0, 2**64), got {seed}")
    if int(max_phrase_len) < 1:
        raise ConfigError(f"max_phrase_len must be >= 1, got {max_phrase_len}")


def switch_aligned(
    source: pa.Array,
    target: pa.Array,
    alignment: pa.Array,
    *,
    ratio: float,
    seed: int,
    max_phrase_len: int = 1,
    lang: str = "xx",
    row_base: int = 0,
    keys: np.ndarray | None = None,
    column: str = "source",
) -> tuple[pa.Array, pa.Array]:
    """Switch source phrases to the target phrases they are word-aligned to.

    Args:
        source, target: ``string``/``large_string`` arrays (chunked, dictionary and
            string_view are combined/cast once), one whitespace-tokenised sentence a row.
            Their buffers are borrowed (sliced arrays: ``.offset`` is honoured).
        alignment: Pharaoh strings ``"0-0 1-2"`` (0-based, ``i`` a source token, ``j`` a
            target token); a null or blank row has no links.
        ratio: probability of switching each candidate unit, in [0, 1].
        seed: in [0, 2**64).
        max_phrase_len: longest phrase, in tokens, on either side.
        lang: the ``lang`` of every record (the target's language).
        row_base: global row of the first row (row keys and error messages).
        keys: ``uint64[n]`` (or int64) row keys; default ``row_base + arange(n)``.
        column: name hashed into every draw.

    Returns:
        ``(switched, switches)``: ``switched`` is a new ``string`` array (``large_string``
        when ``source`` is, or the output outgrows 2 GiB) that owns its buffers; ``switches``
        is ``list<struct<src_start, src_end, dst_start, dst_end: int32, lang:
        dictionary<int16, string>>>`` with UTF-8 byte offsets, half-open, so
        ``source[r][src_start:src_end]`` became ``switched[r][dst_start:dst_end]``. A row
        whose source or target is null is null in both outputs (its links are ignored).

    Raises:
        ConfigError: the three arrays differ in length; a bad option.
        InputError: a malformed link or one outside its row (``row 7: link 3-9 is out of
            range for 3 source and 5 target words``), rows counted from ``row_base``.

    Example:
        >>> import pyarrow as pa
        >>> out, rec = switch_aligned(pa.array(["the  house is red"]),
        ...     pa.array(["das Haus ist rot"]), pa.array(["0-0 1-1 2-2 3-3"]),
        ...     ratio=1.0, seed=0, lang="de")
        >>> out.to_pylist()
        ['das  Haus ist rot']
        >>> rec[0][1].as_py()
        {'src_start': 5, 'src_end': 10, 'dst_start': 5, 'dst_end': 9, 'lang': 'de'}
    """
    _check_options(ratio, seed, max_phrase_len)
    src, tgt = _strings(source, "source"), _strings(target, "target")
    if isinstance(alignment, pa.ChunkedArray):
        alignment = alignment.combine_chunks()
    n = len(src)
    if len(tgt) != n or len(alignment) != n:
        raise ConfigError(f"source, target and alignment must have the same length, got "
                          f"{n}, {len(tgt)} and {len(alignment)}")
    row_keys = _row_keys(keys, n, row_base)
    s_off, s_data, s_valid = string_buffers(src)
    t_off, t_data, t_valid = string_buffers(tgt)
    valid = s_valid & t_valid
    s_tok, s_st, s_en = _tokenize(s_off, s_data, valid)
    t_tok, t_st, t_en = _tokenize(t_off, t_data, valid)
    a_off, a_src, a_tgt = parse_pharaoh(alignment, row_base=row_base)
    if not valid.all():  # links of null rows are ignored
        keep = np.repeat(valid, np.diff(a_off))
        a_src, a_tgt = a_src[keep], a_tgt[keep]
        a_off = np.concatenate([[0], np.cumsum(np.diff(a_off) * valid)])
    a_off = a_off.astype(np.int64)
    src_len, tgt_len = np.diff(s_tok), np.diff(t_tok)
    phrases = extract_phrases(a_off, a_src, a_tgt, src_len, tgt_len, int(max_phrase_len),
                              row_base=row_base)
    sw = _select(a_off, a_src.astype(np.int64), *phrases, src_len, row_keys, _U64(seed),
                 _U64(column_hash(column)), float(ratio))
    out_off, out, rs, re_, ds, de, longest = _assemble(
        s_off, s_data, t_data, valid, s_tok, s_st, s_en, t_tok, t_st, t_en, *sw)
    if longest > _INT32_MAX:
        raise DataTooLargeError(f"a row of {longest} bytes exceeds the int32 switch offsets")
    large = pa.types.is_large_string(src.type) or out_off[-1] > _INT32_MAX
    null_count = int(n - valid.sum())
    bitmap = (None if null_count == 0
              else pa.py_buffer(np.packbits(valid, bitorder="little")))
    switched = pa.Array.from_buffers(
        pa.large_string() if large else pa.string(), n,
        [bitmap, pa.py_buffer(out_off if large else out_off.astype(np.int32)),
         pa.py_buffer(out)], null_count=null_count)
    m = len(rs)
    typ = switches_type()
    children = [pa.Array.from_buffers(pa.int32(), m, [None, pa.py_buffer(a)])
                for a in (rs, re_, ds, de)]
    lang_index = pa.Array.from_buffers(pa.int16(), m,
                                       [None, pa.py_buffer(np.zeros(m, np.int16))])
    children.append(pa.DictionaryArray.from_arrays(lang_index, pa.array([lang], pa.string())))
    values = pa.StructArray.from_arrays(children, fields=list(typ.value_type))
    switches = pa.Array.from_buffers(
        typ, n, [bitmap, pa.py_buffer(sw[0].astype(np.int32))], null_count=null_count,
        children=[values])
    return switched, switches


# --------------------------------------------------------------------------- twin

_WS = re.compile(rb"[^ \t\n\v\f\r]+")
_PHARAOH = re.compile(r"^([0-9]{1,9})-([0-9]{1,9})$")


def _draw_py(seed: int, key: int, col: int, i: int) -> float:
    x = _mix_py(_mix_py(_mix_py(_mix_py(seed) ^ key) ^ col) ^ i)
    return (x >> 11) * _INV53


def _candidates_py(links: set[tuple[int, int]], ns: int, max_len: int):
    """``{i: (end, ts, te)}``: the longest tight consistent pair starting at each word."""
    aligned = {s for s, _ in links}
    out = {}
    for i in range(ns):
        for end in range(min(ns, i + max_len), i, -1):
            if i not in aligned or end - 1 not in aligned:
                continue
            ts = [t for s, t in links if i <= s < end]
            t1, t2 = min(ts), max(ts) + 1
            if t2 - t1 > max_len:
                continue
            if all(i <= s < end for s, t in links if t1 <= t < t2):
                out[i] = (end, t1, t2)
                break
    return out


def switch_aligned_reference(source, target, alignment, *, ratio, seed, max_phrase_len=1,
                             lang="xx", row_base=0, keys=None, column="source"):
    """Plain-Python twin of :func:`switch_aligned` on Python lists (no validation beyond
    what the oracle needs). Returns ``(texts, records)`` as ``to_pylist()`` would."""
    col = column_hash(column)
    texts, records = [], []
    for r, (s, t, a) in enumerate(zip(source, target, alignment, strict=True)):
        if s is None or t is None:
            texts.append(None)
            records.append(None)
            continue
        sb, tb = s.encode("utf-8"), t.encode("utf-8")
        stoks = [(m.start(), m.end()) for m in _WS.finditer(sb)]
        ttoks = [tb[m.start():m.end()] for m in _WS.finditer(tb)]
        links = set()
        for tok in (a or "").split():
            m = _PHARAOH.match(tok)
            if m is None:
                raise InputError(f"row {r + row_base}: {tok!r} is not an i-j pair")
            i, j = int(m.group(1)), int(m.group(2))
            if i >= len(stoks) or j >= len(ttoks):
                raise InputError(f"row {r + row_base}: link {i}-{j} is out of range")
            links.add((i, j))
        cand = _candidates_py(links, len(stoks), max_phrase_len)
        key = (row_base + r) if keys is None else int(np.uint64(keys[r]))
        out, recs, pin, i = bytearray(), [], 0, 0
        while i < len(stoks):
            if i in cand and _draw_py(seed, key & _MASK, col, i) < ratio:
                end, t1, t2 = cand[i]
                a0, b0 = stoks[i][0], stoks[end - 1][1]
                out += sb[pin:a0]
                d0 = len(out)
                out += b" ".join(ttoks[t1:t2])
                recs.append({"src_start": a0, "src_end": b0, "dst_start": d0,
                             "dst_end": len(out), "lang": lang})
                pin, i = b0, end
            else:
                i += 1
        out += sb[pin:]
        texts.append(out.decode("utf-8"))
        records.append(recs)
    return texts, records

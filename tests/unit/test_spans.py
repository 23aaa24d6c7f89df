"""csgen.spans: Numba span kernels, checked on hand-built cases and real switcher output."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest

import csgen
from csgen import spans as S
from csgen.errors import ConfigError, InputError

SRC = "The house in New York is naïve, ok."
# (source text, replacement) in order: shorter, longer, multi-byte and longer in bytes.
REPL = [("house", "Haus"), ("New York", "Nueva York"), ("naïve", "наивный")]
DST = "The Haus in Nueva York is наивный, ok."


def apply(src: str, repl: list[tuple[str, str]]) -> tuple[bytes, bytes, list[tuple]]:
    """Replace each (old, new) once, left to right; records in UTF-8 byte offsets."""
    s = src.encode()
    out, recs, pos = b"", [], 0
    for old, new in repl:
        a = s.index(old.encode(), pos)
        b = a + len(old.encode())
        out += s[pos:a]
        c = len(out)
        out += new.encode()
        recs.append((a, b, c, len(out)))
        pos = b
    return s, out + s[pos:], recs


def byte_span(text: str, sub: str) -> tuple[int, int]:
    b = text.encode()
    a = b.index(sub.encode())
    return a, a + len(sub.encode())


def test_hand_built_pair_is_what_it_claims():
    s, d, recs = apply(SRC, REPL)
    assert d.decode() == DST
    assert [(s[a:b].decode(), d[c:e].decode()) for a, b, c, e in recs] == REPL
    # lengths differ: -1, +2, +8 bytes
    assert [(e - c) - (b - a) for a, b, c, e in recs] == [-1, 2, 8]


# (source substring, expected output substring or None when it cuts a switch)
CASES = [
    ("The", "The"),
    ("house", "Haus"),
    (" in ", " in "),
    ("New York", "Nueva York"),
    ("house in New York", "Haus in Nueva York"),
    ("is", "is"),
    ("naïve", "наивный"),
    ("naïve, ok.", "наивный, ok."),
    (", ok.", ", ok."),
    (SRC, DST),
    ("York", None),
    ("New", None),
    ("ouse in", None),
    ("ï", None),
]


def test_remap_spans_on_real_strings():
    _, d, recs = apply(SRC, REPL)
    spans = [byte_span(SRC, sub) for sub, _ in CASES]
    starts, ends = np.array(spans).T
    rec = np.array(recs).T
    ns, ne, status = S.remap_spans([0, len(spans)], starts, ends, [0, len(recs)], *rec)
    for (sub, want), a, b, st in zip(CASES, ns, ne, status, strict=True):
        if want is None:
            assert (a, b, st) == (-1, -1, S.CUTS_SWITCH), sub
        else:
            assert st == S.OK, sub
            assert d[a:b].decode() == want, sub
    ref = S.remap_spans_reference([0, len(spans)], starts, ends, [0, len(recs)], *rec)
    for got, exp in zip((ns, ne, status), ref, strict=True):
        np.testing.assert_array_equal(got, exp)


def test_remap_boundaries_exact_numbers():
    # one record [4, 9) -> [4, 8) ("house" -> "Haus"), spans given as raw byte offsets
    ns, ne, st = S.remap_spans([0, 6], [0, 4, 9, 5, 9, 7], [4, 9, 12, 12, 9, 3],
                               [0, 1], [4], [9], [4], [8])
    assert ns.tolist() == [0, 4, 8, -1, 8, -1]
    assert ne.tolist() == [4, 8, 11, -1, 8, -1]
    assert st.tolist() == [S.OK, S.OK, S.OK, S.CUTS_SWITCH, S.OK, S.BAD_SPAN]
    assert ns.dtype == np.int64 and st.dtype == np.int8


def test_remap_adjacent_records_and_empty_replacement():
    # "abcdef": "ab" -> "X", "cd" -> "" (adjacent), output "Xef"
    ns, ne, st = S.remap_spans([0, 4], [0, 2, 0, 4], [2, 4, 4, 6], [0, 2],
                               [0, 2], [2, 4], [0, 1], [1, 1])
    d = b"Xef"
    assert st.tolist() == [0, 0, 0, 0]
    assert [d[a:b] for a, b in zip(ns, ne, strict=True)] == [b"X", b"", b"X", b"ef"]


def test_remap_rows_are_independent():
    # row 0 has a record, row 1 none, row 2 no spans
    ns, ne, _ = S.remap_spans([0, 1, 2, 2], [5, 5], [6, 6], [0, 1, 1, 2],
                              [0, 0], [3, 3], [0, 0], [1, 1])
    assert ns.tolist() == [3, 5] and ne.tolist() == [4, 6]


def test_remap_shape_mismatch():
    with pytest.raises(ValueError, match="n_rows"):
        S.remap_spans([0, 1], [0], [1], [0, 0, 0], [], [], [], [])


def _span_array(rows, typ=None):
    typ = typ or pa.int32()
    t = pa.list_(pa.struct([("start", typ), ("end", typ)]))
    return pa.array([None if r is None else [{"start": a, "end": b} for a, b in r] for r in rows],
                    t)


def test_remap_spans_arrow_with_real_switcher_output():
    lex = csgen.Lexicon.from_pairs(["house", "new york", "naïve", "is"],
                                   ["Haus", "Nueva York", "наивный", "ist"], lang="xx")
    texts = [SRC, None, "", "nothing here", "A naïve house, a naïve house."]
    res = csgen.Switcher(lex, ratio=1.0, seed=1).switch_array(pa.array(texts, pa.string()))
    words = [None if t is None else [m.span() for m in re.finditer(rb"\S+", t.encode())]
             for t in texts]
    out, status = S.remap_spans_arrow(_span_array(words), res.switches)
    assert out.type == _span_array([]).type and status.type == pa.list_(pa.int8())
    assert out.is_null().to_pylist() == [False, True, False, False, False]
    dst = res.text.to_pylist()
    assert dst[0] == "The Haus in Nueva York ist наивный, ok."
    got = [None if r is None else [dst[i].encode()[x["start"]:x["end"]].decode()
                                   if x["start"] >= 0 else None for x in r]
           for i, r in enumerate(out.to_pylist())]
    assert got[0] == ["The", "Haus", "in", None, None, "ist", "наивный,", "ok."]
    assert got[1] is None and got[2] == []
    assert got[3] == ["nothing", "here"]
    assert got[4] == ["A", "наивный", "Haus,", "a", "наивный", "Haus."]
    assert status.to_pylist()[0] == [0, 0, 0, 1, 1, 0, 0, 0]


def test_remap_spans_arrow_sliced_and_int64():
    spans = _span_array([[(0, 1)], [(0, 3), (4, 5)], [(2, 4)]], pa.int64()).slice(1)
    sw = pa.array([[], [{"src_start": 0, "src_end": 3, "dst_start": 0, "dst_end": 1}], []],
                  pa.list_(pa.struct([(n, pa.int32()) for n in
                                      ("src_start", "src_end", "dst_start", "dst_end")])))
    out, status = S.remap_spans_arrow(spans, sw.slice(1))
    assert out.type.value_type.field("start").type == pa.int64()
    assert out.to_pylist() == [[{"start": 0, "end": 1}, {"start": 2, "end": 3}],
                               [{"start": 2, "end": 4}]]
    assert status.to_pylist() == [[0, 0], [0]]
    with pytest.raises(ValueError, match="rows"):
        S.remap_spans_arrow(spans, sw)


# --------------------------------------------------------------------------- protect


def test_protect_mask_hand_cases():
    # row 0: protected [5, 10) and [12, 12) (empty); tokens: before, straddling the start,
    # inside, straddling the end, after (over the empty one), empty inside.
    # row 1: no protected spans.
    mask = S.protect_mask([0, 2, 2], [5, 12], [10, 12],
                          [0, 6, 7], [0, 3, 6, 9, 10, 7, 0], [4, 6, 8, 11, 13, 7, 9])
    assert mask.tolist() == [False, True, True, True, False, False, False]
    assert mask.dtype == np.bool_


def test_protect_mask_overlapping_unsorted_protected():
    args = ([0, 3], [20, 0, 2], [30, 4, 6], [0, 4], [6, 7, 19, 30], [7, 20, 21, 31])
    got = S.protect_mask(*args)
    assert got.tolist() == [False, False, True, False]
    np.testing.assert_array_equal(got, S.protect_mask_reference(*args))


# --------------------------------------------------------------------------- pharaoh


def test_parse_pharaoh():
    off, src, tgt = S.parse_pharaoh(["0-0 1-2 2-1", "  3-4\t0-10 ", None, "", "12-7"])
    assert off.tolist() == [0, 3, 5, 5, 5, 6]
    assert src.tolist() == [0, 1, 2, 3, 0, 12]
    assert tgt.tolist() == [0, 2, 1, 4, 10, 7]
    assert off.dtype == src.dtype == tgt.dtype == np.int32


def test_parse_pharaoh_empty_and_chunked():
    off, src, tgt = S.parse_pharaoh(pa.array([], pa.string()))
    assert off.tolist() == [0] and src.size == tgt.size == 0
    off, src, _ = S.parse_pharaoh(pa.chunked_array([["0-1"], ["1-0 2-2"]], pa.large_string()))
    assert off.tolist() == [0, 1, 3] and src.tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["0-0", "0-0", "0-0", "0-0 1-x"], "row 3: '1-x' is not an i-j pair"),
        (["0-0 1"], "row 0: '1' is not an i-j pair"),
        (["0-0", "1-2-3"], "row 1: '1-2-3' is not an i-j pair"),
        (["-1-2"], "row 0: '-1-2' has a negative index"),
        (["1--2"], "row 0: '1--2' has a negative index"),
        (["0-0", "1-１"], "row 1: '1-１' is not an i-j pair"),  # full-width digit
        (["99999999999-1"], "row 0: '99999999999-1' has an index too large"),
    ],
)
def test_parse_pharaoh_errors(rows, message):
    with pytest.raises(InputError, match=re.escape(message)):
        S.parse_pharaoh(rows)


def test_parse_pharaoh_row_base():
    with pytest.raises(InputError, match=re.escape("row 101: 'a' is not")):
        S.parse_pharaoh(["0-0", "a"], row_base=100)


# --------------------------------------------------------------------------- phrases


def phrases(*args, **kw):
    return set(zip(*(a.tolist() for a in S.extract_phrases(*args, **kw)), strict=True))


def test_diagonal_at_max_len_1():
    n = 6
    got = phrases([0, n], np.arange(n), np.arange(n), [n], [n], 1)
    assert got == {(0, i, i + 1, i, i + 1) for i in range(n)}


def test_swap_and_unaligned_target():
    # src "a b", tgt "B x A": a-A, b-B; x unaligned
    got = phrases([0, 2], [0, 1], [2, 0], [2], [3], 3)
    assert got == {
        (0, 0, 1, 2, 3), (0, 0, 1, 1, 3),          # a-A, a-"x A"
        (0, 1, 2, 0, 1), (0, 1, 2, 0, 2),          # b-B, b-"B x"
        (0, 0, 2, 0, 3),                           # whole
    }
    assert got == S.extract_phrases_reference([0, 2], [0, 1], [2, 0], [2], [3], 3)


def test_extract_phrases_rows_and_offset_base():
    # offsets not starting at 0 (a slice of a bigger batch): links 0..1 are ignored
    a_src = np.array([9, 9, 0, 0, 1])
    a_tgt = np.array([9, 9, 0, 0, 0])
    got = phrases([2, 3, 3, 5], a_src, a_tgt, [1, 0, 2], [1, 4, 1], 2)
    assert got == {(0, 0, 1, 0, 1), (2, 0, 2, 0, 1)}


def test_extract_phrases_errors():
    with pytest.raises(InputError, match=re.escape("row 1: link 0-3 is out of range")):
        S.extract_phrases([0, 1, 2], [0, 0], [0, 3], [1, 1], [1, 3], 2)
    with pytest.raises(InputError, match="row 7: link 2-0"):
        S.extract_phrases([0, 1], [2], [0], [2], [1], 2, row_base=7)
    with pytest.raises(InputError, match="row 0: link -1-0"):
        S.extract_phrases([0, 1], [-1], [0], [2], [1], 2)
    with pytest.raises(ConfigError, match="max_len"):
        S.extract_phrases([0], [], [], [], [], 0)


def test_import_csgen_does_not_import_numba():
    import subprocess
    import sys

    code = "import sys, csgen; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"

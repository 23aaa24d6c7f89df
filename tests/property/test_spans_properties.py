"""csgen.spans kernels equal their plain-Python twins on random inputs (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from csgen import spans as S


@st.composite
def alignments(draw):
    """Rows of (src_len, tgt_len, links) with lengths 0-7 and any subset of links."""
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        ns, nt = draw(st.integers(0, 7)), draw(st.integers(0, 7))
        pairs = [(i, j) for i in range(ns) for j in range(nt)]
        links = draw(st.lists(st.sampled_from(pairs), max_size=12)) if pairs else []
        rows.append((ns, nt, links))
    return rows


def flat(rows):
    off = np.cumsum([0] + [len(r[2]) for r in rows])
    src = np.array([s for r in rows for s, _ in r[2]], np.int64)
    tgt = np.array([t for r in rows for _, t in r[2]], np.int64)
    return off, src, tgt, np.array([r[0] for r in rows]), np.array([r[1] for r in rows])


@settings(max_examples=300, deadline=None)
@given(alignments(), st.integers(1, 8))
def test_extract_phrases_equals_brute_force(rows, max_len):
    args = (*flat(rows), max_len)
    got = S.extract_phrases(*args)
    assert all(a.dtype == np.int32 for a in got)
    tuples = list(zip(*(a.tolist() for a in got), strict=True))
    assert len(tuples) == len(set(tuples)), "duplicate phrase pairs"
    assert [t[0] for t in tuples] == sorted(t[0] for t in tuples), "not grouped by row"
    assert set(tuples) == S.extract_phrases_reference(*args)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7))
def test_monotone_one_to_one_gives_diagonal(n, max_len):
    got = S.extract_phrases([0, n], np.arange(n), np.arange(n), [n], [n], max_len)
    boxes = set(zip(*(a.tolist() for a in got), strict=True))
    ends = lambda i: range(i + 1, min(n, i + max_len) + 1)  # noqa: E731
    assert boxes == {(0, i, j, i, j) for i in range(n) for j in ends(i)}


@settings(max_examples=200, deadline=None)
@given(alignments())
def test_parse_pharaoh_roundtrip(rows):
    texts = [" ".join(f"{s}-{t}" for s, t in links) for _, _, links in rows]
    off, src, tgt = S.parse_pharaoh(texts)
    e_off, e_src, e_tgt, _, _ = flat(rows)
    np.testing.assert_array_equal(off, e_off)
    np.testing.assert_array_equal(src, e_src)
    np.testing.assert_array_equal(tgt, e_tgt)


@st.composite
def texts_with_records(draw):
    """Rows of (records, spans): sorted non-overlapping records, random spans."""
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        cuts = sorted(set(draw(st.lists(st.integers(0, 40), max_size=8))))
        recs, out_shift = [], 0
        for a, b in zip(cuts[::2], cuts[1::2], strict=False):
            if draw(st.booleans()):
                new_len = draw(st.integers(0, 9))
                recs.append((a, b, a + out_shift, a + out_shift + new_len))
                out_shift += new_len - (b - a)
        spans = draw(st.lists(st.tuples(st.integers(-1, 42), st.integers(0, 42)), max_size=8))
        rows.append((recs, sorted(spans)))
    return rows


@settings(max_examples=300, deadline=None)
@given(texts_with_records())
def test_remap_spans_equals_reference(rows):
    span_off = np.cumsum([0] + [len(sp) for _, sp in rows])
    rec_off = np.cumsum([0] + [len(r) for r, _ in rows])
    starts = np.array([s for _, sp in rows for s, _ in sp], np.int64)
    ends = np.array([e for _, sp in rows for _, e in sp], np.int64)
    rec = [np.array([r[k] for recs, _ in rows for r in recs], np.int64) for k in range(4)]
    got = S.remap_spans(span_off, starts, ends, rec_off, *rec)
    ref = S.remap_spans_reference(span_off, starts, ends, rec_off, *rec)
    for g, r in zip(got, ref, strict=True):
        np.testing.assert_array_equal(g, r)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)),
                                   max_size=5),
                          st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)),
                                   max_size=8)), max_size=4))
def test_protect_mask_equals_reference(rows):
    p_off = np.cumsum([0] + [len(p) for p, _ in rows])
    t_off = np.cumsum([0] + [len(t) for _, t in rows])
    ps = np.array([s for p, _ in rows for s, _ in p], np.int64)
    pe = np.array([e for p, _ in rows for _, e in p], np.int64)
    ts = np.array([s for _, t in rows for s, _ in t], np.int64)
    te = np.array([e for _, t in rows for _, e in t], np.int64)
    np.testing.assert_array_equal(S.protect_mask(p_off, ps, pe, t_off, ts, te),
                                  S.protect_mask_reference(p_off, ps, pe, t_off, ts, te))

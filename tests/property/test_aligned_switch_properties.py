"""csgen.aligned_switch on random sentences and alignments (hypothesis)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from csgen import aligned_switch as A
from csgen import spans as S

WORDS = st.sampled_from(["a", "bb", "Ü", "ß", "日本", "x-y", "z'", "😀", "é", "a\u3000b"])
SPACE = st.sampled_from([" ", "  ", "\t", "\n", " \r\n", "\x0b\x0c"])


@st.composite
def sentence(draw, n):
    """``n`` words with random ASCII white space (U+3000 is inside a word: not a break)."""
    out = draw(st.sampled_from(["", " ", "\t "]))
    for k in range(n):
        out += (draw(SPACE) if k else "") + draw(WORDS)
    return out + draw(st.sampled_from(["", " ", "\n"]))


@st.composite
def rows(draw, max_rows=5):
    out = []
    for _ in range(draw(st.integers(0, max_rows))):
        ns, nt = draw(st.integers(0, 7)), draw(st.integers(0, 7))
        pairs = [(i, j) for i in range(ns) for j in range(nt)]
        links = draw(st.lists(st.sampled_from(pairs), max_size=12)) if pairs else []
        src = draw(sentence(ns)) if draw(st.integers(0, 9)) else None
        tgt = draw(sentence(nt)) if draw(st.integers(0, 9)) else None
        ali = " ".join(f"{i}-{j}" for i, j in links) if draw(st.integers(0, 9)) or links \
            else None
        out.append((src, tgt, ali))
    return out


def columns(rs):
    return [r[0] for r in rs], [r[1] for r in rs], [r[2] for r in rs]


def tokens(text):
    return [m.span() for m in A._WS.finditer(text.encode())]


@settings(max_examples=300, deadline=None)
@given(rows(), st.floats(0, 1), st.integers(0, 2**64 - 1), st.integers(1, 4))
def test_kernel_equals_python_twin(rs, ratio, seed, max_len):
    src, tgt, ali = columns(rs)
    out, rec = A.switch_aligned(pa.array(src, pa.string()), pa.array(tgt, pa.string()),
                                pa.array(ali, pa.string()), ratio=ratio, seed=seed,
                                max_phrase_len=max_len, lang="de", row_base=3)
    out.validate(full=True)
    rec.validate(full=True)
    assert (out.to_pylist(), rec.to_pylist()) == A.switch_aligned_reference(
        src, tgt, ali, ratio=ratio, seed=seed, max_phrase_len=max_len, lang="de", row_base=3)


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, max_size=8), st.lists(WORDS, max_size=8), st.data())
def test_full_monotone_alignment_at_ratio_one_gives_the_target(sw, tw, data):
    n = min(len(sw), len(tw))
    sw, tw = sw[:n], tw[:n]
    out, rec = A.switch_aligned(pa.array([" ".join(sw)]), pa.array([" ".join(tw)]),
                                pa.array([" ".join(f"{i}-{i}" for i in range(n))]), ratio=1.0,
                                seed=data.draw(st.integers(0, 2**64 - 1)),
                                max_phrase_len=(m := data.draw(st.integers(1, 3))))
    assert out.to_pylist() == [" ".join(tw)]
    assert len(rec.to_pylist()[0]) == -(-n // m)  # greedy longest chunks of m words


@settings(max_examples=300, deadline=None)
@given(rows(), st.floats(0, 1), st.integers(0, 2**64 - 1), st.integers(1, 4))
def test_switches_are_consistent_pairs_with_disjoint_targets(rs, ratio, seed, max_len):
    src, tgt, ali = columns(rs)
    out, rec = A.switch_aligned(pa.array(src, pa.string()), pa.array(tgt, pa.string()),
                                pa.array(ali, pa.string()), ratio=ratio, seed=seed,
                                max_phrase_len=max_len)
    for s, t, a, o, recs in zip(src, tgt, ali, out.to_pylist(), rec.to_pylist(), strict=True):
        if s is None or t is None:
            assert o is None and recs is None
            continue
        stoks, ttoks = tokens(s), tokens(t)
        links = [tuple(map(int, x.split("-"))) for x in (a or "").split()]
        phrases = S.extract_phrases_reference(
            np.array([0, len(links)]), np.array([i for i, _ in links], np.int64),
            np.array([j for _, j in links], np.int64), [len(stoks)], [len(ttoks)], max_len)
        tb, ob = t.encode(), o.encode()
        used = set()
        for x in recs:
            i = next(k for k, sp in enumerate(stoks) if sp[0] == x["src_start"])
            e = next(k for k, sp in enumerate(stoks) if sp[1] == x["src_end"]) + 1
            # tight target: the links' target range, joined by single spaces
            tset = {jj for ii, jj in links if i <= ii < e}
            j, f = min(tset), max(tset) + 1
            assert (0, i, e, j, f) in phrases, (s, t, a, x)
            assert ob[x["dst_start"]:x["dst_end"]] == b" ".join(
                tb[a0:b0] for a0, b0 in ttoks[j:f])
            assert not used & set(range(j, f))
            used |= set(range(j, f))


@settings(max_examples=200, deadline=None)
@given(rows(max_rows=8), st.integers(0, 2**64 - 1), st.data())
def test_output_does_not_depend_on_slicing(rs, seed, data):
    src, tgt, ali = (pa.array(c, pa.string()) for c in columns(rs))
    full_out, full_rec = A.switch_aligned(src, tgt, ali, ratio=0.5, seed=seed,
                                          max_phrase_len=2)
    cut = data.draw(st.integers(0, len(rs)))
    parts = [A.switch_aligned(src[a:b], tgt[a:b], ali[a:b], ratio=0.5, seed=seed,
                              max_phrase_len=2, row_base=a)
             for a, b in ((0, cut), (cut, len(rs)))]
    assert parts[0][0].to_pylist() + parts[1][0].to_pylist() == full_out.to_pylist()
    assert parts[0][1].to_pylist() + parts[1][1].to_pylist() == full_rec.to_pylist()

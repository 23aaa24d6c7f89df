"""Alignment-based switching on the real gold sets of ../shared/data/alignments.

At ratio 1 with ``max_phrase_len=1`` exactly the one-to-one aligned words are switched:
source word ``i`` whose only link goes to ``j`` while ``j``'s only link comes from ``i``
(computed here from the raw files, independently of the reader and the kernels). Every
switch is a consistent phrase pair of its sentence.

ja-en: the SOURCE.md count of 6 links "past the sentence end" (``jaen.gold:351`` ...)
holds only when U+3000 (ideographic space) separates words, as Python's ``str.split``
does. csgen splits on ASCII white space, where U+3000 is a token of its own (it is one
in the upstream tokenisation too), so every ja-en link is in range under that rule; the
test checks both facts. Links that are out of range for the chosen tokenisation are an
``InputError`` (``file:line``) or, with ``drop_out_of_range=True``, dropped and counted.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest

from csgen import aligned_switch as A
from csgen import spans as S

SETS = [  # (name, gold file, 1-based)
    ("deen", "deen.gold.0idx", False),
    ("enfr", "enfr.gold", True),
    ("roen", "roen.gold", True),
    ("zhen", "zhen.gold", True),
    ("jaen", "jaen.gold", True),
]
LINES = {"deen": 508, "enfr": 447, "roen": 248, "zhen": 450, "jaen": 582}
_WS = re.compile(r"[^ \t\n\v\f\r]+")


def raw(shared, name, gold, one_based, sure_only):
    """``[(src_tokens, tgt_tokens, {(i, j)})]`` straight from the files (0-based)."""
    text = shared("alignments", f"{name}.src-tgt").read_text(encoding="utf-8").splitlines()
    links = shared("alignments", gold).read_text(encoding="utf-8").splitlines()
    assert len(text) == len(links) == LINES[name]
    out = []
    for line, g in zip(text, links, strict=True):
        s, t = line.split("|||")
        pairs = set()
        for tok in g.split():
            i, sep, j = re.match(r"(\d+)([-p])(\d+)$", tok).groups()
            if sure_only and sep == "p":
                continue
            pairs.add((int(i) - one_based, int(j) - one_based))
        out.append((_WS.findall(s), _WS.findall(t), pairs))
    return out


@pytest.mark.parametrize("sure_only", [False, True], ids=["all-links", "sure-only"])
@pytest.mark.parametrize(("name", "gold", "one_based"), SETS, ids=[s[0] for s in SETS])
def test_ratio_one_switches_exactly_the_one_to_one_words(shared, name, gold, one_based,
                                                         sure_only):
    rows = raw(shared, name, gold, one_based, sure_only)
    table = A.read_aligned_gold(shared("alignments", f"{name}.src-tgt"),
                                shared("alignments", gold), one_based=one_based,
                                sure_only=sure_only)
    assert table.num_rows == LINES[name]
    assert table.schema.metadata[b"csgen.dropped_links"] == b"0"
    out, rec = A.switch_aligned(table["source"], table["target"], table["alignment"],
                                ratio=1.0, seed=11, max_phrase_len=1, lang=name[:2])
    out.validate(full=True)
    a_off, a_src, a_tgt = S.parse_pharaoh(table["alignment"])
    src_len = np.array([len(r[0]) for r in rows])
    tgt_len = np.array([len(r[1]) for r in rows])
    phrases = set(zip(*(a.tolist() for a in S.extract_phrases(
        a_off, a_src, a_tgt, src_len, tgt_len, 1)), strict=True))
    total = 0
    for r, ((stoks, ttoks, links), s, o, recs) in enumerate(zip(
            rows, table["source"].to_pylist(), out.to_pylist(), rec.to_pylist(), strict=True)):
        n_of_s = {i: sum(1 for a, _ in links if a == i) for i, _ in links}
        n_of_t = {j: sum(1 for _, b in links if b == j) for _, j in links}
        expected = {(i, j) for i, j in links if n_of_s[i] == 1 and n_of_t[j] == 1}
        starts = {sp.start(): k for k, sp in enumerate(re.finditer(rb"[^ \t\n\v\f\r]+",
                                                                    s.encode()))}
        got = set()
        for x in recs:
            i = starts[x["src_start"]]
            assert s.encode()[x["src_start"]:x["src_end"]].decode() == stoks[i]
            word = o.encode()[x["dst_start"]:x["dst_end"]].decode()
            js = [j for j, w in enumerate(ttoks) if w == word and (r, i, i + 1, j, j + 1)
                  in phrases]
            assert js, (name, r, x)
            got.add((i, next(j for j in js if (i, j) in links)))
        assert got == expected, (name, r)
        total += len(got)
    assert total > 0.3 * sum(len(r[0]) for r in rows)


def test_jaen_u3000_is_a_token_not_a_link_past_the_end(shared):
    path = shared("alignments", "jaen.src-tgt")
    line351 = path.read_text(encoding="utf-8").splitlines()[350]
    src = line351.split("|||")[0]
    assert "\u3000" in _WS.findall(src)
    assert len(src.split()) == len(_WS.findall(src)) - 1  # str.split drops it: 17 vs 18
    table = A.read_aligned_gold(path, shared("alignments", "jaen.gold"))
    assert table.schema.metadata[b"csgen.dropped_links"] == b"0"
    assert "17-24" in table["alignment"][350].as_py().split()  # gold 18-25, 0-based


def test_switching_real_data_is_reproducible_and_matches_the_twin(shared):
    table = A.read_aligned_gold(shared("alignments", "deen.src-tgt"),
                                shared("alignments", "deen.gold.0idx"))
    args = [table[c].combine_chunks() for c in ("source", "target", "alignment")]
    out, rec = A.switch_aligned(*args, ratio=0.4, seed=3, max_phrase_len=3, lang="en")
    ref = A.switch_aligned_reference(*(a.to_pylist() for a in args), ratio=0.4, seed=3,
                                     max_phrase_len=3, lang="en")
    assert (out.to_pylist(), rec.to_pylist()) == ref
    cut = 200
    part = A.switch_aligned(*(a[cut:] for a in args), ratio=0.4, seed=3, max_phrase_len=3,
                            lang="en", row_base=cut)
    assert part[0].to_pylist() == out.to_pylist()[cut:]
    assert rec.type == A.switch_aligned(pa.array(["a"]), pa.array(["b"]), pa.array(["0-0"]),
                                        ratio=1, seed=0)[1].type

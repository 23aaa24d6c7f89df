"""Lexicon induction on real, unaligned embeddings: word2vec en and es (50 dimensions, about
6.6k and 4.8k words) aligned with Procrustes on MUSE en-es seed pairs.

Measured (this split, numpy and torch alike): P@1 NN 0.737, CSLS 0.759; P@5 NN 0.843,
CSLS 0.862 on 885 held-out source words; mutual CSLS pairs: coverage 0.697, P@1 0.950.
The asserts leave a margin of about 0.03.
"""

from __future__ import annotations

import pytest

from csgen.lexicon.core import Lexicon
from csgen.lexicon.formats import read_pairs
from csgen.lexicon.induce import evaluate, induce, procrustes, read_vec


@pytest.fixture(scope="module")
def aligned(shared):
    en = read_vec(shared("embeddings", "ubilexat-es-en", "word2vec.en.gz"))
    es = read_vec(shared("embeddings", "ubilexat-es-en", "word2vec.es.gz"))
    muse = read_pairs(shared("muse", "en-es.txt"))
    pairs = [
        (s, t)
        for s, t in zip(muse.table.column("source").to_pylist(),
                        muse.table.column("target").to_pylist(), strict=True)
        if s in en.index and t in es.index
    ]
    words = sorted({s for s, _ in pairs})
    test_words = words[4::5]  # every 5th source word (sorted): about 80/20 seed/test
    held_out = set(test_words)
    seed = [p for p in pairs if p[0] not in held_out]
    test = [p for p in pairs if p[0] in held_out]
    gold = Lexicon.from_pairs([s for s, _ in test], [t for _, t in test], "es")
    mapped = en.transform(procrustes(en, es, seed))
    return mapped, es, test_words, gold


def test_real_vec_files_parse(shared):
    en = read_vec(shared("embeddings", "ubilexat-es-en", "word2vec.en.gz"))
    es = read_vec(shared("embeddings", "ubilexat-es-en", "word2vec.es.gz"))
    assert (len(en), en.dim) == (6637, 50) and (len(es), es.dim) == (4774, 50)
    assert en.words[:3] == ["%", "year", "time"]


def test_procrustes_then_csls_beats_nn(aligned):
    mapped, es, test_words, gold = aligned
    assert len(test_words) > 800 and gold.table.num_rows > 1000
    scores = {}
    for method in ("nn", "csls"):
        lex = induce(mapped, es, method=method, top_k=5, words=test_words, lang="es",
                     source_lang="en")
        scores[method] = evaluate(lex, gold)
        assert scores[method]["covered"] == scores[method]["gold_sources"] == len(test_words)
    assert scores["csls"]["p@1"] > scores["nn"]["p@1"]
    assert scores["nn"]["p@1"] > 0.70 and scores["csls"]["p@1"] > 0.72
    assert scores["nn"]["p@5"] > 0.81 and scores["csls"]["p@5"] > 0.83


def test_mutual_csls_is_more_precise(aligned):
    mapped, es, test_words, gold = aligned
    lex = induce(mapped, es, method="csls", mutual=True, words=test_words, lang="es")
    scores = evaluate(lex, gold)
    assert 0.65 < scores["coverage"] < 0.75
    assert scores["p@1"] > 0.92  # fewer pairs, but more of them right

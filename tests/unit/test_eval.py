"""csgen.eval: metrics, t-test, sentence splitting, BM25 and retrieval-set builders."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from csgen import Lexicon
from csgen.errors import ConfigError, InputError
from csgen.eval import (
    BM25,
    QAData,
    Report,
    betainc,
    bonferroni,
    clir,
    evaluate_bm25,
    evaluate_ranking,
    load_xquad_r,
    mlir,
    moir,
    mrr_at_k,
    paired_t_test,
    rank,
    recall_at_k,
    segment_squad,
    split_sentences,
    t_sf_two_sided,
    tokenize,
    top_k,
    translate_text,
)

# -- metrics ----------------------------------------------------------------------------------


def test_mrr_and_recall_on_hand_made_rankings():
    ranked = np.array([[3, 1, 2, 0], [0, 1, 2, 3], [2, 3, 0, 1], [1, 0, 3, 2]])
    relevant = [(1,), (0,), (1,), (2, 3)]
    rr, mean = mrr_at_k(ranked, relevant, k=10)
    assert rr.tolist() == [0.5, 1.0, 0.25, 1 / 3]
    assert mean == pytest.approx((0.5 + 1 + 0.25 + 1 / 3) / 4)
    rr2, _ = mrr_at_k(ranked, relevant, k=2)
    assert rr2.tolist() == [0.5, 1.0, 0.0, 0.0]
    r1, m1 = recall_at_k(ranked, relevant, 1)
    assert r1.tolist() == [0.0, 1.0, 0.0, 0.0] and m1 == 0.25
    r3, _ = recall_at_k(ranked, relevant, 3)
    assert r3.tolist() == [1.0, 1.0, 0.0, 0.5]
    scores = evaluate_ranking(ranked, relevant)
    assert set(scores) == {"mrr@10", "r@1", "r@10", "r@100"}
    assert scores["r@100"].tolist() == [1.0, 1.0, 1.0, 1.0]
    with pytest.raises(ConfigError):
        mrr_at_k(ranked, relevant[:2])


def test_top_k_orders_and_breaks_ties_by_index():
    scores = np.array([[0.1, 0.9, 0.5, 0.9, 0.0], [1.0, 1.0, 1.0, 1.0, 1.0]])
    assert top_k(scores, 3).tolist() == [[1, 3, 2], [0, 1, 2]]
    assert top_k(scores, 10).tolist() == [[1, 3, 2, 0, 4], [0, 1, 2, 3, 4]]


def test_rank_cosine_and_dot_chunked():
    rng = np.random.default_rng(0)
    q, c = rng.normal(size=(37, 8)), rng.normal(size=(50, 8))
    c[7] *= 100  # a long vector wins dot products, not cosines
    cos = (q / np.linalg.norm(q, axis=1, keepdims=True)) @ (
        c / np.linalg.norm(c, axis=1, keepdims=True)).T
    want = np.argsort(-cos, axis=1, kind="stable")[:, :5]
    assert rank(q, c, 5, chunk=4).tolist() == want.tolist()
    dot = rank(q, c, 5, cosine=False, chunk=10)
    assert dot.tolist() == np.argsort(-(q @ c.T), axis=1, kind="stable")[:, :5].tolist()
    with pytest.raises(ConfigError):
        rank(q, c[:, :4], 5)


# -- significance -----------------------------------------------------------------------------


def _t_two_sided_by_integration(t: float, df: int) -> float:
    """1 - 2 * integral_0^|t| of the t density, composite Simpson with 200k intervals."""
    n = 200_000
    x = np.linspace(0.0, abs(t), n + 1)
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    f = c * (1 + x * x / df) ** (-(df + 1) / 2)
    h = abs(t) / n
    area = h / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum())
    return 1.0 - 2.0 * area


@pytest.mark.parametrize(("t", "df", "p"), [(2.0, 10, 0.0734), (1.0, 5, 0.3632),
                                            (2.228, 10, 0.0500), (3.0, 3, 0.0577)])
def test_t_distribution_against_known_values_and_integration(t, df, p):
    got = t_sf_two_sided(t, df)
    assert got == pytest.approx(_t_two_sided_by_integration(t, df), abs=1e-10)
    assert round(got, 4) == p
    assert t_sf_two_sided(-t, df) == got


def test_betainc_known_values():
    assert betainc(2, 3, 0.5) == pytest.approx(11 / 16, abs=1e-14)  # sum of binomials
    assert betainc(1, 1, 0.3) == pytest.approx(0.3, abs=1e-14)
    assert betainc(0.5, 0.5, 0.25) == pytest.approx(2 / math.pi * math.asin(0.5), abs=1e-13)
    assert betainc(5, 0.5, 0.0) == 0.0 and betainc(5, 0.5, 1.0) == 1.0
    with pytest.raises(ConfigError):
        betainc(0, 1, 0.5)


def test_paired_t_test():
    a = np.array([0.5, 1.0, 0.25, 1.0, 0.0, 0.5])
    b = np.array([0.25, 1.0, 0.0, 0.5, 0.0, 0.2])
    d = a - b
    t_want = d.mean() / (d.std(ddof=1) / math.sqrt(len(d)))
    t, p = paired_t_test(a, b)
    assert t == pytest.approx(t_want)
    assert p == pytest.approx(_t_two_sided_by_integration(t_want, 5), abs=1e-10)
    assert paired_t_test(b, a) == pytest.approx((-t, p))
    assert paired_t_test(a, a) == (0.0, 1.0)
    assert paired_t_test(a + 1, a) == (math.inf, 0.0)
    with pytest.raises(ConfigError):
        paired_t_test([1.0], [0.0])
    with pytest.raises(ConfigError):
        paired_t_test([1.0, 2.0], [0.0])


def test_bonferroni():
    assert bonferroni([0.01, 0.2, 0.5, 0.0]).tolist() == [0.04, 0.8, 1.0, 0.0]
    assert bonferroni([]).tolist() == []
    with pytest.raises(ConfigError):
        bonferroni([1.5])


def test_report_markdown_and_json():
    rep = Report("bm25")
    rep.add("clir", "en-de", {"mrr@10": [1.0, 0.5], "r@1": [1.0, 0.0]}, system="bm25")
    rep.add("clir", "de-en", {"mrr@10": [0.0, 0.5], "r@1": [0.0, 0.0]}, system="bm25")
    rep.add("moir", "en-en", {"mrr@10": [1.0], "r@1": [1.0]}, system="bm25")
    md = rep.to_markdown(digits=3)
    assert "| system | setting | pair | queries | mrr@10 | r@1 |" in md
    assert "| bm25 | clir | en-de | 2 | 0.750 | 0.500 |" in md
    assert "| bm25 | clir | avg | 4 | 0.500 | 0.250 |" in md
    assert "| bm25 | moir | en-en | 1 | 1.000 | 1.000 |" in md
    assert "moir | avg" not in md  # one pair: no average row
    doc = json.loads(rep.to_json())
    avg = {(a["setting"]): a["metrics"] for a in doc["averages"]}
    assert avg["clir"] == {"mrr@10": 0.5, "r@1": 0.25}
    assert len(doc["rows"]) == 3


# -- sentence splitting -----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "want"), [
    ("Hello world. How are you? Fine!  Bye.",
     ["Hello world.", "How are you?", "Fine!", "Bye."]),
    ("هل هذا سؤال؟ نعم. انتهى", ["هل هذا سؤال؟", "نعم.", "انتهى"]),
    ("我喜欢猫。你呢？很好！", ["我喜欢猫。", "你呢？", "很好！"]),
    ('He said "Stop." Then 3.14 is pi. E. I. du Pont came.',
     ['He said "Stop."', "Then 3.14 is pi.", "E. I. du Pont came."]),
    ("Am 10. August 1990. Dann bzw. später ging er.  ",
     ["Am 10. August 1990.", "Dann bzw. später ging er."]),
    ("  \n ", []),
    ("no end", ["no end"]),
])
def test_split_sentences_offsets(text, want):
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == want
    for s, e in spans:
        assert text[s:e] == text[s:e].strip() and s < e
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


# -- BM25 and Translate-Test ------------------------------------------------------------------


def test_tokenize():
    assert tokenize("Straße, ÜBER 3 Häuser!") == ["straße", "über", "3", "häuser"]


def _naive_bm25(docs, query, k1=1.2, b=0.75):
    toks = [tokenize(d) for d in docs]
    avgdl = sum(map(len, toks)) / len(toks)
    out = []
    for d in toks:
        s = 0.0
        for term in tokenize(query):
            n = sum(term in x for x in toks)
            if n == 0:
                continue
            idf = math.log(1 + (len(toks) - n + 0.5) / (n + 0.5))
            tf = d.count(term)
            s += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avgdl))
        out.append(s)
    return out


def test_bm25_ranks_the_obvious_document_first_and_matches_formula():
    docs = ["the cat sat on the mat", "dogs chase cats in the park",
            "the stock market fell sharply today", "a cat and a cat and a mat",
            "nothing to see here"]
    queries = ["stock market", "cat mat", "park dogs", "zebra", "the the cat"]
    bm = BM25(docs)
    scores = bm.scores(queries)
    for i, q in enumerate(queries):
        assert scores[i] == pytest.approx(_naive_bm25(docs, q))
    ranked = bm.rank(queries, k=3, chunk=2)
    assert ranked[0, 0] == 2 and ranked[2, 0] == 1 and ranked[1, 0] in (0, 3)
    assert ranked[3].tolist() == [0, 1, 2]  # no match: all zero, index order
    assert BM25(docs).scores([]).shape == (0, 5)


def test_translate_text_first_candidate_and_unknown_kept():
    lex = Lexicon.from_pairs(["haus", "haus", "katze", "groß"],
                             ["house", "home", "Big Cat", "big"], lang="en")
    assert translate_text("Das Haus, die KATZE!", lex) == ["das", "house", "die", "big", "cat"]


# -- retrieval sets ---------------------------------------------------------------------------


def _para(sentences, qas):
    context, breaks, pos = "", [], 0
    for s in sentences:
        if context:
            context += " "
        pos = len(context)
        context += s
        breaks.append([pos, pos + len(s)])
    return {"context": context, "sentences": sentences, "sentence_breaks": breaks,
            "qas": [{"id": i, "question": q,
                     "answers": [{"text": a, "answer_start": context.index(a)}]}
                    for i, q, a in qas]}


@pytest.fixture
def tiny_xquad_r(tmp_path):
    en = {"version": "1.1", "data": [{"title": "A", "paragraphs": [
        _para(["Cats are small.", "Dogs bark loudly."],
              [("q1", "Who barks loudly?", "Dogs"), ("q2", "What is small?", "Cats")]),
        _para(["Paris is in France."], [("q3", "Where is Paris?", "France")])]}]}
    de = {"version": "1.1", "data": [{"title": "A", "paragraphs": [
        _para(["Katzen sind klein.", "Hunde bellen laut.", "Ende."],
              [("q1", "Was bellt?", "Hunde"), ("q2", "Was ist klein?", "Katzen")]),
        _para(["Paris liegt in Frankreich."], [("q3", "Wo liegt Paris?", "Frankreich")])]}]}
    for lang, doc in (("en", en), ("de", de)):
        (tmp_path / f"{lang}.json").write_text(json.dumps(doc), encoding="utf-8")
    return tmp_path


def test_load_xquad_r_and_builders(tiny_xquad_r):
    data = load_xquad_r(tiny_xquad_r, ["en", "de"])
    en, de = data["en"], data["de"]
    assert [c.text for c in en.candidates] == ["Cats are small.", "Dogs bark loudly.",
                                                "Paris is in France."]
    assert [q.candidate for q in en.questions] == [1, 0, 2]
    assert [q.candidate for q in de.questions] == [1, 0, 3]
    assert (de.candidates[3].article, de.candidates[3].paragraph) == (0, 1)

    m = moir(data, "de")
    assert m.setting == "moir" and m.name == "de-de" and len(m) == 3
    assert m.relevant == ((1,), (0,), (3,)) and m.candidate_langs == ("de",) * 4

    c = clir(data, "en", "de")
    assert c.queries == ("Who barks loudly?", "What is small?", "Where is Paris?")
    assert c.candidates[0] == "Katzen sind klein." and c.relevant == ((1,), (0,), (3,))

    ml = mlir(data, "de", ["en", "de"])
    assert len(ml.candidates) == 7 and ml.candidate_langs == ("en",) * 3 + ("de",) * 4
    assert ml.relevant == ((1, 4), (0, 3), (2, 6))
    assert ml.query_ids == ("q1", "q2", "q3")

    rr = evaluate_bm25(moir(data, "en"))
    assert rr.shape == (3,) and rr.tolist() == [1.0, 1.0, 1.0]
    lex = Lexicon.from_pairs(["hunde", "bellt", "katzen", "klein", "frankreich"],
                             ["dogs", "bark", "cats", "small", "france"], lang="en")
    plain = evaluate_bm25(clir(data, "de", "en"))
    tt = evaluate_bm25(clir(data, "de", "en"), {"de": lex})
    assert tt.tolist() == [1.0, 1.0, 1.0] and plain.mean() < tt.mean()

    single = load_xquad_r(tiny_xquad_r / "en.json")
    assert list(single) == ["en"]
    assert "de" in load_xquad_r(tiny_xquad_r) and "xx" not in data


def test_missing_language_and_malformed_file(tiny_xquad_r):
    with pytest.raises(ConfigError, match=r"\bfr\b.*available: de, en"):
        load_xquad_r(tiny_xquad_r, ["en", "fr"])
    data = load_xquad_r(tiny_xquad_r, ["en"])
    with pytest.raises(ConfigError, match=r"'de'.*available: en"):
        moir(data, "de")
    bad = tiny_xquad_r / "xx.json"
    bad.write_text('{"data": [{"paragraphs": [{"context": "x"}]}]}', encoding="utf-8")
    with pytest.raises(InputError, match=r"xx\.json"):
        load_xquad_r(tiny_xquad_r, ["xx"])
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match=r"xx\.json"):
        load_xquad_r(tiny_xquad_r, ["xx"])
    with pytest.raises(InputError, match="nowhere"):
        load_xquad_r(tiny_xquad_r / "nowhere")


def test_segment_squad_and_partial_overlap(tmp_path):
    def write(lang, qas, context):
        doc = {"version": "1.0", "data": [{"title": "", "paragraphs": [{
            "context": context,
            "qas": [{"id": i, "question": q,
                     "answers": [{"text": a, "answer_start": context.index(a)}]}
                    for i, q, a in qas]}]}]}
        path = tmp_path / f"{lang}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        return path

    de = segment_squad(write("de", [("a", "Wer?", "Anna"), ("b", "Was?", "Brot")],
                             "Anna kam am 3. Mai. Sie aß Brot! Gut."), "de")
    assert [c.text for c in de.candidates] == ["Anna kam am 3. Mai.", "Sie aß Brot!", "Gut."]
    for c in de.candidates:
        assert "Anna kam am 3. Mai. Sie aß Brot! Gut."[c.start:c.end] == c.text
    assert [q.candidate for q in de.questions] == [0, 1]
    ar = segment_squad(write("ar", [("b", "ماذا؟", "خبز"), ("c", "من؟", "سارة")],
                             "أكلت خبز؟ جاءت سارة."), "ar")
    assert [c.text for c in ar.candidates] == ["أكلت خبز؟", "جاءت سارة."]
    data = QAData.of([de, ar])
    c = clir(data, "de", "ar")  # only the shared id counts
    assert c.query_ids == ("b",) and c.relevant == ((0,),)
    ml = mlir(data, "de")
    assert ml.query_ids == ("a", "b") and ml.relevant == ((0,), (1, 3))
    with pytest.raises(ConfigError):
        QAData.of([de, de])


def test_evaluate_baselines_is_bm25_and_translate_test_against_it(tiny_xquad_r):
    from csgen.eval.run import Setting, bm25_system, evaluate, evaluate_baselines, load_data

    de_en = tiny_xquad_r / "de-en.txt"
    de_en.write_text("hunde dogs\nbellt bark\nkatzen cats\nklein small\nfrankreich france\n",
                     encoding="utf-8")
    settings = ["moir:en", "clir:de-en"]
    report, tests = evaluate_baselines(settings, xquad_r=tiny_xquad_r,
                                       translate={"de": str(de_en)})
    assert {(r["system"], r["pair"]) for r in report.to_dict()["rows"]} == {
        (system, pair) for system in ("bm25", "translate-test") for pair in ("en-en", "de-en")}
    assert [(t["system"], t["reference"], t["pair"]) for t in tests] == [
        ("translate-test", "bm25", "en-en"), ("translate-test", "bm25", "de-en")]
    # the same as the systems built by hand (what `csgen eval baselines` did itself)
    data = load_data(tiny_xquad_r, {}, ["de", "en"])
    want, _ = evaluate(data, [Setting.parse(x) for x in settings], {
        "bm25": bm25_system(), "translate-test": bm25_system({"de": Lexicon.from_muse(de_en)})},
        reference="bm25")
    assert report.to_dict() == want.to_dict()
    plain, no_tests = evaluate_baselines(["moir:en"], xquad_r=tiny_xquad_r)
    assert no_tests == [] and {r["system"] for r in plain.to_dict()["rows"]} == {"bm25"}
    with pytest.raises(ConfigError, match="at least one setting"):
        evaluate_baselines([], xquad_r=tiny_xquad_r)


def test_import_csgen_does_not_import_eval():
    code = "import sys, csgen; print('csgen.eval' in sys.modules)"
    out = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("module", ["csgen.eval.data", "csgen.eval.baselines"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0

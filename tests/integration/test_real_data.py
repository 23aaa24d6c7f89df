"""Switching real text: XQuAD English with the full MUSE en-de dictionary."""

import json
import math
import re

import numpy as np
import pyarrow as pa
import pytest
from threaded import ThreadedSwitcher  # tests/support, on pytest's pythonpath

import csgen


@pytest.fixture(scope="module")
def xquad_en(shared) -> pa.Table:
    data = json.loads(shared("xquad", "xquad.en.json").read_text("utf-8"))
    ids, questions, contexts = [], [], []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                ids.append(qa["id"])
                questions.append(qa["question"])
                contexts.append(paragraph["context"])
    return pa.table({"id": ids, "question": questions, "context": contexts})


@pytest.fixture(scope="module")
def muse_de(shared) -> csgen.Lexicon:
    return csgen.Lexicon.from_muse(shared("muse", "en-de.txt"))


COLUMNS = ["question", "context"]


def test_ratio_zero_is_byte_identical(xquad_en, muse_de):
    out = csgen.Switcher(muse_de, ratio=0.0, seed=1).switch_table(xquad_en, COLUMNS)
    for name in COLUMNS:
        assert out[name].equals(xquad_en[name])
        assert pa.compute.list_value_length(out[name + "_switches"]).to_numpy().sum() == 0


def test_ratio_one_switches_every_covered_word(xquad_en, muse_de):
    sw = csgen.Switcher(muse_de, ratio=1.0, seed=1)
    res = sw.switch_array(xquad_en["context"], column="context")
    assert np.array_equal(res.n_switched, res.n_eligible)
    assert res.n_eligible.sum() > 0.5 * res.n_words.sum()  # MUSE covers most words


def test_ratio_half_switches_half_of_covered_words(xquad_en, muse_de):
    stats = csgen.SwitchStats()
    csgen.Switcher(muse_de, ratio=0.5, seed=11).switch_table(xquad_en, COLUMNS, stats=stats)
    for name in COLUMNS:
        col = stats.columns[name]
        n, k = col.eligible, col.switches
        # Binomial(n, 0.5): 4.5 standard deviations, about 1 in 150,000 false alarms.
        assert abs(k - n / 2) <= 4.5 * math.sqrt(n / 4), (name, n, k)
        assert col.by_lang["de"] == [col.switches, col.switched_words]


def test_same_output_for_threads_and_batch_splits(xquad_en, muse_de):
    ref = csgen.Switcher(muse_de, ratio=0.5, seed=3, threads=1).switch_table(xquad_en, COLUMNS)
    two = ThreadedSwitcher(muse_de, ratio=0.5, seed=3, threads=2)
    assert two.switch_table(xquad_en, COLUMNS).equals(ref)
    rebatched = pa.Table.from_batches(xquad_en.to_batches(max_chunksize=37))
    assert two.switch_table(rebatched, COLUMNS).combine_chunks().equals(ref.combine_chunks())
    assert min(two.chunks) == 2  # every batch really ran on two threads


def test_records_point_at_lexicon_words(xquad_en, muse_de):
    sw = csgen.Switcher(muse_de, ratio=0.5, seed=5, candidates="uniform")
    out = sw.switch_table(xquad_en.slice(0, 300), ["context"])
    checked = 0
    rows = zip(xquad_en["context"].to_pylist()[:300], out["context"].to_pylist(),
               out["context_switches"].to_pylist(), strict=True)
    for src, dst, records in rows:
        s, d = src.encode(), dst.encode()
        rebuilt, pos = b"", 0
        for r in records:
            word = s[r["src_start"]:r["src_end"]].decode()
            new = d[r["dst_start"]:r["dst_end"]].decode()
            targets = {t.lower() for _, t, _ in muse_de.lookup(word, keep_identity=False)}
            assert new.lower() in targets, (word, new)
            if word[0].isupper():
                assert new[0] == new[0].upper(), (word, new)  # case carried
            rebuilt += s[pos:r["src_start"]] + new.encode()
            pos = r["src_end"]
            checked += 1
        assert rebuilt + s[pos:] == d
    assert checked > 1000


def test_multilingual_switching_on_real_lexicons(xquad_en, shared):
    lexicons = [csgen.Lexicon.from_muse(shared("muse", f"en-{lang}.txt"))
                for lang in ("de", "es", "ar")]
    stats = csgen.SwitchStats()
    csgen.Switcher(lexicons, ratio=0.6, seed=2).switch_table(xquad_en, ["question"], stats=stats)
    col = stats.columns["question"]
    shares = {lang: w / col.words for lang, (_, w) in col.by_lang.items()}
    assert set(shares) == {"de", "es", "ar"}
    # Each language gets about a third of the attempts; ar covers fewer words.
    assert all(0.08 < s < 0.25 for s in shares.values()), shares
    assert shares["ar"] < shares["de"]


def test_phrase_entries_match_on_token_boundaries(xquad_en):
    lex = csgen.Lexicon.from_pairs(["super bowl", "bowl"], ["Superschüssel", "Schüssel"],
                                   lang="de")
    out = csgen.Switcher(lex, ratio=1.0).switch_table(xquad_en.slice(0, 200), ["context"])
    text = "\n".join(out["context"].to_pylist())
    source = "\n".join(xquad_en["context"].to_pylist()[:200])
    assert "Superschüssel XXXIII" in text and re.search(r"\bBowl\b", text) is None
    # "Bowls" is another word: never switched inside.
    assert text.count("Super Bowls") == source.count("Super Bowls") > 0

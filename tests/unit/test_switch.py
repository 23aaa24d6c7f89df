"""Switching semantics on small, hand-checked inputs."""

import numpy as np
import pyarrow as pa
import pytest
from threaded import ThreadedSwitcher  # tests/support, on pytest's pythonpath

import csgen
from csgen import _core
from csgen.errors import ColumnError, ColumnTypeError, ConfigError, InvalidTextError


def lexicon(pairs, lang="de"):
    return csgen.Lexicon.from_pairs([s for s, _ in pairs], [t for _, t in pairs], lang=lang)


DE = lexicon([("house", "haus"), ("the", "das"), ("new york", "neu york"), ("new", "neu"),
              ("red", "rot"), ("i", "ich"), ("is", "is")])


def switch(texts, lex=DE, **options):
    options.setdefault("ratio", 1.0)
    out = csgen.Switcher(lex, **options).switch_array(pa.array(texts, pa.string()))
    return out.text.to_pylist(), out.switches.to_pylist()


def test_ratio_one_switches_every_covered_word_and_carries_case():
    texts, _ = switch(["the house", "The House", "THE HOUSE", "I see a red House.", "iPhone"])
    assert texts == ["das haus", "Das Haus", "DAS HAUS", "Ich see a rot Haus.", "iPhone"]


def test_phrase_case_each_word_title():
    assert switch(["New York is big"])[0] == ["Neu York is big"]
    assert switch(["NEW YORK"])[0] == ["NEU YORK"]


def test_ratio_zero_is_byte_identical():
    texts = ["The house.", "", "ünïcödé  \t text", "42 houses"]
    out, records = switch(texts, ratio=0.0)
    assert out == texts and all(r == [] for r in records)


def test_multi_word_entries_only_on_token_boundaries():
    out, records = switch(["new york", "New  York", "newyork", "New Yorker", "new-york", "renew"])
    assert out == ["neu york", "Neu York", "newyork", "Neu Yorker", "new-york", "renew"]
    assert [len(r) for r in records] == [1, 1, 0, 1, 0, 0]
    assert records[1][0] == {"src_start": 0, "src_end": 9, "dst_start": 0, "dst_end": 8,
                             "lang": "de"}


def test_numbers_and_punctuation_are_never_switched():
    lex = lexicon([("42", "zweiundvierzig"), ("house", "haus"), (".", "punkt")])
    assert switch(["42 house. 3.14"], lex)[0] == ["42 haus. 3.14"]


def test_identity_entries_are_skipped_unless_kept():
    out, _ = switch(["the house is"], ratio=1.0)
    assert out == ["das haus is"]  # "is is" is an identity entry
    sw = csgen.Switcher(DE, ratio=1.0)
    res = sw.switch_array(pa.array(["is"]))
    assert res.n_eligible.tolist() == [0]
    res = csgen.Switcher(DE, ratio=1.0, keep_identity=True).switch_array(pa.array(["is"]))
    assert res.n_eligible.tolist() == [1] and res.switches.to_pylist() == [
        [{"src_start": 0, "src_end": 2, "dst_start": 0, "dst_end": 2, "lang": "de"}]]


def test_stopwords_are_skipped_on_request():
    assert switch(["the house"], skip_stopwords=True)[0] == ["the haus"]
    # Stopwords only block single words: a phrase starting with one still matches.
    lex = lexicon([("the who", "die wer"), ("the", "das")])
    assert switch(["the who"], lex, skip_stopwords=True)[0] == ["die wer"]


def test_alignment_records_point_at_the_right_bytes():
    text = "Größe: the house — the RED house."
    out, records = switch([text])
    src, dst = text.encode(), out[0].encode()
    assert out == ["Größe: das haus — das ROT haus."]
    for r in records[0]:
        assert src[r["src_start"]:r["src_end"]].decode().lower() in {"the", "house", "red"}
        assert dst[r["dst_start"]:r["dst_end"]].decode().lower() in {"das", "haus", "rot"}
    # Everything outside the records is copied byte for byte.
    rebuilt, pos_src = b"", 0
    for r in records[0]:
        rebuilt += src[pos_src:r["src_start"]] + dst[r["dst_start"]:r["dst_end"]]
        pos_src = r["src_end"]
    assert rebuilt + src[pos_src:] == dst


def test_nulls_stay_null_and_empty_strings_stay_empty():
    res = csgen.Switcher(DE, ratio=1.0).switch_array(pa.array([None, "", "house", None]))
    assert res.text.to_pylist() == [None, "", "haus", None]
    assert res.switches.to_pylist()[:2] == [None, []]
    assert res.text.null_count == 2 and res.switches.null_count == 2


def test_sliced_input_with_nulls():
    arr = pa.array(["x", None, "house", "the", None, "red house"]).slice(1, 5)
    res = csgen.Switcher(DE, ratio=1.0).switch_array(arr)
    assert res.text.to_pylist() == [None, "haus", "das", None, "rot haus"]


@pytest.mark.parametrize(
    ("typ", "out_type"),
    [(pa.string(), pa.string()), (pa.large_string(), pa.large_string()),
     (pa.string_view(), pa.large_string()), (pa.null(), pa.string())],
)
def test_string_types(typ, out_type):
    values = [None, None] if typ == pa.null() else ["house", None]
    res = csgen.Switcher(DE, ratio=1.0).switch_array(pa.array(values, typ))
    assert res.text.type == out_type
    assert res.text.to_pylist() == ([None, None] if typ == pa.null() else ["haus", None])


def test_dictionary_column_is_decoded():
    arr = pa.array(["house", "red", "house"]).dictionary_encode()
    table = csgen.Switcher(DE, ratio=1.0).switch_table(pa.table({"q": arr}), ["q"])
    assert table["q"].to_pylist() == ["haus", "rot", "haus"]


def test_table_columns_are_carried_and_switches_follow_their_column():
    table = pa.table({"id": [1, 2], "q": ["the house", "red"], "img": [b"\x00\xff", None],
                      "p": ["house", "new york"]})
    out = csgen.Switcher(DE, ratio=1.0).switch_table(table, ["q", "p"])
    assert out.column_names == ["id", "q", "q_switches", "img", "p", "p_switches"]
    assert out["id"].equals(table["id"]) and out["img"].equals(table["img"])
    assert out["p"].to_pylist() == ["haus", "neu york"]


def test_column_errors():
    table = pa.table({"q": ["a"], "n": [1], "q_switches": [None]})
    sw = csgen.Switcher(DE, ratio=0.5)
    with pytest.raises(ColumnError, match="'passage' not found; the input has: q, n"):
        sw.switch_table(table, ["passage"])
    with pytest.raises(ColumnTypeError, match="'n' has type int64"):
        sw.switch_table(table, ["n"])
    with pytest.raises(ColumnError, match="already has a column 'q_switches'"):
        sw.switch_table(table, ["q"])
    with pytest.raises(ColumnError, match="no column"):
        sw.switch_table(table, [])


def test_invalid_utf8_names_column_and_global_row():
    data = b"okhouse\xff"
    offsets = np.array([0, 2, 2, 8], dtype=np.int32)
    arr = pa.Array.from_buffers(pa.string(), 3, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    with pytest.raises(InvalidTextError, match=r"column 'q', row 102: .*UTF-8 \(byte 5") as info:
        csgen.Switcher(DE, ratio=0.5).switch_array(arr, column="q", row_base=100)
    assert (info.value.row, info.value.byte, info.value.column) == (102, 5, "q")


def test_rows_of_several_megabytes():
    row = "The red house. " * 400_000  # 6 MB
    res = csgen.Switcher(DE, ratio=1.0, threads=2).switch_array(pa.array([row, "house"]))
    assert res.text[0].as_py() == "Das rot haus. " * 400_000
    assert res.n_switched.tolist() == [1_200_000, 1]


def test_candidate_choice():
    lex = csgen.Lexicon.from_pairs(["cat"] * 3, ["katze", "kater", "mieze"], lang="de",
                                   weights=[8.0, 1.0, 1.0])
    texts = ["cat"] * 4000
    first, _ = switch(texts, lex, candidates="first")
    assert set(first) == {"katze"}
    uniform, _ = switch(texts, lex, candidates="uniform")
    weighted, _ = switch(texts, lex, candidates="weighted")
    for got, expected in ((uniform, [1 / 3] * 3), (weighted, [0.8, 0.1, 0.1])):
        shares = [got.count(w) / len(got) for w in ("katze", "kater", "mieze")]
        assert np.allclose(shares, expected, atol=0.03), shares


def test_lexicon_choice_is_deterministic_per_seed():
    texts = ["the red house is new"] * 200
    a = switch(texts, ratio=0.5, seed=7)[0]
    assert a == switch(texts, ratio=0.5, seed=7)[0]
    assert a != switch(texts, ratio=0.5, seed=8)[0]
    # Rows differ from each other: the row index keys the draws.
    assert len(set(a)) > 5


def test_id_column_keys_the_randomness():
    texts = [f"the red house {i}" for i in range(300)]
    ids = [f"q{i}" for i in range(300)]
    table = pa.table({"id": ids, "q": texts})
    sw = csgen.Switcher(DE, ratio=0.5, seed=3)
    out = sw.switch_table(table, ["q"], id_column="id")
    perm = np.random.default_rng(0).permutation(300)
    shuffled = sw.switch_table(table.take(perm), ["q"], id_column="id")
    assert shuffled["q"].to_pylist() == out.take(perm)["q"].to_pylist()
    by_index = sw.switch_table(table.take(perm), ["q"])
    assert by_index["q"].to_pylist() != out.take(perm)["q"].to_pylist()
    int_ids = sw.switch_table(pa.table({"id": list(range(300)), "q": texts}), ["q"],
                              id_column="id")
    assert int_ids["q"].to_pylist() == sw.switch_table(table, ["q"])["q"].to_pylist()
    with pytest.raises(ColumnError, match="null"):
        sw.switch_table(pa.table({"id": [None, "a"], "q": ["x", "y"]}), ["q"], id_column="id")


def test_columns_draw_independently():
    table = pa.table({"a": ["the red house new"] * 200, "b": ["the red house new"] * 200})
    out = csgen.Switcher(DE, ratio=0.5, seed=1).switch_table(table, ["a", "b"])
    assert out["a"].to_pylist() != out["b"].to_pylist()


def test_multilingual_uniform_vs_coverage():
    de = lexicon([("house", "haus"), ("red", "rot")], "de")
    es = lexicon([("house", "casa")], "es")
    texts = ["house red"] * 4000
    sw = csgen.Switcher([de, es], ratio=1.0, seed=5, lang_sampling="uniform")
    res = sw.switch_array(pa.array(texts))
    stats = dict(zip(sw.langs, res.lang_words.tolist(), strict=True))
    # uniform: half of the "red" draws go to es, which lacks it.
    assert abs(stats["de"] / 4000 - (0.5 + 0.5)) < 0.06  # house->de half, red->de half
    assert abs(stats["es"] / 4000 - 0.5) < 0.06
    assert abs(res.n_switched.sum() / 8000 - 0.75) < 0.03
    sw = csgen.Switcher([de, es], ratio=1.0, seed=5, lang_sampling="coverage")
    res = sw.switch_array(pa.array(texts))
    assert res.n_switched.sum() == 8000  # every word has some language


def test_language_weights():
    de = lexicon([("house", "haus")], "de")
    es = lexicon([("house", "casa")], "es")
    texts = ["house"] * 6000
    sw = csgen.Switcher([de, es], ratio=1.0, lang_weights={"de": 2, "es": 1})
    res = sw.switch_array(pa.array(texts))
    assert abs(res.lang_switches[0] / 6000 - 2 / 3) < 0.03
    only_es = csgen.Switcher([de, es], ratio=1.0, lang_weights={"de": 0})
    assert set(only_es.switch_array(pa.array(texts)).text.to_pylist()) == {"casa"}
    with pytest.raises(ConfigError, match="which no lexicon has"):
        csgen.Switcher([de, es], ratio=1.0, lang_weights={"fr": 1})
    with pytest.raises(ConfigError, match="weight 0"):
        csgen.Switcher([de], ratio=1.0, lang_weights={"de": 0})


def test_stats_accumulate_per_column_and_language():
    stats = csgen.SwitchStats()
    sw = csgen.Switcher(DE, ratio=1.0)
    table = pa.table({"q": ["The house is red.", None, "42"]})
    sw.switch_table(table, ["q"], stats=stats)
    col = stats.columns["q"]
    assert (col.rows, col.null_rows, col.words, col.eligible, col.switches) == (3, 1, 4, 3, 3)
    assert col.by_lang == {"de": [3, 3]} and col.switched_share == 0.75
    assert stats.to_dict()["q"]["by_lang"]["de"]["share"] == 0.75


def test_empty_table_keeps_schema():
    table = pa.table({"q": pa.array([], pa.string()), "n": pa.array([], pa.int64())})
    out = csgen.Switcher(DE, ratio=1.0).switch_table(table, ["q"])
    assert out.num_rows == 0 and out.column_names == ["q", "q_switches", "n"]


def test_switcher_arguments():
    with pytest.raises(ConfigError):
        csgen.Switcher([], ratio=0.5)
    with pytest.raises(ConfigError, match="either"):
        csgen.Switcher(DE, csgen.SwitchConfig(ratio=0.5), ratio=0.5)
    with pytest.raises(ConfigError, match="ratio"):
        csgen.Switcher(DE, ratio=1.5)


# -- engine version 2 ---------------------------------------------------------------------------
def test_engine_version_is_an_int_callers_can_record():
    assert isinstance(_core.ENGINE_VERSION, int) and _core.ENGINE_VERSION == 2


POSSESSIVE = lexicon([("dog", "Hund"), ("bone", "Knochen"), ("new york", "Nueva York"),
                      ("new", "neu"), ("it", "es"), ("don't", "nicht"), ("they", "sie"),
                      ("players", "Spieler"), ("cat", "Katze"), ("country", "Land")])


def test_possessives_switch_their_stem_and_keep_the_suffix():
    texts = ["Dog's bone", "the cat\u2019s bone", "New York's dog", "DOG'S country's",
             "players' bone"]
    out, records = switch(texts, POSSESSIVE)
    assert out == ["Hund's Knochen", "the Katze\u2019s Knochen", "Nueva York's Hund",
                   "HUND'S Land's", "Spieler' Knochen"]
    # The record covers the stem only; the suffix is copied as it is.
    spans = [[texts[i].encode()[r["src_start"]:r["src_end"]].decode() for r in recs]
             for i, recs in enumerate(records)]
    assert spans == [["Dog", "bone"], ["cat", "bone"], ["New York", "dog"], ["DOG", "country"],
                     ["players", "bone"]]
    first = records[0][0]
    assert out[0].encode()[first["dst_start"]:first["dst_end"]] == b"Hund"


def test_contractions_stay_whole_words():
    # 's after it/that/... is "is"/"has"/"us": not a possessive; n't 're 've 'll 'd 'm are
    # never split; a contraction with an entry of its own ("don't") switches whole.
    out, records = switch(["it's", "That's it", "don't", "they're", "I'd", "let's"],
                          POSSESSIVE)
    assert out == ["it's", "That's es", "nicht", "they're", "I'd", "let's"]
    assert [len(r) for r in records] == [0, 1, 1, 0, 0, 0]


def test_punctuation_is_never_deleted_or_invented_by_a_switch():
    lex = lexicon([("is", "ist"), ("however,", "allerdings,"), ("is,", "sind,"),
                   ("the", "die"), ("dog", "hund"), ("percent", "%"), ("hello", "\u00a1hola")])
    compiled = lex.compiled()
    assert (compiled.punct_stripped, compiled.punct_dropped) == (2, 2)
    assert compiled.build_stats["punct_stripped"] == 2
    out, _ = switch(["However, the dog is, I think.", "ten percent", "hello"], lex)
    assert out == ["Allerdings, die hund ist, I think.", "ten percent", "hello"]
    assert lex.lookup("however") == [("de", "allerdings", 1.0)]
    assert lex.lookup("however,") == []


def test_small_inputs_really_run_on_several_threads_when_asked():
    texts = ["the house", "The red house.", "New York", "i am", None, "house house"] * 3
    one = csgen.Switcher(DE, ratio=0.5, seed=4).switch_array(pa.array(texts))
    assert one.n_chunks == 1
    assert csgen.Switcher(DE, ratio=0.5, seed=4, threads=3).switch_array(
        pa.array(texts)).n_chunks == 1  # 160 bytes: under the floor, one thread
    assert csgen.Switcher._min_bytes_per_thread == _core.MIN_BYTES_PER_THREAD == 64 * 1024
    three = ThreadedSwitcher(DE, ratio=0.5, seed=4, threads=3)
    out = three.switch_array(pa.array(texts))
    assert three.chunks == [3]
    assert out.text.equals(one.text) and out.switches.equals(one.switches)

"""Properties of consistent switching and per-column language sets (hypothesis)."""

from collections import defaultdict

import pyarrow as pa
from casing import cased_forms  # tests/support, on pytest's pythonpath
from hypothesis import given, settings
from hypothesis import strategies as st
from threaded import ThreadedSwitcher, splits_in_two  # tests/support, on pytest's pythonpath

import csgen

# Two languages, several candidates per key, phrases and case-changing targets.
# Every target belongs to one key only, so a key's candidate list identifies it:
# grouping switches by lookup() groups them by folded key, as the core folds.
ENTRIES = [
    ("a", "Ω", "de"), ("a", "ω", "de"), ("a", "á", "es"), ("ab", "ζζ", "es"),
    ("x y", "ü", "de"), ("x y", "xy", "es"), ("x", "ks", "de"), ("x", "equis", "es"),
    ("é", "İ", "es"), ("é", "e-de", "de"), ("straße", "street", "de"), ("i", "ı", "de"),
    ("i", "yo", "es"), ("ǆ", "ǆǆ", "de"), ("σ", "ß", "es"), ("σ", "sigma", "de"),
    ("σ", "Σσ", "de"), ("dz", "𝔡", "de"), ("ab cd ef", "x", "es"), ("ab cd ef", "abcdef", "de"),
    ("y", "ye", "es"),
]
LEX = csgen.Lexicon.from_pairs([s for s, _, _ in ENTRIES], [t for _, t, _ in ENTRIES],
                               lang=[lang for _, _, lang in ENTRIES])
# One language, one candidate per key.
SINGLE = csgen.Lexicon.from_pairs(
    ["a", "ab", "x y", "x", "é", "straße", "i", "σ", "dz", "ab cd ef"],
    ["Ω", "ζζ", "ü", "ks", "İ", "street", "ı", "ß", "𝔡", "x"], lang="xx")

WORDS = ["a", "A", "ab", "AB", "Ab", "x", "X", "y", "Y", "x y", "X  Y", "x\ny", "é", "É",
         "straße", "STRASSE", "Straße", "i", "I", "σ", "Σ", "ǆ", "ǅ", "Ǆ", "dz", "DZ", "ab cd ef",
         "Ab Cd Ef", "cd", "the", "42", ".", ",", "x-y", "漢"]
SEP = st.sampled_from([" ", " ", " ", "  ", "\t", ", ", ". ", ""])
ROW = st.lists(st.tuples(st.sampled_from(WORDS), SEP), max_size=25).map(
    lambda parts: "".join(w + s for w, s in parts))
TEXT = ROW | st.text(alphabet=st.sampled_from(list("aAbBxXyYiIéÉσΣǆǅǄdDzZ ß\t\n.,'-0漢")),
                     max_size=40)
OPTIONS = st.fixed_dictionaries({
    "ratio": st.floats(0, 1),
    "seed": st.integers(0, 2**64 - 1),
    "candidates": st.sampled_from(["first", "uniform", "weighted"]),
    "lang_sampling": st.sampled_from(["uniform", "coverage"]),
    "skip_stopwords": st.booleans(),
})


def switches(src: str, dst: str, records: list[dict]):
    """(source span, output span, lang) of each record."""
    s, d = src.encode(), dst.encode()
    return [(s[r["src_start"]:r["src_end"]].decode(), d[r["dst_start"]:r["dst_end"]].decode(),
             r["lang"]) for r in records]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=8), OPTIONS, st.integers(1, 2))
def test_consistent_same_key_same_translation_in_every_column(rows, options, threads):
    table = pa.table({"query": [q for q, _ in rows], "passage": [p for _, p in rows]})
    sw = ThreadedSwitcher(LEX, consistent=True, threads=threads, **options)
    out = sw.switch_table(table, ["query", "passage"])
    for column, chunks in zip(([q for q, _ in rows], [p for _, p in rows]), sw.chunks,
                              strict=True):
        assert chunks <= threads
        if threads == 2 and splits_in_two(column):
            assert chunks == 2  # the draws really ran on two threads
    for i in range(len(rows)):
        groups: dict[tuple, list[tuple[str, str, str]]] = defaultdict(list)
        for col in ("query", "passage"):
            for src, dst, lang in switches(table[col][i].as_py(), out[col][i].as_py(),
                                           out[col + "_switches"][i].as_py()):
                groups[tuple(LEX.lookup(src))].append((src, dst, lang))
        for cands, occurrences in groups.items():
            assert cands, occurrences
            assert len({lang for _, _, lang in occurrences}) == 1, occurrences
            lang = occurrences[0][2]
            # One target, each occurrence in its own case: equal sources, equal outputs.
            by_src: dict[str, set[str]] = defaultdict(set)
            for src, dst, _ in occurrences:
                by_src[src].add(dst)
            assert all(len(d) == 1 for d in by_src.values()), occurrences
            common = [t for lg, t, _ in cands if lg == lang
                      and all(dst in cased_forms(t) for _, dst, _ in occurrences)]
            assert common, occurrences


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXT, max_size=12), st.integers(0, 2**64 - 1), st.booleans(),
       st.sampled_from(["first", "uniform", "weighted"]))
def test_ratio_one_single_candidate_consistent_equals_default(texts, seed, stop, choice):
    arr = pa.array(texts, pa.string())
    options = {"ratio": 1.0, "seed": seed, "skip_stopwords": stop, "candidates": choice}
    a = csgen.Switcher(SINGLE, **options).switch_array(arr, column="q")
    b = csgen.Switcher(SINGLE, consistent=True, **options).switch_array(arr, column="p")
    assert a.text.to_pylist() == b.text.to_pylist()
    assert a.switches.to_pylist() == b.switches.to_pylist()


LANG_SETS = st.sampled_from([("de",), ("es",), ("de", "es")])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=8), OPTIONS, LANG_SETS, LANG_SETS,
       st.booleans())
def test_column_language_sets_are_never_violated(rows, options, q_langs, p_langs, consistent):
    table = pa.table({"query": [q for q, _ in rows], "passage": [p for _, p in rows]})
    cfg = csgen.SwitchConfig(column_langs={"query": q_langs, "passage": p_langs},
                             consistent=consistent, **options)
    out = csgen.Switcher(LEX, cfg).switch_table(table, ["query", "passage"])
    for col, allowed in (("query", q_langs), ("passage", p_langs)):
        for i in range(len(rows)):
            for src, dst, lang in switches(table[col][i].as_py(), out[col][i].as_py(),
                                           out[col + "_switches"][i].as_py()):
                assert lang in allowed
                assert any(lg == lang and dst in cased_forms(t) for lg, t, _ in LEX.lookup(src))

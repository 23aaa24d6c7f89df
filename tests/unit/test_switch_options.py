"""Consistent switching, per-column ratios and languages, input kinds, stats merging."""

import json
import subprocess
import sys
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pytest
from threaded import ThreadedSwitcher  # tests/support, on pytest's pythonpath

import csgen
from csgen import _core
from csgen._arrow import column_buffers, switches_type
from csgen.errors import ColumnError, ConfigError, InputError


def lexicon(pairs, lang):
    return csgen.Lexicon.from_pairs([s for s, _ in pairs], [t for _, t in pairs], lang=lang)


DE = lexicon([("house", "haus"), ("house", "heim"), ("red", "rot"), ("cat", "katze"),
              ("cat", "kater"), ("new york", "neu york"), ("new", "neu")], "de")
ES = lexicon([("house", "casa"), ("red", "rojo"), ("cat", "gato"), ("new york", "nueva york")],
             "es")
AR = lexicon([("house", "bayt"), ("cat", "qitt")], "ar")
ROW = "the red house and the cat in new york, a red cat near a house in new york"


def records_by_key(src: str, dst: str, records) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    s, d = src.encode(), dst.encode()
    for r in records:
        key = s[r["src_start"]:r["src_end"]].decode().lower()
        out[key].add((d[r["dst_start"]:r["dst_end"]].decode(), r["lang"]))
    return out


# -- consistent switching -------------------------------------------------------------------------


def test_consistent_query_and_passage_agree():
    table = pa.table({"query": [ROW] * 300, "passage": [ROW + " " + ROW] * 300})
    sw = csgen.Switcher([DE, ES, AR], ratio=0.5, seed=4, candidates="uniform", consistent=True)
    out = sw.switch_table(table, ["query", "passage"])
    partly = 0
    for i in range(table.num_rows):
        keys: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for col in ("query", "passage"):
            got = records_by_key(table[col][i].as_py(), out[col][i].as_py(),
                                 out[col + "_switches"][i].as_py())
            for k, v in got.items():
                keys[k] |= v
        assert all(len(v) == 1 for v in keys.values()), keys
        partly += 0 < len(keys) < 5
    assert partly > 100  # rows differ: some words switched, others not
    # The default mode draws per column and position: they disagree.
    plain = csgen.Switcher([DE, ES, AR], ratio=0.5, seed=4, candidates="uniform")
    out = plain.switch_table(table, ["query", "passage"])
    disagree = 0
    for i in range(50):
        keys = defaultdict(set)
        for col in ("query", "passage"):
            for k, v in records_by_key(table[col][i].as_py(), out[col][i].as_py(),
                                       out[col + "_switches"][i].as_py()).items():
                keys[k] |= v
        disagree += any(len(v) > 1 for v in keys.values())
    assert disagree > 10


def test_consistent_occurrences_keep_their_own_case():
    sw = csgen.Switcher(DE, ratio=1.0, consistent=True, candidates="uniform", seed=2)
    texts = sw.switch_array(pa.array(["House house HOUSE"] * 50)).text.to_pylist()
    for text in texts:
        a, b, c = text.split()
        assert a == b.capitalize() and c == b.upper()
    assert len(set(texts)) == 2  # haus or heim, per row


def test_consistent_all_occurrences_switched_together():
    sw = csgen.Switcher(DE, ratio=0.5, consistent=True, seed=9)
    out = sw.switch_array(pa.array(["cat red cat red cat"] * 400)).text.to_pylist()
    assert {row.split()[0] for row in out} == {"cat", "katze"}
    for row in out:
        words = row.split()
        assert words[0] == words[2] == words[4] and words[1] == words[3]
    share = sum(row.startswith("katze") for row in out) / len(out)
    assert abs(share - 0.5) < 0.08


def test_consistent_decisions_are_coupled_across_column_ratios():
    cfg = csgen.SwitchConfig(column_ratios={"a": 0.3, "b": 0.7}, consistent=True, seed=1)
    table = pa.table({"a": [ROW] * 200, "b": [ROW] * 200})
    out = csgen.Switcher(DE, cfg).switch_table(table, ["a", "b"])
    for i in range(200):
        a = {(r["src_start"], r["src_end"]) for r in out["a_switches"][i].as_py()}
        b = {(r["src_start"], r["src_end"]) for r in out["b_switches"][i].as_py()}
        assert a <= b
    n_a = sum(map(len, out["a_switches"].to_pylist()))
    n_b = sum(map(len, out["b_switches"].to_pylist()))
    assert n_a < n_b


def test_consistent_is_independent_of_threads_splits_and_row_order():
    texts = [f"{ROW} {i}" for i in range(500)]
    ids = [f"r{i}" for i in range(500)]
    table = pa.table({"id": ids, "q": texts, "p": texts[::-1]})
    one = csgen.Switcher([DE, ES], ratio=0.5, consistent=True, threads=1, seed=5)
    two = ThreadedSwitcher([DE, ES], ratio=0.5, consistent=True, threads=2, seed=5)
    whole = one.switch_table(table, ["q", "p"], id_column="id")
    parts = pa.concat_tables(
        [two.switch_table(table.slice(0, 123), ["q", "p"], id_column="id"),
         two.switch_table(table.slice(123), ["q", "p"], id_column="id")])
    assert whole.equals(parts)
    assert min(two.chunks) == 2  # each part really ran on two threads
    perm = np.random.default_rng(1).permutation(500)
    shuffled = one.switch_table(table.take(perm), ["q", "p"], id_column="id")
    assert shuffled["q"].to_pylist() == whole.take(perm)["q"].to_pylist()


def test_consistent_with_ratio_one_and_one_candidate_equals_default():
    lex = lexicon([("house", "haus"), ("new york", "neu york"), ("new", "neu"), ("red", "rot")],
                  "de")
    arr = pa.array([ROW, "New York, New house", None, ""] * 20)
    a = csgen.Switcher(lex, ratio=1.0).switch_array(arr)
    b = csgen.Switcher(lex, ratio=1.0, consistent=True).switch_array(arr)
    assert a.text.equals(b.text) and a.switches.equals(b.switches)


# -- per-column ratios and languages -------------------------------------------------------------


def test_column_ratios_override_ratio():
    table = pa.table({"q": [ROW] * 20, "p": [ROW] * 20, "t": [ROW] * 20})
    cfg = csgen.SwitchConfig(ratio=0.0, column_ratios={"q": 1.0, "p": 0.5})
    stats = csgen.SwitchStats()
    out = csgen.Switcher(DE, cfg).switch_table(table, ["q", "p", "t"], stats=stats)
    assert out["t"].to_pylist() == table["t"].to_pylist()
    c = stats.columns
    assert c["q"].switches == c["q"].eligible and c["t"].switches == 0
    assert 0 < c["p"].switches < c["p"].eligible


def test_every_switched_column_needs_a_ratio():
    sw = csgen.Switcher(DE, column_ratios={"q": 0.5})
    table = pa.table({"q": ["house"], "p": ["house"]})
    with pytest.raises(ConfigError, match="column 'p' has no ratio"):
        sw.switch_table(table, ["q", "p"])
    with pytest.raises(ConfigError, match="column 'text' has no ratio"):
        sw.switch_array(pa.array(["house"]))
    cfg = csgen.SwitchConfig(column_ratios={"q": 1.0, "p": 0.0})
    out = csgen.Switcher(DE, cfg).switch_table(table, ["q", "p"])
    assert out["q"].to_pylist() == ["haus"] and out["p"].to_pylist() == ["house"]


def test_column_langs_restrict_each_column():
    table = pa.table({"query": [ROW] * 100, "passage": [ROW] * 100})
    cfg = csgen.SwitchConfig(ratio=1.0, column_langs={"query": ["de"], "passage": ["es", "ar"]},
                             lang_sampling="coverage")
    out = csgen.Switcher([DE, ES, AR], cfg).switch_table(table, ["query", "passage"])
    q_langs = {r["lang"] for row in out["query_switches"].to_pylist() for r in row}
    p_langs = {r["lang"] for row in out["passage_switches"].to_pylist() for r in row}
    assert q_langs == {"de"} and p_langs == {"es", "ar"}
    # The dictionary of the lang field keeps every language, whatever the column's set.
    assert out["query_switches"].type == switches_type()


def test_column_langs_and_lang_weights_combine():
    cfg = csgen.SwitchConfig(ratio=1.0, column_langs={"q": ["es", "ar"]},
                             lang_weights={"es": 0, "de": 5})
    res = csgen.Switcher([DE, ES, AR], cfg).switch_array(pa.array(["house"] * 50), column="q")
    assert set(res.text.to_pylist()) == {"bayt"}


def test_column_langs_errors():
    with pytest.raises(ConfigError, match=r"column 'q': language set names fr, which no lexicon "
                                          r"has \(languages: de, es\)"):
        csgen.Switcher([DE, ES], ratio=0.5, column_langs={"q": ["de", "fr"]})
    with pytest.raises(ConfigError, match="column 'q': every language of its set"):
        csgen.Switcher([DE, ES], ratio=0.5, column_langs={"q": ["es"]}, lang_weights={"es": 0})


def test_mistyped_column_option_names_are_errors():
    table = pa.table({"query": ["house"], "passage": ["house"]})
    for options in ({"column_ratios": {"querry": 0.5}}, {"column_langs": {"pasage": ["de"]}}):
        sw = csgen.Switcher(DE, ratio=0.5, **options)
        with pytest.raises(ConfigError, match="which is not switched"):
            sw.switch_table(table, ["query", "passage"])
        with pytest.raises(ConfigError, match="which is not switched"):
            sw.switch_batch(table.to_batches()[0], ["query"])
    # Named but not switched in this call is also refused: the option would do nothing.
    sw = csgen.Switcher(DE, ratio=0.5, column_ratios={"passage": 1.0})
    with pytest.raises(ConfigError, match="'passage'"):
        sw.switch_table(table, ["query"])
    with pytest.raises(ColumnError, match="not found"):
        sw.switch_table(table, ["title"])


def test_core_refuses_a_column_with_no_language():
    arr = pa.array(["house"])
    with pytest.raises(_core.CoreError) as info:
        _core.switch_column(DE.compiled(), column_buffers(arr), None, 0, 0.5, 0, 0, 0, 0,
                            [0.0], False, None, 1, True)
    assert info.value.args[0] == 1 and "weight 0" in info.value.args[1]


# -- input kinds ----------------------------------------------------------------------------------


class Stream:
    """A foreign object that only speaks the Arrow C stream protocol."""

    def __init__(self, table):
        self.table = table

    def __arrow_c_stream__(self, requested_schema=None):
        return self.table.__arrow_c_stream__(requested_schema)


TABLE = pa.table({"id": [1, 2, 3], "q": ["the red house", None, "a cat"], "n": [1.5, 2.5, 3.5]})


def reference():
    return csgen.Switcher(DE, ratio=1.0).switch_table(TABLE, ["q"])


def test_polars_dataframe_round_trip():
    pl = pytest.importorskip("polars")
    df = pl.from_arrow(TABLE)
    stats = csgen.SwitchStats()
    out = csgen.Switcher(DE, ratio=1.0).switch_table(df, ["q"], stats=stats)
    assert isinstance(out, pl.DataFrame)
    assert out.columns == ["id", "q", "q_switches", "n"]
    ref = reference()
    assert out["q"].to_list() == ref["q"].to_pylist()
    assert out["q_switches"].to_list() == ref["q_switches"].to_pylist()
    assert out["n"].to_list() == [1.5, 2.5, 3.5]
    # The lang field stays categorical in polars and comes back as a dictionary.
    assert out.schema["q_switches"].inner.fields[-1].dtype == pl.Categorical
    back = out.to_arrow()
    lang = back["q_switches"].type.value_type.field("lang").type
    assert pa.types.is_dictionary(lang)
    assert back["q_switches"].to_pylist() == ref["q_switches"].to_pylist()
    assert stats.columns["q"].switches == 3
    # Module-level form, and an empty frame.
    out2 = csgen.switch_table(df, DE, ["q"], ratio=1.0)
    assert out2.equals(out)
    empty = csgen.switch_table(df.head(0), DE, ["q"], ratio=1.0)
    assert isinstance(empty, pl.DataFrame) and empty.columns == out.columns and empty.height == 0


def test_polars_lazyframe_comes_back_lazy():
    pl = pytest.importorskip("polars")
    lf = pl.from_arrow(TABLE).lazy().filter(pl.col("id") != 2)
    out = csgen.Switcher(DE, ratio=1.0).switch_table(lf, ["q"])
    assert isinstance(out, pl.LazyFrame)
    assert out.collect()["q"].to_list() == ["the rot haus", "a katze"]


def test_record_batch_reader_streams():
    batches = TABLE.to_batches(max_chunksize=1)
    reader = pa.RecordBatchReader.from_batches(TABLE.schema, batches)
    stats = csgen.SwitchStats()
    out = csgen.Switcher(DE, ratio=1.0).switch_table(reader, ["q"], stats=stats)
    assert isinstance(out, pa.RecordBatchReader)
    assert stats.columns == {}  # nothing read yet
    assert out.read_all().equals(reference())
    assert stats.columns["q"].rows == 3
    # Mistakes surface before reading.
    reader = pa.RecordBatchReader.from_batches(TABLE.schema, batches)
    with pytest.raises(ColumnError):
        csgen.Switcher(DE, ratio=1.0).switch_table(reader, ["nope"])


def test_record_batch_and_c_stream_objects():
    sw = csgen.Switcher(DE, ratio=1.0)
    batch = sw.switch_table(TABLE.to_batches()[0], ["q"])
    assert isinstance(batch, pa.RecordBatch)
    assert pa.Table.from_batches([batch]).equals(reference())
    out = sw.switch_table(Stream(TABLE), ["q"])
    assert isinstance(out, pa.Table) and out.equals(reference())
    with pytest.raises(TypeError, match="__arrow_c_stream__"):
        sw.switch_table([{"q": "house"}], ["q"])


def test_import_csgen_pulls_no_heavy_optional_module():
    code = ("import sys, csgen, csgen.switch, csgen.config; "
            "print(sorted(m for m in ('polars', 'torch', 'numba', 'ray') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True,
                         check=True, cwd="/")
    assert out.stdout.strip() == "[]"


# -- stats ---------------------------------------------------------------------------------------


def test_stats_round_trip_and_merge():
    table = pa.table({"q": [ROW, None, "42 houses", "red"] * 10, "p": [ROW] * 40})
    sw = csgen.Switcher([DE, ES], ratio=0.5, seed=3)
    whole = csgen.SwitchStats()
    sw.switch_table(table, ["q", "p"], stats=whole)
    d = whole.to_dict()
    assert set(d["q"]) >= {"rows", "words", "switched_share", "coverage", "out_of_lexicon_rate",
                           "by_lang"}
    assert d["q"]["out_of_lexicon_rate"] == pytest.approx(1 - d["q"]["coverage"])
    again = csgen.SwitchStats.from_dict(json.loads(json.dumps(d)))
    assert again == whole and again.to_dict() == d
    # Two halves, merged (as a resumed run merges its shards), equal the whole.
    first, second = csgen.SwitchStats(), csgen.SwitchStats()
    sw.switch_table(table.slice(0, 17), ["q", "p"], stats=first)
    sw.switch_batch(table.slice(17).combine_chunks().to_batches()[0], ["q", "p"], row_base=17,
                    stats=second)
    merged = csgen.SwitchStats.from_dict(first.to_dict())
    merged.merge(second)
    assert merged.to_dict() == d
    # Merging into an empty summary copies; languages new to one side are added.
    empty = csgen.SwitchStats()
    empty.merge(csgen.SwitchStats.from_dict(
        {"x": {"rows": 1, "null_rows": 0, "words": 2, "eligible": 1, "switches": 1,
               "switched_words": 1, "by_lang": {"fr": {"switches": 1, "switched_words": 1}}}}))
    empty.merge(csgen.SwitchStats.from_dict(d))
    assert empty.columns["x"].by_lang == {"fr": [1, 1]} and empty.columns["q"] == whole.columns["q"]


@pytest.mark.parametrize(
    "bad",
    [[], {"q": []}, {"q": {"rows": 1}}, {"q": {**dict.fromkeys(
        ("rows", "null_rows", "words", "eligible", "switches", "switched_words"), 0),
        "words": -1}},
     {"q": {**dict.fromkeys(
        ("rows", "null_rows", "words", "eligible", "switches", "switched_words"), 0),
        "by_lang": {"de": {"switches": 1.5, "switched_words": 1}}}}],
)
def test_stats_from_dict_refuses_malformed_input(bad):
    with pytest.raises(InputError, match="switch stats"):
        csgen.SwitchStats.from_dict(bad)

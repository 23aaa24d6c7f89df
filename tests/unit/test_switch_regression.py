"""The default mode's output, pinned: values computed before consistent
switching and per-column options were added. Any change here changes every
dataset switched before; it must be deliberate.

Engine version 2 (``csgen._core.ENGINE_VERSION``) changed them once: English
possessives ("Warsaw's", "country's") now switch their stem, which only adds
records (the sample's lexicons hold no entry with end punctuation); every
other unit keeps its decision, language and translation."""

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pytest

import csgen

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample"


@pytest.fixture(scope="module")
def lexicons():
    return {lang: csgen.Lexicon.from_muse(SAMPLE / f"en-{lang}.txt") for lang in ("de", "es", "ar")}


def digest(table: pa.Table, columns: list[str]) -> str:
    h = hashlib.sha256()
    for c in columns:
        for col in (c, c + "_switches"):
            h.update(json.dumps(table[col].to_pylist(), ensure_ascii=False).encode())
    return h.hexdigest()[:32]


# name -> (languages, options, digest by row index, digest keyed by the id column)
PINNED = {
    "bl_r05_s1": (("de",), {"ratio": 0.5, "seed": 1},
                  "915ab34a85c7547a3dac2f5dceb6c4cb", "14afdbf9f850b20f5f3c169ba9688645"),
    "bl_r1_uniform_s7_identity": (
        ("de",), {"ratio": 1.0, "seed": 7, "candidates": "uniform", "keep_identity": True},
        "11a3e77e35662965fe129135d9c7f500", "539049cfe57906133ae9e818670bcd59"),
    "ml_uniform_w": (
        ("de", "es", "ar"),
        {"ratio": 0.4, "seed": 3, "lang_weights": {"de": 2, "es": 1, "ar": 0.5}},
        "98b89b734908ea5723a2874a0353f7a4", "f2b3594c7b50f2aa09fff2894f186b6f"),
    "ml_coverage_weighted_stop": (
        ("de", "es", "ar"), {"ratio": 0.7, "seed": 2**64 - 1, "lang_sampling": "coverage",
                             "candidates": "weighted", "skip_stopwords": True},
        "64f40f963d849c45c0ac90c39f4089bb", "a26a96f20efceafe2576efd5eccc3f15"),
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_default_mode_output_is_unchanged(name, lexicons, sample_table):
    langs, options, by_index, by_id = PINNED[name]
    sw = csgen.Switcher([lexicons[lang] for lang in langs], **options)
    columns = ["question", "context"]
    assert digest(sw.switch_table(sample_table, columns), columns) == by_index
    assert digest(sw.switch_table(sample_table, columns, id_column="id"), columns) == by_id
    # consistent=False spelled out is the same mode.
    explicit = csgen.Switcher([lexicons[lang] for lang in langs], consistent=False, **options)
    assert digest(explicit.switch_table(sample_table, columns), columns) == by_index


def test_default_mode_pinned_rows(lexicons, sample_table):
    texts = sample_table["question"].to_pylist()[:6]
    sw = csgen.Switcher([lexicons["de"], lexicons["es"]], ratio=0.5, seed=11)
    out = sw.switch_array(pa.array(texts), column="question")
    assert out.text.to_pylist() == [
        "How many puntos did el Panther verteidigung hingabe?",
        "How many career säcken did Jared Allen have?",
        "Wie viele tackles tat Lucas Kuechly register?",
        "How muchas cojones did Josh Norman intercept?",
        "Who registrierte el most sacos on die team dieser spielzeit?",
        "Cómo muchas intercepciones sind the Panthers verteidigung acreditado con in 2015?",
    ]
    assert out.switches.to_pylist()[1] == [
        {"src_start": 16, "src_end": 21, "dst_start": 16, "dst_end": 23, "lang": "de"}]

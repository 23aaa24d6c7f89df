"""csgen.qa: char/byte kernels vs their twins, answer policies, errors, protected spans."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest

from csgen import Lexicon, Switcher
from csgen.errors import ColumnError, ConfigError, InputError
from csgen.pipeline import SwitchJob
from csgen.qa import (
    QAOptions,
    byte_to_char,
    byte_to_char_reference,
    char_to_byte,
    char_to_byte_reference,
    locate_answers,
    locate_answers_reference,
    merge_spans,
    merge_spans_reference,
    normalise_protect_spans,
    regex_spans,
    remap_extend,
    remap_extend_reference,
    string_parts,
    switch_qa_batch,
)

TEXTS = ["", "abc", "Ünïcode café ☃ 𝄞 end", "日本語のテキスト", None, "ascii only here"]
ANSWERS_T = pa.struct([("text", pa.list_(pa.string())),
                       ("answer_start", pa.list_(pa.int32()))])


def test_string_parts_honours_slices():
    arr = pa.array(TEXTS).slice(2, 3)
    off, data = string_parts(arr)
    assert bytes(data[off[0]:off[1]]).decode() == TEXTS[2]
    big = pa.array(TEXTS, pa.large_string()).slice(1)
    off, data = string_parts(big)
    assert bytes(data[off[0]:off[1]]).decode() == "abc"


@pytest.mark.parametrize("large", [False, True])
def test_char_byte_kernels_match_twins(large):
    arr = pa.array(TEXTS, pa.large_string() if large else pa.string()).slice(1)
    off, data = string_parts(arr)
    rng = np.random.default_rng(0)
    rows = rng.integers(0, len(arr), 500)
    chars = rng.integers(-2, 25, 500)
    assert np.array_equal(char_to_byte(off, data, rows, chars),
                          char_to_byte_reference(off, data, rows, chars))
    pos = rng.integers(-2, 40, 500)
    got = byte_to_char(off, data, rows, pos)
    assert np.array_equal(got, byte_to_char_reference(off, data, rows, pos))
    assert (got >= 0).any() and (got < 0).any()  # both cases exercised
    # round trip on every character boundary of the multi-byte row
    text = TEXTS[2]
    r = np.full(len(text) + 1, 1)
    b = char_to_byte(off, data, r, np.arange(len(text) + 1))
    assert b.tolist() == [len(text[:i].encode()) for i in range(len(text) + 1)]
    assert byte_to_char(off, data, r, b).tolist() == list(range(len(text) + 1))


def test_locate_answers_matches_twin():
    ctx = pa.array(["Ünïcode café ☃ Paris", "the capital is Paris", ""])
    off, data = string_parts(ctx)
    texts = pa.array(["café", "☃ Paris", "Paris", "capital", "x", "", "Paris"])
    toff, tdata = string_parts(texts)
    rows = np.array([0, 0, 1, 1, 1, 2, 0])
    starts = np.array([8, 13, 15, 4, 0, 0, 3])
    got = locate_answers(off, data, rows, starts, toff, tdata)
    ref = locate_answers_reference(off, data, rows, starts, toff, tdata)
    for a, b in zip(got, ref, strict=True):
        assert np.array_equal(a, b)
    assert got[2].tolist() == [True, True, True, True, False, True, False]
    assert got[0][0] == len("Ünïcode ".encode())


def test_remap_extend_matches_twin():
    # one row: records at src [4, 8) -> dst [4, 14) and [10, 12) -> [16, 17)
    rec_off = np.array([0, 2, 2])
    a, b, c, d = (np.array(x) for x in ([4, 10], [8, 12], [4, 16], [14, 17]))
    rows = np.array([0, 0, 0, 0, 0, 1])
    starts = np.array([0, 4, 5, 9, 12, 3])
    ends = np.array([4, 8, 6, 11, 13, 5])
    got = remap_extend(rows, starts, ends, rec_off, a, b, c, d)
    ref = remap_extend_reference(rows, starts, ends, rec_off, a, b, c, d)
    assert np.array_equal(got[0], ref[0]) and np.array_equal(got[1], ref[1])
    assert list(zip(got[0].tolist(), got[1].tolist(), strict=True)) == [
        (0, 4), (4, 14), (4, 14), (15, 17), (17, 18), (3, 5)]


def test_merge_spans_matches_twin():
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 6, 50)
    off = np.concatenate([[0], np.cumsum(counts)])
    s = rng.integers(0, 30, off[-1])
    e = s + rng.integers(0, 6, off[-1])
    got, ref = merge_spans(off, s, e), merge_spans_reference(off, s, e)
    for x, y in zip(got, ref, strict=True):
        assert np.array_equal(x, y)


def test_regex_spans_finds_every_match_in_bytes():
    texts = ["é 12 and 345, ☃6", None, "", "no digits", "7"]
    rows, s, e = regex_spans(pa.array(texts), [r"\d+"])
    want = [(i, m.start(), m.end()) for i, t in enumerate(texts) if t
            for m in re.finditer(r"\d+", t)]
    got = [(int(r), len(texts[r].encode()[:a].decode()), len(texts[r].encode()[:b].decode()))
           for r, a, b in zip(rows, s, e, strict=True)]
    assert sorted(got) == sorted(want)
    with pytest.raises(InputError, match="NUL"):
        regex_spans(pa.array(["a\x00b"]), ["a"])


# -- policies on hand-made rows ------------------------------------------------------------


@pytest.fixture(scope="module")
def switcher(tmp_path_factory):
    path = tmp_path_factory.mktemp("lex") / "en-de.txt"
    path.write_text("paris parigi\ncapital hauptstadt\nfrance frankreich\nthe die\ncafé kaffee\n"
                    "is ist\nof von\n", encoding="utf-8")
    return Switcher([Lexicon.from_muse(path)], ratio=1.0, seed=3)


def qa_batch(rows) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist(
        [{"id": r[0], "question": r[1], "context": r[2],
          "answers": {"text": list(r[3]), "answer_start": list(r[4])}} for r in rows],
        schema=pa.schema([("id", pa.string()), ("question", pa.string()),
                          ("context", pa.string()), ("answers", ANSWERS_T)]))


ROWS = [("q1", "Where is the capital?", "Ünï: the capital of France is Paris ☃.",
         ["Paris", "capital of France"], [30, 9]),
        ("q2", "café?", "☃ café is the café", ["café"], [2]),
        ("q3", "none", "", [], [])]


def check_spans(out: pa.RecordBatch) -> list[list[str]]:
    texts = []
    for ctx, ans in zip(out.column("context").to_pylist(), out.column("answers").to_pylist(),
                        strict=True):
        for t, s in zip(ans["text"], ans["answer_start"], strict=True):
            assert ctx[s:s + len(t)] == t
        texts.append(ans["text"])
    return texts


def test_protect_keeps_answers_and_switches_the_rest(switcher):
    batch = qa_batch(ROWS)
    res = switch_qa_batch(switcher, batch, ["question", "context"], QAOptions("protect"))
    out = res.batch
    assert out.schema.names == ["id", "question", "question_switches", "context",
                                "context_switches", "answers"]
    assert check_spans(out) == [["Paris", "capital of France"], ["café"], []]
    ctx = out.column("context").to_pylist()
    assert ctx[0] == "Ünï: die capital of France ist Paris ☃."
    assert ctx[1] == "☃ café ist die kaffee"
    assert out.column("answers").to_pylist()[0]["answer_start"] == [31, 9]
    assert "hauptstadt" in out.column("question").to_pylist()[0]


def test_switch_rewrites_answers(switcher):
    out = switch_qa_batch(switcher, qa_batch(ROWS), ["question", "context"],
                          QAOptions("switch")).batch
    assert check_spans(out) == [["Parigi", "hauptstadt von Frankreich"], ["kaffee"], []]
    assert out.column("answers").type == ANSWERS_T


def test_switch_extends_a_boundary_inside_a_unit(switcher):
    batch = qa_batch([("q", "x", "the capital city", ["apit", "capital city"], [5, 4])])
    out = switch_qa_batch(switcher, batch, ["context"], QAOptions("switch")).batch
    assert check_spans(out) == [["hauptstadt", "hauptstadt city"]]
    out = switch_qa_batch(switcher, batch, ["context"], QAOptions("protect")).batch
    assert check_spans(out) == [["apit", "capital city"]]


def test_bad_answer_is_an_error_naming_the_question(switcher):
    rows = [*ROWS, ("q7", "?", "The capital is Paris.", ["Paris"], [12])]
    with pytest.raises(InputError, match=r"question 'q7': answer 'Paris' is not at character "
                                         r"12 of its context"):
        switch_qa_batch(switcher, qa_batch(rows), ["context"], QAOptions("protect"))
    res = switch_qa_batch(switcher, qa_batch(rows), ["context"],
                          QAOptions("protect", skip_bad=True))
    assert res.dropped == 1 and res.batch.num_rows == 3
    assert res.examples and "q7" in res.examples[0]
    check_spans(res.batch)
    # off: nothing is checked, answers pass through
    out = switch_qa_batch(switcher, qa_batch(rows), ["context"],
                          QAOptions("off", protect_regex=("xyz",))).batch
    assert out.column("answers").equals(qa_batch(rows).column("answers"))


def test_protect_regex_and_span_columns(switcher):
    batch = qa_batch(ROWS[:2])
    out = switch_qa_batch(switcher, batch, ["question", "context"],
                          QAOptions("off", protect_regex=(r"capital|café",))).batch
    assert out.column("context").to_pylist()[0].startswith("Ünï: die capital von")
    assert out.column("context").to_pylist()[1] == "☃ café ist die café"
    assert "capital" in out.column("question").to_pylist()[0]
    span_type = pa.list_(pa.struct([("start", pa.int32()), ("end", pa.int32())]))
    spans = pa.array([[{"start": 12, "end": 20}, {"start": 9, "end": 12}], None], span_type)
    with_spans = batch.append_column("ents", spans)
    out = switch_qa_batch(switcher, with_spans, ["context"],
                          QAOptions("off", protect_spans=(("context", "ents"),))).batch
    assert out.column("context").to_pylist()[0] == "Ünï: the capital of Frankreich ist Parigi ☃."
    assert out.column("ents").equals(spans)
    overlapping = pa.array([None, [{"start": 9, "end": 12}, {"start": 10, "end": 20}]],
                           span_type)
    with pytest.raises(InputError, match=r"'ents', row 8: spans \[9, 12\) and \[10, 20\)"):
        switch_qa_batch(switcher, batch.append_column("ents", overlapping), ["context"],
                        QAOptions("off", protect_spans=(("context", "ents"),)), row_base=7)
    with pytest.raises(ColumnError, match="'nope' not found"):
        switch_qa_batch(switcher, batch, ["context"],
                        QAOptions("off", protect_spans=(("context", "nope"),)))


def test_job_validates_qa_fields():
    def job(**kw):
        return SwitchJob("x.json", "out", ("question", "context"), ("en-de.txt",),
                         _config(), **kw)

    with pytest.raises(ConfigError, match="answers must be one of"):
        job(answers="maybe")
    with pytest.raises(ConfigError, match="needs the 'context' column"):
        SwitchJob("x.json", "out", ("question",), ("en-de.txt",), _config(), answers="switch")
    with pytest.raises(ConfigError, match="not a valid RE2"):
        job(protect_regex="(")
    j = job(protect_spans="ents", protect_regex=[r"\d+", r"\d+"])
    assert j.protect_spans == (("question", "ents"),) and j.protect_regex == (r"\d+",)
    assert j.params()["protect_spans"] == [["question", "ents"]]
    assert job().params()["answers"] == "auto"
    assert normalise_protect_spans(["context=e", ("question", "f")],
                                   ["question", "context"]) == (("context", "e"),
                                                                ("question", "f"))
    with pytest.raises(ConfigError, match="not a column being switched"):
        normalise_protect_spans("title=e", ["context"])
    with pytest.raises(ConfigError, match="cannot itself be switched"):
        normalise_protect_spans("context=question", ["question", "context"])


def _config():
    from csgen import SwitchConfig

    return SwitchConfig(ratio=0.5, seed=1)

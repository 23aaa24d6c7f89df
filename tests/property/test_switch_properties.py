"""Properties over random Unicode text (hypothesis)."""

import pyarrow as pa
from casing import cased_forms  # tests/support, on pytest's pythonpath
from hypothesis import given, settings
from hypothesis import strategies as st
from threaded import ThreadedSwitcher, splits_in_two  # tests/support, on pytest's pythonpath

import csgen
from csgen import _core

# Sources and targets chosen to exercise case mapping and byte-length changes.
LEX = csgen.Lexicon.from_pairs(
    ["a", "ab", "x y", "é", "straße", "i", "ǆ", "σ", "dz", "ab cd ef"],
    ["Ω", "ζζ", "ü", "İ", "street", "ı", "ǆǆ", "ß", "𝔡", "x"],
    lang="xx",
)
ALPHABET = st.sampled_from(list("aAbBxXyYiIéÉσΣǆǅǄdDzZ ß\t\n.,'-0123456789漢👍\u0301"))
TEXT = st.text(alphabet=ALPHABET, max_size=60) | st.text(max_size=40)


def check_records(src: str, dst: str, records: list[dict]) -> None:
    s, d = src.encode(), dst.encode()
    rebuilt, pos, prev_dst = b"", 0, 0
    for r in records:
        assert pos <= r["src_start"] < r["src_end"] <= len(s)
        assert prev_dst <= r["dst_start"] <= r["dst_end"] <= len(d)
        src_span = s[r["src_start"]:r["src_end"]].decode()
        dst_span = d[r["dst_start"]:r["dst_end"]].decode()
        targets = [t for _, t, _ in LEX.lookup(src_span)]
        assert targets, f"{src_span!r} is not a lexicon key"
        assert any(dst_span in cased_forms(t) for t in targets), (dst_span, targets)
        rebuilt += s[pos:r["src_start"]] + d[r["dst_start"]:r["dst_end"]]
        pos, prev_dst = r["src_end"], r["dst_end"]
    assert rebuilt + s[pos:] == d


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT, max_size=12), st.floats(0, 1), st.integers(0, 2**64 - 1))
def test_records_locate_every_switch(texts, ratio, seed):
    res = csgen.Switcher(LEX, ratio=ratio, seed=seed).switch_array(pa.array(texts, pa.string()))
    rows = zip(texts, res.text.to_pylist(), res.switches.to_pylist(), strict=True)
    for src, dst, records in rows:
        check_records(src, dst, records)
    assert res.n_switched.sum() <= res.n_eligible.sum() <= res.n_words.sum()


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=20), st.integers(0, 20), st.integers(0, 1000))
def test_output_does_not_depend_on_threads_or_batch_split(texts, cut, seed):
    arr = pa.array(texts, pa.string())
    cut = min(cut, len(texts))
    one = csgen.Switcher(LEX, ratio=0.5, seed=seed, threads=1)
    two = ThreadedSwitcher(LEX, ratio=0.5, seed=seed, threads=2)
    whole = one.switch_array(arr)
    split = [two.switch_array(arr.slice(0, cut)), two.switch_array(arr.slice(cut), row_base=cut)]
    for part, chunks in zip((texts[:cut], texts[cut:]), two.chunks, strict=True):
        assert chunks <= 2
        if splits_in_two(part):
            assert chunks == 2  # the comparison really involves two threads
    assert whole.text.to_pylist() == split[0].text.to_pylist() + split[1].text.to_pylist()
    assert whole.switches.to_pylist() == (split[0].switches.to_pylist()
                                          + split[1].switches.to_pylist())


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=10))
def test_ratio_zero_is_identity(texts):
    res = csgen.Switcher(LEX, ratio=0.0).switch_array(pa.array(texts, pa.string()))
    assert res.text.to_pylist() == texts


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_segmentation_tiles_and_classifies(text):
    data = text.encode()
    starts, ends, kinds = _core.segment(data)
    assert b"".join(data[s:e] for s, e in zip(starts, ends, strict=True)) == data
    for s, e, k in zip(starts, ends, kinds, strict=True):
        token = data[s:e].decode()  # never splits a character
        if k == 0:
            assert token.isspace()
        elif k in (1, 2):
            assert not any(c.isspace() for c in token)
            assert (k == 1) == any(c.isalpha() for c in token)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40))
def test_arbitrary_bytes_never_crash(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    try:
        _core.segment(data)
        assert text is not None, "invalid UTF-8 accepted"
    except _core.CoreError as e:
        assert text is None and e.args[0] == 2

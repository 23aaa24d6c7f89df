"""Protected spans: units overlapping a protected byte range are never switched."""

from pathlib import Path

import pyarrow as pa
import pytest

import csgen
from csgen.errors import ColumnError, ColumnTypeError, ConfigError

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample" / "en-de.txt"
SPAN32 = pa.list_(pa.struct([("start", pa.int32()), ("end", pa.int32())]))
SPAN64 = pa.list_(pa.struct([("start", pa.int64()), ("end", pa.int64())]))
ROW = "the city garden and the city"
MID = (ROW.index("garden"), ROW.index("garden") + len("garden and the"))  # "garden and the"


@pytest.fixture(scope="module")
def sample():
    return csgen.Lexicon.from_muse(SAMPLE, lang="de")


def spans(rows, typ=SPAN32):
    return pa.array(
        [None if r is None else [{"start": a, "end": b} for a, b in r] for r in rows], type=typ
    )


def overlaps(rec, ranges):
    return any(a < rec["src_end"] and rec["src_start"] < b for a, b in ranges if a < b)


def check_protected(text, out, recs, ranges):
    src, dst = text.encode(), out.encode()
    for rec in recs:
        assert not overlaps(rec, ranges), (rec, ranges)
    # Every protected range is copied unchanged: map it through the records.
    shift = 0
    for a, b in ranges:
        before = [r for r in recs if r["src_end"] <= a]
        shift = sum((r["dst_end"] - r["dst_start"]) - (r["src_end"] - r["src_start"])
                    for r in before)
        assert dst[a + shift:b + shift] == src[a:b]


def test_middle_span_kept_and_rest_as_without(sample):
    sw = csgen.Switcher(sample, ratio=1.0, seed=3, candidates="uniform")
    arr = pa.array([ROW])
    plain = sw.switch_array(arr)
    prot = sw.switch_array(arr, protect=spans([[MID]]))
    text, recs = prot.text[0].as_py(), prot.switches[0].as_py()
    plain_recs = plain.switches[0].as_py()
    assert len(plain_recs) == 6  # ratio 1: every word is switched without protection
    assert "garden and the" in text
    check_protected(ROW, text, recs, [MID])
    # Outside the span: the very same switches (source spans, languages, targets).
    src = lambda rs, out: [(r["src_start"], r["src_end"], r["lang"],  # noqa: E731
                            out.encode()[r["dst_start"]:r["dst_end"]]) for r in rs]
    expected = [r for r in src(plain_recs, plain.text[0].as_py()) if not overlaps(
        {"src_start": r[0], "src_end": r[1]}, [MID])]
    assert src(recs, text) == expected
    assert len(recs) == 3
    assert prot.n_switched[0] == 3
    assert prot.n_words[0] == plain.n_words[0] and prot.n_eligible[0] == plain.n_eligible[0]


def test_partial_overlap_protects_whole_word(sample):
    sw = csgen.Switcher(sample, ratio=1.0, seed=1)
    a = ROW.index("city")
    out = sw.switch_array(pa.array([ROW]), protect=spans([[(a + 1, a + 2)]]))
    recs = out.switches[0].as_py()
    assert not any(r["src_start"] == a for r in recs)
    assert out.text[0].as_py().count("city") == 1
    # An empty range protects nothing.
    same = sw.switch_array(pa.array([ROW]), protect=spans([[(a, a)]]))
    assert same.text.equals(sw.switch_array(pa.array([ROW])).text)


def test_phrase_over_boundary_not_switched():
    lex = csgen.Lexicon.from_pairs(["city garden", "city", "and"],
                                   ["stadtgarten", "stadt", "und"], lang="de")
    sw = csgen.Switcher(lex, ratio=1.0, seed=0)
    row = "the city garden and more"
    g = row.index("garden")
    plain = sw.switch_array(pa.array([row]))
    assert plain.text[0].as_py() == "the stadtgarten und more"
    out = sw.switch_array(pa.array([row]), protect=spans([[(g + 2, len(row) - 4)]]))
    # The phrase overlaps the range: kept whole (not even "city" alone); "and" is inside too.
    assert out.text[0].as_py() == row
    assert out.switches[0].as_py() == []
    out = sw.switch_array(pa.array([row]), protect=spans([[(g, g + 6)]]))
    assert out.text[0].as_py() == "the city garden und more"


def test_unsorted_overlapping_int64_and_slices(sample):
    sw = csgen.Switcher(sample, ratio=1.0, seed=5, candidates="uniform")
    rows = [ROW, "garden and city", None, ROW, "the city"]
    ranges = [[(20, 28), (4, 10), (6, 12)], [], [(0, 3)], None, [(0, 3), (1, 2)]]
    arr = pa.array(rows)
    full = sw.switch_array(arr, protect=spans(ranges, SPAN64))
    for i, (t, r) in enumerate(zip(rows, ranges, strict=True)):
        if t is None:
            assert not full.text[i].is_valid
            continue
        check_protected(t, full.text[i].as_py(), full.switches[i].as_py(), r or [])
    # Row 3 (null protect) and row 1 (empty list) switch as without protection.
    plain = sw.switch_array(arr)
    assert full.text[1] == plain.text[1] and full.text[3] == plain.text[3]
    assert full.text[0] != plain.text[0]
    # Slices of both arrays (non-zero offsets) give the same rows.
    part = sw.switch_array(arr.slice(1, 4), protect=spans(ranges, SPAN64).slice(1, 4),
                           row_base=1)
    assert part.text.equals(full.text.slice(1, 4))
    assert part.switches.to_pylist() == full.switches.slice(1, 4).to_pylist()
    part = sw.switch_array(arr.slice(3), protect=spans(ranges, SPAN32).slice(3), row_base=3)
    assert part.text.equals(full.text.slice(3))
    # Chunked protect arrays are combined.
    chunked = pa.chunked_array([spans(ranges[:2]), spans(ranges[2:])])
    assert sw.switch_array(arr, protect=chunked).text.equals(full.text)


def test_empty_lists_are_byte_identical(sample):
    for consistent in (False, True):
        sw = csgen.Switcher(sample, ratio=0.6, seed=9, consistent=consistent)
        arr = pa.array([ROW, None, "", "a city garden"] * 20)
        plain = sw.switch_array(arr)
        for prot in (spans([[]] * len(arr)), spans([None] * len(arr))):
            out = sw.switch_array(arr, protect=prot)
            assert out.text.equals(plain.text)
            assert out.switches.equals(plain.switches)


def test_consistent_mode_respects_spans(sample):
    sw = csgen.Switcher(sample, ratio=1.0, seed=2, consistent=True)
    out = sw.switch_array(pa.array([ROW]), protect=spans([[MID]]))
    check_protected(ROW, out.text[0].as_py(), out.switches[0].as_py(), [MID])
    assert "garden and the" in out.text[0].as_py()


def test_switch_batch_protect(sample):
    sw = csgen.Switcher(sample, ratio=1.0, seed=3)
    prot = spans([[MID], None])
    batch = pa.record_batch({"context": [ROW, ROW], "answer_spans": prot})
    out = sw.switch_batch(batch, ["context"], protect={"context": "answer_spans"})
    assert out.column("answer_spans").equals(prot)
    assert "garden and the" in out.column("context")[0].as_py()
    assert out.column("context")[1] == sw.switch_array(pa.array([ROW])).text[0]
    assert out.schema.names == ["context", "context_switches", "answer_spans"]


def test_errors(sample):
    sw = csgen.Switcher(sample, ratio=1.0, seed=3)
    batch = pa.record_batch({"context": [ROW, ROW], "answer_spans": spans([[MID], [(0, 99)]]),
                             "bad": [1, 2], "other": ["x", "y"]})
    with pytest.raises(ConfigError, match=r"column 'context', row 6.*ends past"):
        sw.switch_batch(batch, ["context"], protect={"context": "answer_spans"}, row_base=5)
    with pytest.raises(ColumnError, match="not found"):
        sw.switch_batch(batch, ["context"], protect={"context": "nope"})
    with pytest.raises(ConfigError, match="not a column being switched"):
        sw.switch_batch(batch, ["context"], protect={"other": "answer_spans"})
    with pytest.raises(ConfigError):
        sw.switch_batch(batch, ["context"], protect=["answer_spans"])
    with pytest.raises(ColumnTypeError, match="'bad'"):
        sw.switch_batch(batch, ["context"], protect={"context": "bad"})
    with pytest.raises(ColumnTypeError):
        sw.switch_array(pa.array([ROW]), protect=pa.array([[1]]))
    with pytest.raises(ColumnError, match="rows"):
        sw.switch_array(pa.array([ROW]), protect=spans([[], []]))
    with pytest.raises(ConfigError, match="start <= end"):
        sw.switch_array(pa.array([ROW]), protect=spans([[(5, 4)]]))
    with pytest.raises(ConfigError, match="start <= end"):
        sw.switch_array(pa.array([ROW]), protect=spans([[(-1, 4)]]))
    with pytest.raises(ColumnError, match="null"):
        sw.switch_array(pa.array([ROW]), protect=pa.array([[None]], type=SPAN32))
    # Null text rows accept any ordered range.
    sw.switch_array(pa.array([None], type=pa.string()), protect=spans([[(0, 50)]]))

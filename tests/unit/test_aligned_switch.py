"""csgen.aligned_switch: hand cases with exact outputs, records, errors and readers."""

from __future__ import annotations

import doctest

import numpy as np
import pyarrow as pa
import pytest

from csgen import aligned_switch as A
from csgen.errors import ConfigError, InputError


def run(src, tgt, ali, *, ratio=1.0, seed=0, max_len=1, **kw):
    out, rec = A.switch_aligned(pa.array(src, pa.string()), pa.array(tgt, pa.string()),
                                pa.array(ali, pa.string()), ratio=ratio, seed=seed,
                                max_phrase_len=max_len, **kw)
    ref = A.switch_aligned_reference(src, tgt, ali, ratio=ratio, seed=seed,
                                     max_phrase_len=max_len, **kw)
    assert (out.to_pylist(), rec.to_pylist()) == ref
    check_records(src, tgt, ali, out.to_pylist(), rec.to_pylist())
    return out, rec


def check_records(src, tgt, ali, out, recs):
    """``inp[src_start:src_end]`` is a source phrase, ``out[dst_start:dst_end]`` its target."""
    for s, t, o, rs in zip(src, tgt, out, recs, strict=True):
        if s is None or t is None:
            assert o is None and rs is None
            continue
        sb, tb, ob = s.encode(), t.encode(), o.encode()
        last_s = last_d = 0
        for r in rs:
            assert last_s <= r["src_start"] < r["src_end"] and r["dst_start"] < r["dst_end"]
            # bytes between records are copied unchanged
            assert sb[last_s:r["src_start"]] == ob[last_d:r["dst_start"]]
            phrase = ob[r["dst_start"]:r["dst_end"]].split(b" ")
            tt = tb.split()
            assert any(tt[k:k + len(phrase)] == phrase for k in range(len(tt)))
            assert sb[r["src_start"]:r["src_end"]].strip() == sb[r["src_start"]:r["src_end"]]
            last_s, last_d = r["src_end"], r["dst_end"]
        assert sb[last_s:] == ob[last_d:]


def texts(out):
    return out.to_pylist()


def spans(rec, row=0):
    return [(r["src_start"], r["src_end"], r["dst_start"], r["dst_end"])
            for r in rec.to_pylist()[row]]


def test_one_to_one_keeps_white_space_byte_for_byte():
    out, rec = run(["  the\thouse  is \n"], ["das Haus ist"], ["0-0 1-1 2-2"], lang="de")
    assert texts(out) == ["  das\tHaus  ist \n"]
    assert spans(rec) == [(2, 5, 2, 5), (6, 11, 6, 10), (13, 15, 12, 15)]
    assert rec.type == pa.list_(pa.struct([
        ("src_start", pa.int32()), ("src_end", pa.int32()), ("dst_start", pa.int32()),
        ("dst_end", pa.int32()), ("lang", pa.dictionary(pa.int16(), pa.string()))]))
    assert {r["lang"] for r in rec.to_pylist()[0]} == {"de"}


def test_crossing_alignment():
    out, _ = run(["a b c"], ["x y z"], ["0-1 1-0 2-2"])
    assert texts(out) == ["y x z"]
    out, rec = run(["a b c"], ["x y z"], ["0-1 1-0 2-2"], max_len=2)
    assert texts(out) == ["x y z"]  # longest pair at 0: "a b" -> "x y", then c -> z
    assert spans(rec) == [(0, 3, 0, 3), (4, 5, 4, 5)]


def test_one_to_many_needs_a_long_enough_phrase():
    src, tgt, ali = ["I house ."], ["ich wohne im Haus ."], ["0-0 1-2 1-3 2-4"]
    assert texts(run(src, tgt, ali)[0]) == ["ich house ."]  # "im Haus" is 2 words
    assert texts(run(src, tgt, ali, max_len=2)[0]) == ["ich im Haus ."]
    # many-to-many block of 3 x 3 stays with max_len 2
    out, _ = run(["a b c d"], ["w x y z"], ["0-0 0-1 1-1 1-2 2-2 3-3"], max_len=2)
    assert texts(out) == ["a b c z"]


def test_unaligned_words_stay_and_target_spans_are_tight():
    out, _ = run(["the red house"], ["das rote Haus"], ["1-1 2-2"], max_len=3)
    assert texts(out) == ["the rote Haus"]  # "the" unaligned: never replaced
    # unaligned target words are not pulled in ("und", "also")
    out, _ = run(["a house"], ["also ein Haus und"], ["0-1 1-2"], max_len=4)
    assert texts(out) == ["ein Haus"]
    # an unaligned word inside a phrase goes with it
    out, _ = run(["a big house"], ["x y"], ["0-0 2-1"], max_len=3)
    assert texts(out) == ["x y"]


def test_multibyte_utf8_offsets():
    out, rec = run(["我 爱 北京"], ["I love Beijing"], ["0-0 1-1 2-2"])
    assert texts(out) == ["I love Beijing"]
    assert spans(rec) == [(0, 3, 0, 1), (4, 7, 2, 6), (8, 14, 7, 14)]
    out, rec = run(["die Straße  grün"], ["the street green"], ["1-1 2-2"])
    assert texts(out) == ["die street  green"]
    assert spans(rec) == [(4, 11, 4, 10), (13, 18, 12, 17)]
    # U+3000 is not ASCII white space: part of a token
    out, _ = run(["a\u3000b c"], ["x y"], ["0-0 1-1"])
    assert texts(out) == ["x y"]


def test_ratio_zero_nulls_and_empty_rows():
    src = ["a b", None, "a b", "", "a b"]
    tgt = ["x y", "x", None, "", "x y"]
    ali = ["0-0 1-1", "0-0", "0-0", None, None]
    out, rec = run(src, tgt, ali)
    assert texts(out) == ["x y", None, None, "", "a b"]
    assert rec.to_pylist()[1:] == [None, None, [], []]
    out, rec = run(src, tgt, ali, ratio=0.0)
    assert texts(out) == ["a b", None, None, "", "a b"]
    assert rec.to_pylist()[0] == []


def test_draws_depend_on_seed_key_and_column_only():
    n = 200
    src, tgt = ["a b c d e f g h"] * n, ["A B C D E F G H"] * n
    ali = [" ".join(f"{i}-{i}" for i in range(8))] * n
    out, _ = run(src, tgt, ali, ratio=0.5, seed=7)
    rows = texts(out)
    assert len(set(rows)) > 50  # rows get their own draws
    share = sum(w.isupper() for r in rows for w in r.split()) / (8 * n)
    assert 0.44 < share < 0.56
    assert texts(run(src, tgt, ali, ratio=0.5, seed=7)[0]) == rows
    assert texts(run(src, tgt, ali, ratio=0.5, seed=8)[0]) != rows
    assert texts(run(src, tgt, ali, ratio=0.5, seed=7, column="q")[0]) != rows
    keys = np.arange(n, dtype=np.uint64) + np.uint64(2**63)
    assert texts(run(src, tgt, ali, ratio=0.5, seed=7, keys=keys)[0]) != rows
    assert texts(run(src, tgt, ali, ratio=0.5, seed=7, keys=np.arange(n))[0]) == rows
    # nested in ratio: what is switched at 0.3 is switched at 0.6
    lo = texts(run(src[:1], tgt[:1], ali[:1], ratio=0.3, seed=3)[0])[0].split()
    hi = texts(run(src[:1], tgt[:1], ali[:1], ratio=0.6, seed=3)[0])[0].split()
    assert all(h.isupper() for w, h in zip(lo, hi, strict=True) if w.isupper())


def test_sliced_chunked_and_large_inputs():
    src = pa.array(["a b", "c d e", None, "f g"])
    tgt = pa.array(["x y", "u v w", "q", "s t"])
    ali = pa.array(["0-1 1-0", "0-0 2-2", "0-0", "1-1"])
    full_out, full_rec = A.switch_aligned(src, tgt, ali, ratio=0.7, seed=5)
    out, rec = A.switch_aligned(src[1:], tgt[1:], ali[1:], ratio=0.7, seed=5, row_base=1)
    assert out.to_pylist() == full_out.to_pylist()[1:]
    assert rec.to_pylist() == full_rec.to_pylist()[1:]
    out, _ = A.switch_aligned(pa.chunked_array([src[:2], src[2:]]), tgt.cast(pa.large_string()),
                              ali, ratio=0.7, seed=5)
    assert out.type == pa.string() and out.to_pylist() == full_out.to_pylist()
    out, _ = A.switch_aligned(src.cast(pa.large_string()), tgt, ali, ratio=0.7, seed=5)
    assert out.type == pa.large_string() and out.to_pylist() == full_out.to_pylist()
    out.validate(full=True)
    full_rec.validate(full=True)


def test_errors_name_the_global_row_and_link():
    src, tgt = pa.array(["a b", "c"]), pa.array(["x y", "z"])
    with pytest.raises(InputError, match=r"row 11: link 1-0 is out of range for 1 source"):
        A.switch_aligned(src, tgt, pa.array(["0-0", "1-0"]), ratio=1, seed=0, row_base=10)
    with pytest.raises(InputError, match=r"row 10: '0-x' is not an i-j pair"):
        A.switch_aligned(src, tgt, pa.array(["0-x", ""]), ratio=1, seed=0, row_base=10)
    with pytest.raises(InputError, match=r"row 1: '-1-0' has a negative index"):
        A.switch_aligned(src, tgt, pa.array(["", "-1-0"]), ratio=1, seed=0)
    with pytest.raises(ConfigError, match="same length, got 2, 2 and 1"):
        A.switch_aligned(src, tgt, pa.array(["0-0"]), ratio=1, seed=0)
    with pytest.raises(ConfigError, match="ratio"):
        A.switch_aligned(src, tgt, pa.array(["", ""]), ratio=1.5, seed=0)
    with pytest.raises(ConfigError, match="max_phrase_len"):
        A.switch_aligned(src, tgt, pa.array(["", ""]), ratio=1, seed=0, max_phrase_len=0)
    with pytest.raises(ConfigError, match="keys"):
        A.switch_aligned(src, tgt, pa.array(["", ""]), ratio=1, seed=0, keys=np.zeros(3))
    with pytest.raises(TypeError):
        A.switch_aligned(pa.array([1, 2]), tgt, pa.array(["", ""]), ratio=1, seed=0)


def test_empty_input():
    out, rec = A.switch_aligned(pa.array([], pa.string()), pa.array([], pa.string()),
                                pa.array([], pa.string()), ratio=1, seed=0)
    assert len(out) == 0 and len(rec) == 0


def test_docstring_example():
    result = doctest.testmod(A)
    assert result.attempted > 0 and result.failed == 0


# --------------------------------------------------------------------------- readers


def test_read_parallel_files(tmp_path):
    (tmp_path / "c.de").write_text("ein Haus\ndas Auto\n", encoding="utf-8")
    (tmp_path / "c.en").write_text("a house\r\nthe car\n", encoding="utf-8")
    (tmp_path / "c.align").write_text("0-0 1-1\n0-0 1-1\n", encoding="utf-8")
    t = A.read_parallel_files(tmp_path / "c.de", tmp_path / "c.en", tmp_path / "c.align")
    assert t.column_names == ["source", "target", "alignment"]
    assert t.column("target").to_pylist() == ["a house", "the car"]
    out, _ = A.switch_aligned(t["source"], t["target"], t["alignment"], ratio=1, seed=0)
    assert out.to_pylist() == ["a house", "the car"]
    (tmp_path / "c.align").write_text("0-0 1-1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"c\.align:2: has 1 lines but .*c\.de' has 2"):
        A.read_parallel_files(tmp_path / "c.de", tmp_path / "c.en", tmp_path / "c.align")
    (tmp_path / "c.en").write_bytes(b"a house\nthe \xff car\n")
    with pytest.raises(InputError, match=r"c\.en:2: invalid UTF-8"):
        A.read_parallel_files(tmp_path / "c.de", tmp_path / "c.en", tmp_path / "c.align")
    with pytest.raises(InputError, match="cannot read"):
        A.read_parallel_files(tmp_path / "nope", tmp_path / "c.en", tmp_path / "c.align")


def test_read_aligned_gold(tmp_path):
    text = tmp_path / "xy.src-tgt"
    text.write_text("ein Haus ||| a house\ndas rote Auto ||| the red car\n", encoding="utf-8")
    gold = tmp_path / "xy.gold"
    gold.write_text("1-1 2-2\n1-1 2p2 3-3 2p2\n", encoding="utf-8")
    t = A.read_aligned_gold(text)  # sibling STEM.gold, 1-based by default
    assert t.column("source").to_pylist() == ["ein Haus", "das rote Auto"]
    assert t.column("alignment").to_pylist() == ["0-0 1-1", "0-0 1-1 2-2"]
    assert A.read_aligned_gold(text, sure_only=True).column("alignment").to_pylist() == [
        "0-0 1-1", "0-0 2-2"]
    zero = tmp_path / "xy.gold.0idx"
    zero.write_text("0-0 1-1\n0-0 1p1 2-2\n", encoding="utf-8")
    assert A.read_aligned_gold(text).column("alignment").to_pylist() == [
        "0-0 1-1", "0-0 1-1 2-2"]  # .gold.0idx is preferred, 0-based
    with pytest.raises(InputError, match=r"0idx:1: '0-0' has index 0 in a 1-based file"):
        A.read_aligned_gold(text, zero, one_based=True)
    gold.write_text("1-1 2-3\n1-1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"xy\.gold:1: link '2-3' is out of range for 2 "):
        A.read_aligned_gold(text, gold)
    t = A.read_aligned_gold(text, gold, drop_out_of_range=True)
    assert t.column("alignment").to_pylist() == ["0-0", "0-0"]
    assert t.schema.metadata[b"csgen.dropped_links"] == b"1"
    gold.write_text("1-1\n0-1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"xy\.gold:2: '0-1' has index 0"):
        A.read_aligned_gold(text, gold)
    gold.write_text("1-1\n1x1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"xy\.gold:2: '1x1' is not"):
        A.read_aligned_gold(text, gold)
    gold.write_text("1-1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"xy\.gold:2: has 1 lines"):
        A.read_aligned_gold(text, gold)
    text.write_text("ein Haus\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"xy\.src-tgt:1: expected 'SOURCE \|\|\| TARGET'"):
        A.read_aligned_gold(text, gold)
    lone = tmp_path / "lone.txt"
    lone.write_text("a ||| b\n", encoding="utf-8")
    with pytest.raises(InputError, match="no alignment file"):
        A.read_aligned_gold(lone)


def test_the_kernel_mix_is_the_one_splitmix64():
    """The Numba mix of the kernels and csgen._rng.splitmix64 (the streaming dataset's and
    the reference twin's) are one function."""
    from csgen._rng import splitmix64
    from csgen.aligned.switch import _mix

    values = [0, 1, 2**63, 2**64 - 1, *np.random.default_rng(3).integers(
        0, 2**63, 1000, dtype=np.uint64).tolist()]
    assert [int(_mix(np.uint64(v))) for v in values] == [splitmix64(v) for v in values]

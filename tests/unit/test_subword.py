"""csgen.subword: piece masks over switch records (Numba kernels vs twins, hand cases)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csgen import subword as W

LANG_T = pa.dictionary(pa.int16(), pa.string())
REC_FIELDS = ("src_start", "src_end", "dst_start", "dst_end")


def switches_array(rows: list[list[tuple[int, int, str]] | None]) -> pa.Array:
    """``<col>_switches`` rows from ``(dst_start, dst_end, lang)``; src = dst (unused)."""
    flat = [r for row in rows if row is not None for r in row]
    starts = pa.array([r[0] for r in flat], pa.int32())
    ends = pa.array([r[1] for r in flat], pa.int32())
    lang = pa.array([r[2] for r in flat], pa.string()).dictionary_encode().cast(LANG_T)
    values = pa.StructArray.from_arrays([starts, ends, starts, ends, lang],
                                        names=[*REC_FIELDS, "lang"])
    offsets = np.cumsum([0] + [len(r) if r is not None else 0 for r in rows])
    mask = pa.array([r is None for r in rows])
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, mask=mask)


@pytest.fixture(scope="module")
def char_model(tmp_path_factory):
    """A character model of ASCII text: anything else is spelled in byte pieces."""
    prefix = tmp_path_factory.mktemp("spm") / "char"
    return W.train_tokenizer(["the cat sat on a mat", "Das Haus ist klein"], prefix,
                             vocab_size=300, model_type="char", hard_vocab_limit=False)


def test_hand_case_exact_masks_on_multibyte_text(char_model):
    text = pa.array(["Das Hüs 東", None, "", "plain"])
    switches = switches_array([[(0, 3, "de"), (4, 8, "fr"), (9, 12, "de")], None, [], None])
    view = W.subword_view(text, switches, char_model, langs=["de", "fr"])
    assert view.schema == pa.schema([("input_ids", pa.list_(pa.int32())),
                                     ("switched", pa.list_(pa.bool_())),
                                     ("lang_id", pa.list_(pa.int8()))])
    # pieces: ▁ D a s ▁ H <C3> <BC> s ▁ <E6> <9D> <B1>
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(char_model))
    row = view.slice(0, 1).to_pylist()[0]
    assert [sp.id_to_piece(i) for i in row["input_ids"]] == [
        "▁", "D", "a", "s", "▁", "H", "<0xC3>", "<0xBC>", "s", "▁", "<0xE6>", "<0x9D>", "<0xB1>"]
    assert sp.decode(row["input_ids"]) == "Das Hüs 東"
    t, f = True, False
    assert row["switched"] == [f, t, t, t, f, t, t, t, t, f, t, t, t]
    assert row["lang_id"] == [0, 1, 1, 1, 0, 2, 2, 2, 2, 0, 1, 1, 1]
    rest = view.slice(1).to_pydict()
    assert rest["input_ids"][0] is None and rest["switched"][0] is None
    assert rest["input_ids"][1] == [] and rest["lang_id"][1] == []
    assert rest["switched"][2] == [False] * len(rest["input_ids"][2]) != []


def test_byte_piece_offsets_hand_case(char_model):
    _, _, begins, ends = W.encode_offsets(pa.array(["ü東"]), char_model)
    # ▁ (empty dummy prefix), ü as 2 byte pieces, 東 as 3: each its own byte
    assert begins.tolist() == [0, 0, 1, 2, 3, 4]
    assert ends.tolist() == [0, 1, 2, 3, 4, 5]


def test_unknown_language_and_shape_errors(char_model):
    text = pa.array(["Das"])
    with pytest.raises(ValueError, match=r"'it' is not in langs"):
        W.subword_view(text, switches_array([[(0, 3, "it")]]), char_model, langs=["de"])
    with pytest.raises(ValueError, match="rows"):
        W.subword_view(text, switches_array([[], []]), char_model, langs=["de"])
    with pytest.raises(FileNotFoundError):  # MissingFileError is one
        W.subword_view(text, switches_array([[]]), "/nonexistent.model", langs=["de"])


def test_train_is_deterministic_and_lossless(tmp_path):
    texts = ["Grüße aus Köln,  zweimal.", "x\ty 東京 🙂", "the cat sat on the mat"] * 5
    a = W.train_tokenizer(texts, tmp_path / "a" / "m", vocab_size=300, hard_vocab_limit=False)
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(texts) + "\n", encoding="utf-8")
    b = W.train_tokenizer([corpus], tmp_path / "b" / "m", vocab_size=300, hard_vocab_limit=False)
    # the models record their input path and prefix; pieces and scores must be identical
    assert a.name == "m.model" and a.with_suffix(".vocab").read_bytes() == (
        b.with_suffix(".vocab").read_bytes())
    c = W.train_tokenizer(pa.chunked_array([texts]), tmp_path / "c" / "m", vocab_size=300,
                          hard_vocab_limit=False)
    assert c.with_suffix(".vocab").read_bytes() == a.with_suffix(".vocab").read_bytes()
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(a))
    assert all(sp.decode(sp.encode(t)) == t for t in texts)
    with pytest.raises(ValueError, match="no text"):
        W.train_tokenizer([None, ""], tmp_path / "e" / "m")


def test_too_large_vocabulary_is_a_config_error(tmp_path):
    from csgen.errors import ConfigError

    with pytest.raises(ConfigError, match=r"cannot train this tokenizer: Vocabulary size too "
                                          r"high \(5000\)\. Please set it to a value <= \d+"):
        W.train_tokenizer(["the cat sat on the mat"] * 20, tmp_path / "m", vocab_size=5000)


# -- kernels vs twins --------------------------------------------------------------------------

@st.composite
def mask_case(draw):
    n_rows = draw(st.integers(0, 5))
    p_off, begins, ends, r_off, ds, de, lang = [0], [], [], [0], [], [], []
    for _ in range(n_rows):
        length = draw(st.integers(0, 30))
        cuts = sorted(draw(st.lists(st.integers(0, length), max_size=12)))
        prev = 0
        for c in cuts:  # contiguous pieces, empty ones included
            begins.append(prev)
            ends.append(c)
            prev = c
        if draw(st.booleans()):  # a few arbitrary (even inverted) ones too
            for _ in range(draw(st.integers(0, 3))):
                begins.append(draw(st.integers(0, length)))
                ends.append(draw(st.integers(0, length)))
        p_off.append(len(begins))
        points = sorted(draw(st.lists(st.integers(0, length), max_size=10)))
        for a, b in zip(points[0::2], points[1::2], strict=False):  # disjoint, may be empty
            ds.append(a)
            de.append(b)
            lang.append(draw(st.integers(1, 3)))
        r_off.append(len(ds))
    return p_off, begins, ends, r_off, ds, de, lang


@settings(max_examples=300, deadline=None)
@given(mask_case())
def test_piece_mask_kernel_matches_twin(case):
    p_off, begins, ends, r_off, ds, de, lang = (np.array(x, np.int64) for x in case)
    got = W.piece_mask(p_off, begins, ends, r_off, ds, de, lang)
    want = W.piece_mask_reference(p_off, begins, ends, r_off, ds, de, lang)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert got[0].dtype == np.bool_ and got[1].dtype == np.int8


@st.composite
def byte_case(draw):
    vocab = 8
    is_byte = np.array([i >= 4 for i in range(vocab)])  # ids 4..7 are byte pieces
    n_rows = draw(st.integers(0, 4))
    p_off, ids, begins, ends = [0], [], [], []
    for _ in range(n_rows):
        pos = 0
        for _ in range(draw(st.integers(0, 8))):
            kind = draw(st.sampled_from(["piece", "bytes", "noise"]))
            if kind == "piece":
                n = draw(st.integers(0, 3))
                ids.append(draw(st.integers(0, 3)))
                begins.append(pos)
                ends.append(pos + n)
                pos += n
            elif kind == "bytes":  # a character as sentencepiece reports it
                n = draw(st.integers(1, 4))
                for k in range(n):
                    ids.append(draw(st.integers(4, 7)))
                    begins.append(pos)
                    ends.append(pos + (n if k == n - 1 else 0))
                pos += n
            else:
                ids.append(draw(st.integers(0, 7)))
                b = draw(st.integers(max(pos - 2, 0), pos + 2))
                begins.append(b)
                ends.append(b + draw(st.integers(0, 3)))
        p_off.append(len(ids))
    return p_off, ids, begins, ends, is_byte


@settings(max_examples=300, deadline=None)
@given(byte_case())
def test_byte_piece_offsets_kernel_matches_twin(case):
    p_off, ids, begins, ends, is_byte = case
    args = [np.array(x, np.int64) for x in (p_off, ids, begins, ends)]
    got = W.byte_piece_offsets(*args, is_byte)
    want = W.byte_piece_offsets_reference(*args, is_byte)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_byte_kernel_gives_each_byte_piece_one_byte():
    # ▁(0,0) then a 3-byte character as 3 byte pieces; a normal piece; then 2 bytes
    p_off = np.array([0, 7])
    ids = np.array([1, 5, 5, 5, 2, 6, 6])
    begins = np.array([0, 0, 0, 0, 3, 5, 5])
    ends = np.array([0, 0, 0, 3, 5, 5, 7])
    b, e = W.byte_piece_offsets(p_off, ids, begins, ends, np.arange(8) >= 4)
    assert b.tolist() == [0, 0, 1, 2, 3, 5, 6] and e.tolist() == [0, 1, 2, 3, 5, 6, 7]


def test_import_csgen_does_not_import_numba_or_sentencepiece(tmp_path):
    code = "import sys, csgen; print('numba' in sys.modules, 'sentencepiece' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    assert out.stdout.split() == ["False", "False"]


def test_encode_offsets_blocks_give_the_same_arrays(char_model, monkeypatch):
    texts = pa.array(["Grüße aus Köln", None, "", "x\ty 東京 🙂", "the cat", None, "a b c d"])
    whole = W.encode_offsets(texts, char_model)
    monkeypatch.setattr(W, "_ENCODE_BLOCK_ROWS", 2)
    blocked = W.encode_offsets(pa.chunked_array([texts.slice(0, 3), texts.slice(3)]),
                               char_model)
    for a, b in zip(whole, blocked, strict=True):
        assert a.dtype == np.int64 and a.tolist() == b.tolist()
    piece_offsets, ids, begins, ends = whole
    assert piece_offsets[0] == 0 and piece_offsets[-1] == len(ids) == len(begins) == len(ends)
    assert piece_offsets[2] == piece_offsets[1]  # a null row has no pieces

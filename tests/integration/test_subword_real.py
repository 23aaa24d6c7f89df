"""Subword views of real switched text: XQuAD contexts with the MUSE en-de dictionary."""

import json

import numpy as np
import pyarrow as pa
import pytest
import sentencepiece as spm

import csgen
from csgen import subword as W


@pytest.fixture(scope="module")
def contexts(shared) -> list[str]:
    data = json.loads(shared("xquad", "xquad.en.json").read_text("utf-8"))
    out = [p["context"] for a in data["data"] for p in a["paragraphs"]]
    return out[:200]


def test_switched_mask_agrees_with_the_records(contexts, shared, tmp_path):
    lex = csgen.Lexicon.from_muse(shared("muse", "en-de.txt"), lang="de")
    out = csgen.Switcher(lex, ratio=0.5, seed=3).switch_array(pa.array(contexts),
                                                              column="context")
    model = W.train_tokenizer(contexts, tmp_path / "xq", vocab_size=500)
    view = W.subword_view(out.text, out.switches, model, langs=["de"])
    assert view.num_rows == len(contexts)
    p_off, ids, begins, ends = W.encode_offsets(out.text, model)
    switched = view["switched"].combine_chunks().values.to_numpy(zero_copy_only=False)
    lang_id = view["lang_id"].combine_chunks().values.to_numpy(zero_copy_only=False)
    assert np.array_equal(view["input_ids"].combine_chunks().values.to_numpy(), ids)
    np.testing.assert_array_equal(lang_id, switched.astype(np.int8))  # one language

    sp = spm.SentencePieceProcessor(model_file=str(model))
    recs = out.switches.to_pylist()
    texts = out.text.to_pylist()
    n_in = n_out = 0
    for row, (text, row_recs) in enumerate(zip(texts, recs, strict=True)):
        lo, hi = p_off[row], p_off[row + 1]
        assert sp.decode(ids[lo:hi].tolist()) == text
        ranges = [(r["dst_start"], r["dst_end"]) for r in row_recs]
        assert ranges, "ratio 0.5 switches something in every context"
        for i in range(lo, hi):
            b, e = begins[i], ends[i]
            if e <= b:
                assert not switched[i]
            elif any(s <= b and e <= t for s, t in ranges):
                assert switched[i], (row, text.encode()[b:e])
                n_in += 1
            elif all(e <= s or t <= b for s, t in ranges):
                assert not switched[i], (row, text.encode()[b:e])
                n_out += 1
    assert n_in > 1000 and n_out > 10000

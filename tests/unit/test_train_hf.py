"""csgen.train with a local Hugging Face checkpoint as the encoder (``kind="hf"``)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers", reason="the hf encoder needs the optional transformers")

from tiny_bert import make_tiny_bert  # noqa: E402

from csgen.errors import ConfigError, MissingFileError  # noqa: E402
from csgen.subword import train_tokenizer  # noqa: E402
from csgen.train import (  # noqa: E402
    EncoderConfig,
    TrainConfig,
    encode_texts,
    load_biencoder,
    load_crossencoder,
    load_tokenizer,
    rerank,
    squad_pairs,
    train_biencoder,
    train_crossencoder,
)
from csgen.train.hf import HFTokenizer, tokenizer_fingerprint  # noqa: E402

torch.set_num_threads(2)


@pytest.fixture(scope="module")
def qa_pairs(sample_table):
    rows = [{**r, "answers": {"text": [r["answer_text"]], "answer_start": [r["answer_start"]]}}
            for r in sample_table.to_pylist()]
    return squad_pairs(rows).slice(0, 120)


@pytest.fixture(scope="module")
def bert_dir(tmp_path_factory, qa_pairs):
    texts = qa_pairs.column("query").to_pylist() + qa_pairs.column("passage").to_pylist()
    return make_tiny_bert(tmp_path_factory.mktemp("hf") / "tiny-bert", texts)


def hf_config(bert_dir, **kw):
    base = dict(kind="hf", hf_model=str(bert_dir), epochs=3, batch_size=16, lr=1e-3, seed=0,
                max_length=48, device="cpu")
    return TrainConfig(**{**base, **kw})


def test_tokenizer_adapter(bert_dir):
    tok = load_tokenizer(bert_dir)
    assert isinstance(tok, HFTokenizer) and load_tokenizer(tok) is tok
    ids = tok.encode(["What is the capital", ""])
    cls, sep = tok.tokenizer.cls_token_id, tok.tokenizer.sep_token_id
    assert ids[0][0] == cls and ids[0][-1] == sep and len(ids[0]) > 2
    assert ids[1] == [cls, sep]
    assert tok.eos_id() == sep and tok.get_piece_size() == len(tok.tokenizer)


def test_encoder_config_from_checkpoint(bert_dir):
    cfg = EncoderConfig.from_hf(bert_dir, max_length=48)
    assert (cfg.kind, cfg.dim, cfg.max_length) == ("hf", 32, 48)
    assert cfg.vocab_size == load_tokenizer(bert_dir).get_piece_size()
    with pytest.raises(ConfigError, match="exceeds the 64 positions"):
        EncoderConfig.from_hf(bert_dir, max_length=65)


def test_biencoder_trains_and_reloads(bert_dir, qa_pairs, tmp_path):
    res = train_biencoder(qa_pairs, bert_dir, hf_config(bert_dir, checkpoint_dir=tmp_path))
    assert res.losses[-1] < res.losses[0] * 0.9, res.losses
    assert res.model.config.hf_path == str(bert_dir.resolve())
    texts = qa_pairs.column("query").to_pylist()[:10]
    before = encode_texts(res.model, texts, bert_dir)
    assert before.shape == (10, 32) and before.dtype == np.float32
    assert np.allclose(np.linalg.norm(before, axis=1), 1.0, atol=1e-5)
    loaded = load_biencoder(tmp_path / "epoch-3.pt")
    assert np.allclose(encode_texts(loaded, texts, bert_dir), before, atol=1e-6)
    # The fine-tuned weights differ from the checkpoint's own.
    fresh = load_biencoder.__globals__["BiEncoder"](EncoderConfig.from_hf(bert_dir, 48))
    assert not np.allclose(encode_texts(fresh.eval(), texts, bert_dir), before, atol=1e-3)


def test_crossencoder_trains_and_reranks(bert_dir, qa_pairs, tmp_path):
    res = train_crossencoder(qa_pairs, bert_dir,
                             hf_config(bert_dir, epochs=2, checkpoint_dir=tmp_path))
    assert len(res.losses) == 2 and all(np.isfinite(res.losses))
    cross = load_crossencoder(tmp_path / "epoch-2.pt")
    assert cross.sep_id == load_tokenizer(bert_dir).tokenizer.sep_token_id
    q = qa_pairs.column("query").to_pylist()[:4]
    c = qa_pairs.column("passage").to_pylist()[:6]
    ranked = np.tile(np.arange(6), (4, 1))
    out = rerank(cross, bert_dir, q, c, ranked, k=5)
    assert out.shape == (4, 5) and all(sorted(r) == list(range(5)) for r in out)


def test_bad_checkpoints_and_tokenizers(bert_dir, qa_pairs, tmp_path):
    with pytest.raises(MissingFileError, match="no such Hugging Face checkpoint"):
        TrainConfig(kind="hf", hf_model=str(tmp_path / "absent"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"not a Hugging Face checkpoint directory \(no "
                                          r"config.json\)"):
        TrainConfig(kind="hf", hf_model=str(tmp_path / "empty"))
    with pytest.raises(ConfigError, match="needs hf_model"):
        TrainConfig(kind="hf")
    with pytest.raises(ConfigError, match="only it takes one"):
        TrainConfig(kind="bag", hf_model=str(bert_dir))
    # A tokenizer with more pieces than the checkpoint's vocabulary is not the model's.
    texts = qa_pairs.column("passage").to_pylist() * 3
    big = train_tokenizer(texts, tmp_path / "sp", vocab_size=900)
    with pytest.raises(ConfigError, match="not the model's tokenizer"):
        train_biencoder(qa_pairs, big, hf_config(bert_dir, epochs=1))


def test_fingerprint_covers_tokenizer_files_only(bert_dir, tmp_path):
    import shutil

    copy = shutil.copytree(bert_dir, tmp_path / "copy")
    assert tokenizer_fingerprint(copy) == tokenizer_fingerprint(bert_dir)
    (copy / "model.safetensors").write_bytes(b"other weights")
    assert tokenizer_fingerprint(copy) == tokenizer_fingerprint(bert_dir)
    (copy / "tokenizer.json").write_text("{}", encoding="utf-8")
    assert tokenizer_fingerprint(copy) != tokenizer_fingerprint(bert_dir)

"""csgen.train: the small PyTorch trainer (bi-encoder, cross-encoder, pairs, checkpoints)."""

from __future__ import annotations

import gzip
import json
import time

import numpy as np
import pyarrow as pa
import pytest

torch = pytest.importorskip("torch")

from csgen.errors import ConfigError  # noqa: E402
from csgen.eval.data import split_sentences  # noqa: E402
from csgen.eval.metrics import mrr_at_k, rank  # noqa: E402
from csgen.subword import train_tokenizer  # noqa: E402
from csgen.train import (  # noqa: E402
    BiEncoder,
    CrossEncoder,
    EncoderConfig,
    TrainConfig,
    encode_texts,
    hard_negatives,
    load_biencoder,
    load_crossencoder,
    load_tokenizer,
    pad_batch,
    rerank,
    split_by_title,
    squad_pairs,
    train_biencoder,
    train_crossencoder,
)

torch.set_num_threads(2)


@pytest.fixture(scope="module")
def spm_model(tmp_path_factory, sample_table):
    contexts = sorted(set(sample_table.column("context").to_pylist()))
    questions = sample_table.column("question").to_pylist()
    return train_tokenizer(contexts + questions, tmp_path_factory.mktemp("spm") / "sp",
                           vocab_size=500)


@pytest.fixture(scope="module")
def qa_pairs(sample_table):
    """~200 (question, answer sentence) pairs of the sample."""
    rows = [{**r, "answers": {"text": [r["answer_text"]], "answer_start": [r["answer_start"]]}}
            for r in sample_table.to_pylist()]
    return squad_pairs(rows).slice(0, 200)


def test_loss_decreases(spm_model, qa_pairs):
    cfg = TrainConfig(epochs=4, batch_size=32, lr=3e-3, seed=1, max_length=48, device="cpu")
    res = train_biencoder(qa_pairs, spm_model, cfg)
    assert len(qa_pairs) == 200
    assert len(res.losses) == 4 and res.losses[-1] < res.losses[0] * 0.8, res.losses
    assert res.truncated > 0  # some answer sentences are longer than 48 pieces
    assert res.examples_per_second > 0


def test_bag_model_retrieves_identical_pairs(spm_model, sample_table):
    sents = sorted({c[s:e] for c in set(sample_table.column("context").to_pylist())
                    for s, e in split_sentences(c)})[:300]
    pairs = pa.table({"query": sents, "passage": sents})
    cfg = TrainConfig(epochs=5, batch_size=32, lr=5e-3, seed=0, max_length=64, device="cpu")
    res = train_biencoder(pairs, spm_model, cfg)
    sl = sents[:100]
    q = encode_texts(res.model, sl, spm_model, batch_size=64)
    c = encode_texts(res.model, sents, spm_model, batch_size=64)
    assert q.dtype == np.float32 and q.shape == (100, 256)
    ranked = rank(q, c, k=10)
    _, mrr = mrr_at_k(ranked, [[i] for i in range(100)], 10)
    assert mrr > 0.9, mrr


def test_resume_equals_uninterrupted(spm_model, qa_pairs, tmp_path):
    pairs = qa_pairs.slice(0, 64)
    base = dict(batch_size=16, lr=1e-3, seed=3, max_length=32, device="cpu", dropout=0.1)
    full = train_biencoder(pairs, spm_model, TrainConfig(epochs=3, **base))
    part = train_biencoder(pairs, spm_model, TrainConfig(
        epochs=1, checkpoint_dir=tmp_path / "ck", **base))
    assert part.checkpoint == tmp_path / "ck" / "epoch-1.pt" and part.checkpoint.is_file()
    torch.manual_seed(12345)  # the resumed run must not depend on the global RNG now
    resumed = train_biencoder(pairs, spm_model, TrainConfig(epochs=3, **base),
                              resume=part.checkpoint)
    assert resumed.losses == pytest.approx(full.losses, rel=1e-5)
    a, b = full.model.state_dict(), resumed.model.state_dict()
    assert a.keys() == b.keys()
    for k in a:
        assert torch.allclose(a[k], b[k], atol=1e-6), k
    loaded = load_biencoder(part.checkpoint)
    assert loaded.config == part.model.config


def test_transformer_early_stopping_and_eval_fn(spm_model, qa_pairs, tmp_path):
    train, held = split_by_title(qa_pairs, heldout=0.3, seed=0)
    scores = iter([1.0, 0.0, 0.0])
    seen = []
    cfg = TrainConfig(epochs=3, batch_size=32, lr=1e-3, seed=0, max_length=32, device="cpu",
                      kind="transformer", dim=64, layers=1, heads=2, patience=1,
                      checkpoint_dir=tmp_path)
    res = train_biencoder(train, spm_model, cfg, heldout=held,
                          eval_fn=lambda model: next(scores), progress=seen.append)
    # the score is 1.0 after epoch 1 and 0.0 after, so patience 1 stops after epoch 2
    assert res.stopped_early and len(res.losses) == 2 and res.best_epoch == 1
    assert len(res.heldout_losses) == 2 and res.checkpoint == tmp_path / "epoch-1.pt"
    assert [d["epoch"] for d in seen] == [1, 2] and seen[0]["score"] == 1.0
    assert train.num_rows + held.num_rows == qa_pairs.num_rows and held.num_rows > 0


def test_cross_encoder_loss_decreases(spm_model, qa_pairs):
    torch.manual_seed(0)
    sp = load_tokenizer(spm_model)
    bi = BiEncoder(EncoderConfig("bag", sp.get_piece_size(), dim=64))
    # a bag of query and passage pieces has no interaction; the cross-encoder needs attention
    ce = CrossEncoder(EncoderConfig("transformer", sp.get_piece_size(), dim=64, layers=1,
                                    heads=2, max_length=96))
    opt = torch.optim.Adam(ce.parameters(), lr=3e-3)
    q = [r[:32] for r in sp.encode(qa_pairs.column("query").to_pylist()[:64])]
    p = [r[:48] for r in sp.encode(qa_pairs.column("passage").to_pylist()[:64])]
    losses = []
    for _ in range(15):
        total = 0.0
        for i in range(0, 64, 16):
            qi, qm = pad_batch(q[i:i + 16])
            pi, pm = pad_batch(p[i:i + 16])
            neg = hard_negatives(bi, qi, qm, pi, pm)
            assert (neg != torch.arange(len(neg))).all()
            loss = ce.loss(qi, qm, pi, pm, neg)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        losses.append(total / 4)
    # ln 2 = 0.693 is chance level
    assert losses[-1] < 0.6 and losses[-1] < 0.85 * losses[1], losses


def test_vocabulary_mismatch(spm_model, qa_pairs):
    model = BiEncoder(EncoderConfig("bag", vocab_size=100, dim=16))
    ids, mask = pad_batch([[5, 150, 7]])
    with pytest.raises(ConfigError, match="vocab_size 100"):
        model.encode(ids, mask)
    # encode_texts of a model with a vocabulary smaller than the tokenizer's
    with pytest.raises(ConfigError, match="vocab_size 100"):
        encode_texts(model, qa_pairs.column("query").to_pylist()[:5], spm_model)


def test_configs_validated():
    with pytest.raises(ConfigError, match="device"):
        TrainConfig(device="tpu")
    with pytest.raises(ConfigError, match="batch_size"):
        TrainConfig(batch_size=0)
    with pytest.raises(ConfigError, match="kind"):
        EncoderConfig("rnn")
    with pytest.raises(ConfigError, match="multiple of heads"):
        EncoderConfig("transformer", 10, dim=10, heads=3)


SQUAD = {"version": "1.1", "data": [
    {"title": "A", "paragraphs": [
        {"context": "Paris is big. It is in France. Cats sleep.", "qas": [
            {"id": "q1", "question": "Where is it?",
             "answers": [{"text": "France", "answer_start": 23}]},
            {"id": "q2", "question": "What is big?",
             "answers": [{"text": "Paris", "answer_start": 0}]},
            {"id": "q3", "question": "Between?",
             "answers": [{"text": "It", "answer_start": 13}]}]}]},
    {"title": "B", "paragraphs": [
        {"context": "One sentence only.", "qas": [
            {"id": "q4", "question": "How many?",
             "answers": [{"text": "One", "answer_start": 0}]}]}]},
]}


def test_squad_pairs_exact(tmp_path):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(SQUAD))
    t = squad_pairs(path)
    assert t.column_names == ["query", "passage", "id", "title"]
    assert t.to_pylist() == [
        {"query": "Where is it?", "passage": "It is in France.", "id": "q1", "title": "A"},
        {"query": "What is big?", "passage": "Paris is big.", "id": "q2", "title": "A"},
        # answer_start 13 is the space between two sentences: the next sentence
        {"query": "Between?", "passage": "It is in France.", "id": "q3", "title": "A"},
        {"query": "How many?", "passage": "One sentence only.", "id": "q4", "title": "B"},
    ]
    ict = squad_pairs(path, inverse_cloze=True, seed=0)
    assert ict.num_rows == 5 and ict.slice(0, 4).equals(t)
    extra = ict.to_pylist()[4]
    assert extra["id"] == "ict:q1" and extra["title"] == "A"
    sents = ["Paris is big.", "It is in France.", "Cats sleep."]
    k = sents.index(extra["query"])
    assert extra["passage"] == " ".join(s for i, s in enumerate(sents) if i != k)
    assert squad_pairs(path, inverse_cloze=True, seed=0).equals(ict)
    train, held = split_by_title(t, heldout=0.5, seed=0)
    assert train.num_rows + held.num_rows == 4
    assert set(train.column("title").to_pylist()).isdisjoint(held.column("title").to_pylist())
    assert split_by_title(t, heldout=0.5, seed=0)[1].equals(held)


def test_squad_train_pairs(shared, tmp_path):
    path = shared("squad", "train-v1.0.json.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        n_questions = sum(len(p["qas"]) for a in json.load(f)["data"] for p in a["paragraphs"])
    t0 = time.perf_counter()
    t = squad_pairs(path)
    elapsed = time.perf_counter() - t0
    print(f"SQuAD train: {n_questions} questions, {t.num_rows} pairs in {elapsed:.1f} s")
    assert 80_000 < t.num_rows <= n_questions
    assert n_questions - t.num_rows < 0.01 * n_questions


def test_train_crossencoder(spm_model, qa_pairs, tmp_path):
    sp = load_tokenizer(spm_model)
    bi = train_biencoder(qa_pairs.slice(0, 64), sp, TrainConfig(
        epochs=1, batch_size=16, dim=32, max_length=48, device="cpu")).model
    cfg = TrainConfig(epochs=12, batch_size=16, lr=3e-3, seed=2, max_length=80, device="cpu",
                      kind="transformer", dim=64, layers=1, heads=2, checkpoint_dir=tmp_path,
                      patience=12)
    seen = []
    res = train_crossencoder(qa_pairs.slice(0, 64), sp, cfg, heldout=qa_pairs.slice(64, 17),
                             biencoder=bi, progress=seen.append)
    assert isinstance(res.model, CrossEncoder) and len(res.losses) == 12
    assert res.losses[-1] < res.losses[0] * 0.85, res.losses  # ln 2 = 0.693: chance
    assert len(res.heldout_losses) == 12 and [p["epoch"] for p in seen] == list(range(1, 13))
    state = torch.load(tmp_path / "epoch-12.pt", weights_only=True)
    assert state["kind"] == "cross" and state["sep_id"] == sp.eos_id()
    assert res.checkpoint == tmp_path / f"epoch-{res.best_epoch}.pt"
    ce = load_crossencoder(tmp_path / "epoch-12.pt")
    for a, b in zip(ce.state_dict().values(), res.model.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    # seeded: the same run gives the same losses (random in-batch negatives here)
    one = TrainConfig(epochs=1, batch_size=16, seed=2, max_length=48, device="cpu", dim=16,
                      kind="transformer", layers=1, heads=2)
    a, b = (train_crossencoder(qa_pairs.slice(0, 32), sp, one).losses for _ in range(2))
    assert a == b
    # a checkpoint of the wrong kind is a clear error, both ways
    with pytest.raises(ConfigError, match="holds a cross-encoder, not a bi-encoder"):
        load_biencoder(tmp_path / "epoch-12.pt")
    with pytest.raises(ConfigError, match="kind 'transformer' or 'hf', not 'bag'"):
        train_crossencoder(qa_pairs.slice(0, 32), sp, TrainConfig(epochs=1, device="cpu"))
    train_biencoder(qa_pairs.slice(0, 32), sp, TrainConfig(
        epochs=1, batch_size=16, dim=16, max_length=48, device="cpu",
        checkpoint_dir=tmp_path / "bi"))
    with pytest.raises(ConfigError, match="holds a bi-encoder, not a cross-encoder"):
        load_crossencoder(tmp_path / "bi" / "epoch-1.pt")
    with pytest.raises(ConfigError, match="holds a bi-encoder, not a cross-encoder"):
        train_crossencoder(qa_pairs.slice(0, 32), sp, one, resume=tmp_path / "bi" / "epoch-1.pt")


def test_rerank_reorders_by_cross_scores(spm_model):
    sp = load_tokenizer(spm_model)
    candidates = ["the", "the city of", "one two three four five six seven",
                  "a river flows", "in the north of the country there"]
    lengths = [len(r) for r in sp.encode(candidates)]
    assert len(set(lengths)) == len(lengths)
    ce = CrossEncoder(EncoderConfig("transformer", sp.get_piece_size(), dim=8, layers=1,
                                    heads=2))
    # the score of a pair: the number of passage pieces (known for each candidate)
    ce.score_pairs = lambda qi, qm, pi, pm: pm.sum(1).float()
    ranked = np.array([[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [3, 0, 1, 4, 2]], dtype=np.int64)
    out = rerank(ce, sp, ["q one", "q two", "q three"], candidates, ranked, 3, batch_size=2)
    expected = [sorted(row[:3], key=lambda j: -lengths[j]) for row in ranked]
    assert out.dtype == np.int64 and out.tolist() == expected
    # k beyond the width: every column; ties keep the given order
    ce.score_pairs = lambda qi, qm, pi, pm: torch.zeros(len(qi))
    assert rerank(ce, sp, ["a", "b", "c"], candidates, ranked, 10).tolist() == ranked.tolist()
    with pytest.raises(ConfigError, match="outside"):
        rerank(ce, sp, ["a"], candidates, np.array([[7]]), 1)

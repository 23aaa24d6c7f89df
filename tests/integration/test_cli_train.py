"""``csgen train`` and ``csgen eval model|compare`` end to end on the bundled sample."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

pytest.importorskip("torch")
pytest.importorskip("sentencepiece")

from csgen.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "sample"
SMALL = ["--dim", "32", "--batch-size", "16", "--max-length", "48", "--device", "cpu"]


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A tokenizer, a SQuAD-format file and a Parquet pairs file from the sample."""
    d = tmp_path_factory.mktemp("train")
    res = run("tokenizer", "train", SAMPLE / "xquad-en.parquet", "-c", "question,context",
              "-l", SAMPLE / "en-de.txt", "-o", d / "tok", "--vocab-size", "600")
    assert res.exit_code == 0, res.output
    rows = pq.read_table(SAMPLE / "xquad-en.parquet").to_pylist()
    arts: dict[str, dict[str, list]] = {}
    for r in rows:
        arts.setdefault(r["title"], {}).setdefault(r["context"], []).append(
            {"id": r["id"], "question": r["question"],
             "answers": [{"text": r["answer_text"], "answer_start": r["answer_start"]}]})
    doc = {"version": "1", "data": [
        {"title": t, "paragraphs": [{"context": c, "qas": q} for c, q in ps.items()]}
        for t, ps in arts.items()]}
    (d / "train.json").write_text(json.dumps(doc), encoding="utf-8")
    t = pq.read_table(SAMPLE / "xquad-en.parquet")
    pq.write_table(pa.table({"q": t["question"], "p": t["context"], "title": t["title"]}),
                   d / "pairs.parquet")
    # A tiny XQuAD-R-like directory: the sample's paragraphs, cut into sentences.
    from csgen.eval.data import split_sentences

    xr = d / "xquad-r"
    xr.mkdir()
    data = []
    for art in doc["data"]:
        paras = []
        for p in art["paragraphs"]:
            breaks = split_sentences(p["context"])
            paras.append({**p, "sentences": [p["context"][s:e] for s, e in breaks],
                          "sentence_breaks": [[s, e] for s, e in breaks]})
        data.append({"title": art["title"], "paragraphs": paras})
    (xr / "en.json").write_text(json.dumps({"version": "1", "data": data}), encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def squad_model(work):
    out = work / "m-squad"
    res = run("train", "--squad", work / "train.json", "--tokenizer", work / "tok.model",
              "--epochs", "2", "-o", out, *SMALL)
    assert res.exit_code == 0, res.output
    return out


def test_train_squad(squad_model, work):
    meta = json.loads((squad_model / "model.json").read_text())
    assert (squad_model / "epoch-1.pt").is_file() and (squad_model / "epoch-2.pt").is_file()
    assert len(meta["losses"]) == 2 and meta["losses"][1] < meta["losses"][0]
    assert meta["tokenizer"]["path"] == str((work / "tok.model").resolve())
    assert len(meta["tokenizer"]["sha256"]) == 64 and meta["tokenizer"]["vocab_size"] == 600
    assert meta["config"]["dim"] == 32 and meta["data"]["sources"][0]["kind"] == "squad"
    assert meta["data"]["train_pairs"] + meta["data"]["heldout_pairs"] == 240
    assert meta["heldout_losses"] and meta["best_epoch"] in (1, 2)


def test_train_parquet_on_the_fly_switching(work):
    out = work / "m-switch"
    res = run("train", "--pairs", work / "pairs.parquet", "--query-column", "q",
              "--passage-column", "p", "-l", SAMPLE / "en-de.txt", "--ratio", "0.5",
              "--seed", "3", "--tokenizer", work / "tok.model", "--epochs", "2",
              "--heldout", "0", "-o", out, *SMALL)
    assert res.exit_code == 0, res.output
    assert "epoch 2/2" in res.output  # plain progress lines off a terminal
    meta = json.loads((out / "model.json").read_text())
    assert meta["data"]["switching"]["ratio"] == 0.5 and meta["data"]["train_pairs"] == 240
    assert len(meta["losses"]) == 2 and meta["losses"][1] < meta["losses"][0]
    # The epochs saw different switches: epoch_seed(3, 0) != epoch_seed(3, 1).
    from csgen import Switcher
    from csgen.lexicon import load_lexicon
    from csgen.stream import epoch_seed

    lex = load_lexicon(str(SAMPLE / "en-de.txt"))
    t = pa.table({"q": pq.read_table(work / "pairs.parquet")["q"]})
    a, b = (Switcher([lex], ratio=0.5, seed=epoch_seed(3, e)).switch_table(t, ["q"])["q"]
            for e in (0, 1))
    assert a != b


def test_eval_model_and_compare(squad_model, work, tmp_path):
    report = tmp_path / "r.json"
    res = run("eval", "model", squad_model, "--xquad-r", work / "xquad-r", "-s", "moir:en",
              "--baseline", "--json", report)
    assert res.exit_code == 0, res.output
    assert "| m-squad | moir | en-en | 240 |" in res.output and "| bm25 |" in res.output
    data = json.loads(report.read_text())
    for row in data["report"]["rows"]:
        assert all(0.0 <= v <= 1.0 for v in row["metrics"].values())
    model_mrr = next(r for r in data["report"]["rows"] if r["system"] == "m-squad")
    assert model_mrr["metrics"]["mrr@10"] > 0.1  # trained on these very questions
    assert data["tests"][0]["reference"] == "bm25"
    res = run("eval", "compare", squad_model, squad_model, "--xquad-r", work / "xquad-r",
              "-s", "moir:en")
    assert res.exit_code == 0, res.output
    assert "| 2:m-squad | 1:m-squad | moir | en-en |" in res.output


def test_eval_model_on_real_xquad_r(squad_model, shared):
    xquad_r = shared("xquad-r", "en.json").parent
    res = run("eval", "model", squad_model, "--xquad-r", xquad_r, "-s", "moir:en")
    assert res.exit_code == 0, res.output
    line = next(x for x in res.output.splitlines()
                if x.startswith("| m-squad | moir | en-en |"))
    values = [float(v) for v in line.strip("|").split("|")[4:]]
    assert line.split("|")[4].strip() == "1190" and all(0.0 < v <= 1.0 for v in values)


def test_toml_config_overridden_by_flag(work, tmp_path):
    cfg = tmp_path / "train.toml"
    cfg.write_text(f'squad = ["{work / "train.json"}"]\ntokenizer = "{work / "tok.model"}"\n'
                   f'epochs = 3\ndim = 16\nbatch-size = 16\nmax_length = 32\ndevice = "cpu"\n'
                   f'encoder = "transformer"\nlayers = 1\nheads = 2\n', encoding="utf-8")
    out = tmp_path / "m"
    res = run("train", "--config", cfg, "--epochs", "1", "-q", "-o", out)
    assert res.exit_code == 0, res.output
    # -q: no progress and no summary; only the warning about texts cut to max_length 32
    assert [line.split(": ")[1] for line in res.output.splitlines()] == ["warning"]
    meta = json.loads((out / "model.json").read_text())
    assert meta["config"]["epochs"] == 1 and meta["config"]["dim"] == 16
    assert meta["config"]["kind"] == "transformer" and len(meta["losses"]) == 1


def test_errors(squad_model, work, tmp_path):
    # A tokenizer with another vocabulary than the model's.
    res = run("tokenizer", "train", SAMPLE / "xquad-en.parquet", "-c", "question",
              "-o", tmp_path / "other", "--vocab-size", "500")
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["eval", "model", str(squad_model), "--xquad-r",
                                    str(work / "xquad-r"), "-s", "moir:en", "--tokenizer",
                                    str(tmp_path / "other.model")])
    assert res.exit_code == 1 and "500 pieces" in res.output and "vocabulary of 600" in (
        res.output)
    # A missing column of the pairs.
    res = CliRunner().invoke(main, ["train", "--pairs", str(work / "pairs.parquet"),
                                    "--tokenizer", str(work / "tok.model"), "-o",
                                    str(tmp_path / "x")])
    assert res.exit_code == 1 and "column(s) 'query', 'passage' not found" in res.output
    assert "the file has: q, p, title" in res.output
    # No data at all; an empty pairs file; switching without a ratio.
    res = CliRunner().invoke(main, ["train", "--tokenizer", str(work / "tok.model"),
                                    "-o", str(tmp_path / "x")])
    assert res.exit_code == 1 and "no training data" in res.output
    pq.write_table(pa.table({"query": pa.array([], pa.string()),
                             "passage": pa.array([], pa.string())}), tmp_path / "e.parquet")
    res = CliRunner().invoke(main, ["train", "--pairs", str(tmp_path / "e.parquet"),
                                    "--tokenizer", str(work / "tok.model"), "-o",
                                    str(tmp_path / "x")])
    assert res.exit_code == 1 and "no training pairs" in res.output
    res = CliRunner().invoke(main, ["train", "--squad", str(work / "train.json"), "-l",
                                    str(SAMPLE / "en-de.txt"), "--tokenizer",
                                    str(work / "tok.model"), "-o", str(tmp_path / "x")])
    assert res.exit_code == 1 and "needs both --lexicon and --ratio" in res.output
    # The missing tokenizer flag.
    res = CliRunner().invoke(main, ["train", "--squad", str(work / "train.json"), "-o",
                                    str(tmp_path / "x")])
    assert res.exit_code == 1 and "'tokenizer' is required" in res.output


def test_cross_encoder_train_and_rerank(squad_model, work, tmp_path):
    cross = work / "m-cross"
    res = run("train", "--cross-encoder", "--biencoder", squad_model, "--squad",
              work / "train.json", "--tokenizer", work / "tok.model", "--epochs", "2",
              "--encoder", "transformer", "--layers", "1", "--heads", "2", "-o", cross,
              *SMALL)
    assert res.exit_code == 0, res.output
    meta = json.loads((cross / "model.json").read_text())
    assert meta["model"] == "cross-encoder" and len(meta["losses"]) == 2
    assert meta["data"]["hard_negatives"] == str(squad_model.resolve())
    assert json.loads((squad_model / "model.json").read_text())["model"] == "bi-encoder"
    report = tmp_path / "r.json"
    res = run("eval", "model", squad_model, "--xquad-r", work / "xquad-r", "-s", "moir:en",
              "--rerank", cross, "--rerank-k", "10", "--json", report)
    assert res.exit_code == 0, res.output
    assert "| m-squad | moir | en-en | 240 |" in res.output
    assert "| m-squad+rerank | moir | en-en | 240 |" in res.output
    data = json.loads(report.read_text())
    assert {r["system"] for r in data["report"]["rows"]} == {"m-squad", "m-squad+rerank"}
    for row in data["report"]["rows"]:
        assert all(0.0 <= v <= 1.0 for v in row["metrics"].values())
    rows = {r["system"]: r["metrics"] for r in data["report"]["rows"]}
    # reranking the top 10 moves nothing into or out of it
    assert rows["m-squad+rerank"]["r@10"] == rows["m-squad"]["r@10"]
    assert rows["m-squad+rerank"]["r@100"] == rows["m-squad"]["r@100"]
    assert [(t["system"], t["reference"]) for t in data["tests"]] == [
        ("m-squad+rerank", "m-squad")]
    # the wrong kind of model, either way, is a clear error
    res = CliRunner().invoke(main, ["eval", "model", str(cross), "--xquad-r",
                                    str(work / "xquad-r"), "-s", "moir:en"])
    assert res.exit_code == 1 and "holds a cross-encoder, not a bi-encoder" in res.output
    res = CliRunner().invoke(main, ["eval", "model", str(squad_model), "--xquad-r",
                                    str(work / "xquad-r"), "-s", "moir:en", "--rerank",
                                    str(squad_model)])
    assert res.exit_code == 1 and "holds a bi-encoder, not a cross-encoder" in res.output
    res = CliRunner().invoke(main, ["train", "--squad", str(work / "train.json"),
                                    "--biencoder", str(squad_model), "--tokenizer",
                                    str(work / "tok.model"), "-o", str(tmp_path / "x")])
    assert res.exit_code == 1 and "only goes with --cross-encoder" in res.output


def test_train_and_eval_local_hf_checkpoint(work, tmp_path):
    """--encoder hf fine-tunes a local checkpoint with its own tokenizer (no --tokenizer),
    and eval model reads it back through model.json."""
    pytest.importorskip("transformers", reason="the hf encoder needs transformers")
    from tiny_bert import make_tiny_bert

    rows = pq.read_table(SAMPLE / "xquad-en.parquet")
    bert = make_tiny_bert(tmp_path / "bert", rows["question"].to_pylist()
                          + rows["context"].to_pylist(), positions=64)
    out = tmp_path / "m-hf"
    res = run("train", "--squad", work / "train.json", "--encoder", "hf", "--hf-model", bert,
              "--epochs", "2", "--batch-size", "16", "--max-length", "48", "--device", "cpu",
              "-o", out)
    assert res.exit_code == 0, res.output
    meta = json.loads((out / "model.json").read_text())
    assert meta["tokenizer"]["path"] == str(bert.resolve())
    assert meta["config"]["kind"] == "hf" and meta["config"]["hf_model"] == str(bert)
    assert meta["losses"][1] < meta["losses"][0]
    res = run("eval", "model", out, "--xquad-r", work / "xquad-r", "-s", "moir:en")
    assert res.exit_code == 0, res.output
    line = next(x for x in res.output.splitlines() if x.startswith("| m-hf | moir | en-en |"))
    assert 0.0 < float(line.split("|")[5]) <= 1.0
    # Too long for the checkpoint's 64 positions: a clear error, not an index error.
    res = run("train", "--squad", work / "train.json", "--encoder", "hf", "--hf-model", bert,
              "--max-length", "128", "-o", tmp_path / "m2")
    assert res.exit_code != 0 and "max_length 128 exceeds the 64 positions" in res.output


def test_texts_longer_than_max_length_are_cut_with_a_warning(work, tmp_path):
    out = tmp_path / "m"
    res = run("train", "--squad", work / "train.json", "--tokenizer", work / "tok.model",
              "--epochs", "1", "-o", out, "--dim", "16", "--max-length", "8", "--device", "cpu")
    assert res.exit_code == 0, res.output
    cut = json.loads((out / "model.json").read_text())["truncated"]
    assert cut > 100  # answer sentences are longer than 8 pieces
    assert f"warning: {cut:,} training text(s) were longer than --max-length 8" in res.output

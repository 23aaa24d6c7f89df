"""``csgen lexicon import | merge | info`` and ``csgen switch`` with .csglex files."""

import json
from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner

from csgen.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample"


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_import_merge_info_and_switch(tmp_path):
    de, ar, multi = tmp_path / "de.csglex", tmp_path / "ar.csglex", tmp_path / "multi.csglex"
    res = run("lexicon", "import", "muse", SAMPLE / "en-de.txt", "-o", de, "--drop-identity")
    assert res.exit_code == 0, res.output
    assert "wrote" in res.output and "languages de" in res.output
    assert run("lexicon", "import", "muse", SAMPLE / "en-ar.txt", "-o", ar).exit_code == 0
    assert run("lexicon", "merge", de, ar, "-o", multi).exit_code == 0
    res = run("lexicon", "info", multi, "--dataset", SAMPLE / "xquad-en.parquet",
              "-c", "question", "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.output)
    assert set(info["languages"]) == {"de", "ar"}
    assert info["languages"]["de"]["identity_entries"] == 0
    assert 0.5 < info["coverage"]["question"]["coverage"] < 1.0
    assert (info["punct_stripped"], info["punct_dropped"]) == (0, 0)
    res = run("lexicon", "info", multi)
    assert res.exit_code == 0 and "translations/so" in res.output
    assert "end punctuation: 0 entries stripped" in res.output
    out = tmp_path / "out"
    res = run("switch", SAMPLE / "xquad-en.parquet", "-l", multi, "-r", "1", "-c", "question",
              "-o", out, "-q")
    assert res.exit_code == 0, res.output
    langs = {r["lang"] for rows in pq.read_table(out / "part-00000.parquet")["question_switches"]
             .to_pylist() for r in rows}
    assert langs == {"de", "ar"}


def test_import_reports_skipped_lines_and_refuses_bad_output(tmp_path):
    src = tmp_path / "en-de.txt"
    src.write_text("a b\nx y z\nc d\n", encoding="utf-8")
    res = run("lexicon", "import", "muse", src, "-o", tmp_path / "x.csglex", "--skip-bad")
    assert res.exit_code == 0 and "1 malformed lines skipped" in res.output
    res = run("lexicon", "import", "muse", src, "-o", tmp_path / "x.csglex")
    assert res.exit_code == 1 and f"{src}:2: expected 2 fields" in res.output
    res = run("lexicon", "import", "muse", src, "-o", tmp_path / "x.txt")
    assert res.exit_code == 1 and "must end in .csglex" in res.output


def test_corrupt_csglex_is_a_clear_error(tmp_path):
    path = tmp_path / "de.csglex"
    assert run("lexicon", "import", "muse", SAMPLE / "en-de.txt", "-o", path).exit_code == 0
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    res = run("switch", SAMPLE / "xquad-en.jsonl", "-l", path, "-r", "0.5", "-c", "question",
              "-o", tmp_path / "o", "-q")
    assert res.exit_code == 1 and "checksum mismatch" in res.output
    assert "Traceback" not in res.output


def _write_vec(path: Path, words: list[str], vectors) -> None:
    lines = [f"{len(words)} {vectors.shape[1]}"]
    lines += [w + " " + " ".join(f"{x:.6f}" for x in v) for w, v in zip(words, vectors,
                                                                         strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _rotated_spaces(tmp_path: Path, n: int = 300, dim: int = 16):
    """An English space and a 'German' one that is a known rotation of it: Procrustes
    on part of the pairs must recover every other pair."""
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, dim)).astype(np.float32)
    q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    src_words = [f"w{i}" for i in range(n)]
    tgt_words = [f"u{i}" for i in range(n)]
    order = rng.permutation(n)  # the target file lists the words in another order
    _write_vec(tmp_path / "en.vec", src_words, x)
    _write_vec(tmp_path / "de.vec", [tgt_words[i] for i in order], (x @ q.T)[order])
    seed = tmp_path / "en-de.seed.txt"
    seed.write_text("".join(f"w{i} u{i}\n" for i in range(0, n, 3)), encoding="utf-8")
    gold = tmp_path / "en-de.gold.txt"
    gold.write_text("".join(f"w{i} u{i}\n" for i in range(n) if i % 3), encoding="utf-8")
    return tmp_path / "en.vec", tmp_path / "de.vec", seed, gold


def test_induce_with_procrustes_then_evaluate(tmp_path):
    src, tgt, seed, gold = _rotated_spaces(tmp_path)
    out = tmp_path / "induced.csglex"
    res = run("lexicon", "induce", src, tgt, "--method", "csls", "--align", "procrustes",
              "--seed-dict", seed, "--top-k", "2", "-o", out, "--backend", "numpy")
    assert res.exit_code == 0, res.output
    assert "600 entries for 300 source words" in res.output
    res = run("lexicon", "evaluate", out, gold, "--json")
    assert res.exit_code == 0, res.output
    scores = json.loads(res.output)
    assert scores["p@1"] == scores["p@5"] == 1.0 and scores["covered"] == 200
    res = run("lexicon", "info", out, "--json")
    assert json.loads(res.output)["languages"]["de"]["candidates_max"] == 2


def test_induce_without_alignment_is_not_the_identity(tmp_path):
    src, tgt, _, gold = _rotated_spaces(tmp_path)
    out = tmp_path / "raw.csglex"
    res = run("lexicon", "induce", src, tgt, "--method", "nn", "--lang", "de", "-o", out)
    assert res.exit_code == 0, res.output
    res = run("lexicon", "evaluate", out, gold)
    assert res.exit_code == 0 and "200 of 200 gold source words covered" in res.output
    p1 = float(res.output.split("p@1: ")[1].split()[0])
    assert p1 < 0.1  # the spaces are rotated: without Procrustes, neighbours are noise


def test_induce_mutual_vocab_and_dataset_words(tmp_path):
    src, tgt, seed, _ = _rotated_spaces(tmp_path)
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("w1 10\nw2 5\nnot-in-space 3\n\n", encoding="utf-8")
    out = tmp_path / "v.csglex"
    res = run("lexicon", "induce", src, tgt, "--align", "procrustes", "--seed-dict", seed,
              "--vocab", vocab, "--mutual", "-o", out)
    assert res.exit_code == 0, res.output
    assert "2 entries for 2 source words (1 without a vector, 0 dropped" in res.output
    data = tmp_path / "d.jsonl"
    data.write_text('{"text": "W1 and w2, w7-w8 W1"}\n{"text": null}\n', encoding="utf-8")
    res = run("lexicon", "induce", src, tgt, "--align", "procrustes", "--seed-dict", seed,
              "--dataset", data, "-c", "text", "-o", tmp_path / "d.csglex")
    assert res.exit_code == 0, res.output
    assert "2 entries for 2 source words (2 without a vector" in res.output


def test_induce_bad_input_is_a_clear_error(tmp_path):
    src, tgt, seed, _ = _rotated_spaces(tmp_path)
    bad = tmp_path / "bad.vec"
    bad.write_text("2 3\na 1 2 3\nb 1 2\n", encoding="utf-8")
    res = run("lexicon", "induce", bad, tgt, "--lang", "de", "-o", tmp_path / "x.csglex")
    assert res.exit_code == 1 and f"{bad}:3" in res.output
    small = tmp_path / "small.vec"
    small.write_text("1 2\na 1 2\n", encoding="utf-8")
    res = run("lexicon", "induce", small, tgt, "--lang", "de", "-o", tmp_path / "x.csglex")
    assert res.exit_code == 1 and "2-d vectors" in res.output and "16-d" in res.output
    res = run("lexicon", "induce", src, tgt, "-o", tmp_path / "x.csglex")
    assert res.exit_code == 1 and "--lang" in res.output
    res = run("lexicon", "induce", src, tgt, "--lang", "de", "--seed-dict", seed,
              "-o", tmp_path / "x.csglex")
    assert res.exit_code == 1 and "--align procrustes" in res.output
    res = run("lexicon", "induce", src, tgt, "--lang", "de", "--mutual", "--top-k", "3",
              "-o", tmp_path / "x.csglex")
    assert res.exit_code == 1 and "top_k=1" in res.output
    assert not (tmp_path / "x.csglex").exists()


def test_induce_real_embeddings_cli(tmp_path, shared):
    """On the real word2vec en/es spaces with the MUSE en-es dictionary as seed: aligned,
    CSLS finds a gold translation for most English words of the dictionary that have a
    vector (many of whose translations have none: measured P@1 0.565 over 6,004); the
    unaligned spaces give noise."""
    en = shared("embeddings", "ubilexat-es-en", "word2vec.en.gz")
    es = shared("embeddings", "ubilexat-es-en", "word2vec.es.gz")
    muse = shared("muse", "en-es.txt")
    out = tmp_path / "en-es.csglex"
    res = run("lexicon", "induce", en, es, "--align", "procrustes", "--seed-dict", muse,
              "--top-k", "5", "-o", out)
    assert res.exit_code == 0, res.output
    res = run("lexicon", "evaluate", out, muse, "--json")
    scores = json.loads(res.output)
    assert scores["covered"] > 6000 and scores["p@1"] > 0.53 and scores["p@5"] > scores["p@1"]
    raw = tmp_path / "raw.csglex"
    assert run("lexicon", "induce", en, es, "--lang", "es", "-o", raw).exit_code == 0
    assert json.loads(run("lexicon", "evaluate", raw, muse, "--json").output)["p@1"] < 0.05

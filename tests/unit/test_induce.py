"""Lexicon induction: .vec parsing, Procrustes, exact NN/CSLS retrieval, induce, evaluate."""

from __future__ import annotations

import doctest
import gzip
import importlib
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from csgen.errors import ConfigError, EmptyLexiconError, LexiconFormatError, LexiconReadError
from csgen.lexicon.core import Lexicon
from csgen.lexicon.induce import (
    Embeddings,
    backend_name,
    evaluate,
    induce,
    normalize,
    procrustes,
    read_vec,
    retrieve,
)


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_docstring_examples():
    result = doctest.testmod(importlib.import_module("csgen.lexicon.induce"))
    assert result.attempted > 0 and result.failed == 0


# -- .vec files --------------------------------------------------------------------------------
VEC = "3 2\nhouse 1 0.5\nHaus -2.25 1e-3\nmaison 0 -0\n"
VECTORS = np.array([[1, 0.5], [-2.25, 1e-3], [0, 0]], dtype=np.float32)


@pytest.mark.parametrize(
    "text",
    [VEC,
     VEC.replace("\n", " \n"),  # fastText writes a trailing space on every line
     VEC.replace("\n", "\r\n"),
     VEC.rstrip("\n"),
     VEC + "\n\n",
     "3 2\nhouse  1\t0.5\nHaus -2.25 1e-3 \nmaison 0 -0\n"],  # runs of white space: slow path
    ids=["plain", "trailing-space", "crlf", "no-final-newline", "blank-tail", "whitespace-runs"],
)
def test_read_vec_layouts(tmp_path, text):
    emb = read_vec(write(tmp_path, "x.vec", text))
    assert emb.words == ["house", "Haus", "maison"]
    assert emb.vectors.dtype == np.float32 and emb.vectors.shape == (3, 2)
    np.testing.assert_array_equal(emb.vectors, VECTORS)
    assert emb.dim == 2 and len(emb) == 3 and emb.index["Haus"] == 1


def test_read_vec_gzip_utf8_duplicates_and_filters(tmp_path):
    text = "5 2\nnaïve 1 2\n東京 3 4\nnaïve 5 6\nx 7 8\ny 9 10\n"
    path = write(tmp_path, "x.vec.gz", gzip.compress(text.encode("utf-8")))
    emb = read_vec(path)
    assert emb.words == ["naïve", "東京", "x", "y"]  # a repeated word keeps its first vector
    np.testing.assert_array_equal(emb.vectors[0], [1, 2])
    assert emb.path == str(path)
    assert read_vec(path, max_words=2).words == ["naïve", "東京"]
    assert read_vec(path, vocab={"y", "東京", "zzz"}).words == ["東京", "y"]
    assert read_vec(path, max_words=4, vocab=["y", "x"]).words == ["x"]
    with pytest.raises(EmptyLexiconError, match="none of the vocabulary"):
        read_vec(path, max_words=3, vocab=["y"])


def test_read_vec_fewer_rows_than_header_is_fine(tmp_path):
    emb = read_vec(write(tmp_path, "x.vec", "10 2\na 1 2\nb 3 4\n"))
    assert emb.words == ["a", "b"]


def test_read_vec_max_words_skips_the_rest(tmp_path):
    path = write(tmp_path, "x.vec", "3 2\na 1 2\nb 3 4\nc not numbers at all\n")
    assert read_vec(path, max_words=2).words == ["a", "b"]
    with pytest.raises(ConfigError, match="max_words"):
        read_vec(path, max_words=0)


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [(b"", 1, "header must be 'COUNT DIM'"),
     (b"3\na 1 2\n", 1, "header must be 'COUNT DIM'"),
     (b"three 2\na 1 2\n", 1, "header must be 'COUNT DIM'"),
     (b"3 0\na\n", 1, "header must be 'COUNT DIM'"),
     (b"-1 2\na 1 2\n", 1, "header must be 'COUNT DIM'"),
     (b"3 2 1\na 1 2\n", 1, "header must be 'COUNT DIM'"),
     (b"1 2\na 1 2\nb 3 4\n", 3, "more rows than the 1 the header announces"),
     (b"3 2\na 1 2\nb 3\nc 5 6\n", 3, "expected a word and 2 values, got 1 value"),
     (b"3 2\na 1 2\nb 3 4\nc 5 6 7\n", 4, "expected a word and 2 values, got 3 values"),
     (b"3 2\na 1 2\n\nc 5 6\n", 3, r"got 0 values \(empty line\)"),
     (b"3 2\na 1 2\n 3 4\n", 3, "expected a word and 2 values, got 1 value"),
     (b"3 2\na 1 2\nb 3 4,5\n", 3, "value '4,5' is not a number"),
     (b"3 2\na 1 2\nb 3 x\n", 3, "value 'x' is not a number"),
     (b"3 2\na 1 2\nb 3 4\nc nan 1\n", 4, "not a finite number"),
     (b"3 2\na 1 2\nb 1e999 4\n", 3, "not a finite number"),
     (b"3 2\na 1 2\nb\xff\xfe 3 4\n", 3, "not valid UTF-8"),
     (b"2 2\n", None, "no word vectors"),
     (gzip.compress(b"2 2\na 1 2\nb 3 4\n")[:-12], None, "corrupt gzip data")],
)
def test_read_vec_errors_name_path_and_line(tmp_path, data, line, message):
    path = write(tmp_path, "bad.vec", data)
    with pytest.raises(LexiconFormatError, match=message) as info:
        read_vec(path)
    assert info.value.path == str(path) and info.value.line == line
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    assert str(info.value).startswith(where)


def test_read_vec_unreadable(tmp_path):
    with pytest.raises(LexiconReadError, match="cannot read embeddings"):
        read_vec(tmp_path / "missing.vec")
    with pytest.raises(LexiconReadError):
        read_vec(tmp_path)


def test_bulk_and_line_paths_agree(tmp_path):
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((300, 7)).astype(np.float32)
    rows = [f"w{i} " + " ".join(repr(float(v)) for v in row) for i, row in enumerate(vectors)]
    fast = read_vec(write(tmp_path, "a.vec", "300 7\n" + "\n".join(rows) + "\n"))
    rows[150] = rows[150].replace(" ", "\t", 1)  # one tab sends the file down the slow path
    slow = read_vec(write(tmp_path, "b.vec", "300 7\n" + "\n".join(rows) + "\n"))
    assert fast.words == slow.words
    np.testing.assert_array_equal(fast.vectors, vectors)
    np.testing.assert_array_equal(slow.vectors, vectors)


# -- normalize / Procrustes --------------------------------------------------------------------
def test_normalize():
    x = np.array([[3, 4], [0, 0], [0, -2]], dtype=np.float64)
    out = normalize(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.6, 0.8], [0, 0], [0, -1]], atol=1e-7)
    assert x[0, 0] == 3  # a new array


def random_rotation(rng: np.random.Generator, d: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def test_procrustes_recovers_a_rotation():
    rng = np.random.default_rng(0)
    n, d = 400, 24
    words = [f"s{i}" for i in range(n)]
    src = Embeddings(words, rng.standard_normal((n, d)).astype(np.float32))
    rot = random_rotation(rng, d)
    tgt_words = [f"t{i}" for i in range(n)]
    tgt = Embeddings(tgt_words, src.vectors @ rot)
    seed = [(f"s{i}", f"t{i}") for i in range(0, n, 4)]  # a quarter as seed
    w = procrustes(src, tgt, [*seed, ("unknown", "t1"), ["s1", "unknown"]])
    np.testing.assert_allclose(w, rot.T, atol=1e-4)
    np.testing.assert_allclose(w @ w.T, np.eye(d), atol=1e-5)
    mapped = src.transform(w)
    test = [i for i in range(n) if i % 4]
    gold = Lexicon.from_pairs([f"s{i}" for i in test], [f"t{i}" for i in test], "xx")
    for method in ("nn", "csls"):
        lex = induce(mapped, tgt, method=method, words=[f"s{i}" for i in test], lang="xx")
        scores = evaluate(lex, gold)
        assert scores["p@1"] == 1.0 and scores["covered"] == len(test)


def test_procrustes_needs_two_pairs():
    src = Embeddings(["a", "b"], np.eye(2, dtype=np.float32))
    tgt = Embeddings(["x", "y"], np.eye(2, dtype=np.float32))
    with pytest.raises(ConfigError, match=r"at least 2 seed pairs .* found 1"):
        procrustes(src, tgt, [("a", "x"), ("a", "x"), ("c", "y")])
    with pytest.raises(ConfigError, match="dimensions"):
        procrustes(src, Embeddings(["x"], np.ones((1, 3), np.float32)), [("a", "x")])


# -- retrieval against brute force -------------------------------------------------------------
def brute_force(src, tgt, method, k, top_k):
    """Full similarity matrix in float64; ties to the smallest index (stable sort)."""
    s = normalize(src).astype(np.float64)
    t = normalize(tgt).astype(np.float64)
    sims = (s[:, None, :] * t[None, :, :]).sum(axis=-1)  # equal vectors give equal sums
    if method == "csls":
        r_t = -np.sort(-sims, axis=1)[:, :min(k, len(t))].mean(axis=1)
        r_s = -np.sort(-sims, axis=0)[:min(k, len(s))].mean(axis=0)
        sims = 2 * sims - r_t[:, None] - r_s[None, :]
    order = np.argsort(-sims, axis=1, kind="stable")[:, :top_k]
    return order, np.take_along_axis(sims, order, axis=1)


def random_case(seed: int, n_src: int, n_tgt: int, d: int, ties: bool):
    rng = np.random.default_rng(seed)
    src = rng.standard_normal((n_src, d)).astype(np.float32)
    tgt = rng.standard_normal((n_tgt, d)).astype(np.float32)
    if ties:  # equal target vectors (one at the very end too), a source equal to them,
        tgt[[7, 11, n_tgt - 1]] = tgt[2]  # a zero source (ties with every target)
        tgt[[20, 21]] = tgt[5]
        src[1] = tgt[2]
        src[4] = 0
    return src, tgt


SIZES = [(40, 30, 8), (257, 300, 16), (120, 517, 5)]


@pytest.mark.parametrize("method", ["nn", "csls"])
@pytest.mark.parametrize("top_k", [1, 5])
@pytest.mark.parametrize("chunk_size", [1, 7, 64, 100, 4096])
@pytest.mark.parametrize(("n_src", "n_tgt", "d"), SIZES)
def test_retrieve_equals_brute_force(method, top_k, chunk_size, n_src, n_tgt, d):
    src, tgt = random_case(n_src + n_tgt, n_src, n_tgt, d, ties=True)
    idx, scores = retrieve(src, tgt, method=method, top_k=top_k, chunk_size=chunk_size,
                           backend="numpy")
    ref_idx, ref_scores = brute_force(src, tgt, method, 10, top_k)
    assert idx.dtype == np.int64 and scores.dtype == np.float32
    assert idx.shape == scores.shape == (n_src, top_k)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(scores, ref_scores, atol=1e-5)


def test_retrieve_ties_go_to_the_smallest_index():
    tgt = np.array([[0, 1], [1, 0], [1, 0], [0, 1], [1, 0]], dtype=np.float32)
    src = np.array([[1, 0], [0, 0], [2, 0]], dtype=np.float32)
    for chunk_size in (1, 2, 3, 5):
        for method in ("nn", "csls"):
            idx, _ = retrieve(src, tgt, method=method, k=2, top_k=4, chunk_size=chunk_size,
                              backend="numpy")
            assert idx[0].tolist() == [1, 2, 4, 0] and idx[2].tolist() == [1, 2, 4, 0]
            assert idx[1].tolist() == ([0, 1, 2, 3] if method == "nn" else [0, 3, 1, 2])


@pytest.mark.parametrize("method", ["nn", "csls"])
def test_retrieve_rows_keeps_csls_over_the_whole_space(method):
    src, tgt = random_case(5, 90, 70, 6, ties=True)
    full_idx, full_scores = retrieve(src, tgt, method=method, top_k=3, chunk_size=16,
                                     backend="numpy")
    rows = [5, 0, 89, 5, 17]
    idx, scores = retrieve(src, tgt, method=method, top_k=3, chunk_size=16, rows=rows,
                           backend="numpy")
    np.testing.assert_array_equal(idx, full_idx[rows])
    np.testing.assert_allclose(scores, full_scores[rows], atol=1e-6)
    empty_idx, empty_scores = retrieve(src, tgt, rows=[], backend="numpy")
    assert empty_idx.shape == (0, 1) and empty_scores.shape == (0, 1)


def test_retrieve_small_spaces_cap_k():
    src, tgt = random_case(9, 3, 4, 5, ties=False)
    idx, scores = retrieve(src, tgt, method="csls", k=50, top_k=4, backend="numpy")
    ref_idx, ref_scores = brute_force(src, tgt, "csls", 50, 4)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(scores, ref_scores, atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"method": "cosine"}, "method must be one of"),
     ({"k": 0}, "k must be a positive integer"),
     ({"top_k": 7}, "top_k=7 but there are only 6 targets"),
     ({"chunk_size": 0}, "chunk_size must be a positive integer"),
     ({"device": "tpu"}, "device must be one of"),
     ({"backend": "jax"}, "backend must be one of"),
     ({"backend": "numpy", "device": "cuda"}, "cuda"),
     ({"rows": [0, 5]}, r"rows must lie in \[0, 5\)")],
)
def test_retrieve_rejects_bad_options(kwargs, message):
    src, tgt = random_case(1, 5, 6, 3, ties=False)
    with pytest.raises(ConfigError, match=message):
        retrieve(src, tgt, **kwargs)


def test_retrieve_rejects_bad_arrays():
    src, tgt = random_case(1, 5, 6, 3, ties=False)
    with pytest.raises(ConfigError, match="dimensions"):
        retrieve(src, tgt[:, :2])
    src[0, 0] = np.nan
    with pytest.raises(ConfigError, match="not finite"):
        retrieve(src, tgt)
    with pytest.raises(ConfigError, match="2-D"):
        retrieve(np.ones(3), tgt)


def test_numpy_fallback_without_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    assert backend_name() == "numpy" and backend_name(device="cpu") == "numpy"
    src, tgt = random_case(3, 30, 40, 4, ties=True)
    idx, _ = retrieve(src, tgt, method="csls", top_k=2, chunk_size=8)
    np.testing.assert_array_equal(idx, brute_force(src, tgt, "csls", 10, 2)[0])
    for options in ({"backend": "torch"}, {"device": "cuda"}):
        with pytest.raises(ConfigError, match="torch is not installed"):
            retrieve(src, tgt, **options)


def test_backend_name_with_torch():
    torch = pytest.importorskip("torch")
    assert backend_name(backend="numpy") == "numpy"
    assert backend_name(device="cpu") == "torch-cpu"
    assert backend_name() == ("torch-cuda" if torch.cuda.is_available() else "torch-cpu")


@pytest.mark.parametrize("method", ["nn", "csls"])
@pytest.mark.parametrize("top_k", [1, 5])
@pytest.mark.parametrize("chunk_size", [7, 100, 4096])
def test_torch_path_equals_numpy_path(method, top_k, chunk_size):
    pytest.importorskip("torch")
    src, tgt = random_case(11, 257, 300, 16, ties=True)
    np_idx, np_scores = retrieve(src, tgt, method=method, top_k=top_k, chunk_size=chunk_size,
                                 backend="numpy")
    t_idx, t_scores = retrieve(src, tgt, method=method, top_k=top_k, chunk_size=chunk_size,
                               backend="torch", device="cpu")
    np.testing.assert_array_equal(t_idx, np_idx)
    np.testing.assert_allclose(t_scores, np_scores, atol=1e-5)
    ref_idx, _ = brute_force(src, tgt, method, 10, top_k)
    np.testing.assert_array_equal(t_idx, ref_idx)


# -- induce ------------------------------------------------------------------------------------
def test_induce_entries_weights_and_provenance():
    src = Embeddings(["cat", "dog", "fish"],
                     np.array([[1, 0, 0], [0, 1, 0], [0.6, 0.8, 0]], dtype=np.float32), "s.vec")
    tgt = Embeddings(["Hund", "Katze", "Fisch"],
                     np.array([[0, 1, 0], [1, 0, 0], [0.8, 0.6, 0]], dtype=np.float32), "t.vec")
    lex = induce(src, tgt, method="nn", top_k=2, words=["fish", "cat", "bird", "cat"],
                 lang="de", source_lang="en", name="emb")
    table = lex.table.to_pydict()
    assert table["source"] == ["fish", "fish", "cat", "cat"]
    assert table["target"] == ["Fisch", "Hund", "Katze", "Fisch"]
    np.testing.assert_allclose(table["weight"], np.exp([0.96, 0.8, 1.0, 0.8]), rtol=1e-6)
    assert lex.lookup("cat")[0] == ("de", "Katze", pytest.approx(math.e))
    assert lex.source_lang == "en" and lex.name == "emb"
    prov = lex.provenance[0]
    assert prov["method"] == "nn" and prov["top_k"] == 2 and prov["mutual"] is False
    assert prov["files"] == {"source": "s.vec", "target": "t.vec"}
    assert prov["counts"]["words_without_vector"] == 1 and prov["counts"]["entries"] == 4


def test_induce_csls_weights_are_positive_and_finite():
    src, tgt = random_case(2, 50, 40, 6, ties=True)
    lex = induce(Embeddings([f"s{i}" for i in range(50)], src),
                 Embeddings([f"t{i}" for i in range(40)], tgt), top_k=3, lang="xx")
    weight = lex.table.column("weight").to_numpy()
    assert len(lex) == 150 and np.all(weight > 0) and np.all(np.isfinite(weight))
    assert lex.provenance[0]["k"] == 10
    _, scores = retrieve(src, tgt, method="csls", top_k=3)
    np.testing.assert_allclose(weight, np.exp(scores.reshape(-1).astype(np.float64)), rtol=1e-6)


def test_induce_mutual_keeps_mutual_nearest_neighbours():
    # a and b both prefer x; x prefers a; y prefers b, but b prefers x.
    src = Embeddings(["a", "b", "c"],
                     np.array([[1, 0, 0], [0.8, 0.6, 0], [0, 0, 1]], dtype=np.float32))
    tgt = Embeddings(["x", "y", "z"],
                     np.array([[1, 0.05, 0], [0, 1, 0], [0, 0.1, 1]], dtype=np.float32))
    plain = induce(src, tgt, method="nn", lang="xx")
    assert plain.table.to_pydict()["target"] == ["x", "x", "z"]
    mutual = induce(src, tgt, method="nn", mutual=True, lang="xx")
    assert mutual.table.to_pydict()["source"] == ["a", "c"]
    assert mutual.provenance[0]["counts"]["dropped_not_mutual"] == 1
    with pytest.raises(ConfigError, match="top_k=1"):
        induce(src, tgt, mutual=True, top_k=2, lang="xx")


@pytest.mark.parametrize("method", ["nn", "csls"])
def test_induce_mutual_matches_the_definition(method):
    src, tgt = random_case(4, 60, 50, 5, ties=False)
    s_words, t_words = [f"s{i}" for i in range(60)], [f"t{i}" for i in range(50)]
    lex = induce(Embeddings(s_words, src), Embeddings(t_words, tgt), method=method,
                 mutual=True, words=s_words[:30], lang="xx")
    fwd, _ = brute_force(src, tgt, method, 10, 1)
    back, _ = brute_force(tgt, src, method, 10, 1)
    expected = [(f"s{i}", f"t{fwd[i, 0]}") for i in range(30) if back[fwd[i, 0], 0] == i]
    got = list(zip(lex.table.column("source").to_pylist(),
                   lex.table.column("target").to_pylist(), strict=True))
    assert got == expected and 0 < len(got) < 30


def test_induce_without_entries():
    src = Embeddings(["a"], np.ones((1, 2), np.float32))
    with pytest.raises(EmptyLexiconError):
        induce(src, src, words=["zzz"], lang="xx")


# -- evaluate ----------------------------------------------------------------------------------
def test_evaluate_hand_made():
    gold = Lexicon.from_pairs(["a", "a", "b", "c", "d"], ["x", "y", "z", "w", "v"], "de")
    lexicon = Lexicon.from_pairs(
        ["a", "a", "A", "B", "b", "c", "c", "e"],
        ["q", "q", "X", "Z", "zz", "u", "w", "x"],
        ["de", "de", "de", "de", "fr", "de", "de", "de"],
        weights=[0.9, 0.8, 0.5, 1.0, 5.0, 0.5, 0.5, 1.0],
    )
    got = evaluate(lexicon, gold, ks=(1, 2, 5))
    # a: [q, x] (q once), b: [z] (the fr entry is not compared), c: [u, w] (equal weights:
    # entry order), d: not covered, e: not in gold.
    assert got == {"p@1": pytest.approx(1 / 3), "p@1_all": 0.25,
                   "p@2": 1.0, "p@2_all": 0.75, "p@5": 1.0, "p@5_all": 0.75,
                   "covered": 3, "gold_sources": 4, "coverage": 0.75}
    assert set(evaluate(lexicon, gold)) >= {"p@1", "p@5", "covered", "gold_sources"}
    with pytest.raises(ConfigError):
        evaluate(lexicon, gold, ks=(0,))


def test_evaluate_nothing_covered():
    gold = Lexicon.from_pairs(["a"], ["x"], "de")
    got = evaluate(Lexicon.from_pairs(["b"], ["x"], "de"), gold)
    assert got["covered"] == 0 and got["p@1"] == 0.0 and got["p@1_all"] == 0.0

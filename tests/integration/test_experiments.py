"""The reduced run of ``examples/experiments.py`` (all four experiments of issue 15 on 2,000
pairs, six XQuAD-R languages, MRR@10 only; about a minute and a half on 2 cores), so the
script that regenerates ``examples/results/experiments_*`` never rots: each experiment's
tables come from real switching, training and rankings, its statistics are consistent, and a
rerun takes every model from the cache."""

from __future__ import annotations

import importlib
import json
import math
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPT = EXAMPLES / "experiments.py"
FREEDICT_DE = Path("/usr/share/dictd/freedict-eng-deu.index")
SEEN = ("de", "ar", "ru", "es", "zh", "vi")
UNSEEN = ("el", "hi", "th", "tr")


def _run(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # cwd: not the repository root, whose csgen/ has no compiled core; --no-install: the
    # tests never call apt-get (lexicon-source is skipped where FreeDict is missing).
    proc = subprocess.run([sys.executable, str(SCRIPT), "--reduced", "--no-install",
                           "--cache", str(tmp / "cache"), "-o", str(tmp / "out"), *args],
                          capture_output=True, text=True, timeout=900, cwd=tmp)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def reduced(tmp_path_factory, shared):
    shared("squad", "train-v1.0.json.gz")
    shared("xquad-r", "el.json")
    shared("muse", "en-th.txt")
    tmp = tmp_path_factory.mktemp("experiments")
    proc = _run(tmp)
    return tmp, proc.stderr


def _load(tmp: Path, name: str) -> dict:
    return json.loads((tmp / "out" / f"experiments_{name}.json").read_text())


def _rows(data: dict) -> dict[str, dict]:
    return {r["label"]: r for r in data["table"]["rows"]}


def _check_tests(data: dict, n_tests: int) -> None:
    """Every test is Bonferroni-corrected over the table's ``n_tests``."""
    tests = data["table"]["tests"]
    assert len(tests) == n_tests
    for t in tests:
        assert math.isclose(t["p_bonferroni"], min(1.0, t["p"] * n_tests), rel_tol=1e-9)
        assert (t["t"] > 0) == (t["diff"] > 0) or t["diff"] == 0


def test_seen_unseen(reduced):
    tmp, _ = reduced
    data = _load(tmp, "seen_unseen")
    rows = _rows(data)
    # the reduced run evaluates de, ar, es (seen) and el, tr (unseen)
    assert {"seen EN-DE", "seen AR-EN", "unseen EN-EL", "unseen TR-TR",
            "MoIR EN-EN"} <= set(rows)
    assert not any(k.startswith("seen") and ("EL" in k or "TR" in k) for k in rows)
    # ML-CS 6 switched into the six seen languages only; ML-CS 10 into all ten
    switched = data["training_switch"]
    assert set(switched["ml-cs-6"]["by_lang"]) == set(SEEN)
    assert set(switched["ml-cs-10"]["by_lang"]) == set(SEEN + UNSEEN)
    assert all(v > 0.01 for v in switched["ml-cs-10"]["by_lang"].values())
    # a group average is the per-question mean over its pairs, so it equals their mean
    group = rows["unseen CLIR avg (EN-X, X-EN)"]
    members = [rows[f"unseen {p}"] for p in ("EN-EL", "EL-EN", "EN-TR", "TR-EN")]
    for system in ("zero-shot", "ml-cs-6", "ml-cs-10"):
        assert math.isclose(group["mrr@10"][system],
                            np.mean([m["mrr@10"][system] for m in members]), rel_tol=1e-9)
    # vs zero-shot for both models, and ML-CS 6 against ML-CS 10, on every row
    _check_tests(data, 3 * len(rows))
    # a small model trained on English still finds English answers
    assert rows["MoIR EN-EN"]["mrr@10"]["zero-shot"] > 0.2
    md = (tmp / "out" / "experiments_seen_unseen.md").read_text()
    assert "| unseen CLIR avg (EN-X, X-EN) |" in md and "Wall time:" in md


def test_lexicon_source(reduced, shared):
    if not FREEDICT_DE.exists():
        pytest.skip(f"needs {FREEDICT_DE} (Debian package dict-freedict-eng-deu)")
    tmp, _ = reduced
    data = _load(tmp, "lexicon_source")
    cov = data["coverage"]
    assert set(cov) == {"de", "ar", "ru", "es", "el", "hi", "tr"}
    for lang, sources in cov.items():
        for source, c in sources.items():
            assert 0.0 < c["coverage"] < 1.0 and c["entries"] > 1000, (lang, source, c)
    muse_de = shared("muse", "en-de.txt")
    with muse_de.open(encoding="utf-8") as f:
        assert cov["de"]["muse"]["entries"] == sum(1 for _ in f)
    # switching at ratio 0.5 replaces about half the words the lexicon covers: MUSE holds
    # single words; FreeDict's phrases switch several words at once, so a little more
    muse = data["training_switch"]["bl-cs-muse"]["switched_share"]
    assert abs(muse - 0.5 * cov["de"]["muse"]["coverage"]) < 0.02, muse
    fd = data["training_switch"]["bl-cs-freedict"]["switched_share"]
    assert 0.5 * cov["de"]["freedict"]["coverage"] - 0.02 < fd < cov["de"]["freedict"]["coverage"]
    rows = _rows(data)
    assert {"EN-DE", "DE-EN", "EN-TR", "CLIR avg (7 langs, EN-X, X-EN)"} <= set(rows)
    # four systems vs zero-shot and FreeDict vs MUSE for BL-CS and ML-CS, on every row
    _check_tests(data, 6 * len(rows))
    assert set(data["gain"]["de"]) == {"bl-cs-muse", "bl-cs-freedict", "ml-cs-muse",
                                       "ml-cs-freedict"}


def test_ratio(reduced):
    tmp, _ = reduced
    data = _load(tmp, "ratio")
    assert data["ratios"] == [0.0, 0.5, 1.0]
    shares = [(data["training_switch"][k] or {"switched_share": 0.0})["switched_share"]
              for k in ("0", "0.5", "1")]
    # more of the training text is German the higher the ratio; at 1.0 every covered word
    assert shares[0] == 0.0 < shares[1] < shares[2]
    assert math.isclose(shares[2], data["training_switch"]["1"]["coverage"], rel_tol=0.01)
    rows = _rows(data)
    assert list(rows) == ["MoIR EN-EN", "CLIR EN-DE", "CLIR DE-EN", "MoIR DE-DE"]
    _check_tests(data, 2 * len(rows))
    png = tmp / "out" / "experiments_ratio.png"
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    assert width >= 600 and height >= 400


def test_seeds(reduced):
    tmp, _ = reduced
    data = _load(tmp, "seeds")
    assert data["seeds"] == [1, 2]
    rows = data["table"]["rows"]
    differ = 0
    for row in rows:
        for system in ("zero-shot", "bl-cs", "ml-cs"):
            per_seed = row["mrr@10_per_seed"][system]
            assert len(per_seed) == 2
            assert math.isclose(row["mrr@10"][system], np.mean(per_seed), rel_tol=1e-9)
            differ += per_seed[0] != per_seed[1]
    assert differ > len(rows)  # the seeds train different models
    _check_tests(data, 2 * len(rows))
    md = (tmp / "out" / "experiments_seeds.md").read_text()
    row = next(r for r in rows if r["label"] == "CLIR EN-DE")
    mean, std = (float(np.mean(row["mrr@10_per_seed"]["bl-cs"]) * 100),
                 float(np.std(row["mrr@10_per_seed"]["bl-cs"], ddof=1) * 100))
    assert f"{mean:.1f} ± {std:.1f}" in md


def test_rerun_takes_everything_from_the_cache(reduced):
    tmp, first_log = reduced
    assert "training zero-shot-s1" in first_log
    before = {p.name: json.loads(p.read_text())["table"]
              for p in (tmp / "out").glob("experiments_*.json")}
    proc = _run(tmp, "--only", "ratio,seeds")
    assert "] training " not in proc.stderr and "] switching " not in proc.stderr, proc.stderr
    for name in ("experiments_ratio.json", "experiments_seeds.json"):
        assert json.loads((tmp / "out" / name).read_text())["table"] == before[name]


def test_unknown_experiment_is_an_error(tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--only", "ratio,nope"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2 and "unknown experiment(s) nope" in proc.stderr


def test_resumable_tells_an_interrupted_training_from_a_finished_one(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.syspath_prepend(str(EXAMPLES))
    experiments = importlib.import_module("experiments")
    config = SimpleNamespace(epochs=10, patience=2)
    assert experiments._resumable(tmp_path, config) == (None, None)

    def save(epoch: int, best: int, bad: int) -> None:
        history = {"losses": [1.0] * epoch, "heldout_losses": [2.0] * epoch,
                   "best_epoch": best, "bad_epochs": bad}
        torch.save({"epoch": epoch, "history": history}, tmp_path / f"epoch-{epoch}.pt")

    save(1, 1, 0)
    save(2, 2, 0)
    path, done = experiments._resumable(tmp_path, config)
    assert path.name == "epoch-2.pt" and done is None  # resume after epoch 2
    save(9, 7, 2)  # stopped early: patience 2 ran out
    path, done = experiments._resumable(tmp_path, config)
    assert path.name == "epoch-9.pt" and done["best_epoch"] == 7
    save(10, 10, 0)  # the last epoch (sorted as a number, not after epoch-1)
    path, done = experiments._resumable(tmp_path, config)
    assert path.name == "epoch-10.pt" and done["best_epoch"] == 10


def test_missing_freedict_skips_lexicon_source_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    experiments = importlib.import_module("experiments")
    monkeypatch.setattr(experiments, "DICTD", tmp_path)  # no dictionary installed here
    with pytest.raises(experiments.Skip, match=r"dict-freedict-eng-deu.*--no-install"):
        experiments.install_freedict(["de"], allowed=False)
    monkeypatch.setattr(experiments.shutil, "which", lambda name: None)
    with pytest.raises(experiments.Skip, match="apt-get is unavailable"):
        experiments.install_freedict(["de", "el"], allowed=True)
    (tmp_path / "freedict-eng-deu.index").touch()
    experiments.install_freedict(["de"], allowed=False)  # present: nothing to do

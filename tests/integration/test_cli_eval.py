"""``csgen eval baselines`` on the official XQuAD-R files."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from csgen.cli import main
from csgen.eval.run import Setting


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_eval_baselines_with_translate_test(tmp_path, shared):
    xquad_r = shared("xquad-r", "en.json").parent
    de_en = shared("muse", "de-en.txt")
    out = tmp_path / "report.json"
    res = run("eval", "baselines", "--xquad-r", xquad_r, "-s", "moir:en", "-s", "clir:en-de",
              "-s", "clir:de-en", "--translate", f"de={de_en}", "--json", out)
    assert res.exit_code == 0, res.output
    assert "| bm25 | moir | en-en | 1190 |" in res.output
    data = json.loads(out.read_text())
    rows = {(r["system"], r["pair"]): r["metrics"]["mrr@10"] for r in data["report"]["rows"]}
    assert 0.77 < rows[("bm25", "en-en")] < 0.82
    for pair in ("en-de", "de-en"):  # translating the German side helps BM25 a lot
        assert rows[("translate-test", pair)] > rows[("bm25", pair)] + 0.15
    tests = {(t["pair"]): t for t in data["tests"]}
    assert tests["en-de"]["p_bonferroni"] < 1e-10 and tests["en-en"]["t"] == 0.0


def test_eval_baselines_errors(tmp_path, shared):
    xquad_r = shared("xquad-r", "en.json").parent
    res = run("eval", "baselines", "--xquad-r", xquad_r, "-s", "clir:en-xx")
    assert res.exit_code == 1 and "language(s) xx" in res.output and "available: ar" in res.output
    with pytest.raises(Exception, match="moir:X, clir:X-Y or mlir:X"):
        Setting.parse("clir:en")

"""End punctuation in the real MUSE dictionaries (engine version 2).

MUSE holds entries such as ``however, allerdings`` and ``is, sind,``. Compiling strips end
punctuation that both sides share and leaves out entries where it differs (csrc/core/
lexicon.h). Here the counts are checked against a model of that rule written over
``_core.segment``'s tokens and ``unicodedata`` categories, on the files themselves, and
switching is checked to keep the text's punctuation.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pyarrow as pa
import pytest

import csgen
from csgen import _core

WORD, PUNCT, SPACE = 1, 3, 0


def _tokens(text: str) -> list[str]:
    data = text.encode()
    starts, ends, kinds = _core.segment(data)
    return [(data[a:b].decode(), int(k)) for a, b, k in zip(starts, ends, kinds, strict=True)
            if k != SPACE]


def _is_punct(token: tuple[str, int]) -> bool:
    return token[1] == PUNCT and unicodedata.category(token[0][0]).startswith("P")


def model(source: str, target: str) -> str:
    """'skipped', 'none', 'stripped' or 'dropped' for one entry."""
    src, tgt = _tokens(source), _tokens(target)
    if not src or src[0][1] != WORD:
        return "skipped"

    def trailing(toks: list[tuple[str, int]]) -> list[str]:
        out: list[str] = []
        for tok in reversed(toks):
            if not _is_punct(tok):
                break
            out.insert(0, tok[0])
        return out

    ps, pt = trailing(src), trailing(tgt)
    leads = _is_punct(tgt[0])
    if not ps and not pt and not leads:
        return "none"
    if leads or ps != pt or len(pt) == len(tgt):
        return "dropped"
    return "stripped"


@pytest.mark.parametrize("lang, lines_with_commas", [("de", 16), ("vi", 38), ("fr", 37)])
def test_counts_match_the_rule_on_muse(shared, lang, lines_with_commas):
    path: Path = shared("muse", f"en-{lang}.txt")
    lex = csgen.Lexicon.from_muse(path, lang=lang)
    expected = {"stripped": 0, "dropped": 0}
    for source, target in zip(lex.table["source"].to_pylist(), lex.table["target"].to_pylist(),
                              strict=True):
        verdict = model(source, target)
        if verdict in expected:
            expected[verdict] += 1
    compiled = lex.compiled()
    assert (compiled.punct_stripped, compiled.punct_dropped) == (
        expected["stripped"], expected["dropped"])
    # Every "word, word," line of the file is among them (the rest: "yes}}", "%", ...).
    commas = sum(1 for line in path.read_text("utf-8").splitlines() if "," in line)
    assert commas == lines_with_commas
    assert compiled.punct_stripped + compiled.punct_dropped >= commas


def test_switching_keeps_the_texts_punctuation(shared):
    lex = csgen.Lexicon.from_muse(shared("muse", "en-de.txt"), lang="de")
    assert lex.lookup("however,") == [] and lex.lookup("is,") == []
    assert ("de", "allerdings", 1.0) in lex.lookup("however")
    text = ["However, the dog ran.", "It is, I think, fine."]
    out = csgen.Switcher(lex, ratio=1.0, seed=1).switch_array(pa.array(text))
    for src, dst in zip(text, out.text.to_pylist(), strict=True):
        assert [c for c in src if c in ",."] == [c for c in dst if c in ",."], dst
    first = lex.lookup("however")[0][1]  # the first candidate, in file order
    assert out.text[0].as_py().startswith(first[0].upper() + first[1:] + ", ")


def test_the_run_summary_counts_punctuation_entries(shared, tmp_path):
    """csgen switch's manifest summary says how many lexicon entries compiling stripped of
    shared end punctuation or left out for it, as csgen lexicon info does."""
    from csgen import Lexicon, SwitchConfig
    from csgen.io.manifest import read_manifest
    from csgen.lexicon.ops import describe
    from csgen.pipeline import SwitchJob, run_switch

    muse = shared("muse", "en-de.txt")
    sample = Path(__file__).resolve().parents[2] / "examples" / "sample" / "xquad-en.parquet"
    run_switch(SwitchJob(sample, tmp_path / "out", ("question",), (str(muse),),
                         SwitchConfig(ratio=0.5, seed=1), workers=1))
    counts = read_manifest(tmp_path / "out")["summary"]["lexicon_entries"]
    info = describe(Lexicon.from_muse(muse))
    assert counts == {"punct_stripped": info["punct_stripped"],
                      "punct_dropped": info["punct_dropped"]}
    assert counts["punct_stripped"] > 0 and counts["punct_dropped"] > 0

"""The aligned lexicon on the real gold alignments of ../shared/data/alignments."""

from __future__ import annotations

import re

from csgen.lexicon import read_lexicon
from csgen.lexicon.aligned import read_aligned

LINK = re.compile(r"^\d+[-ps]\d+$")


def count_links(path):
    """Alignment links of a Pharaoh file, counted independently of csgen."""
    tokens = path.read_text(encoding="utf-8").split()
    assert all(LINK.match(t) for t in tokens)
    return len(tokens)


def top(lex, word):
    return [t for _, t, _ in lex.lookup(word)]


def test_de_en_gold(shared):
    path = shared("alignments", "deen.src-tgt")
    lex = read_lexicon(path, "aligned", lang="en")  # sibling deen.gold.0idx (0-based)
    prov = lex.provenance[0]
    assert prov["files"][1].endswith("deen.gold.0idx")
    assert prov["links"] == count_links(path.parent / "deen.gold.0idx") == 10_534
    assert prov["sentences"] == 508 and prov["bad_lines"] == 0
    assert top(lex, "und")[0] == "and" and top(lex, "wir")[0] == "we"
    assert top(lex, "nicht")[0] == "not" and top(lex, "kommission")[0] == "Commission"
    assert top(lex, "die")[0] == "the"
    # the 1-based gold with the same links gives the same lexicon
    one = read_aligned(path, lang="en", align=path.parent / "deen.gold", one_based=True)
    assert one.fingerprint() == lex.fingerprint()


def test_en_fr_gold(shared):
    path = shared("alignments", "enfr.src-tgt")
    lex = read_aligned(path, lang="fr")  # sibling enfr.gold, 1-based with p marks
    prov = lex.provenance[0]
    assert prov["one_based"] is True
    assert prov["links"] == count_links(path.parent / "enfr.gold") == 17_438
    assert top(lex, "the")[:3] == ["le", "la", "les"]
    assert top(lex, "we")[0] == "nous" and top(lex, "house")[0] == "Chambre"
    weights = [w for _, _, w in lex.lookup("the")]
    assert weights == sorted(weights, reverse=True)
    sure = read_aligned(path, lang="fr", sure_only=True)
    assert sure.provenance[0]["links_counted"] < prov["links_counted"]


def test_ja_en_reads_with_ascii_white_space_tokens(shared):
    """SOURCE.md counts 6 jaen.gold links past the sentence end, splitting at every Unicode
    space; lines 351-356 hold U+3000 as a token of their own, and split at ASCII white
    space only (as aligners do) every link is in range."""
    path = shared("alignments", "jaen.src-tgt")
    lex = read_aligned(path, lang="en")
    assert lex.provenance[0]["bad_lines"] == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    assert any("\u3000" in line.split(" ||| ")[0].split(" ") for line in lines[350:356])

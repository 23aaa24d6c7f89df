"""csgen lexicon import aligned: a lexicon counted from word-aligned sentence pairs."""

from __future__ import annotations

import pytest

from csgen.errors import ConfigError, EmptyLexiconError, LexiconFormatError
from csgen.lexicon import FORMATS, read_lexicon
from csgen.lexicon.aligned import read_aligned, read_aligned_files

CORPUS = (
    "das Haus ||| the house ||| 0-0 1-1\n"
    "Das Buch , 2 ||| The book , 2 ||| 0-0 1-1 2-2 3-3\n"
    "das ||| that ||| 0-0\n"
    "ein  Haus ||| a House ||| 0-0 1-1\n"
    "Haus ||| House ||| 0-0\n"
)
EXPECTED = [
    ("das", "the", 2 / 3, 1),
    ("das", "that", 1 / 3, 3),
    ("haus", "House", 1.0, 1),
    ("buch", "book", 1.0, 2),
    ("ein", "a", 1.0, 4),
]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def entries(lex):
    return [(r["source"], r["target"], pytest.approx(r["weight"]), r["line"])
            for r in lex.table.to_pylist()]


def test_counts_weights_and_order(tmp_path):
    lex = read_aligned(write(tmp_path, "de-en.txt", CORPUS))
    assert entries(lex) == EXPECTED
    assert lex.langs == ("en",) and lex.source_lang == "de"
    prov = lex.provenance[0]
    assert prov["format"] == "aligned" and prov["files"] == [str(tmp_path / "de-en.txt")]
    assert (prov["sentences"], prov["links"], prov["links_counted"]) == (5, 10, 8)
    assert prov["entries"] == 5 and prov["bad_lines"] == 0


def test_min_count_and_max_candidates(tmp_path):
    path = write(tmp_path, "de-en.txt", CORPUS)
    assert [e[:2] for e in entries(read_aligned(path, min_count=2))] == [
        ("das", "the"), ("haus", "House")]
    assert entries(read_aligned(path, min_count=2))[0][2] == pytest.approx(2 / 3)
    assert [e[:2] for e in entries(read_aligned(path, max_candidates=1))] == [
        ("das", "the"), ("haus", "House"), ("buch", "book"), ("ein", "a")]
    with pytest.raises(EmptyLexiconError):
        read_aligned(path, min_count=4)
    with pytest.raises(ConfigError):
        read_aligned(path, min_count=0)


def split_corpus(tmp_path, prefix, *, one_based=False, mark=""):
    src, tgt, ali = [], [], []
    for line in CORPUS.splitlines():
        s, t, a = (p.strip() for p in line.split("|||"))
        src.append(s)
        tgt.append(t)
        links = [tuple(int(x) for x in link.split("-")) for link in a.split()]
        sep = [mark if k == 0 and mark else "-" for k in range(len(links))]
        ali.append(" ".join(f"{i + one_based}{m}{j + one_based}"
                            for (i, j), m in zip(links, sep, strict=True)))
    return ("\n".join(src) + "\n", "\n".join(tgt) + "\n", "\n".join(ali) + "\n")


def test_three_files_and_prefix(tmp_path):
    src, tgt, ali = split_corpus(tmp_path, "x")
    s, t, a = (write(tmp_path, "corpus." + ext, text)
               for ext, text in (("de", src), ("en", tgt), ("align", ali)))
    lex = read_aligned_files(s, t, a)
    assert entries(lex) == EXPECTED and lex.langs == ("en",) and lex.source_lang == "de"
    assert lex.provenance[0]["files"] == [str(s), str(t), str(a)]
    for ext, text in (("src", src), ("tgt", tgt), ("align", ali)):
        write(tmp_path, "de-en." + ext, text)
    via = read_lexicon(tmp_path / "de-en", "aligned")
    assert "aligned" in FORMATS and entries(via) == EXPECTED


def test_two_field_file_with_sibling_gold(tmp_path):
    """awesome-align layout: X.src-tgt + X.gold (1-based, ``p`` = possible link)."""
    src, tgt, ali = split_corpus(tmp_path, "x", one_based=True, mark="p")
    path = write(tmp_path, "deen.src-tgt", "".join(
        f"{s} ||| {t}\n" for s, t in zip(src.splitlines(), tgt.splitlines(), strict=True)))
    write(tmp_path, "deen.gold", ali)
    lex = read_lexicon(path, "aligned", lang="en")
    assert entries(lex) == EXPECTED and lex.provenance[0]["one_based"] is True
    assert lex.provenance[0]["files"][1] == str(tmp_path / "deen.gold")
    sure = read_aligned(path, lang="en", sure_only=True)  # the first link of each line dropped
    # haus: "house" once, "House" once: the tie goes to the form seen first
    assert [e[:2] for e in entries(sure)] == [("haus", "house"), ("buch", "book")]
    # a 0-based sibling wins over the 1-based gold
    write(tmp_path, "deen.gold.0idx", split_corpus(tmp_path, "x")[2])
    assert entries(read_aligned(path, lang="en")) == EXPECTED
    with pytest.raises(ConfigError, match="target language"):
        read_aligned(path)


@pytest.mark.parametrize(("text", "line", "what"), [
    ("das Haus ||| the house ||| 0-0 1-1\nHaus ||| house ||| 0x0\n", 2, "'0x0' is not an i-j"),
    ("das Haus ||| the house ||| 0-0 1-1\nHaus ||| house ||| 0-\n", 2, "'0-' is not an i-j"),
    ("das Haus ||| the house ||| 0-0 1-2\n", 1, "'1-2' is out of range"),
    ("das ||| the ||| 0-0\nHaus ||| house ||| 1-0\n", 2, "'1-0' is out of range"),
    ("das ||| the ||| 0-0\nHaus ||| house\n", 2, "expected 3 fields"),
    ("das ||| the ||| 0-0\nHaus ||| house ||| 0-0 ||| x\n", 2, "expected 3 fields"),
    ("das ||| the ||| 0-0\n\n", 2, "expected 3 fields"),
])
def test_errors_name_file_and_line(tmp_path, text, line, what):
    path = write(tmp_path, "de-en.txt", text)
    with pytest.raises(LexiconFormatError, match=what) as err:
        read_aligned(path)
    assert (err.value.path, err.value.line) == (str(path), line)
    assert str(err.value).startswith(f"{path}:{line}: ")


def test_first_bad_line_is_reported_whatever_its_kind(tmp_path):
    path = write(tmp_path, "de-en.txt", "a ||| b ||| 0-0\na ||| b ||| 0-3\nc ||| d ||| x\n")
    with pytest.raises(LexiconFormatError, match="out of range") as err:
        read_aligned(path)
    assert err.value.line == 2


def test_errors_in_separate_files(tmp_path):
    s = write(tmp_path, "c.de", "das Haus\nein Buch\nHaus\n")
    t = write(tmp_path, "c.en", "the house\na book\n")
    a = write(tmp_path, "c.align", "0-0 1-1\n0-0 1-1\n0-0\n")
    with pytest.raises(LexiconFormatError, match="has 2 lines but") as err:
        read_aligned_files(s, t, a)
    assert (err.value.path, err.value.line) == (str(t), 3)
    t.write_text("the house\na book\nhouse\n")
    a.write_text("0-0 1-1\n0-0 1-5\n0-0\n")
    with pytest.raises(LexiconFormatError, match="out of range") as err:
        read_aligned_files(s, t, a)
    assert (err.value.path, err.value.line) == (str(a), 2)
    two = write(tmp_path, "de-en.txt", "das ||| the\n")
    with pytest.raises(LexiconFormatError, match="no alignment file") as err:
        read_aligned(two)
    assert err.value.line == 1
    write(tmp_path, "de-en.align", "0-0\n0-0\n")
    with pytest.raises(LexiconFormatError, match="has 1 lines") as err:
        read_aligned(two)
    assert (err.value.path, err.value.line) == (str(two), 2)


def test_skip_bad_counts_lines(tmp_path):
    text = CORPUS + "Haus ||| house ||| 0-9\nBuch ||| book\nBuch ||| book ||| 0_0\n"
    path = write(tmp_path, "de-en.txt", text)
    lex = read_lexicon(path, "aligned", skip_bad=True)
    assert entries(lex) == EXPECTED
    prov = lex.provenance[0]
    assert (prov["bad_lines"], prov["sentences"], prov["links"]) == (3, 5, 10)
    with pytest.raises(LexiconFormatError):
        read_lexicon(path, "aligned")


def test_only_punctuation_and_numbers_is_empty(tmp_path):
    path = write(tmp_path, "de-en.txt", ", 2 ||| . 3,5 ||| 0-0 1-1\n")
    with pytest.raises(EmptyLexiconError, match="no entries"):
        read_aligned(path)

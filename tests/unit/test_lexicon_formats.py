"""TSV and Wikipedia-title readers, skip-bad, filters."""

from pathlib import Path

import pytest

from csgen.errors import ConfigError, EmptyLexiconError, LexiconFormatError
from csgen.lexicon.formats import read_lexicon, read_pairs, read_wikititles, wikititles_langs
from csgen.lexicon.ops import LexiconFilter, describe, filter_lexicon


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_tsv_with_weights_and_phrases(tmp_path):
    text = "red\trouge\t2.5\nNew York\tNew York City\nice cream\tglace\t1\n"
    path = write(tmp_path, "en-fr.tsv", text)
    lex = read_pairs(path, "tsv")
    assert lex.lookup("red") == [("fr", "rouge", 2.5)]
    assert lex.lookup("ice cream") == [("fr", "glace", 1.0)]
    assert lex.source_lang == "en" and lex.provenance[0]["format"] == "tsv"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [("a\tb\n\nc\td\tx\n", 3, "weight 'x' is not a positive number"),
     ("a\tb\tc\td\n", 1, "expected 2 or 3 fields"),
     ("a\tb\t-1\n", 1, "not a positive number"),
     ("a b\n", 1, "expected 2 or 3 fields")],
)
def test_tsv_errors_name_the_line(tmp_path, text, line, message):
    path = write(tmp_path, "en-fr.tsv", text)
    with pytest.raises(LexiconFormatError, match=message) as info:
        read_pairs(path, "tsv")
    assert info.value.line == line and str(info.value).startswith(f"{path}:{line}:")


def test_skip_bad_counts_instead_of_failing(tmp_path):
    path = write(tmp_path, "en-de.txt", "a b\nbad line here\nc d\n\xff\n".replace("\xff", "x y z"))
    lex = read_pairs(path, "muse", skip_bad=True)
    assert len(lex) == 2 and lex.provenance[0]["bad_lines"] == 2
    with pytest.raises(EmptyLexiconError, match=r"all 1 lines are malformed \(first: line 1"):
        read_pairs(write(tmp_path, "en-it.txt", "one two three\n"), "muse", skip_bad=True)


WMT = """\
Paris (band) ||| Paris (band)
Kategorie:Hauptstadt ||| Category:Capital city
Vereinigte Staaten ||| United States
Haus ||| House
Star Wars: Episode I ||| Star Wars: Episode I – The Phantom Menace
Berlin ||| Berlin
Köln (Begriffsklärung) ||| Cologne
"""


def test_wikititles_wmt_layout(tmp_path):
    path = write(tmp_path, "wikititles-v3.de-en.tsv", WMT)
    assert wikititles_langs(path) == ("en", "de")
    lex = read_wikititles(path)
    entries = list(zip(lex.table["source"].to_pylist(), lex.table["target"].to_pylist(),
                       strict=True))
    assert entries == [
        ("Capital city", "Hauptstadt"),
        ("United States", "Vereinigte Staaten"),
        ("House", "Haus"),
        ("Star Wars: Episode I – The Phantom Menace", "Star Wars: Episode I"),
        ("Cologne", "Köln"),
    ]
    assert lex.langs == ("de",) and lex.source_lang == "en"
    assert lex.provenance[0]["dropped_by_normalisation"] == 2  # Paris, Berlin: identical
    assert lex.lookup("united  states") == [("de", "Vereinigte Staaten", 1.0)]
    assert lex.table["line"].to_pylist() == [2, 3, 4, 5, 7]


def test_wikititles_tsv_layout_and_language(tmp_path):
    path = write(tmp_path, "titles.tsv", "Water_(element)\tAgua\nFire\tFuego\n")
    with pytest.raises(ConfigError, match="language"):
        read_wikititles(path)
    lex = read_wikititles(path, lang="es")
    assert lex.table["source"].to_pylist() == ["Water", "Fire"]


def test_read_lexicon_rejects_unknown_format(tmp_path):
    with pytest.raises(ConfigError, match="unknown lexicon format"):
        read_lexicon(tmp_path / "x.txt", "xml")


def test_filters(tmp_path):
    text = "the die\nthe der\nthe the\nhouse haus\nred rot\nnew york\tneu york\nnew neu\n"
    lex = read_pairs(write(tmp_path, "en-de.txt", text), "muse")
    assert len(filter_lexicon(lex, LexiconFilter(drop_identity=True))) == 6
    two = filter_lexicon(lex, LexiconFilter(min_words=2))
    assert two.table["source"].to_pylist() == ["new york"]
    one = filter_lexicon(lex, LexiconFilter(max_words=1, max_candidates=1))
    assert one.table["target"].to_pylist() == ["die", "haus", "rot", "neu"]
    first = filter_lexicon(lex, LexiconFilter(max_sources=2))
    assert first.table["source"].to_pylist() == ["the", "the", "the", "house"]
    kept = filter_lexicon(lex, LexiconFilter(drop_identity=True, max_candidates=1,
                                             max_sources=1))
    assert kept.table["target"].to_pylist() == ["die"]
    assert kept.provenance[-1]["dropped"] == 6
    with pytest.raises(EmptyLexiconError):
        filter_lexicon(lex, LexiconFilter(min_words=3))
    with pytest.raises(ConfigError):
        LexiconFilter(max_words=0)


def test_describe(tmp_path):
    text = "the die\nthe der\nthe the\nhouse haus\nnew york\tneu york\n"
    info = describe(read_pairs(write(tmp_path, "en-de.txt", text), "muse"))
    assert info["entries"] == 5 and info["source_lang"] == "en"
    assert info["languages"]["de"] == {"entries": 5, "sources": 3, "candidates_mean": 5 / 3,
                                       "candidates_max": 3, "ambiguous_sources": 1,
                                       "identity_entries": 1}
    assert info["phrase_words"] == {"1": 4, "2": 1, "3": 0, "4": 0, "5+": 0}
    assert (info["punct_stripped"], info["punct_dropped"]) == (0, 0)


def test_describe_counts_end_punctuation(tmp_path):
    text = "however, allerdings\nis, sind,\nregards, gruesse,\nhouse haus\n"
    info = describe(read_pairs(write(tmp_path, "en-de.txt", text), "muse"))
    assert (info["punct_stripped"], info["punct_dropped"]) == (2, 1)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_file_is_named_as_such(tmp_path, encoding):
    path = tmp_path / "en-de.txt"
    bom = "\ufeff".encode(encoding)
    path.write_bytes(bom + "house Haus\n".encode(encoding))
    with pytest.raises(LexiconFormatError, match=r"en-de.txt:1: the file is UTF-16.*reads UTF-8"):
        read_lexicon(path, "muse")

"""Lexicon loading: MUSE files, errors naming file:line, compiled lookups."""

from pathlib import Path

import pyarrow as pa
import pytest

import csgen
from csgen.errors import (
    ConfigError,
    EmptyLexiconError,
    LexiconFormatError,
    LexiconReadError,
)
from csgen.lexicon import lang_from_path, load_lexicon


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_muse_file_keeps_order_and_languages(tmp_path):
    path = write(tmp_path, "en-de.txt", b"the die\nthe der\nhouse haus\n")
    lex = csgen.Lexicon.from_muse(path)
    assert lex.langs == ("de",) and len(lex) == 3
    assert lex.lookup("The") == [("de", "die", 1.0), ("de", "der", 1.0)]
    assert lex.table.column("line").to_pylist() == [1, 2, 3]


def test_bom_crlf_tabs_and_blank_lines(tmp_path):
    path = write(tmp_path, "en-es.txt",
                 "\ufeffhouse casa\r\n\r\n  \nNew York\tNueva York\r\nred\trojo\n".encode())
    lex = csgen.Lexicon.from_muse(path)
    assert lex.lookup("house") == [("es", "casa", 1.0)]
    assert lex.lookup("new   york") == [("es", "Nueva York", 1.0)]
    assert lex.lookup("red") == [("es", "rojo", 1.0)]
    assert lex.table.column("line").to_pylist() == [1, 4, 5]


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (b"a b\nc d e\n", 2, "expected 2 fields"),
        (b"a b\n\nlonely\n", 3, "found 1"),
        (b"a b\nc d\n\xff\xfe x\n", 3, "invalid UTF-8"),
        (b"a\tb\tc\n", 1, "TAB-separated"),
        (b"ok fine\n\tx\n", 2, "empty source"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path, data, line, message):
    path = write(tmp_path, "en-de.txt", data)
    with pytest.raises(LexiconFormatError, match=message) as info:
        csgen.Lexicon.from_muse(path)
    assert info.value.line == line
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert isinstance(info.value, ValueError)


def test_empty_and_unusable_lexicons(tmp_path):
    with pytest.raises(EmptyLexiconError, match="no entries"):
        csgen.Lexicon.from_muse(write(tmp_path, "en-de.txt", b"\n\n"))
    # Sources that are punctuation or numbers can never match a word.
    with pytest.raises(EmptyLexiconError, match="no usable entry"):
        csgen.Lexicon.from_muse(write(tmp_path, "en-fr.txt", b". .\n42 quarante-deux\n"))


def test_unreadable_lexicon(tmp_path):
    with pytest.raises(LexiconReadError, match="cannot read lexicon") as info:
        csgen.Lexicon.from_muse(tmp_path / "en-de.txt")
    assert isinstance(info.value, OSError)
    (tmp_path / "en-it.txt").mkdir()
    with pytest.raises(LexiconReadError):
        csgen.Lexicon.from_muse(tmp_path / "en-it.txt")


def test_language_from_file_name():
    assert lang_from_path("x/en-de.txt") == "de"
    assert lang_from_path("en-pt_BR.0-5000.txt") == "pt_BR"
    with pytest.raises(ConfigError, match="--lexicon de=PATH"):
        lang_from_path("dictionary.txt")


def test_load_lexicon_spec(tmp_path):
    path = write(tmp_path, "words.txt", b"cat Katze\n")
    assert load_lexicon(f"de={path}").langs == ("de",)
    with pytest.raises(ConfigError):
        load_lexicon(str(path))


def test_from_pairs_errors_name_the_entry():
    with pytest.raises(LexiconFormatError, match="empty target") as info:
        csgen.Lexicon.from_pairs(["a", "b"], ["x", "  "], lang="de")
    assert info.value.line == 2
    with pytest.raises(ConfigError):
        csgen.Lexicon.from_pairs(["a"], ["x", "y"], lang="de")
    with pytest.raises(LexiconFormatError, match="weight"):
        csgen.Lexicon.from_pairs(["a"], ["x"], lang="de", weights=[0.0])


def test_identity_and_duplicates_are_recorded():
    lex = csgen.Lexicon.from_pairs(["the", "the", "the", "cat"], ["the", "die", "die", "Katze"],
                                   lang="de")
    stats = lex.compiled().build_stats
    assert stats["identity"] == 1 and stats["duplicates"] == 1
    assert lex.lookup("the") == [("de", "the", 1.0), ("de", "die", 2.0)]
    assert lex.lookup("the", keep_identity=False) == [("de", "die", 2.0)]


def test_multi_word_keys_normalise_space_and_case():
    lex = csgen.Lexicon.from_pairs(["New  York", "U.S."], ["Nueva York", "EE. UU."], lang="es")
    assert lex.lookup("new york") == [("es", "Nueva York", 1.0)]
    assert lex.lookup("NEW\nYORK") == [("es", "Nueva York", 1.0)]
    assert lex.lookup("new") == []  # a prefix only
    # The final "." both sides share is stripped (engine version 2: a switch never takes the
    # text's punctuation); the inner one is part of the key.
    assert lex.lookup("u.s") == [("es", "EE. UU", 1.0)]
    assert lex.lookup("u.s.") == []
    assert lex.compiled().max_tokens == 3  # "U", ".", "S"
    out = csgen.Switcher(lex, ratio=1.0).switch_array(pa.array(["in the U.S. today"]))
    assert out.text.to_pylist() == ["in the EE. UU. today"]


def test_full_muse_dictionary_loads(shared):
    lex = csgen.Lexicon.from_muse(shared("muse", "en-de.txt"))
    assert len(lex) == 101931
    compiled = lex.compiled()
    # 48,738 lines map a word to itself; 26 of them are numbers, skipped with
    # the other 27 entries whose source is not a word. 26 entries have end punctuation on
    # both sides ("is, sind,"), stripped: 14 of them then repeat an entry (8 identity ones,
    # "wikipedia, wikipedia,"); 3 have it on one side only ("however, allerdings"), left out.
    assert compiled.build_stats["identity"] == 48704
    assert compiled.build_stats["skipped"] == 53
    assert compiled.build_stats["duplicates"] == 14
    assert (compiled.punct_stripped, compiled.punct_dropped) == (26, 3)
    assert ("de", "haus", 1.0) in lex.lookup("House")

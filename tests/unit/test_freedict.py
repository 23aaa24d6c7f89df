"""FreeDict (dictd .index + .dict/.dict.dz) reading: base64, cleaning, errors."""

import doctest
import gzip
import importlib
from pathlib import Path

import pytest

from csgen.errors import (
    ConfigError,
    EmptyLexiconError,
    LexiconFormatError,
    LexiconReadError,
)
from csgen.lexicon import read_lexicon
from csgen.lexicon.freedict import (
    clean_translations,
    decode_base64,
    freedict_langs,
    freedict_paths,
    read_freedict,
    split_targets,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "freedict"
FIXTURE = DATA / "freedict-eng-deu"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

# The fixture's entries as read: (index line, source, target), in rank order.
EXPECTED = [
    (3, "4-wheel drive", "Allradantrieb"),
    (5, "ache", "Schmerz"),
    (5, "ache", "Weh"),
    (5, "ache", "sich sehnen"),
    (5, "ache", "schmerzen"),
    (7, "cat", "Katze"),
    (7, "cat", "Kater"),
    (9, "concerning", "betreffend"),
    (10, "exhaust test", "Abgasuntersuchung"),
    (11, "half", "halb"),
    (12, "house", "Haus"),
    (12, "house", "Gebäude"),
    (13, "house", "Familie"),
    (14, "ladder", "Laufmasche"),
    (14, "ladder", "Fallmasche"),
    (16, "New York", "New York"),
    (17, "run", "laufen"),
    (17, "run", "rennen"),
    (19, "stay at home", "zu Hause bleiben"),
    (19, "stay at home", "daheim"),
    (19, "stay at home", "einigeln"),
]


def b64(n: int) -> str:
    digits = ""
    while True:
        digits = B64[n % 64] + digits
        n //= 64
        if n == 0:
            return digits


def make_dict(tmp_path: Path, entries, name: str = "freedict-eng-deu", *,
              dz: bool = False, extra: str = "") -> Path:
    """Write NAME.index and NAME.dict (or .dict.dz) holding ``entries``, a list of
    ``(index headword, entry text)`` in index order; ``extra`` is appended to the
    index. Returns the index path."""
    data = b""
    lines = []
    for headword, text in entries:
        raw = text.encode() if isinstance(text, str) else text
        lines.append(f"{headword}\t{b64(len(data))}\t{b64(len(raw))}\n")
        data += raw
    index = tmp_path / f"{name}.index"
    index.write_text("".join(lines) + extra, encoding="utf-8")
    if dz:
        (tmp_path / f"{name}.dict.dz").write_bytes(gzip.compress(data, mtime=0))
    else:
        (tmp_path / f"{name}.dict").write_bytes(data)
    return index


def targets_of(tmp_path: Path, translation: str, headword: str = "word /wˈɜːd/"):
    """The reader's targets of one entry. A second, plain entry keeps the lexicon usable
    when compiling leaves every target of the first out (punctuation on one side only,
    as "Was ist los?" for "word": see csrc/core/lexicon.h)."""
    lex = read_freedict(make_dict(tmp_path, [("word", f"{headword}\n{translation}\n"),
                                             ("zzz", "zzz /z/\nSchlaf\n")]))
    table = lex.table
    return [t for s, t in zip(table.column("source").to_pylist(),
                              table.column("target").to_pylist(), strict=True) if s == "word"]


def rows(lex):
    table = lex.table
    return list(zip(table.column("line").to_pylist(), table.column("source").to_pylist(),
                    table.column("target").to_pylist(), strict=True))


# -- the fixture ------------------------------------------------------------------------
def test_fixture_entries_in_rank_order():
    lex = read_freedict(DATA / "freedict-eng-deu.index")
    assert rows(lex) == EXPECTED
    assert lex.langs == ("de",) and lex.source_lang == "en"
    assert set(lex.table.column("weight").to_pylist()) == {1.0}
    assert lex.path == str(DATA / "freedict-eng-deu.index")
    assert lex.name == "freedict-eng-deu.index"
    # index order is the rank: the second "house" entry comes first in the data file
    assert lex.lookup("house") == [("de", "Haus", 1.0), ("de", "Gebäude", 1.0),
                                   ("de", "Familie", 1.0)]
    assert lex.lookup("new york") == [("de", "New York", 1.0)]


def test_fixture_provenance():
    (prov,) = read_freedict(FIXTURE).provenance
    assert prov["format"] == "freedict"
    assert prov["path"] == str(DATA / "freedict-eng-deu.index")
    assert prov["data_path"] == str(DATA / "freedict-eng-deu.dict.dz")
    assert prov["entries"] == len(EXPECTED) == 21
    # 17 non-metadata index lines; "4wd"/"4wheel drive" and "ran"/"run" share an entry
    assert prov["index_lines"] == 17 and prov["headwords"] == 15
    # "Ansatz" (headword "approach / policy"), "…einhalb", "er/sie halbiert",
    # "bezüglichbzgl." (glued abbreviation) and "öffnende runde Klammer("
    assert prov["dropped"] == 5
    assert prov["size"] == (DATA / "freedict-eng-deu.index").stat().st_size


@pytest.mark.parametrize(
    ("given", "data_name"),
    [
        ("freedict-eng-deu.index", "freedict-eng-deu.dict.dz"),
        ("freedict-eng-deu.dict.dz", "freedict-eng-deu.dict.dz"),
        ("freedict-eng-deu.dict", "freedict-eng-deu.dict"),
        ("freedict-eng-deu", "freedict-eng-deu.dict.dz"),
    ],
)
def test_index_dz_dict_or_prefix(given, data_name):
    assert freedict_paths(DATA / given) == (DATA / "freedict-eng-deu.index", DATA / data_name)
    lex = read_freedict(str(DATA / given))
    assert rows(lex) == EXPECTED
    assert lex.provenance[0]["data_path"] == str(DATA / data_name)


def test_plain_dict_when_no_dz(tmp_path):
    index = make_dict(tmp_path, [("house", "house /hˈaʊs/\nHaus <neut>\n")])
    assert freedict_paths(tmp_path / "freedict-eng-deu")[1] == tmp_path / "freedict-eng-deu.dict"
    assert rows(read_freedict(index)) == [(1, "house", "Haus")]


def test_read_lexicon_freedict_format():
    lex = read_lexicon(FIXTURE.with_suffix(".index"), "freedict")
    assert rows(lex) == EXPECTED
    assert rows(read_lexicon(FIXTURE.with_suffix(".index"), "freedict", lang="de")) == EXPECTED


def test_docstring_examples():
    result = doctest.testmod(importlib.import_module("csgen.lexicon.freedict"))
    assert result.attempted > 0 and result.failed == 0


# -- base64 -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("digits", "value"),
    [("A", 0), ("B", 1), ("/", 63), ("BA", 64), ("x", 49), ("B8", 124), ("CU", 148),
     ("BAK3S", 16821714), ("EYbPj", 73511907), ("////////", 2**48 - 1)],
)
def test_decode_base64(digits, value):
    assert decode_base64(digits) == value
    assert b64(value) == digits


@pytest.mark.parametrize("digits", ["", "A=", "A-B", "AB CD", "AAAAAAAAA"])
def test_decode_base64_rejects(digits):
    with pytest.raises(ValueError, match="dictd base64"):
        decode_base64(digits)


def test_index_offsets_decoded_vectorised(tmp_path):
    # entries placed at offsets needing 1, 2 and 3 digits (0, 64.., 4096..)
    pad = "x" * 5000
    entries = [("a", "a /ə/\neins\n"), ("pad", f"{pad}\n"), ("b", "b /bˈiː/\nzwei\n")]
    lines, data = [], b""
    for headword, text in entries:
        raw = text.encode()
        lines.append((headword, len(data), len(raw)))
        data += raw
    assert [b64(offset) for _, offset, _ in lines] == ["A", "M", "BOV"]
    assert [b64(length) for _, _, length in lines] == ["M", "BOJ", "Q"]
    index = make_dict(tmp_path, entries)
    lex = read_freedict(index)
    assert rows(lex) == [(1, "a", "eins"), (3, "b", "zwei")]
    # "pad" is a headword without translation; its 5000-byte line is the headword
    assert lex.provenance[0]["headwords"] == 3


def test_four_field_index_lines(tmp_path):
    # dictfmt --index-keep-orig writes the original headword as a fourth field
    index = make_dict(tmp_path, [("new york", "New York /njˈuː jˈɔːk/\nNew York\n")])
    index.write_text(index.read_text("utf-8").rstrip("\n") + "\tNew York\n", encoding="utf-8")
    assert rows(read_freedict(index)) == [(1, "New York", "New York")]


def test_crlf_lines(tmp_path):
    index = make_dict(tmp_path, [("house", "house /hˈaʊs/\r\nHaus <neut>, Heim\r\n")])
    index.write_bytes(index.read_bytes().replace(b"\n", b"\r\n"))
    assert rows(read_freedict(index)) == [(1, "house", "Haus"), (1, "house", "Heim")]


# -- metadata -----------------------------------------------------------------------------
def test_metadata_entries_are_skipped(tmp_path):
    entries = [
        ("00-database-info", "00-database-info\nThis is metadata, not a word\n"),
        ("00-database-short", "00-database-short\nEnglish-German\n"),
        ("00databasealphabet", "00databasealphabet\nabc\n"),
        ("00databaseutf8", "\n"),
        ("00 gauge", "00 gauge /zˈiəɹəʊ zˈiəɹəʊ ɡˈeɪdʒ/\nSpurweite 00\n"),
        ("house", "house /hˈaʊs/\nHaus\n"),
    ]
    lex = read_freedict(make_dict(tmp_path, entries))
    # "00 gauge" is a real headword: only 00database... and 00-database-... are metadata
    assert rows(lex) == [(5, "00 gauge", "Spurweite 00"), (6, "house", "Haus")]
    assert lex.provenance[0]["index_lines"] == 2


def test_only_metadata_is_empty(tmp_path):
    index = make_dict(tmp_path, [("00-database-info", "00-database-info\nnothing\n")])
    with pytest.raises(EmptyLexiconError, match="no headwords") as info:
        read_freedict(index)
    assert info.value.path == str(index)


def test_empty_index_is_empty(tmp_path):
    index = make_dict(tmp_path, [])
    with pytest.raises(EmptyLexiconError):
        read_freedict(index)


def test_all_dropped_is_empty(tmp_path):
    entries = [("a", "a /ə/\ner/sie\n"), ("b", "b /bˈiː/\n\n")]
    with pytest.raises(EmptyLexiconError, match="2 headwords, 1 translations dropped"):
        read_freedict(make_dict(tmp_path, entries))


# -- cleaning rules -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("translation", "expected"),
    [
        # grammar notes <...>, also with commas inside
        ("Haus <neut>, laufen <v, intr>", ["Haus", "laufen"]),
        # labels [...] in front (one-space indent) and behind
        (" [Am.]  [coll.] Laufmasche <fem>, Fallmasche <fem> [textil.]",
         ["Laufmasche", "Fallmasche"]),
        ("eine heiße Schnitte [Dt.] , eine fesche Katz [Süddt.]  [Ös.]",
         ["eine heiße Schnitte", "eine fesche Katz"]),
        # grammar {...}
        ("Katze {f}, Kater {m}, Katzen {pl}", ["Katze", "Kater", "Katzen"]),
        # comments (...), anywhere, nested, holding brackets
        ("(allein) zu Hause bleiben, daheim (bleiben)", ["zu Hause bleiben", "daheim"]),
        ("(sich (selbst)) einigeln", ["einigeln"]),
        ("betreffs ([+ gen]) <prep> [adm.]", ["betreffs"]),
        ("Haus (groß, alt) bauen", ["Haus bauen"]),
        # sense numbers and semicolons
        ("1. Schmerz, Weh\n2. sich sehnen; schmerzen", ["Schmerz", "Weh", "sich sehnen",
                                                      "schmerzen"]),
        # abbreviations with a pronunciation after a note or label
        ("Abgasuntersuchung <fem> [auto] AU,  /ˈaː ˈuː/", ["Abgasuntersuchung"]),
        ("Abfahrt <fem>Abf.,  /ˈabf/ , Abflug <masc> [transp.]", ["Abfahrt", "Abflug"]),
        # glued abbreviation: that target is dropped
        ("bezüglichbzgl.,  /bˈɛ/ , betreffend", ["betreffend"]),
        # white space collapsed and trimmed; empty pieces are not targets
        ("ein   Haus  , , Heim ,", ["ein Haus", "Heim"]),
        # multi-word targets and ordinary punctuation stay in the table (compiling then
        # leaves these two out: their "!" and "?" would be invented by a switch)
        ("Auf gute Zusammenarbeit!, Was ist los?", ["Auf gute Zusammenarbeit!",
                                                      "Was ist los?"]),
        # leftover markup drops the target
        ("…einhalb <num>, halb", ["halb"]),
        ("er/sie läuft, läuft", ["läuft"]),
        ("öffnende runde Klammer(, Klammer", ["Klammer"]),
        ("was ... angeht, betreffend", ["betreffend"]),
        ('"Zitat", Zitat', ["Zitat"]),
        # duplicates within an entry keep the first
        ("Haus, Heim, Haus", ["Haus", "Heim"]),
    ],
)
def test_cleaning_rules(tmp_path, translation, expected):
    assert targets_of(tmp_path, translation) == expected


def test_dropped_counts_markup_targets(tmp_path):
    text = "word /wˈɜːd/\n…einhalb, halb, er/sie, x(, Haus, Haus\n"
    lex = read_freedict(make_dict(tmp_path, [("word", text)]))
    assert lex.table.column("target").to_pylist() == ["halb", "Haus"]
    assert lex.provenance[0]["dropped"] == 3  # duplicates are not "dropped"


def test_indented_lines_are_not_translations(tmp_path):
    text = ("run /ɹˈʌn/\n"
            "laufen <v, intr>\n"
            "      \"go for a run\"  - laufen gehen\n"
            "         Note: schnell\n"
            "   Synonym: {sprint}\n"
            "   Synonyms: {dash}, {race}\n"
            "\n"
            " see: {running}, {ran}\n"
            "\n"
            "         Note: colours\n")
    assert rows(read_freedict(make_dict(tmp_path, [("run", text)]))) == [(1, "run", "laufen")]


@pytest.mark.parametrize(
    ("headword_line", "source"),
    [
        ("run /ɹˈʌn/", "run"),
        ("run /ɹˈʌn/ <v>", "run"),
        ("run /ɹˈʌn/ (ran /ɹˈan/ <>, run /ɹˈʌn/ <>) <v>", "run"),
        ("run /ɹˈʌn/ <v, v, intr>  ", "run"),
        ("New York /njˈuː jˈɔːk/", "New York"),
        ("24/7 /twˈɛnti fˈɔː sˈɛvən/", None),  # "/" stays in the headword: dropped
        ("left parenthesis /lˈɛft pəɹˈɛnθəsˌɪs/ (()", "left parenthesis"),
        ("hydrogen chloride /hˈaɪdɹədʒən/ (HCI /ˌeɪtʃsˌiːˈaɪ/)", "hydrogen chloride"),
        ("approach / policy / strategy /ɐpɹˈəʊtʃ pˈɒlɪsi stɹˈatədʒi/", None),
        ("Kiel", "Kiel"),  # no pronunciation: the line is the headword
        ("and  so   on /and sˈəʊ ˈɒn/", "and so on"),
        ("… and a half /and ɐ hˈɑːf/", None),
    ],
)
def test_headword_line(tmp_path, headword_line, source):
    index = make_dict(tmp_path, [("x", f"{headword_line}\nÜbersetzung\n"), ("y", "y\nypsilon\n")])
    lex = read_freedict(index)
    expected = [(2, "y", "ypsilon")]
    if source is not None:
        expected.insert(0, (1, source, "Übersetzung"))
    assert rows(lex) == expected
    assert lex.provenance[0]["dropped"] == (source is None)


def test_clean_and_split_functions():
    cleaned = clean_translations(["1. Haus <neut> [arch.]; Heim (eigenes (altes))",
                                  "Abfahrt <fem>Abf.,  /ˈabf/ , Abflug"])
    assert cleaned.to_pylist() == ["Haus; Heim", "Abfahrt , Abflug"]
    targets, line = split_targets(cleaned)
    assert targets.to_pylist() == ["Haus", "Heim", "Abfahrt", "Abflug"]
    assert line.tolist() == [0, 0, 1, 1]


def test_shared_and_overlapping_entries(tmp_path):
    # "house" and "houses" share an entry; the "haus" entry overlaps it
    data = "house /hˈaʊs/\nHaus\nHeim\n".encode()
    haus = data.index(b"Haus")
    index = tmp_path / "freedict-eng-deu.index"
    index.write_text(
        f"haus\t{b64(haus)}\t{b64(len(data) - haus)}\n"
        f"house\tA\t{b64(len(data))}\n"
        f"houses\tA\t{b64(len(data))}\n",
        encoding="utf-8",
    )
    (tmp_path / "freedict-eng-deu.dict").write_bytes(data)
    lex = read_freedict(index)
    assert rows(lex) == [(1, "Haus", "Heim"), (2, "house", "Haus"), (2, "house", "Heim")]
    assert lex.provenance[0]["headwords"] == 2 and lex.provenance[0]["index_lines"] == 3


# -- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("house\tA\n", "got 2 field"),
        ("house\n", "got 1 field"),
        ("house\tA\tB\tC\tD\n", "got 5 field"),
        ("house\tA-\tB\n", "offset 'A-' is not a dictd base64 number"),
        ("house\t\tB\n", "offset '' is not a dictd base64 number"),
        ("house\tA\tB=\n", "length 'B=' is not a dictd base64 number"),
        ("house\tAAAAAAAAA\tB\n", "offset 'AAAAAAAAA'"),
        ("\n", "got 1 field"),
    ],
)
def test_malformed_index_line_names_file_and_line(tmp_path, bad_line, message):
    index = make_dict(tmp_path, [("a", "a /ə/\neins\n"), ("b", "b /bˈiː/\nzwei\n")],
                      extra=bad_line + "c\tA\tB\n")
    with pytest.raises(LexiconFormatError, match=message) as info:
        read_freedict(index)
    assert info.value.line == 3 and info.value.path == str(index)
    assert str(info.value).startswith(f"{index}:3: ")
    assert isinstance(info.value, ValueError)


def test_index_not_utf8(tmp_path):
    index = make_dict(tmp_path, [("a", "a /ə/\neins\n")])
    index.write_bytes(index.read_bytes() + b"h\xffuse\tA\tB\n")
    with pytest.raises(LexiconFormatError, match="not valid UTF-8") as info:
        read_freedict(index)
    assert info.value.line == 2


def test_entry_past_end_of_data(tmp_path):
    index = make_dict(tmp_path, [("a", "a /ə/\neins\n"), ("b", "b /bˈiː/\nzwei\n")])
    data = tmp_path / "freedict-eng-deu.dict"
    data.write_bytes(data.read_bytes()[:-3])  # truncated
    with pytest.raises(LexiconFormatError, match="runs past the end") as info:
        read_freedict(index)
    assert info.value.line == 2 and str(info.value).startswith(f"{index}:2: ")
    assert "truncated" in str(info.value)


def test_offset_far_past_end(tmp_path):
    index = make_dict(tmp_path, [("a", "a /ə/\neins\n")], extra="b\tBAK3S\tB\n")
    with pytest.raises(LexiconFormatError, match="offset 16821714, length 1") as info:
        read_freedict(index)
    assert info.value.line == 2


def test_truncated_dictzip(tmp_path):
    make_dict(tmp_path, [("a", "a /ə/\neins\n" * 50)], dz=True)
    dz = tmp_path / "freedict-eng-deu.dict.dz"
    dz.write_bytes(dz.read_bytes()[:-20])
    with pytest.raises(LexiconFormatError, match="dictzip") as info:
        read_freedict(tmp_path / "freedict-eng-deu.index")
    assert info.value.path == str(dz)


def test_not_gzip(tmp_path):
    make_dict(tmp_path, [("a", "a /ə/\neins\n")])
    (tmp_path / "freedict-eng-deu.dict").rename(tmp_path / "freedict-eng-deu.dict.dz")
    with pytest.raises(LexiconFormatError, match="dictzip"):
        read_freedict(tmp_path / "freedict-eng-deu")


def test_entry_not_utf8_names_index_line(tmp_path):
    index = make_dict(tmp_path, [("a", b"a /\xc9\x99/\neins\n"), ("b", b"b\nzw\xffei\n"),
                                 ("c", b"c\ndrei\n")])
    with pytest.raises(LexiconFormatError, match="not valid UTF-8") as info:
        read_freedict(index)
    assert info.value.line == 2 and info.value.path == str(index)


def test_bad_bytes_outside_entries_are_ignored(tmp_path):
    data = b"\xff\xfejunk\nhouse /h/\nHaus\n"
    (tmp_path / "freedict-eng-deu.dict").write_bytes(data)
    index = tmp_path / "freedict-eng-deu.index"
    index.write_text(f"house\t{b64(7)}\t{b64(len(data) - 7)}\n", encoding="utf-8")
    assert rows(read_freedict(index)) == [(1, "house", "Haus")]


def test_missing_index(tmp_path):
    with pytest.raises(LexiconReadError, match=r"freedict-eng-deu\.index") as info:
        read_freedict(tmp_path / "freedict-eng-deu.dict.dz")
    assert isinstance(info.value, OSError)
    with pytest.raises(LexiconReadError, match="no such file"):
        read_freedict(tmp_path / "nothing")


def test_missing_data(tmp_path):
    make_dict(tmp_path, [("a", "a /ə/\neins\n")])
    (tmp_path / "freedict-eng-deu.dict").unlink()
    with pytest.raises(LexiconReadError, match=r"freedict-eng-deu\.dict\.dz"):
        read_freedict(tmp_path / "freedict-eng-deu.index")
    with pytest.raises(LexiconReadError, match=r"freedict-eng-deu\.dict'"):
        read_freedict(tmp_path / "freedict-eng-deu.dict")


# -- languages ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "langs"),
    [
        ("/usr/share/dictd/freedict-eng-deu.index", ("en", "de")),
        ("freedict-deu-eng.dict.dz", ("de", "en")),
        ("freedict-eng-fra", ("en", "fr")),
        ("freedict-spa-por.index", ("es", "pt")),
        ("freedict-ita-nld.index", ("it", "nl")),
        ("freedict-rus-ara.index", ("ru", "ar")),
        ("freedict-tur-ell.index", ("tr", "el")),
        ("freedict-hin-jpn.index", ("hi", "ja")),
        ("freedict-zho-swe.index", ("zh", "sv")),
        ("freedict-pol-eng.index", ("pl", "en")),
        ("en-de.index", ("en", "de")),
        ("freedict-eng-xyz.index", None),
        ("freedict-kha-eng.index", None),
        ("mydict.index", None),
    ],
)
def test_languages_from_name(name, langs):
    assert freedict_langs(name) == langs


def test_unknown_language_asks_for_lang(tmp_path):
    index = make_dict(tmp_path, [("a", "a /ə/\neins\n")], name="mydict")
    with pytest.raises(ConfigError, match="lang="):
        read_freedict(index)
    lex = read_freedict(index, lang="de")
    assert lex.langs == ("de",) and lex.source_lang is None and len(lex) == 1
    index = make_dict(tmp_path, [("a", "a /ə/\neins\n")], name="freedict-eng-xyz")
    with pytest.raises(ConfigError, match="lang="):
        read_freedict(index)


def test_lang_overrides_name():
    lex = read_freedict(FIXTURE, lang="de-AT")
    assert lex.langs == ("de-AT",) and lex.source_lang == "en"
    with pytest.raises(ConfigError, match="language code"):
        read_freedict(FIXTURE, lang="not a code")

"""The real FreeDict English-German dictionary as Debian installs it.

Facts checked against dict-freedict-eng-deu 2022.04.21-1 (FreeDict eng-deu 1.9-fd1,
"Size: 460315 headwords" in its 00-database-info): 464,234 index lines, 6 of them
metadata, 460,315 distinct entries; read as 733,646 (source, target) pairs, 25,715
translations dropped for leftover markup. Ranges leave room for other versions.
"""

from pathlib import Path

import pyarrow.compute as pc
import pytest

from csgen.lexicon.freedict import read_freedict

INDEX = Path("/usr/share/dictd/freedict-eng-deu.index")


@pytest.fixture(scope="module")
def eng_deu():
    if not INDEX.exists() or not INDEX.with_name("freedict-eng-deu.dict.dz").exists():
        pytest.skip("needs dict-freedict-eng-deu (apt-get install dict-freedict-eng-deu)")
    return read_freedict(INDEX)


def targets(lex, word):
    return [target for _, target, _ in lex.lookup(word)]


def test_counts_and_languages(eng_deu):
    (prov,) = eng_deu.provenance
    assert prov["format"] == "freedict"
    assert prov["data_path"] == str(INDEX.with_name("freedict-eng-deu.dict.dz"))
    assert 400_000 <= prov["headwords"] <= 520_000
    assert prov["headwords"] <= prov["index_lines"] <= prov["headwords"] * 1.05
    assert 650_000 <= prov["entries"] == len(eng_deu) <= 820_000
    assert 0 < prov["dropped"] < prov["entries"] * 0.1
    assert eng_deu.langs == ("de",) and eng_deu.source_lang == "en"
    # many multi-word headwords are phrase entries
    assert pc.sum(pc.match_substring(eng_deu.table["source"], " ")).as_py() > 300_000


def test_known_translations(eng_deu):
    assert "Haus" in targets(eng_deu, "house")
    assert "Hund" in targets(eng_deu, "dog")
    assert targets(eng_deu, "water")[0] == "Wasser"
    assert {"Eis", "Speiseeis"} <= set(targets(eng_deu, "ice cream"))
    assert targets(eng_deu, "New York") == ["New York"]
    assert {"laufen", "rennen"} <= set(targets(eng_deu, "run"))
    assert targets(eng_deu, "a walk in the park") == ["ein Kinderspiel", "ein Spaziergang"]
    # "Hydrogenchlorid <neut> [chem.] HCI,  /.../": the abbreviation is not a target
    assert targets(eng_deu, "hydrogen chloride") == [
        "Chlorwasserstoff", "Wasserstoffchlorid", "Hydrogenchlorid"]
    # "bezüglichbzgl.,  /.../ , betreffend...": the glued target is dropped
    concerning = targets(eng_deu, "concerning")
    assert "betreffend" in concerning
    assert not any(t.startswith("bezüglich") for t in concerning)


def test_no_markup_left(eng_deu):
    table = eng_deu.table
    for column in ("source", "target"):
        text = table[column]
        for char in "/<>{}[]()…\"":
            assert not pc.any(pc.match_substring(text, char)).as_py(), (column, char)
        assert pc.min(pc.utf8_length(text)).as_py() > 0
        assert pc.all(pc.equal(pc.utf8_trim_whitespace(text), text)).as_py()


def test_metadata_skipped_real_headwords_kept(eng_deu):
    source = eng_deu.table["source"]
    assert not pc.any(pc.starts_with(source, "00database")).as_py()
    assert not pc.any(pc.starts_with(source, "00-database")).as_py()
    gauge = eng_deu.table.filter(pc.equal(source, "00 gauge")).to_pylist()
    assert [(r["target"], r["line"]) for r in gauge] == [("Spurweite 00", 58)]


def test_pairs_are_unique_and_lines_are_index_lines(eng_deu):
    table = eng_deu.table
    pairs = pc.binary_join_element_wise(table["source"], table["target"], "\x00")
    assert len(pc.unique(pairs)) == table.num_rows
    line = table["line"]
    assert pc.min(line).as_py() >= 1
    assert pc.max(line).as_py() <= INDEX.read_bytes().count(b"\n")

"""The .csglex file: round trip, mapping, corruption, merge."""

import os

import pyarrow as pa
import pytest

import csgen
from csgen.errors import ConfigError, LexiconReadError
from csgen.lexicon import load_lexicon
from csgen.lexicon.store import CorruptLexiconError, load, merge, read_header, save

DE = csgen.Lexicon.from_pairs(["the", "the", "New York", "house"],
                              ["die", "der", "Neu York", "Haus"], lang="de",
                              weights=[2.0, 1.0, 1.0, 1.0])
AR = csgen.Lexicon.from_pairs(["house"], ["بيت"], lang="ar")


def test_round_trip_keeps_entries_and_metadata(tmp_path):
    path = save(DE, tmp_path / "de.csglex")
    back = load(path)
    assert back.table.equals(DE.table)
    assert back.langs == ("de",) and back.provenance == DE.provenance
    assert back.lookup("new york") == [("de", "Neu York", 1.0)]
    header = read_header(path)
    assert header["entries"] == 4 and header["target_langs"] == ["de"]
    assert header["checksum"].startswith("blake2b-128:")
    assert [p.name for p in tmp_path.iterdir()] == ["de.csglex"]  # no temp file left


def test_entries_are_views_of_the_mapping(tmp_path):
    path = save(DE, tmp_path / "de.csglex")
    back = load(path)
    data = back.table["source"].chunk(0).buffers()[2]
    assert data is not None and not data.is_mutable  # a read-only mapped buffer, not a copy


def test_lang_override_and_spec(tmp_path):
    path = save(DE, tmp_path / "de.csglex")
    assert load_lexicon(f"nl={path}").langs == ("nl",)
    multi = save(merge([DE, AR]), tmp_path / "multi.csglex")
    assert load_lexicon(str(multi)).langs == ("de", "ar")
    with pytest.raises(ConfigError, match="one only"):
        load_lexicon(f"nl={multi}")


@pytest.mark.parametrize("where", ["magic", "header", "payload", "truncate", "version"])
def test_corruption_is_detected(tmp_path, where):
    path = save(DE, tmp_path / "de.csglex")
    data = bytearray(path.read_bytes())
    if where == "magic":
        data[:6] = b"PARQUE"
    elif where == "header":
        data[20] ^= 0xFF
    elif where == "payload":
        data[-100] ^= 0x01
    elif where == "truncate":
        data = data[: len(data) - 500]
    else:
        data[7] = 9
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptLexiconError) as info:
        load(path)
    assert str(path) in str(info.value)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(LexiconReadError):
        load(tmp_path / "nope.csglex")
    empty = tmp_path / "empty.csglex"
    empty.write_bytes(b"")
    with pytest.raises((CorruptLexiconError, LexiconReadError)):
        load(empty)


def test_merge_keeps_order_and_refuses_mixed_sources(tmp_path):
    merged = merge([DE, AR], name="multi")
    assert merged.langs == ("de", "ar") and len(merged) == 5
    assert merged.lookup("house") == [("de", "Haus", 1.0), ("ar", "بيت", 1.0)]
    fr = csgen.Lexicon(AR.table, "fr", source_lang="fr")
    en = csgen.Lexicon(DE.table, "de", source_lang="en")
    with pytest.raises(ConfigError, match="different source languages"):
        merge([en, fr])


def test_switch_accepts_csglex(tmp_path):
    path = save(merge([DE, AR]), tmp_path / "multi.csglex")
    sw = csgen.Switcher([load_lexicon(str(path))], ratio=1.0, lang_weights={"ar": 0})
    out = sw.switch_table(pa.table({"q": ["The house in New York"]}), ["q"])
    assert out["q"][0].as_py() == "Die Haus in Neu York"
    os.remove(path)


@pytest.mark.parametrize("keep", [4, 10, 15])
def test_a_file_cut_inside_its_preamble_is_called_truncated(tmp_path, keep):
    """The first bytes of a valid .csglex (the magic so far) are a truncated file, not
    'bad magic bytes'; other short files are still not .csglex files."""
    path = save(DE, tmp_path / "de.csglex")
    path.write_bytes(path.read_bytes()[:keep])
    with pytest.raises(CorruptLexiconError, match=rf"truncated \.csglex file \({keep} bytes"):
        load(path)
    path.write_bytes(b"PAR1" + bytes(keep))
    with pytest.raises(CorruptLexiconError, match="bad magic bytes"):
        load(path)

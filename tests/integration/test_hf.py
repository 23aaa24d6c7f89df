"""``csgen.hf.switch`` on Hugging Face datasets: equal to the engine row for row, answers
kept valid, HF's cache hit on a second identical call, typed errors."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import pyarrow as pa
import pytest

datasets = pytest.importorskip("datasets", reason="csgen.hf needs datasets (the test extra)")

import csgen.hf  # noqa: E402
from csgen import Lexicon, SwitchConfig, Switcher  # noqa: E402
from csgen.errors import ColumnError, ColumnTypeError, ConfigError  # noqa: E402
from csgen.steps import StepSpec  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SLICE = REPO / "tests" / "data" / "hf" / "xquad-en-60.jsonl"
DE = REPO / "examples" / "sample" / "en-de.txt"
ES = REPO / "examples" / "sample" / "en-es.txt"
COLUMNS = ["question", "context"]


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


@pytest.fixture
def squad(tmp_path: Path):
    """The 60-question XQuAD slice as ``load_dataset("json")`` gives it (cache files)."""
    return datasets.load_dataset("json", data_files=str(SLICE), split="train",
                                 cache_dir=str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def lexicons() -> list[Lexicon]:
    return [Lexicon.from_muse(DE), Lexicon.from_muse(ES)]


def reference(table: pa.Table, lexicons: list[Lexicon], config: SwitchConfig,
              answers: str = "protect", id_column: str | None = None) -> pa.Table:
    """What ``csgen switch`` makes of ``table``: the same chain, on the whole table."""
    steps = StepSpec(tuple(lexicons), config, tuple(COLUMNS), id_column,
                     answers=answers).build()
    return pa.Table.from_batches([steps.process_table(table).batch])


def values(ds) -> dict[str, list]:
    return ds.with_format(None).to_dict()


def answers_hold(rows: dict[str, list]) -> bool:
    return all(ctx[s:s + len(t)] == t
               for ctx, ans in zip(rows["context"], rows["answers"], strict=True)
               for t, s in zip(ans["text"], ans["answer_start"], strict=True))


@pytest.mark.parametrize(("num_proc", "batch_size"), [(None, 16384), (None, 7), (2, 11)])
def test_equals_the_engine_row_for_row(squad, lexicons, num_proc, batch_size) -> None:
    config = SwitchConfig(ratio=0.5, seed=3)
    out = csgen.hf.switch(squad, lexicons, COLUMNS, config=config, num_proc=num_proc,
                          batch_size=batch_size)
    expected = reference(squad.data.table, lexicons, config)
    got = values(out)
    assert out.column_names == expected.column_names
    for name in expected.column_names:
        assert got[name] == expected[name].to_pylist(), name
    assert answers_hold(got)
    assert got["question"] != squad["question"]  # something was switched
    # the record schema of csgen switch; lang a plain string (datasets has no dictionary)
    rec = out.features["context_switches"].feature
    assert list(rec) == ["src_start", "src_end", "dst_start", "dst_end", "lang"]
    assert out.data.table.schema.field("context_switches").type.value_type.field(
        "lang").type == pa.string()


def test_without_answers_it_equals_switch_table(squad, lexicons) -> None:
    plain = squad.remove_columns("answers")
    out = csgen.hf.switch(plain, lexicons, COLUMNS, ratio=0.4, seed=9, num_proc=2,
                          batch_size=13)
    expected = Switcher(lexicons, ratio=0.4, seed=9).switch_table(plain.data.table, COLUMNS)
    got = values(out)
    for name in expected.column_names:
        assert got[name] == expected[name].to_pylist(), name


def test_answers_policies_and_id_column(squad, lexicons) -> None:
    config = SwitchConfig(ratio=1.0, seed=2)
    for policy in ("switch", "protect"):
        out = csgen.hf.switch(squad, lexicons, COLUMNS, config=config, answers=policy,
                              id_column="id", batch_size=17)
        got = values(out)
        expected = reference(squad.data.table, lexicons, config, policy, "id")
        assert got["answers"] == expected["answers"].to_pylist()
        assert got["context"] == expected["context"].to_pylist()
        assert answers_hold(got)
    off = values(csgen.hf.switch(squad, lexicons, COLUMNS, config=config, answers="off"))
    assert off["answers"] == squad["answers"]  # untouched, by explicit choice


def test_a_second_identical_call_loads_hf_cache(squad, lexicons, caplog) -> None:
    first = csgen.hf.switch(squad, lexicons, COLUMNS, ratio=0.5, seed=1, num_proc=2)
    files = [f["filename"] for f in first.cache_files]
    assert files and all(os.path.exists(f) for f in files)
    mtimes = [os.stat(f).st_mtime_ns for f in files]
    with caplog.at_level(logging.INFO, logger="datasets"):
        # another num_proc and batch size: the output is the same, so is the cache
        again = csgen.hf.switch(squad, [Lexicon.from_muse(DE), Lexicon.from_muse(ES)],
                                COLUMNS, ratio=0.5, seed=1, num_proc=2, batch_size=5)
    assert again._fingerprint == first._fingerprint
    assert [f["filename"] for f in again.cache_files] == files
    assert [os.stat(f).st_mtime_ns for f in files] == mtimes  # not rewritten
    assert values(again) == values(first)
    other = csgen.hf.switch(squad, lexicons, COLUMNS, ratio=0.5, seed=2)
    assert other._fingerprint != first._fingerprint


def test_a_dataset_dict_keys_each_split_from_zero(squad, lexicons) -> None:
    dd = datasets.DatasetDict({"train": squad, "test": squad.select(range(30, 60))})
    out = csgen.hf.switch(dd, lexicons, COLUMNS, ratio=0.5, seed=4)
    assert isinstance(out, datasets.DatasetDict) and set(out) == {"train", "test"}
    config = SwitchConfig(ratio=0.5, seed=4)
    test_alone = reference(squad.select(range(30, 60)).with_format("arrow")[:], lexicons,
                           config)
    assert values(out["test"])["context"] == test_alone["context"].to_pylist()
    train = reference(squad.data.table, lexicons, config)
    assert values(out["train"])["context"] == train["context"].to_pylist()
    # rows 30..59 of train were keyed 30..59 there, 0..29 in test
    assert values(out["test"])["context"] != train["context"].to_pylist()[30:]


def test_an_iterable_dataset_streams_the_same_rows(squad, lexicons) -> None:
    config = SwitchConfig(ratio=0.5, seed=5)
    stream = squad.to_iterable_dataset(num_shards=3)
    out = csgen.hf.switch(stream, lexicons, COLUMNS, config=config, batch_size=8)
    assert isinstance(out, datasets.IterableDataset)
    rows = list(out)
    expected = reference(squad.data.table, lexicons, config).to_pylist()
    assert [r["context"] for r in rows] == [r["context"] for r in expected]
    assert [r["answers"] for r in rows] == [r["answers"] for r in expected]
    idd = datasets.IterableDatasetDict({"a": stream})
    out = csgen.hf.switch(idd, lexicons, COLUMNS, config=config)
    assert [r["question"] for r in out["a"]] == [r["question"] for r in expected]


def test_the_format_is_kept(squad, lexicons) -> None:
    out = csgen.hf.switch(squad.with_format("numpy"), lexicons, ["question"], ratio=0.5)
    assert out.format["type"] == "numpy"


def test_bad_columns_are_typed_errors_naming_column_and_file(squad, lexicons) -> None:
    cache_file = squad.cache_files[0]["filename"]
    with pytest.raises(ColumnError) as info:
        csgen.hf.switch(squad, lexicons, ["questions"], ratio=0.5)
    assert "'questions' not found" in str(info.value) and cache_file in str(info.value)
    with pytest.raises(ColumnTypeError) as info:
        csgen.hf.switch(squad, lexicons, ["answers"], ratio=0.5, answers="off")
    assert "'answers'" in str(info.value) and cache_file in str(info.value)
    in_memory = datasets.Dataset.from_dict({"q": [1, 2]})
    with pytest.raises(ColumnTypeError, match="the dataset"):
        csgen.hf.switch(in_memory, lexicons, ["q"], ratio=0.5)
    with pytest.raises(ConfigError, match="answers must be one of"):
        csgen.hf.switch(squad, lexicons, COLUMNS, ratio=0.5, answers="keep")
    with pytest.raises(ConfigError, match="Dataset, DatasetDict"):
        csgen.hf.switch(squad.data.table, lexicons, COLUMNS, ratio=0.5)
    with pytest.raises(ConfigError, match="either a SwitchConfig"):
        csgen.hf.switch(squad, lexicons, COLUMNS, config=SwitchConfig(ratio=0.5), seed=1)


class _LockedLexicon(Lexicon):
    """A user's subclass holding an object that cannot be pickled."""


def test_an_unpicklable_object_is_a_clear_error(squad, lexicons) -> None:
    lex = Lexicon.from_muse(DE)
    lex.__class__ = _LockedLexicon
    lex.lock = threading.Lock()
    with pytest.raises(ConfigError) as info:
        csgen.hf.switch(squad, [lex], COLUMNS, ratio=0.5)
    assert "must be picklable" in str(info.value) and "lock" in str(info.value)


def test_real_xquad_with_full_muse(shared, tmp_path: Path) -> None:
    """All 1190 XQuAD English questions, full MUSE en-de, two processes: equal to the
    engine, every answer still where it says."""
    from csgen.io.readers import ReadOptions, open_source

    source = open_source(str(shared("xquad", "xquad.en.json")), ReadOptions(format="squad"))
    table = pa.Table.from_batches(list(source.batches()), schema=source.schema)
    path = tmp_path / "xquad-en.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                            for r in table.to_pylist()), encoding="utf-8")
    ds = datasets.load_dataset("json", data_files=str(path), split="train",
                               cache_dir=str(tmp_path / "cache"))
    lex = Lexicon.from_muse(shared("muse", "en-de.txt"))
    config = SwitchConfig(ratio=0.5, seed=1)
    out = csgen.hf.switch(ds, [lex], COLUMNS, config=config, num_proc=2)
    got = values(out)
    assert len(got["id"]) == 1190
    assert answers_hold(got)
    expected = reference(ds.data.table, [lex], config)
    assert got["context"] == expected["context"].to_pylist()
    assert got["context_switches"] == expected["context_switches"].to_pylist()

"""csgen.stream: the torch IterableDataset (splitting, epochs, resuming, tokenising)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

torch = pytest.importorskip("torch")

from torch.utils.data import DataLoader  # noqa: E402

from csgen import SwitchConfig, Switcher  # noqa: E402
from csgen.errors import ColumnError, ConfigError, InputError  # noqa: E402
from csgen.lexicon.store import load_lexicon  # noqa: E402
from csgen.stream import SwitchingDataset, collate_pad, epoch_seed  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample"
LEX = str(SAMPLE / "en-de.txt")
N = 240
# fork: workers inherit the installed csgen already imported here (no re-import, no
# source tree on a path); measured 2-3x faster to start than spawn, and no warnings.
CTX = "fork"


@pytest.fixture(scope="module")
def table() -> pa.Table:
    return pq.read_table(SAMPLE / "xquad-en.parquet")


@pytest.fixture(scope="module")
def shards(table, tmp_path_factory) -> Path:
    """Three shards of 100, 100 and 40 rows, row groups of 32 rows."""
    out = tmp_path_factory.mktemp("shards")
    for i, start in enumerate(range(0, N, 100)):
        pq.write_table(table.slice(start, 100), out / f"part-{i:05d}.parquet",
                       row_group_size=32)
    (out / ".part-00003.parquet.123.tmp").write_bytes(b"junk")  # ignored
    return out


def ds_(shards, **kw) -> SwitchingDataset:
    kw.setdefault("index_key", "row")
    kw.setdefault("block_rows", 16)
    return SwitchingDataset(shards, kw.pop("columns", ["question"]), **kw)


def otf(shards, **kw) -> SwitchingDataset:
    kw.setdefault("extra_columns", ["id"])
    return ds_(shards, lexicons=[LEX], config=SwitchConfig(ratio=0.5, seed=3, threads=1), **kw)


def loader(ds, workers=0, batch_size=8) -> DataLoader:
    extra = {"multiprocessing_context": CTX} if workers else {}
    return DataLoader(ds, batch_size=batch_size, num_workers=workers, collate_fn=collate_pad,
                      **extra)


def rows_of(batches) -> list[dict]:
    """Rows back from collate_pad batches (padding cut off by the attention masks)."""
    out = []
    for b in batches:
        for i in range(len(b["row"])):
            row = {}
            for k, v in b.items():
                if k.endswith("_attention_mask"):
                    continue
                if isinstance(v, torch.Tensor) and v.dim() == 2:
                    n = int(b[k.removesuffix("_ids") + "_attention_mask"][i].sum())
                    row[k] = v[i, :n].tolist()
                else:
                    row[k] = v[i].item() if isinstance(v, torch.Tensor) else v[i]
            out.append(row)
    return out


def by_row(rows) -> dict[int, dict]:
    return {r["row"]: r for r in rows}


# -- splitting -------------------------------------------------------------------------------
@pytest.mark.parametrize("workers", [0, 1, 2])
def test_every_row_exactly_once(shards, table, workers):
    rows = rows_of(loader(ds_(shards, extra_columns=["id"]), workers))
    assert sorted(r["row"] for r in rows) == list(range(N))
    assert {r["row"]: r["question"] for r in rows} == dict(
        enumerate(table["question"].to_pylist()))
    assert Counter(r["id"] for r in rows) == Counter(table["id"].to_pylist())


def test_two_ranks_two_workers_disjoint(shards):
    seen = []
    for rank in (0, 1):
        ds = ds_(shards, rank=rank, world_size=2, shuffle=True)
        seen.append([r["row"] for r in rows_of(loader(ds, 2))])
    assert not set(seen[0]) & set(seen[1])
    assert sorted(seen[0] + seen[1]) == list(range(N))
    assert abs(len(seen[0]) - len(seen[1])) <= 2 * 16  # one block per worker at most


def test_shuffle_changes_order_per_epoch_but_not_rows(shards):
    ds = ds_(shards, shuffle=True)
    e0 = [r["row"] for r in rows_of(loader(ds))]
    ds.set_epoch(1)
    e1 = [r["row"] for r in rows_of(loader(ds))]
    assert sorted(e0) == sorted(e1) == list(range(N))
    assert e0 != e1 != list(range(N))
    ds.set_epoch(0)
    assert [r["row"] for r in rows_of(loader(ds))] == e0


# -- on-the-fly switching --------------------------------------------------------------------
def expected(table, epoch) -> dict[int, str]:
    cfg = SwitchConfig(ratio=0.5, seed=epoch_seed(3, epoch), threads=1)
    out = Switcher([load_lexicon(LEX)], cfg).switch_table(table, ["question"])
    return dict(enumerate(out["question"].to_pylist()))


def test_on_the_fly_epochs(shards, table):
    ds = otf(shards)
    e0 = {k: r["question"] for k, r in by_row(rows_of(loader(ds))).items()}
    assert e0 == expected(table, 0)
    assert epoch_seed(3, 0) == 3
    ds.set_epoch(1)
    e1 = {k: r["question"] for k, r in by_row(rows_of(loader(ds))).items()}
    assert e1 == expected(table, 1)
    assert sum(e0[k] != e1[k] for k in e0) > N // 2
    again = otf(shards, shuffle=True, block_rows=50)
    again.set_epoch(1)
    rows = rows_of(loader(again, 2))
    assert {r["row"]: r["question"] for r in rows} == e1  # workers, blocks, shuffle: same
    assert {r["row"]: r["id"] for r in rows} == dict(enumerate(table["id"].to_pylist()))


def test_on_the_fly_id_column_and_switches(shards, table):
    ds = otf(shards, id_column="id", keep_switches=True, extra_columns=())
    rows = by_row(rows_of(loader(ds, 2)))
    cfg = SwitchConfig(ratio=0.5, seed=3, threads=1)
    ref = Switcher([load_lexicon(LEX)], cfg).switch_table(table, ["question"], id_column="id")
    assert [rows[i]["question"] for i in range(N)] == ref["question"].to_pylist()
    assert [rows[i]["question_switches"] for i in range(N)] == \
        ref["question_switches"].to_pylist()


def test_precomputed_csgen_output_equals_epoch_0(shards, table, tmp_path):
    cfg = SwitchConfig(ratio=0.5, seed=3, threads=1)
    out = Switcher([load_lexicon(LEX)], cfg).switch_table(table, ["question"])
    (tmp_path / "out").mkdir()
    for i in range(3):
        pq.write_table(out.slice(80 * i, 80), tmp_path / "out" / f"part-{i:05d}.parquet")
    cols = ["question", "question_switches"]
    stored = by_row(rows_of(loader(ds_(tmp_path / "out", columns=cols), 2)))
    live = by_row(rows_of(loader(otf(shards, keep_switches=True, extra_columns=()), 2)))
    assert stored == live and len(stored) == N


# -- resuming --------------------------------------------------------------------------------
@pytest.mark.parametrize("k", [0, 5, 29, 30])
def test_resume_single_process_exact(shards, k):
    full = rows_of(loader(otf(shards, shuffle=True)))
    ds = otf(shards, shuffle=True)
    ds.set_epoch(0)
    it = iter(loader(ds))
    head = rows_of(next(it) for _ in range(k))
    state = ds.state_dict()
    assert state["epoch"] == 0 and sum(state["rows_done"].values()) == min(8 * k, N)
    fresh = otf(shards, shuffle=True)
    fresh.load_state_dict(state)
    fresh.set_epoch(0)  # same epoch: the resume point is kept
    assert head + rows_of(loader(fresh)) == full


def test_resume_later_epoch(shards):
    ds = otf(shards)
    ds.set_epoch(2)
    full = rows_of(loader(ds))
    it = iter(loader(ds))
    head = rows_of(next(it) for _ in range(3))
    fresh = otf(shards)
    fresh.load_state_dict(ds.state_dict())
    assert fresh.epoch == 2
    assert head + rows_of(loader(fresh)) == full
    fresh.set_epoch(3)  # another epoch drops the resume point
    assert len(rows_of(loader(fresh))) == N


@pytest.mark.parametrize("k", [4, 7])
def test_resume_with_workers(shards, k):
    full = rows_of(loader(otf(shards, shuffle=True), 2))
    ds = otf(shards, shuffle=True)
    it = iter(loader(ds, 2))
    head = rows_of(next(it) for _ in range(k))
    del it
    state = ds.state_dict(batches=k, batch_size=8, num_workers=2)
    fresh = otf(shards, shuffle=True)
    fresh.load_state_dict(state)
    rest = rows_of(loader(fresh, 2))
    assert sorted(r["row"] for r in head + rest) == list(range(N))
    assert by_row(head + rest) == by_row(full)
    if k % 2 == 0:
        assert head + rest == full
    wrong = otf(shards)
    wrong.load_state_dict(state)
    with pytest.raises(ConfigError, match="consumers"):
        rows_of(loader(wrong, 0))


# -- tokenising ------------------------------------------------------------------------------
def test_tokenizer(shards, table, tmp_path):
    from csgen.subword import train_tokenizer

    texts = table["question"].to_pylist() + load_lexicon(LEX).table.column(
        "target").to_pylist()
    model = train_tokenizer(texts, tmp_path / "sp", vocab_size=300,
                            character_coverage=0.98)
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(model))
    ds = otf(shards, tokenizer=model)
    rows = rows_of(loader(ds))
    assert all(sp.decode(r["question_ids"]) == r["question"] for r in rows)
    assert ds.truncated == 0
    lengths = {r["row"]: len(r["question_ids"]) for r in rows}
    cut = otf(shards, tokenizer=model, max_length=12)
    short = by_row(rows_of(loader(cut)))
    assert cut.truncated == sum(n > 12 for n in lengths.values()) > 0
    for i, r in short.items():
        n = min(lengths[i], 12)
        assert r["question_ids"][:n] == by_row(rows)[i]["question_ids"][:n]
    batch = next(iter(loader(cut)))
    assert batch["question_ids"].shape[1] <= 12


def test_collate_pad():
    out = collate_pad([{"q_ids": [1, 2, 3], "q": "a", "n": 1, "x": 0.5, "s": [{"a": 1}]},
                       {"q_ids": [], "q": "b", "n": 2, "x": 1.5, "s": []}], pad_id=9)
    assert out["q_ids"].dtype == torch.long and out["q_ids"].tolist() == [[1, 2, 3], [9, 9, 9]]
    assert out["q_attention_mask"].tolist() == [[1, 1, 1], [0, 0, 0]]
    assert out["q"] == ["a", "b"] and out["n"].tolist() == [1, 2]
    assert out["x"].dtype == torch.float and out["s"] == [[{"a": 1}], []]
    empty = collate_pad([{"q_ids": []}, {"q_ids": []}])
    assert empty["q_ids"].shape == (2, 0)
    assert collate_pad([]) == {}


# -- errors and import -----------------------------------------------------------------------
def test_errors(shards, tmp_path):
    with pytest.raises(ConfigError, match="empty list"):
        SwitchingDataset([], ["question"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="empty"):
        SwitchingDataset(tmp_path / "empty", ["question"])
    with pytest.raises(InputError, match="nope"):
        SwitchingDataset(tmp_path / "nope.parquet", ["question"])
    with pytest.raises(ColumnError, match=r"part-00000\.parquet.*'query'"):
        SwitchingDataset(shards, ["query"])
    with pytest.raises(ConfigError):
        SwitchingDataset(shards, ["question"], lexicons=[LEX])
    with pytest.raises(ConfigError):
        SwitchingDataset(shards, ["question"], rank=2, world_size=2)
    with pytest.raises(ConfigError):
        ds_(shards).set_epoch(-1)


def test_import_csgen_does_not_import_torch(tmp_path):
    code = "import csgen, sys; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-P", "-c", code], check=True, cwd=tmp_path)


def test_docstring_examples():
    import doctest

    import csgen.stream

    result = doctest.testmod(csgen.stream)
    assert result.attempted > 0 and result.failed == 0

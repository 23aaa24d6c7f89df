"""``SwitchingDataset`` over a Hugging Face ``Dataset`` or ``IterableDataset``: the rows and
switches of the same data read from Parquet, each row once across DataLoader workers."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

torch = pytest.importorskip("torch")
datasets = pytest.importorskip("datasets")

from torch.utils.data import DataLoader  # noqa: E402

from csgen import SwitchConfig  # noqa: E402
from csgen.errors import ColumnError, ConfigError  # noqa: E402
from csgen.stream import SwitchingDataset  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample"
LEX = str(SAMPLE / "en-de.txt")
CONFIG = SwitchConfig(ratio=0.5, seed=3, threads=1)


@pytest.fixture(scope="module")
def table() -> pa.Table:
    return pq.read_table(SAMPLE / "xquad-en.parquet")


@pytest.fixture(scope="module")
def from_parquet(table: pa.Table, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """What the Parquet source yields: the reference rows, in row order."""
    path = tmp_path_factory.mktemp("pq") / "part-00000.parquet"
    pq.write_table(table, path, row_group_size=50)
    ds = SwitchingDataset(path, ["question", "context"], lexicons=[LEX], config=CONFIG,
                          extra_columns=["id"], index_key="row", block_rows=16,
                          keep_switches=True)
    return list(ds)


def rows(ds: SwitchingDataset, workers: int) -> list[dict]:
    extra = {"multiprocessing_context": "fork"} if workers else {}
    loader = DataLoader(ds, batch_size=None, num_workers=workers, **extra)
    return sorted(loader, key=lambda r: r["row"])


@pytest.mark.parametrize("workers", [0, 2])
def test_a_dataset_source_gives_the_parquet_rows(table, from_parquet, workers) -> None:
    source = datasets.Dataset(table)
    ds = SwitchingDataset(source, ["question", "context"], lexicons=[LEX], config=CONFIG,
                          extra_columns=["id"], index_key="row", block_rows=16,
                          keep_switches=True, shuffle=workers > 0)
    assert ds.num_rows == 240
    got = rows(ds, workers)
    assert [r["row"] for r in got] == list(range(240))  # each row exactly once
    assert got == from_parquet


@pytest.mark.parametrize("workers", [0, 2])
def test_an_iterable_source_streams_the_parquet_rows(table, from_parquet, workers) -> None:
    stream = datasets.Dataset(table).to_iterable_dataset(num_shards=4)
    ds = SwitchingDataset(stream, ["question", "context"], lexicons=[LEX], config=CONFIG,
                          extra_columns=["id"], index_key="row", block_rows=16,
                          keep_switches=True)
    assert ds.num_rows is None
    got = rows(ds, workers)
    assert [r["row"] for r in got] == list(range(240))
    assert got == from_parquet


def test_iterable_source_resumes_and_refuses_what_it_cannot_do(table) -> None:
    stream = datasets.Dataset(table).to_iterable_dataset()
    ds = SwitchingDataset(stream, ["question"], lexicons=[LEX], config=CONFIG,
                          index_key="row", block_rows=16)
    it = iter(ds)
    first = [next(it) for _ in range(40)]
    state = ds.state_dict()
    resumed = SwitchingDataset(stream, ["question"], lexicons=[LEX], config=CONFIG,
                               index_key="row", block_rows=16)
    resumed.load_state_dict(state)
    assert first + list(resumed) == list(SwitchingDataset(
        stream, ["question"], lexicons=[LEX], config=CONFIG, index_key="row", block_rows=16))
    with pytest.raises(ConfigError, match="cannot be shuffled here"):
        SwitchingDataset(stream, ["question"], shuffle=True)
    with pytest.raises(ConfigError, match="no block list"):
        ds.state_dict(batches=2, batch_size=8)
    with pytest.raises(ColumnError, match="'questions'"):
        SwitchingDataset(datasets.Dataset(table), ["questions"])
    with pytest.raises(ColumnError, match="'questions'"):
        SwitchingDataset(stream, ["questions"])


def test_real_xquad_dataset_source_with_two_workers(shared, tmp_path) -> None:
    """All 1190 XQuAD questions, full MUSE en-de: a datasets.Dataset source read by two
    workers gives what the same rows read from Parquet give."""
    from csgen.io.readers import ReadOptions, open_source

    source = open_source(str(shared("xquad", "xquad.en.json")), ReadOptions(format="squad"))
    table = pa.Table.from_batches(list(source.batches()), schema=source.schema)
    table = table.select(["id", "question", "context"])
    pq.write_table(table, tmp_path / "x.parquet", row_group_size=200)
    lex = str(shared("muse", "en-de.txt"))

    def make(src) -> SwitchingDataset:
        return SwitchingDataset(src, ["question", "context"], lexicons=[lex], config=CONFIG,
                                extra_columns=["id"], index_key="row", block_rows=64)

    assert rows(make(datasets.Dataset(table)), 2) == rows(make(tmp_path / "x.parquet"), 0)

"""``import csgen.polars``: ``df.csgen.switch`` and ``lf.csgen.switch`` (in-memory and
streaming engines) equal ``Switcher.switch_table`` row for row."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pl = pytest.importorskip("polars")

import csgen.polars  # noqa: E402, F401  (registers the namespace)
from csgen import Lexicon, SwitchConfig, Switcher  # noqa: E402
from csgen.errors import ColumnError, ColumnTypeError  # noqa: E402
from csgen.steps import Steps, StepSpec  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SLICE = REPO / "tests" / "data" / "hf" / "xquad-en-60.jsonl"
SAMPLE = REPO / "examples" / "sample"
COLUMNS = ["question", "context"]


@pytest.fixture(scope="module")
def lexicons() -> list[Lexicon]:
    return [Lexicon.from_muse(SAMPLE / "en-de.txt"), Lexicon.from_muse(SAMPLE / "en-ar.txt")]


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 240-question sample 10 times over (2,400 rows) with a row number, in Parquet
    row groups of 100 rows, so the streaming engine sees many batches."""
    table = pq.read_table(SAMPLE / "xquad-en.parquet")
    table = pa.concat_tables([table] * 10)
    table = table.append_column("n", pa.array(range(table.num_rows), pa.int64()))
    path = tmp_path_factory.mktemp("polars") / "big.parquet"
    pq.write_table(table, path, row_group_size=100)
    return path


def same(frame: pl.DataFrame, expected: pa.Table) -> None:
    assert frame.columns == expected.column_names
    for name in expected.column_names:
        assert frame[name].to_list() == expected[name].to_pylist(), name


def test_eager_frame(big: Path, lexicons: list[Lexicon]) -> None:
    table = pq.read_table(big)
    out = pl.read_parquet(big).csgen.switch(lexicons, COLUMNS, ratio=0.5, seed=1)
    same(out, Switcher(lexicons, ratio=0.5, seed=1).switch_table(table, COLUMNS))
    assert out.schema["context_switches"] == pl.List(pl.Struct({
        "src_start": pl.Int32, "src_end": pl.Int32, "dst_start": pl.Int32,
        "dst_end": pl.Int32, "lang": pl.Categorical}))


@pytest.mark.parametrize("engine", ["in-memory", "streaming"])
def test_lazy_frame_in_each_engine(big: Path, lexicons: list[Lexicon], engine: str,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    process = Steps.process_table

    def counted(self, table, row_base=0, stats=None):
        calls.append(table.num_rows)
        return process(self, table, row_base, stats)

    monkeypatch.setattr(Steps, "process_table", counted)
    config = SwitchConfig(ratio=0.5, seed=7, consistent=True)
    lf = pl.scan_parquet(big).csgen.switch(lexicons, COLUMNS, config=config)
    with pl.Config(streaming_chunk_size=100):
        out = lf.collect(engine=engine)
    table = pq.read_table(big)
    same(out, Switcher(lexicons, config).switch_table(table, COLUMNS))
    if engine == "streaming":  # really batch by batch, with the right row keys
        assert len([n for n in calls if n]) > 1


def test_lazy_keys_are_positions_after_the_plan_or_the_id_column(big: Path,
                                                                 lexicons: list[Lexicon]) -> None:
    """A filter before the switch: rows are keyed by their position in what reaches it,
    as switch_table keys the collected frame; with id_column, by the id."""
    lf = pl.scan_parquet(big).filter(pl.col("n") % 3 == 0)
    sw = Switcher(lexicons, ratio=0.5, seed=2)
    collected = lf.collect().to_arrow()
    out = lf.csgen.switch(lexicons, COLUMNS, ratio=0.5, seed=2).collect(engine="streaming")
    same(out, sw.switch_table(collected, COLUMNS))
    out = lf.csgen.switch(lexicons, COLUMNS, ratio=0.5, seed=2, id_column="n").collect(
        engine="streaming")
    same(out, sw.switch_table(collected, COLUMNS, id_column="n"))


def test_squad_answers_stay_valid(lexicons: list[Lexicon]) -> None:
    rows = [json.loads(line) for line in SLICE.read_text(encoding="utf-8").splitlines()]
    df = pl.DataFrame(rows)
    config = SwitchConfig(ratio=1.0, seed=1)
    steps = StepSpec(tuple(lexicons), config, tuple(COLUMNS), answers="protect").build()
    expected = pa.Table.from_batches([steps.process_table(df.to_arrow()).batch])
    for out in (df.csgen.switch(lexicons, COLUMNS, config=config),
                df.lazy().csgen.switch(lexicons, COLUMNS, config=config).collect(
                    engine="streaming")):
        assert out["context"].to_list() == expected["context"].to_pylist()
        for ctx, ans in zip(out["context"].to_list(), out["answers"].to_list(), strict=True):
            for text, start in zip(ans["text"], ans["answer_start"], strict=True):
                assert ctx[start:start + len(text)] == text


def test_bad_columns_are_typed(lexicons: list[Lexicon]) -> None:
    df = pl.DataFrame({"q": ["a house"], "n": [1]})
    with pytest.raises(ColumnError, match="'query' not found"):
        df.csgen.switch(lexicons, ["query"], ratio=0.5)
    with pytest.raises(ColumnTypeError, match="'n'"):
        df.lazy().csgen.switch(lexicons, ["n"], ratio=0.5)


def test_real_xquad_streaming_with_full_muse(shared) -> None:
    from csgen.io.readers import ReadOptions, open_source

    source = open_source(str(shared("xquad", "xquad.de.json")), ReadOptions(format="squad"))
    table = pa.Table.from_batches(list(source.batches()), schema=source.schema)
    lex = Lexicon.from_muse(shared("muse", "de-en.txt"))
    config = SwitchConfig(ratio=0.5, seed=1)
    out = pl.from_arrow(table).lazy().csgen.switch(lex, COLUMNS, config=config).collect(
        engine="streaming")
    steps = StepSpec((lex,), config, tuple(COLUMNS), answers="protect").build()
    expected = pa.Table.from_batches([steps.process_table(table).batch])
    assert out.height == 1190
    assert out["context"].to_list() == expected["context"].to_pylist()
    assert out["answers"].to_list() == expected["answers"].to_pylist()

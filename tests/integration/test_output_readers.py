"""``OUTDIR`` opens with the one-liners users type, in every reader they have open.

The manifest is a hidden, zero-row file of the shards' own format and schema (see
:mod:`csgen.io.manifest`): readers that skip hidden files skip it, the others (polars,
DuckDB) read zero rows of the right schema. Each reader must give back exactly the rows
of the shards, in order; a run of csgen 0.1 (``manifest.json``) still resumes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pds
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from csgen import SwitchConfig
from csgen.cli import main
from csgen.io.manifest import (
    LEGACY_MANIFEST,
    MANIFEST_NAMES,
    encode_manifest,
    manifest_path,
    read_manifest,
)
from csgen.pipeline import SwitchJob, run_switch

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample"
DE = str(SAMPLE / "en-de.txt")


def switch_sample(out: Path, *extra: str) -> None:
    res = CliRunner().invoke(main, ["switch", str(SAMPLE / "xquad-en.parquet"), "-l", DE,
                                    "-r", "0.5", "-c", "question,context", "--seed", "1",
                                    "--shard-rows", "100", "-o", str(out), "-q", *extra],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("readers") / "out"
    switch_sample(out)
    return out


@pytest.fixture(scope="module")
def expected(outdir: Path) -> pa.Table:
    shards = sorted(outdir.glob("part-*.parquet"))
    assert len(shards) == 3  # several shards, so a reader that drops or repeats one shows
    return pa.concat_tables(pq.read_table(p) for p in shards)


def check_rows(ids: list[str], questions: list[str], expected: pa.Table) -> None:
    assert ids == expected["id"].to_pylist()
    assert questions == expected["question"].to_pylist()


def test_layout_is_shards_and_a_hidden_manifest(outdir: Path) -> None:
    names = sorted(p.name for p in outdir.iterdir())
    assert names == [MANIFEST_NAMES["parquet"], "part-00000.parquet", "part-00001.parquet",
                     "part-00002.parquet"]
    manifest = read_manifest(outdir)
    assert manifest["status"] == "complete"
    assert [s["file"] for s in manifest["shards"]] == names[1:]
    # The manifest file is a Parquet file with the shards' schema and no rows.
    meta = pq.read_metadata(outdir / MANIFEST_NAMES["parquet"])
    assert meta.num_rows == 0
    assert meta.schema.to_arrow_schema().remove_metadata().equals(
        pq.read_schema(outdir / "part-00000.parquet").remove_metadata())


def test_pandas_read_parquet(outdir: Path, expected: pa.Table) -> None:
    pandas = pytest.importorskip("pandas", reason="pandas comes with the test extra (datasets)")
    df = pandas.read_parquet(outdir)
    check_rows(df["id"].tolist(), df["question"].tolist(), expected)


def test_pyarrow_read_table_and_dataset(outdir: Path, expected: pa.Table) -> None:
    table = pq.read_table(outdir)
    check_rows(table["id"].to_pylist(), table["question"].to_pylist(), expected)
    table = pds.dataset(outdir, format="parquet").to_table()
    check_rows(table["id"].to_pylist(), table["question"].to_pylist(), expected)


def test_polars_read_and_scan_parquet(outdir: Path, expected: pa.Table) -> None:
    pl = pytest.importorskip("polars")
    for df in (pl.read_parquet(outdir), pl.scan_parquet(outdir).collect()):
        check_rows(df["id"].to_list(), df["question"].to_list(), expected)
        assert df["question_switches"].to_list() == expected["question_switches"].to_pylist()


def test_duckdb_read_parquet(outdir: Path, expected: pa.Table) -> None:
    duckdb = pytest.importorskip("duckdb")
    for pattern in (str(outdir), f"{outdir}/*.parquet", f"{outdir}/**"):
        rows = duckdb.sql(f"SELECT id, question FROM read_parquet('{pattern}')").fetchall()
        check_rows([r[0] for r in rows], [r[1] for r in rows], expected)


def test_hf_datasets_load_dataset(outdir: Path, expected: pa.Table, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    datasets = pytest.importorskip("datasets")
    for ds in (datasets.load_dataset("parquet", data_dir=str(outdir), split="train",
                                     cache_dir=str(tmp_path / "a")),
               datasets.load_dataset(str(outdir), split="train", cache_dir=str(tmp_path / "b"))):
        check_rows(ds["id"], ds["question"], expected)


def test_arrow_shards_open_too(tmp_path: Path, expected: pa.Table) -> None:
    pl = pytest.importorskip("polars")
    out = tmp_path / "arrow"
    switch_sample(out, "--output-format", "arrow")
    assert (out / MANIFEST_NAMES["arrow"]).is_file()
    assert read_manifest(out)["summary"]["rows"] == 240
    table = pds.dataset(out, format="arrow").to_table()
    check_rows(table["id"].to_pylist(), table["question"].to_pylist(), expected)
    df = pl.read_ipc(out)
    check_rows(df["id"].to_list(), df["question"].to_list(), expected)


def test_csgen_manifest_command_prints_the_json(outdir: Path) -> None:
    res = CliRunner().invoke(main, ["manifest", str(outdir)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == read_manifest(outdir)


def test_a_run_of_the_old_layout_resumes_and_moves_to_the_new(tmp_path: Path) -> None:
    """An OUTDIR written by csgen 0.1 (``manifest.json`` among the shards) is resumed:
    its verified shards are reused byte for byte, and the manifest moves to the new name."""
    job = SwitchJob(SAMPLE / "xquad-en.parquet", tmp_path / "old", ("question",), (DE,),
                    SwitchConfig(ratio=0.5, seed=1), shard_rows=100, workers=1)
    run_switch(job)
    out = job.output_dir
    reference = {p.name: p.read_bytes() for p in out.glob("part-*")}
    data = read_manifest(out)
    data["shards"] = data["shards"][:2]  # the old run was interrupted after two shards
    data["status"], data["summary"] = "running", None
    (out / MANIFEST_NAMES["parquet"]).unlink()
    (out / "part-00002.parquet").unlink()
    (out / LEGACY_MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    assert manifest_path(out) == out / LEGACY_MANIFEST
    summary = run_switch(SwitchJob(**{**job.__dict__, "resume": True}))
    assert (summary.shards_reused, summary.shards_written) == (2, 1)
    assert {p.name: p.read_bytes() for p in out.glob("part-*")} == reference
    assert not (out / LEGACY_MANIFEST).exists()
    assert read_manifest(out)["status"] == "complete"


@pytest.mark.parametrize("layout", ["current", "legacy"])
def test_a_manifest_alone_still_makes_outdir_taken(tmp_path: Path, layout: str) -> None:
    """The manifest is hidden but part of the run: an OUTDIR holding only it (either
    layout) is refused without --resume or --overwrite, like one with shards."""
    out = tmp_path / "out"
    switch_sample(out)
    for shard in out.glob("part-*"):
        shard.unlink()
    if layout == "legacy":
        (out / LEGACY_MANIFEST).write_text(json.dumps(read_manifest(out)), encoding="utf-8")
        (out / MANIFEST_NAMES["parquet"]).unlink()
    res = CliRunner().invoke(main, ["switch", str(SAMPLE / "xquad-en.parquet"), "-l", DE,
                                    "-r", "0.5", "-c", "question", "-o", str(out)])
    assert res.exit_code == 1
    assert "output directory is not empty" in res.output


def test_a_broken_manifest_file_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST_NAMES["parquet"]).write_bytes(b"PAR1 not really")
    res = CliRunner().invoke(main, ["manifest", str(out)])
    assert res.exit_code == 1
    assert f"{out / MANIFEST_NAMES['parquet']}: cannot read the manifest" in res.output
    schema = pa.schema([("q", pa.string())])
    (out / MANIFEST_NAMES["parquet"]).write_bytes(
        encode_manifest({"format": "other"}, "parquet", schema))
    res = CliRunner().invoke(main, ["manifest", str(out)])
    assert res.exit_code == 1 and "not a csgen manifest" in res.output


def test_resume_refuses_a_run_of_another_engine_version(tmp_path: Path) -> None:
    """Outputs change with the engine version: a run of another version (here a csgen 0.1
    manifest, which names none: version 1, and a made-up newer one) is refused, naming
    both versions."""
    from csgen import _core
    from csgen.errors import ResumeError

    job = SwitchJob(SAMPLE / "xquad-en.parquet", tmp_path / "out", ("question",), (DE,),
                    SwitchConfig(ratio=0.5, seed=1), shard_rows=100, workers=1)
    run_switch(job)
    now = _core.ENGINE_VERSION
    assert now >= 2 and read_manifest(job.output_dir)["engine_version"] == now
    data = read_manifest(job.output_dir)
    (job.output_dir / MANIFEST_NAMES["parquet"]).unlink()
    for old, written in ((now + 1, now + 1), (1, None)):  # None: csgen 0.1 wrote none
        if written is None:
            data.pop("engine_version")
        else:
            data["engine_version"] = written
        (job.output_dir / LEGACY_MANIFEST).write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(ResumeError, match=f"engine_version: {old} then, {now} now"):
            run_switch(SwitchJob(**{**job.__dict__, "resume": True}))


def test_resume_names_the_added_lexicon(tmp_path: Path) -> None:
    """A --resume refused because a lexicon was added says which one, not two lexicon
    lists cut to the same printed prefix."""
    from csgen.errors import ResumeError

    es = str(SAMPLE / "en-es.txt")
    job = SwitchJob(SAMPLE / "xquad-en.parquet", tmp_path / "out", ("question",), (DE,),
                    SwitchConfig(ratio=0.5, seed=1), shard_rows=100, workers=1)
    run_switch(job)
    with pytest.raises(ResumeError) as info:
        run_switch(SwitchJob(**{**job.__dict__, "lexicons": (DE, es), "resume": True}))
    message = str(info.value)
    assert "lexicons: 1 then, 2 now; added " in message
    assert "en-es.txt" in message

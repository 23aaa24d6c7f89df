"""``csgen switch`` as a pipeline: shards, manifest, resume, workers, determinism."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from csgen import SwitchConfig
from csgen.cli import main
from csgen.errors import ConfigError, OutputExistsError, ResumeError
from csgen.io.manifest import read_manifest
from csgen.io.readers import ReadOptions
from csgen.pipeline import SwitchJob, cut_shards, parse_size, row_bytes, run_switch

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample"
DE = str(SAMPLE / "en-de.txt")
ES = str(SAMPLE / "en-es.txt")


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def job(src, out, **kw) -> SwitchJob:
    config = kw.pop("config", SwitchConfig(ratio=0.5, seed=7))
    return SwitchJob(str(src), out, ("question", "context"), (DE, ES), config, **kw)


def shard_bytes_of(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("part-*"))}


def read_all(out: Path) -> pa.Table:
    """The documented way to open an output directory with pyarrow.dataset (the manifest
    beside the shards is not Parquet)."""
    return ds.dataset(out, format="parquet", exclude_invalid_files=True).to_table()


@pytest.fixture(scope="module")
def sample_rows(tmp_path_factory) -> Path:
    """The 240-row sample repeated to 960 rows (ids made unique), as Parquet."""
    table = pq.read_table(SAMPLE / "xquad-en.parquet")
    tables = []
    for k in range(4):
        ids = [f"{k}-{x}" for x in table.column("id").to_pylist()]
        tables.append(table.set_column(table.schema.get_field_index("id"), "id",
                                       pa.array(ids)))
    path = tmp_path_factory.mktemp("in") / "rows.parquet"
    pq.write_table(pa.concat_tables(tables), path, row_group_size=100)
    return path


def test_cut_shards_depends_on_rows_not_batches():
    table = pa.table({"t": ["x" * (i % 7) for i in range(1000)], "n": np.arange(1000)})
    for rows, size in ((128, None), (None, 3000), (100, 2000)):
        cuts = []
        for batch_rows in (1000, 64, 17):
            tasks = list(cut_shards(iter(table.to_batches(max_chunksize=batch_rows)), rows, size))
            cuts.append([(t.row_start, t.table.num_rows) for t in tasks])
            assert sum(t.table.num_rows for t in tasks) == 1000
            for t in tasks:
                if rows is not None:
                    assert t.table.num_rows <= rows
                if size is not None and t.table.num_rows > 1:
                    assert t.input_bytes <= size
        assert cuts[0] == cuts[1] == cuts[2]


def test_row_bytes_counts_strings_and_fixed_widths():
    batch = pa.record_batch({"s": ["ab", None, "ü"], "i": pa.array([1, 2, 3], pa.int32()),
                             "b": [b"\x00", b"", b"xyz"]})
    assert row_bytes(batch).tolist() == [2 + 4 + 1, 0 + 4 + 0, 2 + 4 + 3]


def test_parse_size():
    assert parse_size("64MiB") == 64 << 20 and parse_size("1.5GB") == 1_500_000_000
    assert parse_size("100") == 100
    with pytest.raises(ConfigError, match="size must be"):
        parse_size("12 parsecs")


def test_output_does_not_depend_on_workers_or_shard_size(sample_rows, tmp_path):
    outputs = {}
    for name, kw in {"w1-rows": {"workers": 1, "shard_rows": 1000},
                     "w2-rows": {"workers": 2, "shard_rows": 100},
                     "w2-bytes": {"workers": 2, "shard_bytes": 300_000},
                     "w1-small-batches": {"workers": 1, "shard_rows": 333,
                                          "read": ReadOptions(batch_rows=50)}}.items():
        summary = run_switch(job(sample_rows, tmp_path / name, **kw))
        assert summary.rows == 960
        outputs[name] = read_all(tmp_path / name)
    first = outputs["w1-rows"]
    assert first.num_rows == 960
    for name, table in outputs.items():
        assert table.equals(first), name
    assert len(list((tmp_path / "w2-rows").glob("part-*.parquet"))) == 10
    # Parquet row groups follow --batch-rows, so equal settings give equal bytes
    again = run_switch(job(sample_rows, tmp_path / "again", workers=2, shard_rows=100))
    assert again.shards_written == 10
    assert shard_bytes_of(tmp_path / "again") == shard_bytes_of(tmp_path / "w2-rows")


def test_manifest_records_run(sample_rows, tmp_path):
    out = tmp_path / "out"
    run_switch(job(sample_rows, out, shard_rows=400, workers=1))
    m = read_manifest(out)
    assert m["status"] == "complete" and m["seed"] == 7
    assert m["params"]["switch"]["ratio"] == 0.5 and m["params"]["shard_rows"] == 400
    assert [s["rows"] for s in m["shards"]] == [400, 400, 160]
    assert [s["row_start"] for s in m["shards"]] == [0, 400, 800]
    assert {lx["langs"][0] for lx in m["lexicons"]} == {"de", "es"}
    assert all(len(lx["fingerprint"]) == 32 for lx in m["lexicons"])
    assert m["input"]["files"][0]["size"] == sample_rows.stat().st_size
    summary = m["summary"]
    assert summary["rows"] == 960 and summary["tokens"] > 0
    q = summary["columns"]["question"]
    assert 0 < q["switched_share"] < 1 and set(q["by_lang"]) == {"de", "es"}
    assert q["out_of_lexicon_rate"] == pytest.approx(1 - q["coverage"])
    import hashlib
    for s in m["shards"]:
        data = (out / s["file"]).read_bytes()
        assert hashlib.blake2b(data, digest_size=16).hexdigest() == s["blake2b"]
        assert len(data) == s["bytes"]


def test_refuses_non_empty_output_and_resumes(sample_rows, tmp_path):
    out = tmp_path / "out"
    run_switch(job(sample_rows, out, shard_rows=300, workers=1))
    reference = shard_bytes_of(out)
    with pytest.raises(OutputExistsError, match=r"--resume .* --overwrite"):
        run_switch(job(sample_rows, out, shard_rows=300, workers=1))
    # lose a shard and corrupt another: resume redoes exactly those
    (out / "part-00001.parquet").unlink()
    with open(out / "part-00002.parquet", "r+b") as f:
        f.seek(100)
        f.write(b"garbage")
    (out / ".part-00003.parquet.999.tmp").write_bytes(b"half")
    summary = run_switch(job(sample_rows, out, shard_rows=300, workers=1, resume=True))
    assert (summary.shards_written, summary.shards_reused) == (2, 2)
    assert summary.rows == 960
    assert shard_bytes_of(out) == reference
    assert not list(out.glob(".*.tmp"))
    # a different run is refused, naming what changed
    other = job(sample_rows, out, shard_rows=300, workers=1, resume=True,
                config=SwitchConfig(ratio=0.5, seed=8))
    with pytest.raises(ResumeError, match="seed"):
        run_switch(other)
    run_switch(job(sample_rows, out, shard_rows=300, workers=1, overwrite=True,
                   config=SwitchConfig(ratio=0.5, seed=8)))
    assert shard_bytes_of(out) != reference


def test_binary_columns_pass_through(tmp_path):
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, size=int(rng.integers(0, 300)), dtype=np.uint8).tobytes()
              for _ in range(50)]
    table = pa.table({"image": images, "caption": ["the city garden"] * 50,
                      "label": pa.array(range(50), pa.int16())})
    src = tmp_path / "in.parquet"
    pq.write_table(table, src)
    j = SwitchJob(str(src), tmp_path / "out", ("caption",), (DE,),
                  SwitchConfig(ratio=1.0, seed=1), shard_rows=16, workers=2)
    run_switch(j)
    out = read_all(tmp_path / "out")
    assert out.column("image").to_pylist() == images
    assert out.column("label").equals(table.column("label"))
    assert out.column("caption")[0].as_py() == "die stadt gartenanlage"


def test_empty_input_gives_one_empty_shard(tmp_path):
    src = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"question": pa.array([], pa.string()),
                             "context": pa.array([], pa.string())}), src)
    summary = run_switch(job(src, tmp_path / "out"))
    assert summary.rows == 0 and len(summary.outputs) == 1
    assert "question_switches" in pq.read_schema(summary.outputs[0]).names


def test_readable_by_pyarrow_polars_and_datasets(sample_rows, tmp_path):
    out = tmp_path / "out"
    run_switch(job(sample_rows, out, shard_rows=500, workers=1))
    reference = read_all(out)
    import polars as pl

    frame = pl.scan_parquet(str(out / "*.parquet")).collect()
    assert frame.height == 960
    assert frame["question"].to_list() == reference.column("question").to_pylist()
    datasets = pytest.importorskip("datasets", reason="HF datasets is in the test extra")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    hf = datasets.load_dataset("parquet", data_files=str(out / "*.parquet"), split="train",
                               cache_dir=str(tmp_path / "hf-cache"))
    assert hf.num_rows == 960 and hf[5]["question"] == reference.column("question")[5].as_py()


def test_arrow_output(sample_rows, tmp_path):
    run_switch(job(sample_rows, tmp_path / "a", shard_rows=500, output_format="arrow"))
    files = sorted((tmp_path / "a").glob("part-*.arrow"))
    assert len(files) == 2
    table = ds.dataset(files, format="arrow").to_table()
    run_switch(job(sample_rows, tmp_path / "p", shard_rows=500))
    assert table.equals(read_all(tmp_path / "p"))


def test_cli_switch_with_progress_lines_and_summary(sample_rows, tmp_path):
    out = tmp_path / "out"
    res = run("switch", sample_rows, "-l", DE, "-r", "0.5", "-c", "question", "-o", out,
              "--shard-rows", "500", "-w", "1")
    assert res.exit_code == 0, res.output
    assert "960 rows, 2 shards written, 0 reused" in res.output
    assert f"csgen manifest {out}" in res.output
    res = run("switch", sample_rows, "-l", DE, "-r", "0.5", "-c", "question", "-o", out,
              "--shard-rows", "500")
    assert res.exit_code == 1 and "not empty" in res.output
    res = run("switch", sample_rows, "-l", DE, "-r", "0.5", "-c", "question", "-o", out,
              "--shard-rows", "500", "--resume", "-q")
    assert res.exit_code == 0 and res.output == ""


KILL_SCRIPT = """
import sys
from csgen import SwitchConfig
from csgen.io.readers import ReadOptions
from csgen.pipeline import SwitchJob, run_switch
src, out, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
job = SwitchJob(src, out, ("question", "context"), (sys.argv[4],),
                SwitchConfig(ratio=0.5, seed=3), read=ReadOptions(batch_rows=64),
                shard_rows=40, workers=workers, resume=True)
run_switch(job)
"""


@pytest.mark.parametrize("workers", [1, 2])
def test_sigkill_then_resume_is_byte_identical(sample_rows, tmp_path, workers):
    reference = tmp_path / "reference"
    # cwd: not the repository root, whose csgen/ has no compiled core
    subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(sample_rows), str(reference),
                    "1", DE], check=True, timeout=300, cwd=tmp_path)
    expected = shard_bytes_of(reference)
    assert len(expected) == 24
    out = tmp_path / "out"
    rng = np.random.default_rng(workers)
    kills = 0
    for _attempt in range(3):
        proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(sample_rows), str(out),
                                 str(workers), DE], stderr=subprocess.DEVNULL, cwd=tmp_path)
        # kill at a random moment once the run has started writing
        deadline = time.monotonic() + 120
        target = int(rng.integers(1, 20))
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list(out.glob("part-*"))) >= target:
                break
            time.sleep(0.005)
        time.sleep(float(rng.uniform(0, 0.05)))
        killed = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        kills += killed
        # whatever is visible is a whole shard
        for path in out.glob("part-*.parquet"):
            pq.read_metadata(path)
    assert kills >= 2  # the runs were interrupted, not finished
    subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(sample_rows), str(out), str(workers),
                    DE], check=True, timeout=300, cwd=tmp_path)
    assert shard_bytes_of(out) == expected
    assert not list(out.glob(".*.tmp"))
    manifest = read_manifest(out)
    assert manifest["status"] == "complete" and len(manifest["shards"]) == 24


def test_bad_input_error_leaves_earlier_shards(tmp_path):
    good = "\n".join(json.dumps({"question": f"the house {i}", "context": "a tree"})
                     for i in range(100))
    src = tmp_path / "in.jsonl"
    src.write_text(good + "\n{not json\n" + good + "\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"in\.jsonl:101"):
        run_switch(job(src, tmp_path / "out", shard_rows=10, workers=1))
    summary = run_switch(job(src, tmp_path / "skip", shard_rows=10, workers=1,
                             read=ReadOptions(on_bad_row="skip")))
    assert summary.rows == 200 and summary.bad_rows == 1
    m = read_manifest(tmp_path / "skip")
    assert m["summary"]["bad_rows"]["count"] == 1


def test_worker_errors_come_back_typed(tmp_path):
    """An error inside a worker process (invalid UTF-8 in a string column) reaches the
    caller as the same typed error, naming the global row."""
    rows = [b"fine text"] * 30 + [b"bad \xff text"] + [b"fine"] * 9
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"question": pa.array(rows, pa.binary()).view(pa.string()),
                             "context": ["x"] * 40}), src)
    from csgen.errors import InvalidTextError

    with pytest.raises(InvalidTextError, match="row 30"):
        run_switch(job(src, tmp_path / "out", shard_rows=10, workers=2))
    out = io.StringIO()
    print(sorted(p.name for p in (tmp_path / "out").iterdir()), file=out)
    assert ".tmp" not in out.getvalue()


def test_progress_lines_when_not_a_terminal():
    from csgen.pipeline import Progress
    from csgen.progress import ProgressReporter

    stream = io.StringIO()
    with ProgressReporter(stream=stream, interval=0.0) as reporter:
        reporter.update(Progress(rows_done=500, input_bytes_done=2_000_000, rows_total=960,
                                 shards_done=1))
    line = stream.getvalue()
    assert line.startswith("csgen: 500 of 960 rows, 1 shards written, 0 reused,")
    assert "rows/s" in line and "MB/s" in line


READERS = Path(__file__).resolve().parents[1] / "data" / "readers"


def test_cli_msmarco_ids_with_column_options(tmp_path):
    """MS MARCO ids joined with collection and queries; per-column ratios and languages,
    consistent switching; ids carried through."""
    out = tmp_path / "out"
    res = run("switch", READERS / "triples.ids.tsv", "-f", "msmarco-ids",
              "--collection", READERS / "collection.tsv", "--queries", READERS / "queries.tsv",
              "-l", DE, "-l", ES, "-r", "query=1,positive=1,negative=0",
              "--langs", "query=de,positive=es", "-c", "query,positive,negative",
              "--consistent", "-o", out, "-q")
    assert res.exit_code == 0, res.output
    table = read_all(out)
    assert table.column("qid").to_pylist()[:3] == [100, 101, 102]
    q_langs = {r["lang"] for rows in table.column("query_switches").to_pylist() for r in rows}
    p_langs = {r["lang"] for rows in table.column("positive_switches").to_pylist()
               for r in rows}
    assert q_langs == {"de"} and p_langs == {"es"}
    assert all(not rows for rows in table.column("negative_switches").to_pylist())
    m = read_manifest(out)
    assert m["params"]["switch"]["consistent"] is True
    assert m["input"]["format"] == "msmarco-ids"
    res = run("switch", READERS / "triples.ids.tsv", "-f", "msmarco-ids", "-l", DE, "-r", "0.5",
              "-c", "query", "-o", tmp_path / "o2", "-q")
    assert res.exit_code == 1 and "collection" in res.output


def test_cli_squad_input_and_mistyped_column_option(tmp_path, shared):
    xquad = shared("xquad", "xquad.en.json")
    out = tmp_path / "out"
    res = run("switch", xquad, "-l", DE, "-r", "0.3", "-c", "question,context", "-o", out,
              "-q", "--shard-rows", "500")
    assert res.exit_code == 0, res.output
    table = read_all(out)
    assert table.num_rows == 1190 and table.schema.field("answers").type.num_fields == 2
    res = run("switch", xquad, "-l", DE, "-r", "questoin=0.3,context=0.5", "-c",
              "question,context", "-o", tmp_path / "o2", "-q")
    assert res.exit_code == 1 and "questoin" in res.output
    assert not (tmp_path / "o2").exists()


def test_memory_url_input(tmp_path):
    fsspec = pytest.importorskip("fsspec", reason="fsspec is in the test extra")
    fs = fsspec.filesystem("memory")
    with fs.open("/csgen-test/a.jsonl", "wb") as f:
        f.write(b'{"question": "the city", "context": "a garden"}\n' * 30)
    summary = run_switch(job("memory:///csgen-test/*.jsonl", tmp_path / "out", shard_rows=7))
    assert summary.rows == 30 and len(summary.outputs) == 5
    fs.rm("/csgen-test", recursive=True)


def test_image_caption_example(tmp_path):
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "examples" / "image_captions.py"
    spec = importlib.util.spec_from_file_location("image_captions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)  # asserts the images are byte-identical
    assert len(list((tmp_path / "switched").glob("part-*.parquet"))) == 4

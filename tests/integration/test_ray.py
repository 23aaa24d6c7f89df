"""Ray: ``csgen.ray.switch`` over a Ray Dataset and ``csgen switch --engine ray`` equal the
local engine row for row (and, for the engine, byte for byte)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ray = pytest.importorskip("ray", reason="Ray is optional: pip install 'csgen[ray]'")

from csgen import Lexicon, SwitchConfig, Switcher  # noqa: E402
from csgen.io.manifest import read_manifest  # noqa: E402
from csgen.io.readers import ReadOptions  # noqa: E402
from csgen.pipeline import SwitchJob, run_job  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample"


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory):
    # Ray workers start in the driver's directory and put it first on sys.path: not the
    # repository root, whose csgen/ has no compiled core.
    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("ray"))
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
                 configure_logging=False)
        yield
    finally:
        ray.shutdown()
        os.chdir(here)


def shard_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("part-*"))}


def test_ray_dataset_equals_local(local_ray):
    import csgen.ray

    table = pq.read_table(SAMPLE / "xquad-en.parquet")
    de = Lexicon.from_muse(SAMPLE / "en-de.txt")
    es = Lexicon.from_muse(SAMPLE / "en-es.txt")
    config = SwitchConfig(ratio=0.5, seed=11)
    local = Switcher([de, es], config).switch_table(table, ["question", "context"],
                                                    id_column="id")
    dataset = ray.data.from_arrow(table).repartition(5)
    out = csgen.ray.switch(dataset, [de, es], ["question", "context"], id_column="id",
                           batch_size=37, concurrency=2, num_cpus=0.5,
                           config=config)
    got = pa.concat_tables(ray.get(out.to_arrow_refs())).sort_by("id")
    expected = local.sort_by("id")
    for name in ("id", "question", "context"):
        assert got.column(name).to_pylist() == expected.column(name).to_pylist()
    assert (got.column("question_switches").to_pylist()
            == expected.column("question_switches").to_pylist())


def test_ray_dataset_needs_id_column(local_ray):
    import csgen.ray
    from csgen.errors import ConfigError

    with pytest.raises(ConfigError, match="id_column"):
        csgen.ray.switch(ray.data.range(3), [str(SAMPLE / "en-de.txt")], ["x"], id_column="",
                         ratio=0.5)


def engine_job(out: Path, engine: str) -> SwitchJob:
    return SwitchJob(str(SAMPLE / "xquad-en.jsonl"), out, ("question", "context"),
                     (str(SAMPLE / "en-de.txt"), str(SAMPLE / "en-es.txt")),
                     SwitchConfig(ratio=0.5, seed=5), read=ReadOptions(batch_rows=20),
                     shard_rows=50, workers=2, engine=engine)


@pytest.fixture
def executors(monkeypatch):
    """Every executor a run makes, as made."""
    from csgen.pipeline import run

    made = []

    def recording(*args, **kwargs):
        made.append(run_module_make(*args, **kwargs))
        return made[-1]

    run_module_make = run.make_executor
    monkeypatch.setattr(run, "make_executor", recording)
    return made


def test_engine_ray_writes_the_local_shards_and_manifest(local_ray, tmp_path, executors):
    from csgen.pipeline.executors.ray import RayExecutor

    run_job(engine_job(tmp_path / "local", "local"))
    summary = run_job(engine_job(tmp_path / "ray", "ray"))
    assert summary.shards_written == 5
    assert shard_bytes(tmp_path / "ray") == shard_bytes(tmp_path / "local")
    m_local = read_manifest(tmp_path / "local")
    m_ray = read_manifest(tmp_path / "ray")
    assert m_ray["shards"] == m_local["shards"]
    assert m_ray["summary"]["columns"] == m_local["summary"]["columns"]
    assert m_ray["runs"][0]["engine"] == "ray"
    # the shards were switched by Ray actors, in other processes than this one
    ray_executor = executors[-1]
    assert isinstance(ray_executor, RayExecutor)
    assert sorted(ray_executor.ran) == list(range(5))
    assert os.getpid() not in ray_executor.ran.values()


def test_an_actor_killed_mid_shard_is_retried_to_the_same_bytes(local_ray, tmp_path):
    """The actor running shard 2 dies (os._exit) after switching its first row group;
    Ray restarts it and retries the task; the run ends as an undisturbed one, byte for
    byte, and another process finished the work."""
    from ray import cloudpickle

    from csgen.pipeline import run_switch
    from csgen.pipeline.executors.ray import RayExecutor, ShardActor

    marker = tmp_path / "died"

    class DiesOnce(ShardActor):
        def run(self, task):
            if task.index == 2 and not marker.exists():
                marker.write_text(str(os.getpid()))
                process = self.worker.steps.process_table

                def process_then_die(*args, **kwargs):
                    process(*args, **kwargs)
                    os._exit(1)

                self.worker.steps.process_table = process_then_die
            return super().run(task)

    # the actor class lives in this test module, which Ray's workers cannot import
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    made = []

    def factory(setup, workers):
        made.append(RayExecutor(setup, workers, actor_class=DiesOnce))
        return made[-1]

    try:
        run_switch(engine_job(tmp_path / "ray", "ray"), executor_factory=factory)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    run_job(engine_job(tmp_path / "local", "local"))
    assert marker.exists()  # it did die
    assert made[0].ran[2] != int(marker.read_text())  # shard 2 was finished elsewhere
    assert shard_bytes(tmp_path / "ray") == shard_bytes(tmp_path / "local")
    assert read_manifest(tmp_path / "ray")["shards"] == read_manifest(tmp_path / "local")["shards"]


def test_ray_read_parquet_opens_an_output_directory(local_ray, tmp_path):
    """``ray.data.read_parquet(OUTDIR)`` reads the shards; the hidden manifest is skipped."""
    out = tmp_path / "out"
    job = SwitchJob(SAMPLE / "xquad-en.parquet", out, ("question",),
                    (str(SAMPLE / "en-de.txt"),), SwitchConfig(ratio=0.5, seed=1),
                    shard_rows=100, workers=1)
    run_job(job)
    expected = pa.concat_tables(pq.read_table(p) for p in sorted(out.glob("part-*")))
    got = pa.concat_tables(ray.get(ray.data.read_parquet(str(out)).to_arrow_refs()))
    assert sorted(got["id"].to_pylist()) == sorted(expected["id"].to_pylist())
    assert got.num_rows == expected.num_rows == 240

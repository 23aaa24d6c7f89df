"""Crash safety of shard writing: SIGKILL at the exact points of an atomic write, and a
full disk.

``tests/integration/test_pipeline.py::test_sigkill_then_resume_is_byte_identical`` kills
runs at random moments; here the kill lands on purpose at each step of
:func:`csgen.io.writers.write_atomic` (the only writer of shards and of the manifest):
with the temporary file complete but not renamed, with it torn half-way, and right after
the rename, before the manifest lists the new shard (or, for the manifest itself, right
after it changed). Whatever is visible after a kill is a whole shard, and ``--resume``
finishes with shards and a manifest identical to an uninterrupted run. A full disk
(ENOSPC, patched on the k-th write, and a real 1 MiB tmpfs) is a typed ``OutputError``
naming the file, earlier shards and the manifest stay consistent, no temporary file is
left, and resuming once space is back gives the same bytes.
"""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import csgen.io.writers as writers
from csgen import SwitchConfig
from csgen.errors import OutputError
from csgen.io.manifest import MANIFEST_NAMES, manifest_path, read_manifest
from csgen.io.readers import ReadOptions
from csgen.pipeline import SwitchJob, run_switch

MANIFEST = MANIFEST_NAMES["parquet"]

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample"
DE = str(SAMPLE / "en-de.txt")
SHARD_ROWS = 40


@pytest.fixture(scope="module")
def sample_rows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 240-row sample repeated to 960 rows (ids made unique), as Parquet."""
    table = pq.read_table(SAMPLE / "xquad-en.parquet")
    tables = []
    for k in range(4):
        ids = [f"{k}-{x}" for x in table.column("id").to_pylist()]
        tables.append(table.set_column(table.schema.get_field_index("id"), "id", pa.array(ids)))
    path = tmp_path_factory.mktemp("in") / "rows.parquet"
    pq.write_table(pa.concat_tables(tables), path, row_group_size=100)
    return path


def shard_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("part-*"))}


def stable_manifest(out: Path) -> dict[str, Any]:
    """The manifest without what depends on the clock (times, speeds, the run log)."""
    m = read_manifest(out)
    for key in ("created", "updated", "runs"):
        m.pop(key)
    for key in ("seconds", "rows_per_s", "mb_per_s"):
        m["summary"].pop(key)
    return m


def check_consistent(out: Path, reference: dict[str, bytes] | None = None) -> list[str]:
    """What an interrupted or failed run may leave: a manifest (if any) whose every shard
    exists with its size and checksum, and visible shards that are whole (identical to the
    uninterrupted run's when ``reference`` is given). Returns the listed shard files."""
    listed: list[str] = []
    if manifest_path(out) is not None:
        m = read_manifest(out)
        for s in m["shards"]:
            data = (out / s["file"]).read_bytes()
            assert len(data) == s["bytes"]
            assert hashlib.blake2b(data, digest_size=16).hexdigest() == s["blake2b"]
            listed.append(s["file"])
    for path in out.glob("part-*"):
        if reference is not None:
            assert path.read_bytes() == reference[path.name], f"{path.name} is not whole"
        pq.read_metadata(path)
    return listed


# -- SIGKILL at each step of an atomic write -------------------------------------------------------

#: Installed in every process of a run under test (the main one, and spawned workers through
#: their initializer). ``CSGEN_CRASH_AT=ROLE:PHASE:PREFIX:K`` kills the run at the K-th
#: ``os.replace`` onto a file named ``PREFIX*`` in a process of that role (``main``: the
#: manifest, and the shards of the local engine's threads; ``worker``: shards written by
#: worker processes); the phase and the file go to ``CSGEN_CRASH_LOG``.
HOOK = '''
import os
import signal

_real_replace = os.replace
_calls = 0


def install(role):
    spec = os.environ.get("CSGEN_CRASH_AT")
    if not spec:
        return
    want_role, phase, prefix, k = spec.split(":")
    if want_role != role:
        return

    def replace(src, dst, *args, **kwargs):
        global _calls
        if not os.path.basename(dst).startswith(prefix):
            return _real_replace(src, dst, *args, **kwargs)
        _calls += 1
        if _calls != int(k):
            return _real_replace(src, dst, *args, **kwargs)
        if phase == "torn-tmp":  # the write stopped half-way
            os.truncate(src, os.path.getsize(src) // 2)
        elif phase == "after-rename":
            _real_replace(src, dst, *args, **kwargs)
        with open(os.environ["CSGEN_CRASH_LOG"], "a") as log:
            log.write(f"{phase} {os.path.basename(dst)}\\n")
        if role == "worker":
            os.kill(os.getppid(), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)

    os.replace = replace


def init_worker(setup):
    from csgen.pipeline.executors import processes

    install("worker")
    processes.init_process(setup)
'''

RUNNER = '''
import sys

import crash_hook
from csgen import SwitchConfig, pipeline
from csgen.io.readers import ReadOptions
from csgen.pipeline.executors import processes

if __name__ == "__main__":
    crash_hook.install("main")
    processes.init_process = crash_hook.init_worker  # spawned workers install it too
    src, out, workers, lexicon, engine = sys.argv[1:6]
    job = pipeline.SwitchJob(src, out, ("question", "context"), (lexicon,),
                             SwitchConfig(ratio=0.5, seed=3), read=ReadOptions(batch_rows=64),
                             shard_rows=SHARD_ROWS, workers=int(workers), resume=True,
                             engine=engine)
    pipeline.run_switch(job)
'''.replace("SHARD_ROWS", str(SHARD_ROWS))


@pytest.fixture
def runner(tmp_path: Path) -> Path:
    (tmp_path / "crash_hook.py").write_text(textwrap.dedent(HOOK), encoding="utf-8")
    script = tmp_path / "run_job.py"
    script.write_text(RUNNER, encoding="utf-8")
    return script


def run_job(script: Path, src: Path, out: Path, workers: int, crash_at: str | None = None,
            engine: str = "local") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(script.parent),
           "CSGEN_CRASH_LOG": str(script.parent / "crash.log")}
    env.pop("CSGEN_CRASH_AT", None)
    if crash_at is not None:
        env["CSGEN_CRASH_AT"] = crash_at
    # cwd: not the repository root, whose csgen/ has no compiled core
    return subprocess.run([sys.executable, str(script), str(src), str(out), str(workers), DE,
                           engine],
                          capture_output=True, text=True, timeout=300, cwd=script.parent,
                          env=env)


def kill_schedule(engine: str, rng: np.random.Generator) -> list[str]:
    """``CSGEN_CRASH_AT`` values covering every phase on shards and on the manifest, in a
    random order, each at a random K-th write of its kind (the manifest is written by the
    main process; shards by its threads with the local engine, by worker processes with
    the processes engine)."""
    shards = "worker" if engine == "processes" else "main"
    plan = []
    for phase in ("before-rename", "torn-tmp", "after-rename"):
        plan.append(f"{shards}:{phase}:part-:{int(rng.integers(1, 3))}")
        plan.append(f"main:{phase}:{MANIFEST}:{int(rng.integers(1, 4))}")
    return [plan[i] for i in rng.permutation(len(plan))]


@pytest.mark.parametrize(("engine", "workers"), [("local", 1), ("local", 2), ("processes", 2)])
def test_sigkill_inside_atomic_writes_then_resume(sample_rows: Path, runner: Path,
                                                  tmp_path: Path, engine: str,
                                                  workers: int) -> None:
    """Kill the run (SIGKILL, the whole run) with a shard's temporary file complete but not
    renamed, torn half-way, and just renamed but not yet in the manifest, and the same
    three points of a manifest update; a few kill points in a row, K at random. After each
    kill every visible shard is whole and the manifest lists only verified shards; the
    final ``--resume`` gives the uninterrupted run's shards and manifest, byte for byte."""
    reference = tmp_path / "reference"
    done = run_job(runner, sample_rows, reference, 1)
    assert done.returncode == 0, done.stderr
    expected = shard_bytes(reference)
    assert len(expected) == 960 // SHARD_ROWS
    out = tmp_path / "out"
    log = runner.parent / "crash.log"
    rng = np.random.default_rng(20 + workers)
    schedule = kill_schedule(engine, rng)
    if engine == "processes":
        schedule = schedule[:4]  # spawning workers is slow: four of the six points
    for crash_at in schedule:
        target = crash_at.split(":")[2]
        log.unlink(missing_ok=True)
        proc = run_job(runner, sample_rows, out, workers, crash_at, engine)
        assert proc.returncode == -signal.SIGKILL, (crash_at, proc.returncode, proc.stderr)
        # with two workers both may reach their K-th write: the first one killed the run
        phase, replaced = log.read_text().splitlines()[0].split()
        assert phase == crash_at.split(":")[1] and replaced.startswith(target), (crash_at,
                                                                                 replaced)
        listed = check_consistent(out, expected)
        visible = sorted(p.name for p in out.glob("part-*"))
        if phase == "after-rename" and target == "part-":
            # the shard is whole on disk, the manifest does not list it yet
            assert replaced in visible and replaced not in listed
    final = run_job(runner, sample_rows, out, workers, engine=engine)
    assert final.returncode == 0, final.stderr
    assert shard_bytes(out) == expected
    assert stable_manifest(out) == stable_manifest(reference)
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    runs = read_manifest(out)["runs"]
    assert runs[-1]["shards_reused"] == len(listed)  # listed shards were kept, not redone


# -- a full disk -----------------------------------------------------------------------------------


def job(src: Path, out: Path, **kw: Any) -> SwitchJob:
    return SwitchJob(str(src), out, ("question", "context"), (DE,), SwitchConfig(ratio=0.5, seed=3),
                     read=ReadOptions(batch_rows=64), shard_rows=SHARD_ROWS, **kw)


class _FullDisk:
    """A file whose writes fail half-way with ENOSPC, as a full disk does."""

    def __init__(self, f: Any) -> None:
        self._f = f

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self._f.write(view[: len(view) // 2])
        self._f.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._f.close()


def disk_full_at(monkeypatch: pytest.MonkeyPatch, prefix: str, k: int) -> None:
    """Make the ``k``-th (0-based) atomic write of a file named ``prefix*`` hit ENOSPC."""
    seen = {"n": 0}

    def fake_open(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        f = open(path, mode, *args, **kwargs)  # noqa: SIM115 - handed to the caller
        if "w" in mode and Path(path).name.startswith(f".{prefix}"):
            seen["n"] += 1
            if seen["n"] == k + 1:
                return _FullDisk(f)
        return f

    monkeypatch.setattr(writers, "open", fake_open, raising=False)


@pytest.fixture(scope="module")
def reference_out(sample_rows: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "out"
    run_switch(job(sample_rows, out, workers=1))
    return out


@pytest.mark.parametrize(("prefix", "k"), [("part-", 0), ("part-", 3), (MANIFEST, 5)],
                         ids=["first-shard", "fourth-shard", "sixth-manifest-update"])
def test_disk_full_is_typed_and_resumable(sample_rows: Path, reference_out: Path,
                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          prefix: str, k: int) -> None:
    """ENOSPC on the k-th shard (or manifest) write: OutputError naming that file and
    "No space left on device"; the shards before it and the manifest are intact and
    consistent, nothing half-written or temporary is left (a shard the manifest could not
    list is removed with it; no shard at all: no OUTDIR); ``--resume`` once the disk has
    room gives the uninterrupted run's bytes. A failed shard stops the worker before the
    next shard; a failed manifest update is found by the main thread while the worker
    thread may finish the shard it has begun, which is then listed too."""
    out = tmp_path / "out"
    disk_full_at(monkeypatch, prefix, k)
    with pytest.raises(OutputError) as info:
        run_switch(job(sample_rows, out, workers=1))
    message = str(info.value)
    assert "No space left on device" in message
    failed_file = f"part-{k:05d}.parquet" if prefix == "part-" else MANIFEST
    assert message.startswith(f"{out / failed_file}: cannot write")
    # manifest writes: #0 at the start, then one after each shard; the 6th follows shard 4
    finished = k if prefix == "part-" else k - 1
    if finished == 0:
        assert not out.exists()
    else:
        names = sorted(p.name for p in out.iterdir())
        listed = check_consistent(out, shard_bytes(reference_out))
        assert listed[:finished] == [f"part-{i:05d}.parquet" for i in range(finished)]
        in_flight = [] if prefix == "part-" else [f"part-{finished + 1:05d}.parquet"]
        assert set(listed[finished:]) <= set(in_flight)
        assert names == sorted([*listed, MANIFEST])  # no .tmp, no unlisted shard
        m = read_manifest(out)
        assert m["status"] == "running"
    monkeypatch.undo()
    summary = run_switch(job(sample_rows, out, workers=1, resume=True))
    assert summary.shards_reused == (len(listed) if finished else 0)
    assert shard_bytes(out) == shard_bytes(reference_out)
    assert stable_manifest(out) == stable_manifest(reference_out)


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MiB tmpfs (we run as root); skipped where mounting is not permitted."""
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.mark.parametrize(("engine", "workers"), [("local", 1), ("local", 2), ("processes", 2)])
def test_real_full_tmpfs_then_resume_after_freeing_space(sample_rows: Path, tiny_tmpfs: Path,
                                                         tmp_path: Path, engine: str,
                                                         workers: int) -> None:
    """A run writing uncompressed shards into a 1 MiB tmpfs fails with OutputError naming
    the file that did not fit and "No space left on device" (from a worker process too);
    what it leaves is consistent and holds no temporary file; after growing the tmpfs to
    64 MiB, ``--resume`` finishes with the bytes of a run on a roomy disk."""
    reference = tmp_path / "reference"
    run_switch(job(sample_rows, reference, workers=1, compression="none"))
    assert sum(len(b) for b in shard_bytes(reference).values()) > 1 << 20  # does not fit
    out = tiny_tmpfs / "out"
    with pytest.raises(OutputError) as info:
        run_switch(job(sample_rows, out, workers=workers, compression="none", engine=engine))
    message = str(info.value)
    assert "No space left on device" in message
    assert message.startswith(str(out / "part-")) or message.startswith(str(out / MANIFEST))
    listed = check_consistent(out, shard_bytes(reference))
    assert listed  # the first shards fitted
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([*listed, MANIFEST])
    subprocess.run(["mount", "-o", "remount,size=64m", str(tiny_tmpfs)], check=True)
    summary = run_switch(job(sample_rows, out, workers=workers, compression="none",
                             resume=True, engine=engine))
    assert summary.shards_reused == len(listed)
    assert shard_bytes(out) == shard_bytes(reference)
    assert stable_manifest(out) == stable_manifest(reference)

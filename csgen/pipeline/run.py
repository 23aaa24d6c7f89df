"""read -> cut into shards -> switch -> write: the run behind ``csgen switch``.

The main thread reads the input as a stream of record batches and cuts it into shards at
fixed row or byte counts (a function of the input alone). An executor switches and
writes each shard as ``part-NNNNN.<format>`` through a temporary name; the main thread
lists every finished shard in the manifest (atomically, in index order). Row keys are
global row indices (or the id column), so the output does not depend on the number of
workers, the threads or the shard size; a resumed run skips the shards the manifest
vouches for and rewrites the others to the same bytes.

Memory stays flat as the input grows: at most ``workers + 1`` shards are in flight, each
at most ``shard_rows`` rows or about ``shard_bytes`` input bytes.

The steps: :func:`plan` (open, load, check: nothing written yet), :func:`prepare_output`
(refuse, resume or overwrite), then a :class:`Ledger` (the manifest and progress) fed by a
:class:`Scheduler` (tasks to the executor, results back in order).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from .. import _core
from ..errors import OutputExistsError, ResumeError
from ..io.manifest import (
    Manifest,
    ShardRecord,
    identity_difference,
    is_manifest_name,
)
from ..io.readers import Source, open_source
from ..io.writers import check_squad_schema, remove_stale_temporaries
from ..lexicon.core import Lexicon
from ..steps import StepSpec
from ..switch import Switcher, SwitchStats
from .executors import Executor, InlineExecutor, make_executor
from .job import SwitchJob
from .shards import ShardTask, cut_shards
from .worker import ShardWorker, WorkerSetup

ExecutorFactory = Callable[[WorkerSetup, int], Executor]


@dataclass
class Progress:
    """Where a run stands, passed to the ``on_progress`` callback after each shard."""

    rows_done: int = 0
    input_bytes_done: int = 0
    rows_total: int | None = None
    shards_done: int = 0
    shards_reused: int = 0
    started: float = field(default_factory=time.perf_counter)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    @property
    def rows_per_s(self) -> float:
        return self.rows_done / self.seconds if self.seconds > 0 else 0.0

    @property
    def mb_per_s(self) -> float:
        return self.input_bytes_done / 1e6 / self.seconds if self.seconds > 0 else 0.0


@dataclass
class RunSummary:
    """What a run did: rows and input bytes of the whole output, seconds of this run,
    merged per-column stats, shard files. Rates count the shards this run wrote
    (a resumed run does not take credit for reused ones)."""

    rows: int = 0
    input_bytes: int = 0
    seconds: float = 0.0
    stats: SwitchStats = field(default_factory=SwitchStats)
    outputs: list[Path] = field(default_factory=list)
    shards_written: int = 0
    shards_reused: int = 0
    rows_written: int = 0
    bytes_written: int = 0
    bad_rows: int = 0
    manifest: Path | None = None

    @property
    def mb_per_s(self) -> float:
        return self.bytes_written / 1e6 / self.seconds if self.seconds else 0.0

    @property
    def rows_per_s(self) -> float:
        return self.rows_written / self.seconds if self.seconds else 0.0


# -- plan: everything checked before anything is written ---------------------------------------
@dataclass
class Plan:
    """An opened, checked job: its input, its chain and worker setup, the shards' schema
    and the run's identity (what ``--resume`` compares). ``switcher`` uses every core
    (a run's single shard); parallel shards share it with ``threads`` each."""

    job: SwitchJob
    source: Source
    switcher: Switcher
    setup: WorkerSetup
    schema: pa.Schema
    identity: dict[str, Any]
    workers: int
    threads: int


def plan(job: SwitchJob) -> Plan:
    """Open the input, load the lexicons and check every column and option against the
    input's schema (errors name the input). Nothing is written."""
    source = open_source(job.input, job.read)
    lexicons = tuple(_load(x) for x in job.lexicons)
    workers = job.worker_count
    # Parallel shards share the cores; a single shard (run inline) keeps them all.
    # Threads never change the output.
    threads = max(1, (job.config.threads or 1) // workers)
    steps = StepSpec(
        lexicons=tuple(x if isinstance(x, Lexicon) else str(x) for x in job.lexicons),
        config=replace(job.config, threads=threads), columns=job.columns,
        id_column=job.id_column, answers=job.answer_policy(source.schema),
        protect_spans=job.protect_spans, protect_regex=job.protect_regex,
        skip_bad=job.read.on_bad_row == "skip", tokenizer=job.tokenizer)
    setup = WorkerSetup(steps, str(job.output_dir), job.output_format, job.compression,
                        job.read.batch_rows)
    switcher = Switcher(list(lexicons), job.config)
    # The shards' schema, which the manifest file carries; computing it checks the
    # columns, their types and every option against the input.
    schema = steps.build(switcher).check(source.schema, source.spec)
    if job.output_format == "squad":
        check_squad_schema(source.schema)
    identity = {
        # output bytes of the same options change only with the engine version
        "engine_version": _core.ENGINE_VERSION,
        "params": job.params(),
        "seed": job.config.seed,
        "lexicons": [_lexicon_identity(spec, lex)
                     for spec, lex in zip(job.lexicons, lexicons, strict=True)],
        "input": source.fingerprint(),
    }
    return Plan(job, source, switcher, setup, schema, identity, workers, threads)


def _load(spec: str | Lexicon) -> Lexicon:
    if isinstance(spec, Lexicon):
        return spec
    from ..lexicon.store import load_lexicon

    return load_lexicon(spec)


def _lexicon_identity(spec: str | Lexicon, lex: Lexicon) -> dict[str, Any]:
    return {"spec": spec if isinstance(spec, str) else None, "name": lex.name,
            "langs": list(lex.langs), "entries": len(lex), "fingerprint": lex.fingerprint()}


# -- the output directory ----------------------------------------------------------------------
def prepare_output(out_dir: Path, identity: dict[str, Any], job: SwitchJob) -> Manifest:
    """Refuse a taken directory, resume the run it holds (same identity), or clear it
    (``overwrite``); returns the manifest to continue (empty for a fresh run)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputExistsError(f"{out_dir}: exists and is not a directory")
    entries = list(out_dir.iterdir()) if out_dir.is_dir() else []
    # The manifest is a hidden file (see csgen.io.manifest) but part of the run.
    visible = [p for p in entries if not p.name.startswith(".") or is_manifest_name(p.name)]
    if job.resume:
        old = Manifest.load(out_dir) if out_dir.is_dir() else None
        if old is None:
            if visible:
                raise ResumeError(f"{out_dir}: cannot resume: no csgen manifest here (not a "
                                  "csgen output directory, or the run never started)")
        else:
            diff = identity_difference(old.identity, identity)
            if diff is not None:
                raise ResumeError(f"{out_dir}: cannot resume a different run ({diff}); "
                                  "use --overwrite to start over")
            remove_stale_temporaries(out_dir)
            old.identity = identity
            return old
    elif visible:
        if not job.overwrite:
            raise OutputExistsError(
                f"{out_dir}: output directory is not empty; pass --resume to continue the run "
                "it holds or --overwrite to replace it")
        for path in visible:
            if is_manifest_name(path.name) or (path.name.startswith("part-")
                                               and path.is_file()):
                path.unlink()
    if out_dir.is_dir():
        remove_stale_temporaries(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return Manifest(identity=identity)


# -- the ledger: the manifest and the progress -------------------------------------------------
class Ledger:
    """The run's manifest and progress. Finished shards are listed in the manifest as
    they come back (each save is atomic); a shard it cannot list (disk full) is removed,
    so every visible shard is a listed one and ``--resume`` redoes the others."""

    def __init__(self, manifest: Manifest, out_dir: Path, plan: Plan,
                 on_progress: Callable[[Progress], None] | None) -> None:
        self.manifest = manifest
        self.out_dir = out_dir
        self.on_progress = on_progress
        manifest.output_format, manifest.schema = plan.job.output_format, plan.schema
        self.reused = {i for i, rec in manifest.shards.items() if rec.verify(out_dir)}
        manifest.shards = {i: manifest.shards[i] for i in self.reused}
        manifest.status, manifest.summary = "running", None
        manifest.save(out_dir)
        self.progress = Progress(rows_total=plan.source.num_rows)
        self.written = 0

    def reuse(self, task: ShardTask) -> bool:
        """Whether ``task``'s shard is already done (verified); counted if so."""
        if task.index not in self.reused:
            return False
        rec = self.manifest.shards[task.index]
        if rec.rows != task.table.num_rows or rec.row_start != task.row_start:
            raise ResumeError(
                f"{self.out_dir}: the manifest's shard {task.index} covered rows "
                f"{rec.row_start}..{rec.row_start + rec.rows} but the input now cuts "
                f"to {task.row_start}..{task.row_start + task.table.num_rows}")
        self.progress.shards_reused += 1
        self.progress.rows_done += rec.rows
        self.progress.input_bytes_done += task.input_bytes
        self._report()
        return True

    def list(self, records: list[ShardRecord]) -> None:
        for rec in records:
            self.manifest.shards[rec.index] = rec
        try:
            self.manifest.save(self.out_dir)
        except OSError:
            for rec in records:
                del self.manifest.shards[rec.index]
                (self.out_dir / rec.file).unlink(missing_ok=True)
            raise

    def finish(self, record: ShardRecord) -> None:
        self.list([record])
        self.written += 1
        self.progress.shards_done += 1
        self.progress.rows_done += record.rows
        self.progress.input_bytes_done += record.input_bytes
        self._report()

    def _report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.progress)

    def complete(self, plan: Plan, seconds: float, engine: str) -> RunSummary:
        summary = _summarise(self.manifest, plan.source, self.out_dir, seconds, self.reused)
        self.manifest.status = "complete"
        self.manifest.runs.append({"started": time.time() - seconds,
                                   "seconds": round(seconds, 3),
                                   "shards_written": self.written,
                                   "shards_reused": len(self.reused), "workers": plan.workers,
                                   "threads_per_worker": plan.threads, "engine": engine})
        self.manifest.summary = _summary_dict(summary, plan.source)
        # lexicon entries changed for their end punctuation (csgen lexicon info says which)
        self.manifest.summary["lexicon_entries"] = plan.switcher.lexicon_stats
        self.manifest.save(self.out_dir)
        return summary


# -- the scheduler: tasks out, records back in order -------------------------------------------
class Scheduler:
    """Sends tasks to the executor with at most ``workers`` of them pending, and hands the
    records back to the ledger in index order.

    A run's first task waits for a second one before any pool starts: a run of one
    shard runs it inline, with every core. After a failure, finished shards still
    waiting to be listed are listed, so the manifest names every visible shard.
    """

    def __init__(self, plan: Plan, ledger: Ledger,
                 executor_factory: ExecutorFactory | None) -> None:
        self.plan = plan
        self.ledger = ledger
        self.factory = executor_factory
        self.inline = InlineExecutor(ShardWorker(plan.setup, plan.switcher))
        self.executor: Executor | None = None
        self.pending: dict[cf.Future[ShardRecord], int] = {}  # future -> shard index
        self.first: ShardTask | None = None

    def run(self, tasks: Iterable[ShardTask]) -> None:
        for task in tasks:
            if self.ledger.reuse(task):
                continue
            if self.executor is None:
                if self.first is None and self.factory is None and self.plan.workers > 1:
                    self.first = task  # one shard needs no pool: start it for a second one
                    continue
                self.executor = self._make_executor()
            if self.first is not None:
                self._submit(self.first)
                self.first = None
            self._submit(task)
            del task
            self._drain(self.plan.workers)
        if self.first is not None:
            self.pending[self.inline.submit(self.first)] = self.first.index
            self.first = None
        self._drain(0)
        if not self.ledger.manifest.shards:  # an empty input still gives a readable shard
            source = self.plan.source
            task = ShardTask(0, 0, pa.Table.from_batches([], schema=source.schema), 0)
            self.ledger.finish(self.inline.submit(task).result())

    def _make_executor(self) -> Executor:
        if self.factory is not None:
            return self.factory(self.plan.setup, self.plan.workers)
        return make_executor(self.plan.job.engine, self.plan.setup, self.plan.workers,
                             self.plan.switcher.with_threads(self.plan.threads))

    def _submit(self, task: ShardTask) -> None:
        assert self.executor is not None
        self.pending[self.executor.submit(task)] = task.index

    def _drain(self, limit: int) -> None:
        while len(self.pending) > limit:
            done, _ = cf.wait(self.pending, return_when=cf.FIRST_COMPLETED)
            for future in sorted(done, key=self.pending.__getitem__):
                self.pending.pop(future)
                self.ledger.finish(future.result())

    def abort(self) -> None:
        """After an error: stop the executor, then list what finished meanwhile."""
        for future in self.pending:
            future.cancel()
        self.shutdown()
        done = [f.result() for f in sorted(self.pending, key=self.pending.__getitem__)
                if f.done() and not f.cancelled() and f.exception() is None]
        if done:
            with contextlib.suppress(OSError):  # disk full: the first error is reported
                self.ledger.list(done)

    def shutdown(self) -> None:
        if self.executor is not None:
            self.executor.shutdown()


# -- the run -----------------------------------------------------------------------------------
def run_switch(
    job: SwitchJob,
    on_progress: Callable[[Progress], None] | None = None,
    *,
    executor_factory: ExecutorFactory | None = None,
) -> RunSummary:
    """Run ``job``: switch its input into shards and a manifest in ``job.output_dir``.

    Nothing is written unless the input opens, has the columns and the lexicons
    load. ``on_progress`` is called after every finished (or reused) shard. An
    error or interruption leaves only complete, verified shards and a manifest
    listing them; ``resume=True`` continues from there. ``executor_factory``
    replaces the job's engine (tests, custom clusters).
    """
    p = plan(job)
    out_dir = job.output_dir
    created = not out_dir.exists()
    ledger = Ledger(prepare_output(out_dir, p.identity, job), out_dir, p, on_progress)
    started = time.perf_counter()
    scheduler = Scheduler(p, ledger, executor_factory)
    try:
        scheduler.run(cut_shards(p.source.batches(), job.shard_rows, job.shard_bytes))
    except BaseException:
        scheduler.abort()
        if not ledger.manifest.shards:  # nothing finished: leave no trace of the attempt
            ledger.manifest.remove(out_dir)
            if created and not any(out_dir.iterdir()):
                out_dir.rmdir()
        raise
    scheduler.shutdown()
    return ledger.complete(p, time.perf_counter() - started, job.engine)


def run_job(job: SwitchJob, on_progress: Callable[[Progress], None] | None = None
            ) -> RunSummary:
    """:func:`run_switch` on the job's engine (kept for callers of csgen 0.1)."""
    return run_switch(job, on_progress)


def _summarise(manifest: Manifest, source: Source, out_dir: Path, seconds: float,
               reused: set[int]) -> RunSummary:
    stats = SwitchStats()
    records = [manifest.shards[i] for i in sorted(manifest.shards)]
    for rec in records:
        stats.merge(SwitchStats.from_dict(rec.stats))
    dropped = sum(r.dropped_rows for r in records)
    fresh = [r for r in records if r.index not in reused]
    return RunSummary(
        rows=sum(r.rows for r in records),
        input_bytes=sum(r.input_bytes for r in records),
        seconds=seconds, stats=stats,
        outputs=[out_dir / r.file for r in records],
        shards_written=len(fresh), shards_reused=len(records) - len(fresh),
        rows_written=sum(r.rows for r in fresh), bytes_written=sum(r.input_bytes for r in fresh),
        bad_rows=source.bad_rows.count + dropped, manifest=out_dir / manifest.name)


def _summary_dict(summary: RunSummary, source: Source) -> dict[str, Any]:
    columns = {}
    for name, col in summary.stats.to_dict().items():
        columns[name] = {**col, "out_of_lexicon_rate": 1.0 - col["coverage"]
                         if col["words"] else 0.0}
    return {
        "rows": summary.rows,
        "shards": len(summary.outputs),
        "input_bytes": summary.input_bytes,
        "seconds": round(summary.seconds, 3),
        "rows_per_s": round(summary.rows_per_s, 1),
        "mb_per_s": round(summary.mb_per_s, 3),
        "tokens": sum(c["words"] for c in columns.values()),
        "columns": columns,
        "bad_rows": {"count": summary.bad_rows,
                     "examples": [list(x) for x in source.bad_rows.examples],
                     "answers": summary.bad_rows - source.bad_rows.count},
    }


def switch_to_dataset(input: str | Path, output_dir: str | Path, *,
                      lexicons: Any, columns: Any, **options: Any) -> RunSummary:
    """One-call form of :func:`run_switch`: ``options`` are :class:`SwitchJob` fields
    (``workers``, ``shard_rows``, ``resume``, ...) and :class:`~csgen.SwitchConfig` fields
    (``ratio``, ``seed``, ...).

    Example:
        >>> summary = switch_to_dataset("pairs.parquet", "out", lexicons=["en-de.txt"],
        ...                             columns=["query"], ratio=0.5, seed=1)  # doctest: +SKIP
    """
    from ..config import SwitchConfig

    job_fields = set(SwitchJob.__dataclass_fields__) - {"input", "output_dir", "lexicons",
                                                        "columns", "config"}
    job_options = {k: v for k, v in options.items() if k in job_fields}
    config = SwitchConfig(**{k: v for k, v in options.items() if k not in job_fields})
    job = SwitchJob(input, Path(output_dir), tuple(columns), tuple(lexicons), config,
                    **job_options)
    return run_switch(job)

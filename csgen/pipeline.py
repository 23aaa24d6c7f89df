"""read -> cut into shards -> switch -> write, the job behind ``csgen switch``.

The main process reads the input as a stream of record batches and cuts it into
shards at fixed row or byte counts (a function of the input alone). Each shard
is switched and written by a worker (this process, worker processes, or Ray
actors) as ``part-NNNNN.parquet`` through a temporary name; the main process
records every finished shard in the manifest (atomically; :mod:`csgen.io.manifest`).
Row keys are global row indices (or the id column), so the output does not depend on the
number of workers, the threads or the shard size; a resumed run skips the
shards the manifest vouches for and rewrites the others to the same bytes.

Memory stays flat as the input grows: at most ``workers + 1`` shards are in
flight, each at most ``shard_rows`` rows or about ``shard_bytes`` input bytes.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .config import SwitchConfig, available_cores
from .errors import (
    ConfigError,
    MissingFileError,
    OutputExistsError,
    ResumeError,
)
from .io.manifest import Manifest, ShardRecord, identity_difference, is_manifest_name
from .io.readers import ReadOptions, Source, open_source
from .io.writers import (
    COMPRESSIONS,
    OUTPUT_FORMATS,
    ShardEncoder,
    check_squad_schema,
    file_checksum,
    remove_stale_temporaries,
    shard_name,
    write_atomic,
)
from .lexicon.core import Lexicon
from .steps import ANSWER_POLICIES, QA_CONTEXT, StepSpec, resolve_answers
from .switch import Switcher, SwitchStats

DEFAULT_SHARD_BYTES = 64 << 20
ENGINES = ("local", "ray")


@dataclass(frozen=True)
class SwitchJob:
    """A whole ``csgen switch`` run, validated once.

    Attributes:
        input: file, directory, glob or fsspec URL (see :func:`csgen.io.open_source`).
        output_dir: where ``part-NNNNN.<format>`` and the manifest go.
        columns: string columns to switch; every other column passes through.
        lexicons: ``.csglex``/raw lexicon specs (``LANG=PATH`` allowed) or
            :class:`~csgen.Lexicon` objects (pickled to worker processes).
        config: how words are switched (seed, ratio, ...).
        read: reader options (format, batch rows = row group size, bad rows).
        shard_rows / shard_bytes: close a shard at this many rows / input bytes
            (the switched and carried columns' bytes as read); the default is
            ``shard_bytes`` = 64 MiB. A single row larger than ``shard_bytes``
            gets a shard of its own.
        workers: processes (or Ray actors) switching shards in parallel;
            ``None`` = every core. Each gets ``config.threads // workers``
            C++ threads (at least one). The output does not depend on it.
        resume / overwrite: reuse the verified shards of an interrupted run
            of the same job, or replace an earlier run's files.
        answers: SQuAD answers policy (:data:`ANSWER_POLICIES`, ``None`` = auto):
            answer spans of ``answers`` are checked against ``context`` and remapped
            through ``context_switches`` so ``context[start:start + len(text)] == text``.
        protect_spans: ``"SPANCOL"`` (for the first switched column), ``"COL=SPANCOL"``,
            several of those or a mapping: ``list<struct<start, end>>`` byte-span
            columns whose ranges are never switched.
        protect_regex: RE2 patterns whose every match, in every switched column, is
            never switched.

    Example:
        >>> job = SwitchJob("pairs.parquet", Path("out"), ("query",), ("de=en-de.txt",),
        ...                 SwitchConfig(ratio=0.5, seed=1), shard_rows=100_000)
        >>> job.shard_bytes is None
        True
    """

    input: str | Path
    output_dir: Path
    columns: tuple[str, ...]
    lexicons: tuple[str | Lexicon, ...]
    config: SwitchConfig
    read: ReadOptions = field(default_factory=ReadOptions)
    id_column: str | None = None
    output_format: str = "parquet"
    compression: str = "zstd"
    shard_rows: int | None = None
    shard_bytes: int | None = None
    workers: int | None = None
    resume: bool = False
    overwrite: bool = False
    engine: str = "local"
    answers: str | None = None
    protect_spans: Any = None
    protect_regex: tuple[str, ...] = ()
    tokenizer: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "output_dir", Path(self.output_dir))
        columns = (self.columns,) if isinstance(self.columns, str) else tuple(self.columns)
        if not columns:
            raise ConfigError("no column to switch was given")
        object.__setattr__(self, "columns", tuple(dict.fromkeys(columns)))
        lexicons = self.lexicons
        lexicons = (lexicons,) if isinstance(lexicons, (str, Path, Lexicon)) else tuple(lexicons)
        if not lexicons:
            raise ConfigError("at least one lexicon is needed")
        object.__setattr__(self, "lexicons",
                           tuple(x if isinstance(x, Lexicon) else str(x) for x in lexicons))
        if self.output_format not in OUTPUT_FORMATS:
            raise ConfigError(f"output format must be one of {', '.join(OUTPUT_FORMATS)}, "
                              f"got {self.output_format!r}")
        if self.compression not in COMPRESSIONS:
            raise ConfigError(f"compression must be one of {', '.join(COMPRESSIONS)}, "
                              f"got {self.compression!r}")
        for name in ("shard_rows", "shard_bytes", "workers"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 1):
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if self.shard_rows is None and self.shard_bytes is None:
            object.__setattr__(self, "shard_bytes", DEFAULT_SHARD_BYTES)
        if self.resume and self.overwrite:
            raise ConfigError("give --resume or --overwrite, not both")
        if self.engine not in ENGINES:
            raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if self.answers is not None and self.answers not in ANSWER_POLICIES:
            raise ConfigError(f"answers must be one of {', '.join(ANSWER_POLICIES)}, "
                              f"got {self.answers!r}")
        if self.answers in ("protect", "switch") and QA_CONTEXT not in self.columns:
            raise ConfigError(f"answers={self.answers!r} needs the {QA_CONTEXT!r} column to be "
                              "switched")
        regex = self.protect_regex
        regex = (regex,) if isinstance(regex, str) else tuple(regex or ())
        spans = self.protect_spans
        if regex or (spans is not None and spans != () and spans != {}):
            from .qa import check_regex, normalise_protect_spans

            spans = normalise_protect_spans(spans, self.columns)
            for pattern in regex:
                check_regex(pattern)
        object.__setattr__(self, "protect_spans", tuple(spans or ()))
        object.__setattr__(self, "protect_regex", tuple(dict.fromkeys(regex)))
        if self.tokenizer is not None:
            path = Path(self.tokenizer)
            if not path.is_file():
                raise MissingFileError(f"{path}: no such sentencepiece model")
            if self.output_format == "squad":
                raise ConfigError("--tokenizer adds list columns, which SQuAD JSON cannot hold")
            object.__setattr__(self, "tokenizer", str(path))

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers is not None else available_cores()

    def params(self) -> dict[str, Any]:
        """Everything that shapes the output files (JSON-ready, recorded in the manifest)."""
        return {
            "columns": list(self.columns),
            "id_column": self.id_column,
            "output_format": self.output_format,
            "compression": self.compression,
            "shard_rows": self.shard_rows,
            "shard_bytes": self.shard_bytes,
            "row_group_rows": self.read.batch_rows,
            "switch": self.config.to_dict(),
            "answers": self.answers or "auto",
            "protect_spans": [list(x) for x in self.protect_spans],
            "protect_regex": list(self.protect_regex),
            "tokenizer": None if self.tokenizer is None else {
                "path": self.tokenizer, "blake2b": file_checksum(Path(self.tokenizer))},
        }

    def answer_policy(self, schema: pa.Schema) -> str:
        """The answers policy for input ``schema`` (``None`` resolved; checked)."""
        return resolve_answers(self.answers, schema, self.columns)


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


# -- shards ------------------------------------------------------------------------------------
@dataclass
class ShardTask:
    """Rows ``[row_start, row_start + table.num_rows)`` of the input, to become shard ``index``."""

    index: int
    row_start: int
    table: pa.Table
    input_bytes: int


def row_bytes(batch: pa.RecordBatch) -> np.ndarray:
    """``int64[num_rows]``: bytes each row holds in the input (string and binary
    values by length, fixed-width values by width, nested ones by their column's
    average). Vectorised; the basis of ``shard_bytes``."""
    n = batch.num_rows
    total = np.zeros(n, dtype=np.int64)
    if n == 0:
        return total
    for arr in batch.columns:
        t = arr.type
        if pa.types.is_dictionary(t):
            arr = arr.indices
            t = arr.type
        if (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t)
                or pa.types.is_large_binary(t)):
            lengths = pc.fill_null(pc.binary_length(arr), 0)
            total += lengths.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
        elif _fixed_width(t):
            total += max(1, t.bit_width // 8)
        else:
            total += -(-arr.nbytes // n)
    return total


def _fixed_width(t: pa.DataType) -> bool:
    try:
        return t.bit_width > 0
    except ValueError:
        return False


def cut_shards(batches: Iterator[pa.RecordBatch], shard_rows: int | None,
               shard_bytes: int | None) -> Iterator[ShardTask]:
    """Cut a batch stream into shards of ``shard_rows`` rows and/or about ``shard_bytes``
    input bytes (a shard closes before the row that would pass the limit). The cut
    depends on the rows only, never on how the reader split them into batches."""
    pending: list[pa.RecordBatch] = []
    rows = size = index = row_start = 0

    def emit() -> ShardTask:
        nonlocal pending, rows, size, index, row_start
        task = ShardTask(index, row_start, pa.Table.from_batches(pending), size)
        index += 1
        row_start += rows
        pending, rows, size = [], 0, 0
        return task

    for batch in batches:
        sizes = row_bytes(batch)
        while batch.num_rows:
            take = batch.num_rows
            if shard_rows is not None:
                take = min(take, shard_rows - rows)
            if shard_bytes is not None:
                fits = int(np.searchsorted(np.cumsum(sizes[:take]), shard_bytes - size,
                                           side="right"))
                take = max(fits, 1) if rows == 0 else fits
            if take == 0:
                yield emit()
                continue
            pending.append(batch.slice(0, take))
            rows += take
            size += int(sizes[:take].sum())
            batch = batch.slice(take)
            sizes = sizes[take:]
            full_rows = shard_rows is not None and rows >= shard_rows
            full_bytes = shard_bytes is not None and size >= shard_bytes
            if full_rows or full_bytes:
                yield emit()
    if rows:
        yield emit()


# -- workers -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class WorkerSetup:
    """Everything a worker needs to switch and write shards (picklable): the per-batch
    chain and where and how shards are written."""

    steps: StepSpec
    output_dir: str
    output_format: str
    compression: str
    row_group_rows: int


class ShardWorker:
    """Switches a :class:`ShardTask` and writes it; one per process (or Ray actor)."""

    def __init__(self, setup: WorkerSetup, switcher: Switcher | None = None) -> None:
        self.setup = setup
        self.steps = setup.steps.build(switcher)

    def run(self, task: ShardTask) -> ShardRecord:
        s = self.setup
        table = task.table
        stats = SwitchStats()
        encoder: ShardEncoder | None = None
        dropped = 0
        examples: list[str] = []
        step = s.row_group_rows
        # Row groups of row_group_rows rows, whatever batches the reader gave: the
        # shard's bytes depend on its rows only. One switched row group at a time.
        for start in range(0, max(table.num_rows, 1), step):
            out = self.steps.process_table(table.slice(start, step), task.row_start + start,
                                           stats)
            dropped += out.dropped
            examples += out.examples[:MAX_DROPPED_EXAMPLES - len(examples)]
            if encoder is None:
                encoder = ShardEncoder(out.batch.schema, s.output_format, s.compression)
            encoder.write(pa.Table.from_batches([out.batch]))
            del out
        assert encoder is not None
        data = encoder.finish()
        name = shard_name(task.index, s.output_format)
        written = write_atomic(Path(s.output_dir), name, data)
        del data
        pa.default_memory_pool().release_unused()  # give freed shard memory back to the OS
        return ShardRecord(index=task.index, file=name, row_start=task.row_start,
                           rows=table.num_rows, bytes=written.bytes, blake2b=written.blake2b,
                           stats=stats.to_dict(), input_bytes=task.input_bytes,
                           dropped_rows=dropped, dropped_examples=examples)


MAX_DROPPED_EXAMPLES = 5

_WORKER: ShardWorker | None = None


def _init_process(setup: WorkerSetup) -> None:
    global _WORKER
    _die_with_parent()
    _WORKER = ShardWorker(setup)


def _run_in_process(task: ShardTask) -> ShardRecord:
    assert _WORKER is not None, "worker process not initialised"
    return _WORKER.run(task)


def _die_with_parent() -> None:
    """Linux: a worker gets SIGKILL when the parent dies, so a killed run leaves no
    stragglers (they would only rewrite identical shards, but they hold memory)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)
    except (OSError, AttributeError):
        pass


class Executor(Protocol):
    """Runs shard tasks somewhere; ``submit`` returns a future of the shard's record."""

    def submit(self, task: ShardTask) -> cf.Future[ShardRecord]: ...

    def shutdown(self) -> None: ...


class InlineExecutor:
    """Runs each task in this process, at submit time."""

    def __init__(self, worker: ShardWorker) -> None:
        self.worker = worker

    def submit(self, task: ShardTask) -> cf.Future[ShardRecord]:
        future: cf.Future[ShardRecord] = cf.Future()
        try:
            future.set_result(self.worker.run(task))
        except BaseException as e:
            future.set_exception(e)
        return future

    def shutdown(self) -> None:
        pass


class ProcessExecutor:
    """A pool of spawned worker processes, each with its own switcher (lexicons are
    loaded once per process: memory-mapped ``.csglex`` files share their pages)."""

    def __init__(self, setup: WorkerSetup, workers: int) -> None:
        import multiprocessing

        self.pool = cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_process, initargs=(setup,))

    def submit(self, task: ShardTask) -> cf.Future[ShardRecord]:
        return self.pool.submit(_run_in_process, task)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


# -- the run -----------------------------------------------------------------------------------
def run_switch(
    job: SwitchJob,
    on_progress: Callable[[Progress], None] | None = None,
    *,
    executor_factory: Callable[[WorkerSetup, int], Executor] | None = None,
) -> RunSummary:
    """Run ``job``: switch its input into shards and a manifest in ``job.output_dir``.

    Nothing is written unless the input opens, has the columns and the lexicons
    load. ``on_progress`` is called after every finished (or reused) shard. An
    error or interruption leaves only complete, verified shards and a manifest
    listing them; ``resume=True`` continues from there.
    """
    source = open_source(job.input, job.read)
    lexicons = tuple(_load(x) for x in job.lexicons)
    workers = job.worker_count
    # Worker processes share the cores; this process's switcher (which runs a run's
    # only shard itself) keeps them all. Threads never change the output.
    threads = max(1, (job.config.threads or 1) // workers)
    config = replace(job.config, threads=threads)
    switcher = Switcher(list(lexicons), job.config)
    steps = StepSpec(
        lexicons=tuple(x if isinstance(x, Lexicon) else str(x) for x in job.lexicons),
        config=config, columns=job.columns, id_column=job.id_column,
        answers=job.answer_policy(source.schema), protect_spans=job.protect_spans,
        protect_regex=job.protect_regex, skip_bad=job.read.on_bad_row == "skip",
        tokenizer=job.tokenizer)
    inline_worker = ShardWorker(WorkerSetup(steps, str(job.output_dir), job.output_format,
                                            job.compression, job.read.batch_rows), switcher)
    # Columns, their types and every option are checked (naming the input) before
    # anything is written; the result is the shards' schema, which the manifest carries.
    schema = inline_worker.steps.check(source.schema, source.spec)
    if job.output_format == "squad":
        check_squad_schema(source.schema)
    identity = {
        "params": job.params(),
        "seed": job.config.seed,
        "lexicons": [_lexicon_identity(spec, lex) for spec, lex in zip(job.lexicons, lexicons,
                                                                       strict=True)],
        "input": source.fingerprint(),
    }
    out_dir = job.output_dir
    setup = inline_worker.setup
    created = not out_dir.exists()
    manifest = _prepare_output(out_dir, identity, job)
    manifest.output_format, manifest.schema = job.output_format, schema
    reused = {i for i, rec in manifest.shards.items() if rec.verify(out_dir)}
    manifest.shards = {i: manifest.shards[i] for i in reused}
    manifest.status = "running"
    manifest.summary = None
    manifest.save(out_dir)

    progress = Progress(rows_total=source.num_rows)
    run_started = time.perf_counter()
    inline = InlineExecutor(inline_worker)
    executor: Executor | None = None
    pending: dict[cf.Future[ShardRecord], int] = {}  # future -> shard index (no tables held)
    written = 0
    failed = False

    def list_shards(records: list[ShardRecord]) -> None:
        """List finished shards in the manifest; a shard it cannot list (disk full) is
        removed, so every visible shard is a listed one (resume redoes it)."""
        for rec in records:
            manifest.shards[rec.index] = rec
        try:
            manifest.save(out_dir)
        except OSError:
            for rec in records:
                del manifest.shards[rec.index]
                (out_dir / rec.file).unlink(missing_ok=True)
            raise

    def finish(record: ShardRecord) -> None:
        list_shards([record])
        progress.shards_done += 1
        progress.rows_done += record.rows
        progress.input_bytes_done += record.input_bytes
        if on_progress is not None:
            on_progress(progress)

    def drain(limit: int) -> None:
        nonlocal written
        while len(pending) > limit:
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in sorted(done, key=pending.__getitem__):
                pending.pop(future)
                finish(future.result())
                written += 1

    try:
        tasks = cut_shards(source.batches(), job.shard_rows, job.shard_bytes)
        first: ShardTask | None = None
        for task in tasks:
            if task.index in reused:
                rec = manifest.shards[task.index]
                if rec.rows != task.table.num_rows or rec.row_start != task.row_start:
                    raise ResumeError(
                        f"{out_dir}: the manifest's shard {task.index} covered rows "
                        f"{rec.row_start}..{rec.row_start + rec.rows} but the input now cuts "
                        f"to {task.row_start}..{task.row_start + task.table.num_rows}")
                progress.shards_reused += 1
                progress.rows_done += rec.rows
                progress.input_bytes_done += task.input_bytes
                if on_progress is not None:
                    on_progress(progress)
                continue
            if executor is None:
                if executor_factory is not None:
                    executor = executor_factory(setup, workers)
                elif workers == 1:
                    executor = inline
                elif first is None:
                    # One shard needs no pool: start workers once a second one appears.
                    first = task
                    continue
                else:
                    executor = ProcessExecutor(setup, workers)
                    pending[executor.submit(first)] = first.index
                    first = None
            pending[executor.submit(task)] = task.index
            del task
            # the inline executor has finished the task already: list it now, so an
            # error stops the run before the next shard is written
            drain(0 if executor is inline else workers)
        if first is not None:
            pending[inline.submit(first)] = first.index
            first = None
        drain(0)
        if not manifest.shards:  # an empty input still gives one readable, empty shard
            task = ShardTask(0, 0, pa.Table.from_batches([], schema=source.schema), 0)
            finish(inline.submit(task).result())
            written += 1
    except BaseException:
        failed = True
        for future in pending:
            future.cancel()
        raise
    finally:
        if executor is not None and executor is not inline:
            executor.shutdown()
        if failed:
            # Shards that finished but were not drained yet (the inline executor runs a
            # task at submit time; workers finish theirs during shutdown) are on disk:
            # list them, so the manifest names every visible shard and resume reuses them.
            done = [f.result() for f in sorted(pending, key=pending.__getitem__)
                    if f.done() and not f.cancelled() and f.exception() is None]
            if done:
                with contextlib.suppress(OSError):  # disk full: the first error is reported
                    list_shards(done)
        if failed and not manifest.shards:  # nothing finished: leave no trace of the attempt
            manifest.remove(out_dir)
            if created and not any(out_dir.iterdir()):
                out_dir.rmdir()

    seconds = time.perf_counter() - run_started
    summary = _summarise(manifest, source, out_dir, seconds, reused)
    manifest.status = "complete"
    manifest.runs.append({"started": time.time() - seconds, "seconds": round(seconds, 3),
                          "shards_written": written, "shards_reused": len(reused),
                          "workers": workers, "threads_per_worker": threads,
                          "engine": job.engine})
    manifest.summary = _summary_dict(summary, source)
    manifest.save(out_dir)
    return summary


def _load(spec: str | Lexicon) -> Lexicon:
    if isinstance(spec, Lexicon):
        return spec
    from .lexicon.store import load_lexicon

    return load_lexicon(spec)


def _lexicon_identity(spec: str | Lexicon, lex: Lexicon) -> dict[str, Any]:
    return {"spec": spec if isinstance(spec, str) else None, "name": lex.name,
            "langs": list(lex.langs), "entries": len(lex), "fingerprint": lex.fingerprint()}


def _prepare_output(out_dir: Path, identity: dict[str, Any], job: SwitchJob) -> Manifest:
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputExistsError(f"{out_dir}: exists and is not a directory")
    entries = [p for p in out_dir.iterdir()] if out_dir.is_dir() else []
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
                      lexicons: Sequence[str | Lexicon], columns: Sequence[str],
                      **options: Any) -> RunSummary:
    """One-call form of :func:`run_switch`: ``options`` are :class:`SwitchJob` fields
    (``workers``, ``shard_rows``, ``resume``, ...) and :class:`SwitchConfig` fields
    (``ratio``, ``seed``, ...).

    Example:
        >>> summary = switch_to_dataset("pairs.parquet", "out", lexicons=["en-de.txt"],
        ...                             columns=["query"], ratio=0.5, seed=1)  # doctest: +SKIP
    """
    job_fields = set(SwitchJob.__dataclass_fields__) - {"input", "output_dir", "lexicons",
                                                        "columns", "config"}
    job_options = {k: v for k, v in options.items() if k in job_fields}
    config = SwitchConfig(**{k: v for k, v in options.items() if k not in job_fields})
    job = SwitchJob(input, Path(output_dir), tuple(columns), tuple(lexicons), config,
                    **job_options)
    return run_switch(job)


def run_job(job: SwitchJob, on_progress: Callable[[Progress], None] | None = None) -> RunSummary:
    """:func:`run_switch` on the job's engine: local processes, or Ray actors."""
    if job.engine == "ray":
        from .ray import RayExecutor

        return run_switch(job, on_progress, executor_factory=RayExecutor)
    return run_switch(job, on_progress)


_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "kib": 2**10, "m": 10**6, "mb": 10**6,
          "mib": 2**20, "g": 10**9, "gb": 10**9, "gib": 2**30}


def parse_size(text: str) -> int:
    """``"64MiB"`` -> 67108864; ``"1.5GB"`` -> 1500000000; a bare number is bytes."""
    import re

    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([a-zA-Z]*)\s*", text)
    unit = m.group(2).lower() if m else ""
    if m is None or unit not in _UNITS:
        raise ConfigError(f"size must be a number with an optional unit (KB, MB, MiB, GB, ...), "
                          f"got {text!r}")
    value = int(float(m.group(1)) * _UNITS[unit])
    if value < 1:
        raise ConfigError(f"size must be at least 1 byte, got {text!r}")
    return value

"""Progress of a ``csgen switch`` run: a rich bar on a terminal, plain log lines
(every ``interval`` seconds) when the output is a file or a pipe."""

from __future__ import annotations

import sys
import time
from typing import Any

from .pipeline import Progress


class ProgressReporter:
    """Context manager whose :meth:`update` is the run's ``on_progress`` callback.

    Example:
        >>> with ProgressReporter(stream=sys.stderr) as reporter:  # doctest: +SKIP
        ...     run_job(job, reporter.update)
    """

    def __init__(self, stream: Any = None, interval: float = 10.0) -> None:
        from rich.console import Console

        self.console = Console(file=stream or sys.stderr)
        self.interval = interval
        self._bar: Any = None
        self._task: Any = None
        self._last = 0.0

    def __enter__(self) -> ProgressReporter:
        if self.console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import (
                Progress as Bar,
            )

            self._bar = Bar("[progress.description]{task.description}", BarColumn(),
                            MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                            TimeElapsedColumn(), console=self.console, transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task("rows", total=None, rate="")
        self._last = time.monotonic()
        return self

    def update(self, p: Progress) -> None:
        rate = f"{p.rows_per_s:,.0f} rows/s, {p.mb_per_s:.1f} MB/s"
        if self._bar is not None:
            self._bar.update(self._task, completed=p.rows_done, total=p.rows_total, rate=rate)
            return
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            total = f" of {p.rows_total:,}" if p.rows_total else ""
            print(f"csgen: {p.rows_done:,}{total} rows, {p.shards_done} shards written, "
                  f"{p.shards_reused} reused, {rate}", file=self.console.file, flush=True)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

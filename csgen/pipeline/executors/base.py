"""The executor protocol."""

from __future__ import annotations

import concurrent.futures as cf
from typing import Protocol

from ...io.manifest import ShardRecord
from ..shards import ShardTask


class Executor(Protocol):
    """Runs shard tasks somewhere; ``submit`` returns a future of the shard's record."""

    def submit(self, task: ShardTask) -> cf.Future[ShardRecord]: ...

    def shutdown(self) -> None: ...

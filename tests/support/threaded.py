"""A Switcher that really runs small inputs on several core threads.

The core gives each thread at least ``csgen._core.MIN_BYTES_PER_THREAD`` input bytes, so a
test's few rows would run on one thread whatever ``threads`` says, and a test claiming that
the output does not depend on threads would compare one thread with itself. This switcher
lowers that floor to one byte and records, per ``switch_array`` call (every switching
entry point goes through it), how many row ranges (threads) the core cut the column into.
"""

from __future__ import annotations

from typing import Any

import csgen


class ThreadedSwitcher(csgen.Switcher):
    _min_bytes_per_thread = 1

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chunks: list[int] = []  # n_chunks of each switch_array call, in order

    def switch_array(self, *args: Any, **kwargs: Any) -> csgen.SwitchedColumn:
        out = super().switch_array(*args, **kwargs)
        self.chunks.append(out.n_chunks)
        return out

    def ran_threads(self) -> bool:
        """Whether some call ran on more than one thread."""
        return max(self.chunks, default=1) > 1


def splits_in_two(texts: list[str | None]) -> bool:
    """Whether two core threads surely both get rows of ``texts``: two rows or more, two
    bytes or more, and no row holding more than half of them (the core cuts rows into
    ranges of about equal bytes)."""
    sizes = [len(t.encode()) if t is not None else 0 for t in texts]
    total = sum(sizes)
    return len(sizes) >= 2 and total >= 2 and max(sizes) <= total // 2

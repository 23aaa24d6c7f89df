"""Checks shared by every config and entry point (one message for one mistake), and the
defaults several modules share."""

from __future__ import annotations

import numbers
from typing import Any

from .errors import ConfigError

#: rows per record batch and per Parquet row group: reading, switching, writing, map
DEFAULT_BATCH_ROWS = 16384


def positive_int(name: str, value: Any, *, optional: bool = False) -> None:
    """A :class:`ConfigError` unless ``value`` is an int >= 1 (``None`` too when
    ``optional``). ``bool`` is refused: ``True`` is not a count."""
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ConfigError(f"{name} must be a positive integer{' or None' if optional else ''}, "
                          f"got {value!r}")

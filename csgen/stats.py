"""Switch statistics: counts per switched column and per language, summed over batches
and shards (the run summary of ``csgen switch`` and ``Switcher.switch_table(stats=...)``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError

__all__ = ["ColumnStats", "SwitchStats"]

_COUNTS = ("rows", "null_rows", "words", "eligible", "switches", "switched_words")


@dataclass
class ColumnStats:
    """Counts for one switched column, summed over batches.

    ``words``: word tokens (numbers and punctuation excluded); ``eligible``:
    units with a usable lexicon entry; ``switches``: units replaced;
    ``switched_words``: source words inside them. Per language in ``by_lang``:
    ``[switches, switched_words]``.
    """

    rows: int = 0
    null_rows: int = 0
    words: int = 0
    eligible: int = 0
    switches: int = 0
    switched_words: int = 0
    by_lang: dict[str, list[int]] = field(default_factory=dict)

    @property
    def switched_share(self) -> float:
        """Share of word tokens that were replaced."""
        return self.switched_words / self.words if self.words else 0.0

    @property
    def coverage(self) -> float:
        """Share of word tokens that start a usable lexicon entry."""
        return self.eligible / self.words if self.words else 0.0

    @property
    def out_of_lexicon_rate(self) -> float:
        """Share of word tokens that start no usable entry (1 - coverage; 0 without words)."""
        return (self.words - self.eligible) / self.words if self.words else 0.0

    def merge(self, other: ColumnStats) -> None:
        """Add ``other``'s counts to these, per language too."""
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for lang, (s, w) in other.by_lang.items():
            acc = self.by_lang.setdefault(lang, [0, 0])
            acc[0] += s
            acc[1] += w

    def to_dict(self) -> dict[str, Any]:
        """Counts, and the shares derived from them (JSON-ready)."""
        words = self.words
        return {
            **{name: getattr(self, name) for name in _COUNTS},
            "switched_share": self.switched_share,
            "coverage": self.coverage,
            "out_of_lexicon_rate": self.out_of_lexicon_rate,
            "by_lang": {
                lang: {
                    "switches": s,
                    "switched_words": w,
                    "share": w / words if words else 0.0,
                }
                for lang, (s, w) in self.by_lang.items()
            },
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], column: str = "?") -> ColumnStats:
        """Inverse of :meth:`to_dict` (the derived shares are recomputed, not read)."""
        if not isinstance(d, Mapping):
            raise InputError(f"switch stats of column {column!r}: expected a mapping, got {d!r}")
        counts = {name: _count(d, name, column) for name in _COUNTS}
        by_lang = d.get("by_lang", {})
        if not isinstance(by_lang, Mapping):
            raise InputError(f"switch stats of column {column!r}: by_lang must be a mapping")
        return cls(
            **counts,
            by_lang={
                str(lang): [
                    _count(v, "switches", f"{column}/{lang}"),
                    _count(v, "switched_words", f"{column}/{lang}"),
                ]
                for lang, v in by_lang.items()
            },
        )


def _count(d: Any, name: str, where: str) -> int:
    value = d.get(name) if isinstance(d, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(
            f"switch stats of {where!r}: {name!r} must be a count (int >= 0), got {value!r}"
        )
    return value


@dataclass
class SwitchStats:
    """Run summary: one :class:`ColumnStats` per switched column.

    ``to_dict()`` is JSON-ready, ``{column: {rows, null_rows, words, eligible,
    switches, switched_words, switched_share, coverage, out_of_lexicon_rate,
    by_lang: {lang: {switches, switched_words, share}}}}``; ``from_dict``
    reads it back exactly and ``merge`` sums two summaries (shards of a run).

    Example:
        >>> a = SwitchStats({"q": ColumnStats(rows=2, words=10, eligible=8, switches=4,
        ...                                   switched_words=4, by_lang={"de": [4, 4]})})
        >>> b = SwitchStats.from_dict(a.to_dict())
        >>> b == a
        True
        >>> b.merge(a)
        >>> b.columns["q"].words, b.columns["q"].by_lang, b.to_dict()["q"]["out_of_lexicon_rate"]
        (20, {'de': [8, 8]}, 0.2)
    """

    columns: dict[str, ColumnStats] = field(default_factory=dict)

    def column(self, name: str) -> ColumnStats:
        return self.columns.setdefault(name, ColumnStats())

    def merge(self, other: SwitchStats) -> None:
        """Add ``other``'s counts, column by column and language by language."""
        for name, col in other.columns.items():
            self.column(name).merge(col)

    def to_dict(self) -> dict[str, Any]:
        return {name: c.to_dict() for name, c in self.columns.items()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SwitchStats:
        """Inverse of :meth:`to_dict`: ``from_dict(s.to_dict()) == s``.

        Malformed input (a missing or negative count) is an InputError naming
        the column.
        """
        if not isinstance(d, Mapping):
            raise InputError(f"switch stats must be a mapping of columns, got {d!r}")
        return cls({str(name): ColumnStats.from_dict(c, str(name)) for name, c in d.items()})

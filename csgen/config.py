"""Switching options as one frozen dataclass, validated once on creation.

CLI flags map one-to-one onto these fields; ``to_dict`` gives the canonical
form recorded with a run.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal

from .errors import ConfigError

CandidateChoice = Literal["first", "uniform", "weighted"]
LangSampling = Literal["uniform", "coverage"]
CANDIDATE_CHOICES: tuple[str, ...] = ("first", "uniform", "weighted")
LANG_SAMPLINGS: tuple[str, ...] = ("uniform", "coverage")
MAX_SEED = 2**64 - 1


@dataclass(frozen=True)
class SwitchConfig:
    """How words are switched.

    Attributes:
        ratio: per-unit probability of attempting a switch, in [0, 1]. A unit
            is a word, or the longest lexicon phrase starting at it. With one
            lexicon the realised share of switched words is ratio x coverage.
        seed: base of the counter-based RNG, in [0, 2**64).
        candidates: which translation of a word: ``first`` (lexicon order,
            MUSE rank), ``uniform`` or ``weighted`` (by entry weight).
        lang_sampling: with several lexicons, ``uniform`` draws the language
            first and then looks the word up in it (the seed method and
            CoSDA-ML); ``coverage`` draws among the languages that have it.
        lang_weights: relative weight per language for that draw (missing
            languages weigh 1; 0 disables a language).
        keep_identity: also use entries whose target equals the source
            (``the the``), which MUSE files hold in large numbers.
        skip_stopwords: never switch single words on the bundled English
            stopword list.
        threads: C++ threads per batch; ``None`` uses every core this process may use.

    Example:
        >>> SwitchConfig(ratio=0.5, seed=1, lang_weights={"de": 2, "ar": 1}).lang_weights
        (('ar', 1.0), ('de', 2.0))
    """

    ratio: float
    seed: int = 0
    candidates: CandidateChoice = "first"
    lang_sampling: LangSampling = "uniform"
    lang_weights: tuple[tuple[str, float], ...] | None = field(default=None)
    keep_identity: bool = False
    skip_stopwords: bool = False
    threads: int | None = None

    def __post_init__(self) -> None:
        ratio = self.ratio
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or math.isnan(ratio):
            raise ConfigError(f"ratio must be a number in [0, 1], got {ratio!r}")
        if not 0.0 <= ratio <= 1.0:
            raise ConfigError(f"ratio must be in [0, 1], got {ratio}")
        object.__setattr__(self, "ratio", float(ratio))
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ConfigError(f"seed must be an integer, got {self.seed!r}")
        if not 0 <= self.seed <= MAX_SEED:
            raise ConfigError(f"seed must be in [0, 2**64), got {self.seed}")
        if self.candidates not in CANDIDATE_CHOICES:
            raise ConfigError(
                f"candidates must be one of {', '.join(CANDIDATE_CHOICES)}, got {self.candidates!r}"
            )
        if self.lang_sampling not in LANG_SAMPLINGS:
            raise ConfigError(
                f"lang_sampling must be one of {', '.join(LANG_SAMPLINGS)}, "
                f"got {self.lang_sampling!r}"
            )
        if self.lang_weights is not None:
            object.__setattr__(self, "lang_weights", _normalise_weights(self.lang_weights))
        threads = self.threads
        if threads is None:
            threads = available_cores()
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ConfigError(f"threads must be a positive integer, got {self.threads!r}")
        object.__setattr__(self, "threads", threads)

    def weight_of(self, lang: str) -> float:
        """Weight of ``lang`` in the language draw (1.0 when not given)."""
        return dict(self.lang_weights or ()).get(lang, 1.0)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (threads left out: it never changes the output)."""
        d = asdict(self)
        d.pop("threads")
        d["lang_weights"] = dict(self.lang_weights) if self.lang_weights else None
        return d


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, which containers narrow)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _normalise_weights(
    weights: Mapping[str, float] | tuple[tuple[str, float], ...],
) -> tuple[tuple[str, float], ...]:
    items = weights.items() if isinstance(weights, Mapping) else weights
    out: dict[str, float] = {}
    for item in items:
        try:
            lang, weight = item
            weight = float(weight)
        except (TypeError, ValueError):
            raise ConfigError(f"language weight must be LANG=NUMBER, got {item!r}") from None
        if not isinstance(lang, str) or not lang:
            raise ConfigError(f"language name must be a non-empty string, got {lang!r}")
        if not math.isfinite(weight) or weight < 0:
            raise ConfigError(f"weight of {lang!r} must be finite and >= 0, got {weight}")
        if lang in out:
            raise ConfigError(f"language {lang!r} weighted twice")
        out[lang] = weight
    return tuple(sorted(out.items()))


def parse_lang_weights(text: str) -> dict[str, float]:
    """``"de=2,ar=1"`` -> ``{"de": 2.0, "ar": 1.0}`` (checked by SwitchConfig)."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        lang, sep, value = part.partition("=")
        try:
            if not sep:
                raise ValueError
            weight = float(value)
        except ValueError:
            raise ConfigError(f"language weight must be LANG=NUMBER, got {part!r}") from None
        if lang.strip() in out:
            raise ConfigError(f"language {lang.strip()!r} weighted twice")
        out[lang.strip()] = weight
    return out

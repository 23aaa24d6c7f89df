"""Switching options as one frozen dataclass, validated once on creation.

CLI flags map one-to-one onto these fields; ``to_dict`` gives the canonical
form recorded with a run.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ._validate import positive_int
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
            ``None`` (allowed only with ``column_ratios``) means every
            switched column must have a column ratio.
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
        consistent: the same source word or phrase gets the same translation
            everywhere in a row, in every column (query and passage agree).
            Every draw for a unit (switch or not, language, candidate) is keyed
            by (seed, row key, the unit's folded lexicon key) instead of
            (seed, row key, column name, token index): all occurrences of
            ``house``/``House`` in a row are switched together, to the same
            target and language (each keeps its own case). Where several
            entries start at a word (``new york``, ``new``), the longest
            decides whether the unit is switched and draws its language first;
            if that language lacks it, the next shorter entry draws its own.
            Columns agree when they share their language set; with different
            column ratios the decision is coupled (a unit switched at ratio
            0.3 is also switched at 0.5). ``False`` keeps the default
            per-position draws, output unchanged.
        column_ratios: per-column ratio overriding ``ratio``, as sorted
            ``((column, ratio), ...)``; a mapping is accepted.
        column_langs: per-column language set, as sorted
            ``((column, (lang, ...)), ...)``; a mapping of column to names is
            accepted. Only those languages are drawn for that column (the
            others weigh 0 there; ``lang_weights`` still weigh the rest).
            With one lexicon per side this gives EN-X, X-Y or ML-CS per column.

    Example:
        >>> SwitchConfig(ratio=0.5, seed=1, lang_weights={"de": 2, "ar": 1}).lang_weights
        (('ar', 1.0), ('de', 2.0))
        >>> cfg = SwitchConfig(column_ratios={"query": 0.5, "passage": 0.25},
        ...                    column_langs={"query": ["de"]}, consistent=True)
        >>> cfg.ratio_of("passage"), cfg.langs_of("query"), cfg.langs_of("passage")
        (0.25, ('de',), None)
    """

    ratio: float | None = None
    seed: int = 0
    candidates: CandidateChoice = "first"
    lang_sampling: LangSampling = "uniform"
    lang_weights: tuple[tuple[str, float], ...] | None = field(default=None)
    keep_identity: bool = False
    skip_stopwords: bool = False
    threads: int | None = None
    consistent: bool = False
    column_ratios: tuple[tuple[str, float], ...] | None = field(default=None)
    column_langs: tuple[tuple[str, tuple[str, ...]], ...] | None = field(default=None)

    def __post_init__(self) -> None:
        if self.column_ratios is not None:
            object.__setattr__(self, "column_ratios", _normalise_column_ratios(self.column_ratios))
        if self.column_langs is not None:
            object.__setattr__(self, "column_langs", _normalise_column_langs(self.column_langs))
        if self.ratio is None:
            if not self.column_ratios:
                raise ConfigError(
                    "ratio must be a number in [0, 1] (it may be left out only when every "
                    "switched column has a column ratio), got None"
                )
        else:
            object.__setattr__(self, "ratio", _check_ratio(self.ratio, "ratio"))
        if not isinstance(self.consistent, bool):
            raise ConfigError(f"consistent must be True or False, got {self.consistent!r}")
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
        positive_int("threads", threads)
        object.__setattr__(self, "threads", threads)

    def weight_of(self, lang: str) -> float:
        """Weight of ``lang`` in the language draw (1.0 when not given)."""
        return dict(self.lang_weights or ()).get(lang, 1.0)

    def ratio_of(self, column: str) -> float:
        """Ratio of ``column``: its column ratio, else ``ratio``.

        A ConfigError when neither is set (``ratio=None`` and no column ratio).
        """
        ratio = dict(self.column_ratios or ()).get(column, self.ratio)
        if ratio is None:
            given = ", ".join(name for name, _ in self.column_ratios or ())
            raise ConfigError(
                f"column {column!r} has no ratio: give ratio, or a column ratio for it "
                f"(column ratios are given for: {given})"
            )
        return ratio

    def langs_of(self, column: str) -> tuple[str, ...] | None:
        """Language set of ``column``, or ``None`` (every language)."""
        return dict(self.column_langs or ()).get(column)

    def named_columns(self) -> tuple[str, ...]:
        """Columns named in ``column_ratios`` or ``column_langs``, sorted."""
        names = {name for name, _ in self.column_ratios or ()}
        names.update(name for name, _ in self.column_langs or ())
        return tuple(sorted(names))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (threads left out: it never changes the output).

        ``ratio`` may be ``None`` (column ratios only); ``column_ratios`` is
        ``{column: ratio}`` and ``column_langs`` ``{column: [lang, ...]}``, or
        ``None`` when not given.
        """
        d = asdict(self)
        d.pop("threads")
        d["lang_weights"] = dict(self.lang_weights) if self.lang_weights else None
        d["column_ratios"] = dict(self.column_ratios) if self.column_ratios else None
        d["column_langs"] = (
            {name: list(langs) for name, langs in self.column_langs} if self.column_langs else None
        )
        return d


#: ``answers`` policies: ``protect`` (never switch inside an answer span), ``switch``
#: (switch inside answers too; text and start rewritten), ``off`` (answers untouched:
#: their spans may then be wrong); ``None`` means :func:`resolve_answers` decides.
ANSWER_POLICIES = ("protect", "switch", "off")
#: the SQuAD columns the answers policy works on
QA_CONTEXT, QA_ANSWERS, QA_ID = "context", "answers", "id"


def resolve_answers(policy: str | None, schema: Any, columns: Sequence[str]) -> str:
    """The answers policy for an input of ``schema`` (a ``pyarrow.Schema``; its names are
    read): ``None`` is ``protect`` when the input is SQuAD-shaped (``context`` and
    ``answers`` columns) and ``context`` is switched, else ``off``; an explicit policy
    needs those columns (a :class:`ConfigError` otherwise)."""
    if policy is not None and policy not in ANSWER_POLICIES:
        raise ConfigError(f"answers must be one of {', '.join(ANSWER_POLICIES)}, "
                          f"got {policy!r}")
    has = QA_ANSWERS in schema.names and QA_CONTEXT in schema.names
    if policy is None:
        return "protect" if has and QA_CONTEXT in columns else "off"
    if policy in ("protect", "switch") and QA_CONTEXT not in columns:
        raise ConfigError(f"answers={policy!r} needs the {QA_CONTEXT!r} column to be switched")
    if policy != "off" and not has:
        raise ConfigError(f"answers={policy!r} needs {QA_CONTEXT!r} and {QA_ANSWERS!r} "
                          f"columns; the input has: {', '.join(schema.names)}")
    return policy


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, which containers narrow)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _check_ratio(ratio: object, what: str) -> float:
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or math.isnan(ratio):
        raise ConfigError(f"{what} must be a number in [0, 1], got {ratio!r}")
    if not 0.0 <= ratio <= 1.0:
        raise ConfigError(f"{what} must be in [0, 1], got {ratio}")
    return float(ratio)


def _pairs(value: object, what: str) -> list[tuple[object, object]]:
    items = value.items() if isinstance(value, Mapping) else value
    try:
        if isinstance(value, (str, bytes)):
            raise TypeError  # a spec string: parse it first (parse_ratio_spec ...)
        pairs = [tuple(item) for item in items]  # type: ignore[union-attr]
    except TypeError:
        raise ConfigError(
            f"{what} must be a mapping or (column, value) pairs, got {value!r}"
        ) from None
    for pair in pairs:
        if len(pair) != 2:
            raise ConfigError(f"{what} must hold (column, value) pairs, got {pair!r}")
    return pairs  # type: ignore[return-value]


def _check_column_name(name: object, what: str, seen: set[str]) -> str:
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{what}: a column name must be a non-empty string, got {name!r}")
    if name in seen:
        raise ConfigError(f"{what}: column {name!r} given twice")
    seen.add(name)
    return name


def _normalise_column_ratios(
    ratios: Mapping[str, float] | tuple[tuple[str, float], ...],
) -> tuple[tuple[str, float], ...] | None:
    out: list[tuple[str, float]] = []
    seen: set[str] = set()
    for name, ratio in _pairs(ratios, "column_ratios"):
        name = _check_column_name(name, "column_ratios", seen)
        out.append((name, _check_ratio(ratio, f"ratio of column {name!r}")))
    return tuple(sorted(out)) or None  # empty means "none given": one canonical form


def _normalise_column_langs(
    langs: Mapping[str, Sequence[str]] | tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    out: list[tuple[str, tuple[str, ...]]] = []
    seen: set[str] = set()
    for name, names in _pairs(langs, "column_langs"):
        name = _check_column_name(name, "column_langs", seen)
        if isinstance(names, str):  # one language; never iterate its letters
            names = (names,)
        try:
            names = tuple(names)  # type: ignore[arg-type]
        except TypeError:
            raise ConfigError(
                f"languages of column {name!r} must be a list of names, got {names!r}"
            ) from None
        if not names:
            raise ConfigError(f"column {name!r} has an empty language set")
        for lang in names:
            if not isinstance(lang, str) or not lang:
                raise ConfigError(
                    f"column {name!r}: a language name must be a non-empty string, got {lang!r}"
                )
        if len(set(names)) != len(names):
            raise ConfigError(f"column {name!r} names a language twice: {', '.join(names)}")
        out.append((name, tuple(sorted(names))))
    return tuple(sorted(out)) or None


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


def parse_ratio_spec(text: str) -> tuple[float | None, dict[str, float]]:
    """Parse ``--ratio``: a default ratio and/or ``COLUMN=RATIO`` parts.

    ``"0.5"`` -> ``(0.5, {})``; ``"query=0.5,passage=0.25"`` ->
    ``(None, {"query": 0.5, "passage": 0.25})``; ``"0.3,query=0.5"`` ->
    ``(0.3, {"query": 0.5})``. Ranges are checked by SwitchConfig.

    Example:
        >>> parse_ratio_spec("0.3,query=0.5")
        (0.3, {'query': 0.5})
    """
    default: float | None = None
    columns: dict[str, float] = {}
    parts = [p.strip() for p in text.split(",")]
    if not any(parts):
        raise ConfigError(f"ratio must be RATIO and/or COLUMN=RATIO parts, got {text!r}")
    for part in parts:
        if not part:
            raise ConfigError(f"empty part in ratio {text!r}")
        name, sep, value = (s.strip() for s in part.partition("="))
        try:
            ratio = float(value if sep else name)
        except ValueError:
            raise ConfigError(
                f"ratio part must be RATIO or COLUMN=RATIO, got {part!r}"
            ) from None
        if not sep:
            if default is not None:
                raise ConfigError(f"ratio {text!r} gives a default ratio twice ({part!r})")
            default = ratio
        elif not name:
            raise ConfigError(f"ratio part must be RATIO or COLUMN=RATIO, got {part!r}")
        elif name in columns:
            raise ConfigError(f"column {name!r} given twice in ratio {text!r}")
        else:
            columns[name] = ratio
    return default, columns


def parse_langs_spec(text: str) -> dict[str, tuple[str, ...]]:
    """Parse ``--column-langs``: ``COLUMN=LANG[+LANG...]`` parts, comma-separated.

    Example:
        >>> parse_langs_spec("query=de,passage=de+ar+ru")
        {'query': ('de',), 'passage': ('de', 'ar', 'ru')}
    """
    out: dict[str, tuple[str, ...]] = {}
    parts = [p.strip() for p in text.split(",")]
    if not any(parts):
        raise ConfigError(f"column languages must be COLUMN=LANG[+LANG...] parts, got {text!r}")
    for part in parts:
        name, sep, value = (s.strip() for s in part.partition("="))
        langs = tuple(lang.strip() for lang in value.split("+"))
        if not sep or not name or not all(langs):
            raise ConfigError(
                f"column languages part must be COLUMN=LANG[+LANG...], got {part!r}"
            )
        if name in out:
            raise ConfigError(f"column {name!r} given twice in column languages {text!r}")
        out[name] = langs
    return out

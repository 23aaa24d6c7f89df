"""What ``csgen eval`` runs: settings parsed from text, systems evaluated on each, a report
with per-pair means and paired t-tests (Bonferroni-corrected) against a reference system."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from .baselines import bm25_rank
from .data import QAData, RetrievalSet, clir, load_xquad_r, mlir, moir, segment_squad
from .metrics import Report, bonferroni, evaluate_ranking, paired_t_test

#: A system ranks a retrieval set: ``(set, k) -> int64[n_queries, k]`` candidate indices.
Ranker = Callable[[RetrievalSet, int], np.ndarray]


@dataclass(frozen=True)
class Setting:
    """``moir:en``, ``clir:en-de`` or ``mlir:en`` (candidates of every loaded language)."""

    kind: str
    query_lang: str
    cand_lang: str | None = None

    @classmethod
    def parse(cls, text: str) -> Setting:
        kind, sep, langs = text.partition(":")
        kind = kind.strip().lower()
        parts = [p.strip() for p in langs.split("-")] if sep else []
        if kind in ("moir", "mlir") and len(parts) == 1 and parts[0]:
            return cls(kind, parts[0])
        if kind == "clir" and len(parts) == 2 and all(parts):
            return cls(kind, parts[0], parts[1])
        raise ConfigError(f"setting must be moir:X, clir:X-Y or mlir:X, got {text!r}")

    @property
    def langs(self) -> tuple[str, ...]:
        return (self.query_lang,) if self.cand_lang is None else (self.query_lang,
                                                                  self.cand_lang)

    def build(self, data: QAData) -> RetrievalSet:
        if self.kind == "moir":
            return moir(data, self.query_lang)
        if self.kind == "clir":
            assert self.cand_lang is not None
            return clir(data, self.query_lang, self.cand_lang)
        return mlir(data, self.query_lang)


def settings_data(settings: Sequence[str], xquad_r: str | Path | None,
                  squad_files: Mapping[str, str | Path] | None) -> tuple[list[Setting], QAData]:
    """The settings parsed from text (``moir:en``, ``clir:en-de``, ...) and the data they
    need: SQuAD-format files for the languages given, XQuAD-R for the others."""
    parsed = [Setting.parse(x) for x in settings]
    if not parsed:
        raise ConfigError("give at least one setting (-s moir:en, clir:en-de, ...)")
    squad = dict(squad_files or {})
    langs = sorted({lang for x in parsed for lang in x.langs})
    return parsed, load_data(xquad_r, squad, [lang for lang in langs if lang not in squad])


def load_data(xquad_r: str | Path | None = None, squad_files: Mapping[str, str | Path] = (),
              langs: Sequence[str] = ()) -> QAData:
    """XQuAD-R files (``langs`` of them) and/or SQuAD-format files by language (MLQA),
    segmented by csgen; a language given both ways is an error."""
    parts = []
    if xquad_r is not None:
        parts += list(load_xquad_r(xquad_r, langs or None).langs.values())
    for lang, path in dict(squad_files).items():
        if any(p.lang == lang for p in parts):
            raise ConfigError(f"language {lang!r} is given twice")
        parts.append(segment_squad(path, lang))
    if not parts:
        raise ConfigError("no evaluation data: give an XQuAD-R directory or SQuAD files")
    return QAData.of(parts)


def bm25_system(lexicons: Mapping[str, Any] | None = None) -> Ranker:
    """BM25 (or Translate-Test BM25 with X->en ``lexicons``) as a :data:`Ranker`."""
    return lambda rset, k: bm25_rank(rset, k, lexicons)


def evaluate_baselines(settings: Sequence[str], *, xquad_r: str | Path | None = None,
                       squad_files: Mapping[str, str | Path] | None = None,
                       translate: Mapping[str, str] | None = None,
                       ) -> tuple[Report, list[dict[str, Any]]]:
    """``csgen eval baselines``: BM25 on every setting (``moir:en``, ``clir:en-de`` ...) of
    the XQuAD-R directory and/or SQuAD-format files by language, and, with ``translate``
    (X->en lexicon specs by language X), Translate-Test BM25 t-tested against BM25.
    Returns the report and the t-tests, as :func:`evaluate`."""
    parsed, data = settings_data(settings, xquad_r, squad_files)
    systems = {"bm25": bm25_system()}
    if translate:
        from ..lexicon import load_lexicon  # the core, only for Translate-Test

        systems["translate-test"] = bm25_system(
            {lang: load_lexicon(spec) for lang, spec in translate.items()})
    return evaluate(data, parsed, systems, reference="bm25" if translate else None)


def evaluate(data: QAData, settings: Sequence[Setting], systems: Mapping[str, Ranker], *,
             reference: str | None = None, k: int = 100,
             title: str = "retrieval") -> tuple[Report, list[dict[str, Any]]]:
    """Every system on every setting: MRR@10, R@1/10/100 per (setting, pair), and, when
    ``reference`` names a system, a paired t-test of each other system's per-query MRR@10
    against it, Bonferroni-corrected over all the tests run. Returns the report and the
    tests (``system, setting, pair, t, p, p_bonferroni``)."""
    if reference is not None and reference not in systems:
        raise ConfigError(f"reference system {reference!r} is not among "
                          f"{', '.join(systems)}")
    report = Report(title)
    per_query: dict[tuple[str, str, str], np.ndarray] = {}
    for setting in settings:
        rset = setting.build(data)
        for name, ranker in systems.items():
            scores = evaluate_ranking(ranker(rset, k), rset.relevant)
            report.add(rset.setting, rset.name, scores, system=name)
            per_query[(name, rset.setting, rset.name)] = np.asarray(scores["mrr@10"])
    tests: list[dict[str, Any]] = []
    if reference is not None:
        for (name, setting, pair), scores in per_query.items():
            if name == reference:
                continue
            t, p = paired_t_test(scores, per_query[(reference, setting, pair)])
            tests.append({"system": name, "reference": reference, "setting": setting,
                          "pair": pair, "t": t, "p": p})
        for test, corrected in zip(tests, bonferroni([x["p"] for x in tests]), strict=True):
            test["p_bonferroni"] = float(corrected)
    return report, tests


def tests_markdown(tests: Sequence[Mapping[str, Any]]) -> str:
    """The t-tests of :func:`evaluate` as a Markdown table."""
    lines = ["| system | vs | setting | pair | t | p | p (Bonferroni) |",
             "|---|---|---|---|---:|---:|---:|"]
    for x in tests:
        lines.append(f"| {x['system']} | {x['reference']} | {x['setting']} | {x['pair']} | "
                     f"{x['t']:.2f} | {x['p']:.2g} | {x['p_bonferroni']:.2g} |")
    return "\n".join(lines) + "\n"

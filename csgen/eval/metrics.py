"""Ranking, retrieval metrics, significance tests and reports (numpy only).

- :func:`rank` / :func:`top_k`: top-k candidate indices per query, best first; ties go to
  the lower candidate index, so rankings are deterministic.
- :func:`mrr_at_k`, :func:`recall_at_k`: per-query scores and their mean. A query may have
  several relevant candidates (MLIR): its reciprocal rank is that of the first relevant one
  in the top k (0 if none), its recall the share of its relevant ones in the top k.
- :func:`paired_t_test` (two-sided, Student t with n-1 degrees of freedom; the t CDF via the
  regularized incomplete beta function, continued fraction) and :func:`bonferroni`.
- :class:`Report`: rows of (setting, pair, metrics), rendered as Markdown and JSON with a
  per-setting average row.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ConfigError

__all__ = [
    "Report",
    "betainc",
    "bonferroni",
    "evaluate_ranking",
    "mrr_at_k",
    "paired_t_test",
    "rank",
    "recall_at_k",
    "t_sf_two_sided",
    "top_k",
]

Relevant = Sequence[Sequence[int]]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores of each row, best first (ties: lower index)."""
    scores = np.asarray(scores)
    if scores.ndim != 2:
        raise ConfigError(f"scores must be 2-d (queries x candidates), got {scores.ndim}-d")
    k = min(int(k), scores.shape[1])
    if k < 1:
        raise ConfigError("k must be >= 1 and there must be candidates")
    if k < scores.shape[1]:
        # Keep everything tied with the k-th score, then order exactly.
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        kth = np.min(np.take_along_axis(scores, part, axis=1), axis=1, keepdims=True)
        out = np.empty((scores.shape[0], k), dtype=np.int64)
        for i in range(scores.shape[0]):
            cand = np.flatnonzero(scores[i] >= kth[i])
            order = np.lexsort((cand, -scores[i, cand]))
            out[i] = cand[order[:k]]
        return out
    idx = np.arange(scores.shape[1])
    return np.stack([idx[np.lexsort((idx, -row))] for row in scores]) if len(scores) else (
        np.empty((0, k), dtype=np.int64))


def rank(query_emb: np.ndarray, cand_emb: np.ndarray, k: int = 100, *, cosine: bool = True,
         chunk: int = 1024) -> np.ndarray:
    """Top-``k`` candidates per query by cosine (default) or dot product, best first;
    ``(n_queries, min(k, n_candidates))`` int64. Scores are computed ``chunk`` queries at a
    time, so memory stays ``chunk x n_candidates``."""
    q = np.asarray(query_emb, dtype=np.float32)
    c = np.asarray(cand_emb, dtype=np.float32)
    if q.ndim != 2 or c.ndim != 2 or q.shape[1] != c.shape[1]:
        raise ConfigError(f"embeddings must be 2-d with equal width, got {q.shape} and {c.shape}")
    if cosine:
        q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
        c = c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-12)
    parts = [top_k(q[i:i + chunk] @ c.T, k) for i in range(0, len(q), chunk)]
    return np.concatenate(parts) if parts else np.empty((0, min(k, len(c))), dtype=np.int64)


def _check(ranked: np.ndarray, relevant: Relevant) -> np.ndarray:
    ranked = np.asarray(ranked)
    if ranked.ndim != 2 or len(ranked) != len(relevant):
        raise ConfigError(f"ranked must be (n_queries, k) with n_queries = {len(relevant)}, "
                          f"got shape {ranked.shape}")
    return ranked


def _relevant_hits(ranked: np.ndarray, relevant: Relevant, k: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (query, relevant candidate) pair at once, no per-query loop: ``query``
    int64[n_pairs] (the pairs in query order), ``sizes`` int64[n_queries] (relevant
    candidates per query) and ``eq`` bool[n_pairs, k] (where that candidate stands in the
    query's top ``k``)."""
    ranked = _check(ranked, relevant)[:, :k]
    sizes = np.fromiter((len(r) for r in relevant), dtype=np.int64, count=len(relevant))
    flat = np.fromiter(itertools.chain.from_iterable(relevant), dtype=np.int64,
                       count=int(sizes.sum()))
    query = np.repeat(np.arange(len(ranked)), sizes)
    return query, sizes, ranked[query] == flat[:, None]


def mrr_at_k(ranked: np.ndarray, relevant: Relevant, k: int = 10) -> tuple[np.ndarray, float]:
    """Per-query reciprocal rank of the first relevant candidate within the top ``k`` (0 if
    none there), and the mean."""
    query, sizes, eq = _relevant_hits(ranked, relevant, k)
    hit = np.zeros((len(sizes), eq.shape[1]), dtype=bool)
    np.logical_or.at(hit, query, eq)
    rr = np.where(hit.any(axis=1), 1.0 / (hit.argmax(axis=1) + 1), 0.0)
    return rr, float(rr.mean()) if rr.size else 0.0


def recall_at_k(ranked: np.ndarray, relevant: Relevant, k: int) -> tuple[np.ndarray, float]:
    """Per-query share of relevant candidates within the top ``k`` (NaN for a query with
    none), and the mean."""
    query, sizes, eq = _relevant_hits(ranked, relevant, k)
    found = np.bincount(query, weights=eq.any(axis=1), minlength=len(sizes))
    with np.errstate(invalid="ignore"):  # 0 / 0: a query with no relevant candidate
        rec = found / sizes
    return rec, float(rec.mean()) if rec.size else 0.0


def evaluate_ranking(ranked: np.ndarray, relevant: Relevant) -> dict[str, np.ndarray]:
    """Per-query ``mrr@10``, ``r@1``, ``r@10``, ``r@100`` of a ranking."""
    return {
        "mrr@10": mrr_at_k(ranked, relevant, 10)[0],
        "r@1": recall_at_k(ranked, relevant, 1)[0],
        "r@10": recall_at_k(ranked, relevant, 10)[0],
        "r@100": recall_at_k(ranked, relevant, 100)[0],
    }


# -- significance -----------------------------------------------------------------------------


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, eps = 1e-300, 3e-16
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < eps:
            return h
    raise ArithmeticError(f"incomplete beta continued fraction did not converge (a={a}, b={b})")


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1."""
    if not (a > 0 and b > 0):
        raise ConfigError(f"betainc needs a, b > 0, got {a}, {b}")
    if not 0.0 <= x <= 1.0:
        raise ConfigError(f"betainc needs 0 <= x <= 1, got {x}")
    if x in (0.0, 1.0):
        return x
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def t_sf_two_sided(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with ``df`` degrees of freedom."""
    if math.isnan(t):
        return math.nan
    if math.isinf(t):
        return 0.0
    return betainc(df / 2.0, 0.5, df / (df + t * t))


def paired_t_test(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """Paired two-sided t-test of per-query scores ``a`` vs ``b``: ``(t, p)``, t > 0 when
    ``a`` is higher. Identical scores give ``(0.0, 1.0)``; constant non-zero differences
    ``(±inf, 0.0)``."""
    x = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if np.asarray(a).shape != np.asarray(b).shape or x.ndim != 1:
        raise ConfigError("paired_t_test needs two 1-d score arrays of equal length")
    n = x.size
    if n < 2:
        raise ConfigError(f"paired_t_test needs at least 2 pairs, got {n}")
    mean, sd = float(x.mean()), float(x.std(ddof=1))
    if sd == 0.0:
        return (0.0, 1.0) if mean == 0.0 else (math.copysign(math.inf, mean), 0.0)
    t = mean / (sd / math.sqrt(n))
    return t, t_sf_two_sided(t, n - 1)


def bonferroni(pvalues: Sequence[float]) -> np.ndarray:
    """Bonferroni-adjusted p-values: each times the number of tests, at most 1."""
    p = np.asarray(pvalues, dtype=float)
    if p.size and (np.any(p < 0) | np.any(p > 1)):
        raise ConfigError("p-values must lie in [0, 1]")
    return np.minimum(p * p.size, 1.0)


# -- reports ----------------------------------------------------------------------------------


@dataclass
class Report:
    """Results per (setting, pair): :meth:`add` per-query scores; :meth:`to_markdown` and
    :meth:`to_json` give their means, each setting followed by its average over pairs."""

    title: str = "retrieval"
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, setting: str, pair: str, scores: dict[str, Sequence[float]],
            system: str = "") -> None:
        means = {k: float(np.mean(v)) if len(v) else 0.0 for k, v in scores.items()}
        n = len(next(iter(scores.values()))) if scores else 0
        self.rows.append({"system": system, "setting": setting, "pair": pair,
                          "queries": n, "metrics": means})

    def metric_names(self) -> list[str]:
        return list(dict.fromkeys(k for r in self.rows for k in r["metrics"]))

    def averages(self) -> list[dict[str, Any]]:
        """Per (system, setting), the unweighted mean of each metric over its pairs."""
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for r in self.rows:
            groups.setdefault((r["system"], r["setting"]), []).append(r)
        out = []
        for (system, setting), rows in groups.items():
            names = dict.fromkeys(k for r in rows for k in r["metrics"])
            out.append({"system": system, "setting": setting, "pair": "avg",
                        "queries": sum(r["queries"] for r in rows),
                        "metrics": {k: float(np.mean([r["metrics"][k] for r in rows
                                                      if k in r["metrics"]]))
                                    for k in names}})
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "rows": self.rows, "averages": self.averages()}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=True)

    def to_markdown(self, digits: int = 4) -> str:
        names = self.metric_names()
        head = ["system", "setting", "pair", "queries", *names]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        avgs = {(a["system"], a["setting"]): a for a in self.averages()}
        order = list(dict.fromkeys((r["system"], r["setting"]) for r in self.rows))
        for key in order:
            group = [r for r in self.rows if (r["system"], r["setting"]) == key]
            if len(group) > 1:
                group.append(avgs[key])
            for r in group:
                vals = [f"{r['metrics'][k]:.{digits}f}" if k in r["metrics"] else ""
                        for k in names]
                lines.append("| " + " | ".join([r["system"], r["setting"], r["pair"],
                                                str(r["queries"]), *vals]) + " |")
        return "\n".join(lines) + "\n"

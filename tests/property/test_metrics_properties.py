"""csgen.eval.metrics' one-pass MRR and recall against the plain per-query definitions
(hypothesis): several relevant candidates per query, repeats, none ranked, k past the end."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from csgen.eval.metrics import mrr_at_k, recall_at_k


@st.composite
def rankings(draw):
    n_cand = draw(st.integers(1, 12))
    n_query = draw(st.integers(1, 8))
    width = draw(st.integers(1, n_cand))
    ranked = np.array([draw(st.permutations(range(n_cand)))[:width] for _ in range(n_query)],
                      dtype=np.int64)
    relevant = [draw(st.lists(st.integers(0, n_cand - 1), min_size=1, max_size=4))
                for _ in range(n_query)]
    return ranked, relevant, draw(st.integers(1, width + 2))


@settings(max_examples=300, deadline=None)
@given(rankings())
def test_metrics_equal_the_per_query_definitions(case):
    ranked, relevant, k = case
    rr, mean = mrr_at_k(ranked, relevant, k)
    expected_rr = []
    for row, rel in zip(ranked[:, :k].tolist(), relevant, strict=True):
        first = next((j for j, c in enumerate(row) if c in rel), None)
        expected_rr.append(0.0 if first is None else 1.0 / (first + 1))
    assert rr.tolist() == expected_rr and mean == np.mean(expected_rr)
    rec, _ = recall_at_k(ranked, relevant, k)
    expected_rec = [sum(c in row for c in rel) / len(rel)
                    for row, rel in zip(ranked[:, :k].tolist(), relevant, strict=True)]
    assert np.allclose(rec, expected_rec, rtol=0, atol=1e-12)

"""Evaluation harness for answer-sentence retrieval (LAReQA style, Roy et al. 2020).

Import explicitly (``import csgen`` does not load it)::

    from csgen.eval import load_xquad_r, moir, clir, mlir, evaluate_bm25

- :mod:`csgen.eval.data`: XQuAD-R / MLQA loading and the MoIR, CLIR, MLIR retrieval sets.
- :mod:`csgen.eval.metrics`: ranking, MRR@k, recall@k, paired t-test, Bonferroni, reports.
- :mod:`csgen.eval.baselines`: BM25 and Translate-Test BM25.
"""

from __future__ import annotations

from .baselines import BM25, bm25_rank, evaluate_bm25, tokenize, translate_text, translate_texts
from .data import (
    Candidate,
    LangData,
    QAData,
    Question,
    RetrievalSet,
    clir,
    load_xquad_r,
    mlir,
    moir,
    segment_squad,
    split_sentences,
)
from .metrics import (
    Report,
    betainc,
    bonferroni,
    evaluate_ranking,
    mrr_at_k,
    paired_t_test,
    rank,
    recall_at_k,
    t_sf_two_sided,
    top_k,
)

__all__ = [
    "BM25",
    "Candidate",
    "LangData",
    "QAData",
    "Question",
    "Report",
    "RetrievalSet",
    "betainc",
    "bm25_rank",
    "bonferroni",
    "clir",
    "evaluate_bm25",
    "evaluate_ranking",
    "load_xquad_r",
    "mlir",
    "moir",
    "mrr_at_k",
    "paired_t_test",
    "rank",
    "recall_at_k",
    "segment_squad",
    "split_sentences",
    "t_sf_two_sided",
    "tokenize",
    "top_k",
    "translate_text",
    "translate_texts",
]

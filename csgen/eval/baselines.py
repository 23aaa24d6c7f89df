"""Lexical baselines: Okapi BM25 and Translate-Test (lexicon translation, then BM25).

Tokenisation (:func:`tokenize`): the lower-cased (``str.lower``) ``\\w+`` runs of the text
(Python's Unicode ``\\w``). Scripts written without spaces (Chinese, Thai) thus give one
token per run, which makes BM25 weak there; that is the baseline, not a bug.

BM25 (:class:`BM25`): k1 = 1.2, b = 0.75, idf = ln(1 + (N - n + 0.5) / (n + 0.5)) (the
non-negative Lucene form), a query term counted once per occurrence. The index is a
term-major CSR (postings per term with a precomputed term-frequency factor); a batch of
queries is scored by gathering its terms' postings and summing them with ``np.bincount``.

Translate-Test (:func:`translate_text`): every token of a text in language X is replaced by
the first translation a X->en :class:`~csgen.lexicon.Lexicon` gives for it (e.g. MUSE
``de-en.txt``), tokenised the same way; a token without an entry is kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import ConfigError
from .data import RetrievalSet
from .metrics import mrr_at_k, top_k

__all__ = ["BM25", "bm25_rank", "evaluate_bm25", "tokenize", "translate_text", "translate_texts"]

_TOKEN = re.compile(r"\w+")


def tokenize(text: str) -> list[str]:
    """Lower-cased ``\\w+`` tokens.

    >>> tokenize("Where's the U.S. Senate?")
    ['where', 's', 'the', 'u', 's', 'senate']
    """
    return _TOKEN.findall(text.lower())


class BM25:
    """Okapi BM25 over ``docs`` (already tokenised lists, or strings to :func:`tokenize`)."""

    def __init__(self, docs: Sequence[str | Sequence[str]], k1: float = 1.2, b: float = 0.75):
        if k1 < 0 or not 0 <= b <= 1:
            raise ConfigError(f"BM25 needs k1 >= 0 and 0 <= b <= 1, got k1={k1}, b={b}")
        self.k1, self.b = float(k1), float(b)
        self.vocab: dict[str, int] = {}
        doc_ids: list[int] = []
        term_ids: list[int] = []
        lengths = np.zeros(len(docs), dtype=np.float64)
        for d, doc in enumerate(docs):
            toks = tokenize(doc) if isinstance(doc, str) else list(doc)
            lengths[d] = len(toks)
            for tok in toks:
                term_ids.append(self.vocab.setdefault(tok, len(self.vocab)))
                doc_ids.append(d)
        self.n_docs = len(docs)
        terms = np.asarray(term_ids, dtype=np.int64)
        dids = np.asarray(doc_ids, dtype=np.int64)
        # Unique (term, doc) pairs with their counts, sorted term-major.
        key = terms * max(self.n_docs, 1) + dids
        uniq, tf = np.unique(key, return_counts=True)
        post_term = uniq // max(self.n_docs, 1)
        self.post_doc = uniq % max(self.n_docs, 1)
        self.indptr = np.zeros(len(self.vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(post_term, minlength=len(self.vocab)), out=self.indptr[1:])
        df = np.diff(self.indptr).astype(np.float64)
        self.idf = np.log1p((self.n_docs - df + 0.5) / (df + 0.5))
        avgdl = lengths.mean() if self.n_docs and lengths.mean() > 0 else 1.0
        norm = self.k1 * (1.0 - self.b + self.b * lengths[self.post_doc] / avgdl)
        self.post_val = tf * (self.k1 + 1.0) / (tf + norm)

    def scores(self, queries: Sequence[str | Sequence[str]]) -> np.ndarray:
        """``(len(queries), n_docs)`` BM25 scores."""
        q_idx: list[int] = []
        t_idx: list[int] = []
        for i, q in enumerate(queries):
            for tok in tokenize(q) if isinstance(q, str) else q:
                t = self.vocab.get(tok)
                if t is not None:
                    q_idx.append(i)
                    t_idx.append(t)
        n_q = len(queries)
        if not t_idx:
            return np.zeros((n_q, self.n_docs))
        qs = np.asarray(q_idx, dtype=np.int64)
        ts = np.asarray(t_idx, dtype=np.int64)
        starts, counts = self.indptr[ts], np.diff(self.indptr)[ts]
        total = int(counts.sum())
        # Position of every gathered posting: start of its term + its offset in the run.
        run_start = np.repeat(np.cumsum(counts) - counts, counts)
        pos = np.repeat(starts, counts) + (np.arange(total) - run_start)
        weights = np.repeat(self.idf[ts], counts) * self.post_val[pos]
        flat = np.repeat(qs, counts) * self.n_docs + self.post_doc[pos]
        out = np.bincount(flat, weights=weights, minlength=n_q * self.n_docs)
        return out.reshape(n_q, self.n_docs)

    def rank(self, queries: Sequence[str | Sequence[str]], k: int = 100,
             chunk: int = 256) -> np.ndarray:
        """Top-``k`` document indices per query, best first (ties: lower index)."""
        parts = [top_k(self.scores(queries[i:i + chunk]), k)
                 for i in range(0, len(queries), chunk)]
        return np.concatenate(parts) if parts else np.empty((0, k), dtype=np.int64)


def translate_text(text: str, lexicon, cache: dict[str, list[str]] | None = None) -> list[str]:
    """Tokens of ``text`` translated term by term with ``lexicon`` (first candidate; a token
    without an entry is kept)."""
    cache = {} if cache is None else cache
    out: list[str] = []
    for tok in tokenize(text):
        hit = cache.get(tok)
        if hit is None:
            found = lexicon.lookup(tok)
            hit = tokenize(found[0][1]) if found else [tok]
            cache[tok] = hit
        out.extend(hit)
    return out


def translate_texts(texts: Sequence[str], langs: Sequence[str],
                    lexicons: Mapping[str, object]) -> list[list[str]]:
    """Tokenise ``texts``, translating those whose language has a lexicon in ``lexicons``
    (language -> X->en lexicon); others are only tokenised."""
    caches: dict[str, dict[str, list[str]]] = {lang: {} for lang in lexicons}
    return [translate_text(t, lexicons[lang], caches[lang]) if lang in lexicons else tokenize(t)
            for t, lang in zip(texts, langs, strict=True)]


def bm25_rank(rset: RetrievalSet, k: int = 100,
              lexicons: Mapping[str, object] | None = None) -> np.ndarray:
    """BM25 ranking of ``rset`` (``(n_queries, k)``); with ``lexicons`` (language -> X->en
    lexicon) queries and candidates are first translated (Translate-Test)."""
    lexicons = lexicons or {}
    docs = translate_texts(rset.candidates, rset.candidate_langs, lexicons)
    queries = translate_texts(rset.queries, [rset.query_lang] * len(rset), lexicons)
    return BM25(docs).rank(queries, k)


def evaluate_bm25(rset: RetrievalSet, lexicons: Mapping[str, object] | None = None,
                  k: int = 10) -> np.ndarray:
    """Per-query reciprocal ranks (within the top ``k``, else 0) of BM25 on ``rset``, or of
    Translate-Test BM25 when ``lexicons`` is given; their mean is MRR@k."""
    ranked = bm25_rank(rset, k, lexicons)
    return mrr_at_k(ranked, rset.relevant, k)[0]

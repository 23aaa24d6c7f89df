"""English training pairs from SQuAD-format files.

- :func:`squad_pairs`: each question with its answer sentence (the sentence of
  :func:`csgen.eval.data.split_sentences` that holds ``answer_start``; a start in the white
  space between two sentences belongs to the next one) and, optionally, inverse-cloze pairs
  (one sentence of a paragraph -> the rest of the paragraph).
- :func:`split_by_title`: a held-out split by article title (seeded), for early stopping.

Both are deterministic: the same input and seed give the same table.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

from ..errors import ConfigError
from ..eval.data import split_sentences

__all__ = ["PAIR_SCHEMA", "split_by_title", "squad_pairs"]

PAIR_SCHEMA = pa.schema([("query", pa.string()), ("passage", pa.string()), ("id", pa.string()),
                         ("title", pa.string())])
"""``query, passage, id`` and the article ``title`` (for :func:`split_by_title`)."""


def _containing(spans: list[tuple[int, int]], pos: int) -> int | None:
    for i, (s, e) in enumerate(spans):
        if s <= pos < e:
            return i
    for i, (s, _) in enumerate(spans):
        if pos < s:
            return i
    return None


def _rows(source: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(source, (str, os.PathLike)):
        from ..io.readers import ReadOptions, open_source

        for batch in open_source(source, ReadOptions(format="squad")).batches():
            yield from batch.to_pylist()
    elif isinstance(source, (pa.Table, pa.RecordBatch)):
        yield from source.to_pylist()
    else:
        yield from source


def squad_pairs(source: Any, *, inverse_cloze: bool = False, seed: int = 0) -> pa.Table:
    """Pairs ``(query, passage, id, title)`` from SQuAD-format data.

    ``source``: a path (or glob/directory) read as ``squad``, a table / batch of its rows
    (``id, title, context, question, answers{text, answer_start}``) or an iterable of such
    dicts. Questions without answers, or whose answer lies in no sentence, are skipped.
    With ``inverse_cloze``, each paragraph of two or more sentences adds one pair: a
    sentence drawn with ``random.Random(seed)`` -> the other sentences joined by a space,
    id ``ict:<id of the paragraph's first question>``.
    """
    queries: list[str] = []
    passages: list[str] = []
    ids: list[str] = []
    titles: list[str] = []
    split_cache: dict[str, list[tuple[int, int]]] = {}
    paragraphs: dict[str, tuple[str, str]] = {}  # context -> (first question id, title)
    for row in _rows(source):
        context = row["context"]
        spans = split_cache.get(context)
        if spans is None:
            spans = split_cache[context] = split_sentences(context)
            paragraphs[context] = (str(row["id"]), row["title"])
        answers = row["answers"]
        starts = answers["answer_start"] if isinstance(answers, Mapping) else [
            a["answer_start"] for a in answers]
        if not starts:
            continue
        hit = _containing(spans, int(starts[0]))
        if hit is None:
            continue
        s, e = spans[hit]
        queries.append(row["question"])
        passages.append(context[s:e])
        ids.append(str(row["id"]))
        titles.append(row["title"])
    if inverse_cloze:
        rng = random.Random(seed)
        for context, (qid, title) in paragraphs.items():
            spans = split_cache[context]
            if len(spans) < 2:
                continue
            k = rng.randrange(len(spans))
            queries.append(context[spans[k][0]:spans[k][1]])
            passages.append(" ".join(context[s:e] for i, (s, e) in enumerate(spans) if i != k))
            ids.append(f"ict:{qid}")
            titles.append(title)
    return pa.table([queries, passages, ids, titles], schema=PAIR_SCHEMA)


def split_by_title(table: pa.Table, heldout: float = 0.1, seed: int = 0
                   ) -> tuple[pa.Table, pa.Table]:
    """``(train, heldout)``: whole articles (distinct ``title`` values, shuffled with
    ``random.Random(seed)``) go to the held-out part until it has ``heldout`` of the
    titles (at least one when there are two or more). Row order is kept."""
    if not 0.0 < heldout < 1.0:
        raise ConfigError(f"heldout must be in (0, 1), got {heldout!r}")
    if "title" not in table.column_names:
        raise ConfigError("the table has no 'title' column to split by")
    titles = sorted(set(table.column("title").to_pylist()))
    random.Random(seed).shuffle(titles)
    n = round(len(titles) * heldout)
    if len(titles) >= 2:
        n = min(max(n, 1), len(titles) - 1)
    held = set(titles[:n])
    mask = pa.array([t in held for t in table.column("title").to_pylist()], type=pa.bool_())
    import pyarrow.compute as pc

    return table.filter(pc.invert(mask)), table.filter(mask)

"""The squad reader on real SQuAD-format files (../shared/data; skipped when absent): row
counts from the files' SOURCE.md, the HF squad schema, and every answer span in place."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pytest

from csgen.io import SQUAD_SCHEMA, ReadOptions, open_source

# (path parts, questions, articles, paragraphs), from each SOURCE.md
CASES = [
    (("xquad", "xquad.en.json"), 1190, 48, 240),
    (("mlqa", "dev-context-de-question-de.json"), 512, 1, 456),  # one article, title ""
    (("squad", "train-v1.0.json.gz"), 87636, 442, 18896),
]


def reference(path) -> tuple[list[tuple[str, str, str, str]], int, int]:
    """(id, title, context, question) per question, articles, paragraphs: plain json."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        doc = json.load(f)
    rows = [(qa["id"], art.get("title", ""), par["context"], qa["question"])
            for art in doc["data"] for par in art["paragraphs"] for qa in par["qas"]]
    return rows, len(doc["data"]), sum(len(a["paragraphs"]) for a in doc["data"])


def check_spans(table: pa.Table) -> int:
    """Every answer is ``context[start:start + len(text)]`` (Python string indices)."""
    checked = 0
    contexts = table.column("context").to_pylist()
    answers = table.column("answers").to_pylist()
    for context, ans in zip(contexts, answers, strict=True):
        assert len(ans["text"]) == len(ans["answer_start"])
        for text, start in zip(ans["text"], ans["answer_start"], strict=True):
            assert context[start:start + len(text)] == text, (text, start)
            checked += 1
    return checked


@pytest.mark.parametrize("parts, rows, articles, paragraphs", CASES,
                         ids=[c[0][0] for c in CASES])
def test_squad_files(shared, parts, rows, articles, paragraphs):
    path = shared(*parts)
    src = open_source(path, ReadOptions(batch_rows=4096))
    assert src.format == "squad" and src.schema == SQUAD_SCHEMA
    batches = list(src.batches())
    assert all(b.num_rows <= 4096 and b.schema == SQUAD_SCHEMA for b in batches)
    table = pa.Table.from_batches(batches)
    assert table.num_rows == rows and src.bad_rows.count == 0
    assert len(set(table.column("id").to_pylist())) == rows
    ref, n_articles, n_paragraphs = reference(path)
    assert (n_articles, n_paragraphs) == (articles, paragraphs)
    got = zip(*(table.column(c).to_pylist() for c in ("id", "title", "context", "question")),
              strict=True)
    assert list(got) == ref
    assert check_spans(table) >= rows
    assert table.column("question").null_count == 0


def test_xquad_languages_are_parallel(shared):
    en = open_source(shared("xquad", "xquad.en.json"))
    de = open_source(shared("xquad", "xquad.de.json"))
    en_t = pa.Table.from_batches(list(en.batches()))
    de_t = pa.Table.from_batches(list(de.batches()))
    assert en_t.column("id").to_pylist() == de_t.column("id").to_pylist()
    assert check_spans(de_t) >= 1190
    # a directory of the twelve languages reads as one source, in file-name order
    both = open_source(str(shared("xquad", "xquad.en.json").parent / "xquad.*.json"))
    assert len(both.files) == 12 and both.files[0].path.endswith("xquad.ar.json")
    assert sum(b.num_rows for b in both.batches()) == 12 * 1190

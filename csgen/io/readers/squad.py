"""The ``squad`` reader (``.json``, ``.json.gz``): SQuAD v1.1 JSON (SQuAD, XQuAD, MLQA),
one row per question, in the schema of Hugging Face ``datasets``' squad
(:data:`SQUAD_SCHEMA`).

Buffers: JSON needs the whole document, so each pass reads the file into new bytes,
parses it with ``json`` and builds new Arrow arrays from Python lists; the batches are
zero-copy slices of the question columns plus contexts and titles taken (copied) per
batch from one array per paragraph.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa

from ...errors import InputError
from ..files import File, reading
from .base import BadRows, Probe, Reader, register

SQUAD_SCHEMA = pa.schema([
    ("id", pa.string()),
    ("title", pa.string()),
    ("context", pa.string()),
    ("question", pa.string()),
    ("answers", pa.struct([("text", pa.list_(pa.string())),
                           ("answer_start", pa.list_(pa.int32()))])),
])
"""The schema of a ``squad`` source: Hugging Face ``datasets``' ``squad`` features."""


@register
class SquadReader(Reader):
    """SQuAD v1.1 JSON, one row per question in :data:`SQUAD_SCHEMA`. Each pass parses
    the file with ``json`` and flattens it in one Python loop over the questions
    (building lists; about 0.1 s per 100k questions), then contexts and titles are taken
    per batch from one array per paragraph. ``title`` may be missing (``""``); ``id`` may
    be an integer (made a string)."""

    format = "squad"
    rebatch = False

    def probe(self, f: File) -> Probe:
        with reading(f.name), f.open() as fh:
            empty = not fh.read(1)
        if empty:
            raise InputError(f"{f.name}: empty file, expected SQuAD JSON")
        return Probe(SQUAD_SCHEMA)

    def empty_schema(self) -> pa.Schema:
        return SQUAD_SCHEMA

    def read(self, f: File, probe: Probe, schema: pa.Schema,
             bad: BadRows) -> Iterator[pa.RecordBatch]:
        with f.open() as fh:
            raw = fh.read()
        doc = _load_json(f.name, raw)
        del raw
        cols = _flatten_squad(f.name, doc, self.skip, bad)
        del doc
        ids, titles, contexts, questions, para, offsets, texts, starts = cols
        para_idx = pa.array(np.asarray(para, np.int64))
        try:
            ctx = pa.array(contexts, pa.string())
            ttl = pa.array(titles, pa.string())
            id_arr = pa.array(ids, pa.string())
            q_arr = pa.array(questions, pa.string())
            text_arr = pa.array(texts, pa.string())
        except UnicodeEncodeError:
            # only from a JSON escape of a lone surrogate ("\ud800"): not text
            raise _surrogate_error(f.name, cols) from None
        try:
            start_arr = pa.array(starts, pa.int32())
        except (pa.ArrowInvalid, OverflowError):
            raise InputError(f"{f.name}: an answer_start does not fit in int32") from None
        answers = pa.StructArray.from_arrays(
            [pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), text_arr),
             pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), start_arr)],
            fields=list(SQUAD_SCHEMA.field("answers").type))
        step = self.options.batch_rows
        for s in range(0, len(ids), step):
            idx = para_idx.slice(s, step)
            yield pa.RecordBatch.from_arrays(
                [id_arr.slice(s, step), ttl.take(idx), ctx.take(idx), q_arr.slice(s, step),
                 answers.slice(s, step)], schema=SQUAD_SCHEMA)


def _load_json(name: str, raw: bytes) -> Any:
    """The document in ``raw``; bad UTF-8 and bad JSON name the line."""
    text: str | bytes
    try:
        # Decoded strictly here: ``json.loads`` decodes bytes with "surrogatepass", which
        # lets an encoded surrogate (b"\xed\xa0\x80", invalid UTF-8) through as text.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        if json.detect_encoding(raw).startswith("utf-8"):
            raise _utf8_error(name, e) from None
        text = raw   # UTF-16 or UTF-32: json detects and decodes it
    try:
        return json.loads(text)
    except UnicodeDecodeError as e:
        raise _utf8_error(name, e) from None
    except json.JSONDecodeError as e:
        raise InputError(f"{name}:{e.lineno}: invalid JSON at column {e.colno}: "
                         f"{e.msg}") from None


def _utf8_error(name: str, e: UnicodeDecodeError) -> InputError:
    data = e.object   # the bytes decoded (without a UTF-8 byte order mark)
    line = data.count(b"\n", 0, e.start) + 1
    column = e.start - data.rfind(b"\n", 0, e.start)
    return InputError(f"{name}:{line}: not valid UTF-8 (byte {column} of the line)")


def _surrogate_error(name: str, cols: tuple[list, ...]) -> InputError:
    """The first string UTF-8 cannot encode, named (error path)."""
    ids, titles, contexts, questions, _para, _offsets, texts, _starts = cols
    for what, values in (("an id", ids), ("a title", titles), ("a context", contexts),
                         ("a question", questions), ("an answer text", texts)):
        for i, value in enumerate(values):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as e:
                where = f"question {ids[i]!r}: " if values is questions else ""
                return InputError(f"{name}: {where}{what} holds a lone surrogate "
                                  f"(\\u{ord(value[e.start]):04x}), which is not text")
    return InputError(f"{name}: a string is not valid Unicode")  # pragma: no cover


def _flatten_squad(name: str, doc: Any, skip: bool, bad: BadRows) -> tuple[list, ...]:
    """Lists of the SQuAD columns; bad questions raise or are counted (row = question
    number in the file, 1-based)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise InputError(f"{name}: not SQuAD JSON (expected an object with a 'data' list)")
    ids: list[str] = []
    questions: list[str] = []
    para: list[int] = []
    offsets: list[int] = [0]
    texts: list[str] = []
    starts: list[int] = []
    contexts: list[str] = []
    titles: list[str] = []
    row = 0

    def fail(where: str, what: str, n: int = 1) -> None:
        if not skip:
            raise InputError(f"{name}: {where}: {what}")
        for _ in range(n):
            bad.add(name, row + 1, f"{where}: {what}")

    for a, art in enumerate(doc["data"]):
        if not isinstance(art, dict) or not isinstance(art.get("paragraphs"), list):
            fail(f"data[{a}]", "expected an object with a 'paragraphs' list")
            continue
        title = art.get("title", "")
        if not isinstance(title, str):
            fail(f"data[{a}]", f"'title' is {type(title).__name__}, not a string")
            continue
        for p, par in enumerate(art["paragraphs"]):
            where = f"data[{a}].paragraphs[{p}]"
            if not isinstance(par, dict):
                fail(where, "expected an object")
                continue
            ctx, qas = par.get("context"), par.get("qas")
            if not isinstance(qas, list):
                fail(where, "'qas' is missing or not a list")
                continue
            if not isinstance(ctx, str):
                fail(where, "'context' is missing or not a string", max(len(qas), 1))
                row += len(qas)
                continue
            pi = len(contexts)
            contexts.append(ctx)
            titles.append(title)
            for q, qa in enumerate(qas):
                try:
                    qid, question, answers = qa["id"], qa["question"], qa["answers"]
                    a_text = [x["text"] for x in answers]
                    a_start = [x["answer_start"] for x in answers]
                    ok = (type(question) is str and type(qid) in (str, int)
                          and all(type(t) is str for t in a_text)
                          and all(type(s) is int for s in a_start))
                except (KeyError, TypeError):
                    ok = False
                if not ok:
                    fail(*_squad_problem(qa, f"{where}.qas[{q}]"))
                    row += 1
                    continue
                row += 1
                ids.append(qid if type(qid) is str else str(qid))
                questions.append(question)
                para.append(pi)
                texts.extend(a_text)
                starts.extend(a_start)
                offsets.append(len(texts))
    return ids, titles, contexts, questions, para, offsets, texts, starts


def _squad_problem(qa: Any, where: str) -> tuple[str, str]:
    """(where, what) of a malformed question (error path)."""
    if not isinstance(qa, dict):
        return where, f"expected an object, found {type(qa).__name__}"
    qid = qa.get("id")
    if isinstance(qid, (str, int)) and not isinstance(qid, bool):
        where = f"question {qid!r} ({where})"
    else:
        return where, "'id' is missing or not a string"
    question = qa.get("question")
    if not isinstance(question, str):
        return where, "'question' is missing or not a string"
    answers = qa.get("answers")
    if not isinstance(answers, list):
        return where, "'answers' is missing or not a list"
    for k, ans in enumerate(answers):
        if not isinstance(ans, dict):
            return where, f"answers[{k}] is not an object"
        if not isinstance(ans.get("text"), str):
            return where, f"answers[{k}].text is missing or not a string"
        start = ans.get("answer_start")
        if type(start) is not int:
            return where, f"answers[{k}].answer_start is missing or not an integer"
    return where, "malformed question"  # pragma: no cover - every case is named above

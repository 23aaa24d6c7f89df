"""Answer-sentence retrieval sets in the style of LAReQA (Roy et al. 2020).

A question's *candidates* are sentences of the contexts; its *relevant* candidate is the
sentence that contains the start of its answer.

- :func:`load_xquad_r` reads the official XQuAD-R files (SQuAD JSON whose paragraphs also
  hold ``sentences`` and ``sentence_breaks``) and keeps their segmentation, so scores
  compare with published XQuAD-R numbers. The relevant sentence is the one whose break
  range ``[start, end)`` holds the answer's ``answer_start``.
- :func:`segment_squad` reads a plain SQuAD-format file (MLQA) and splits its contexts with
  :func:`split_sentences`, a small rule-based splitter.

Both return a :class:`LangData`; :class:`QAData` holds several languages, and the builders
:func:`moir` (X-X), :func:`clir` (X-Y) and :func:`mlir` (X against a pool of languages)
turn one into a :class:`RetrievalSet`. Questions are matched across languages by their id:
XQuAD-R ids are shared by all 11 languages; MLQA ids are shared only by the parallel
questions of two files, so CLIR between MLQA languages keeps the common ids only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError

__all__ = [
    "Candidate",
    "LangData",
    "QAData",
    "Question",
    "RetrievalSet",
    "clir",
    "load_xquad_r",
    "mlir",
    "moir",
    "segment_squad",
    "split_sentences",
]


@dataclass(frozen=True)
class Question:
    """One question: ``candidate`` indexes its answer sentence in its language's candidates."""

    id: str
    text: str
    lang: str
    answer: str
    answer_start: int
    candidate: int


@dataclass(frozen=True)
class Candidate:
    """One candidate sentence with its ``[start, end)`` character offsets in its context."""

    text: str
    lang: str
    article: int
    paragraph: int
    start: int
    end: int


@dataclass(frozen=True)
class LangData:
    """The questions and candidate sentences of one language."""

    lang: str
    questions: tuple[Question, ...]
    candidates: tuple[Candidate, ...]

    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}


@dataclass(frozen=True)
class QAData:
    """Several :class:`LangData` by language (``data["de"]``)."""

    langs: Mapping[str, LangData]

    @classmethod
    def of(cls, parts: Iterable[LangData]) -> QAData:
        langs: dict[str, LangData] = {}
        for part in parts:
            if part.lang in langs:
                raise ConfigError(f"language {part.lang!r} given twice")
            langs[part.lang] = part
        return cls(langs)

    def __getitem__(self, lang: str) -> LangData:
        try:
            return self.langs[lang]
        except KeyError:
            raise ConfigError(f"language {lang!r} is not loaded; available: "
                              f"{', '.join(sorted(self.langs)) or 'none'}") from None

    def __contains__(self, lang: object) -> bool:
        return lang in self.langs

    def __iter__(self) -> Iterator[str]:
        return iter(self.langs)


@dataclass(frozen=True)
class RetrievalSet:
    """Queries, candidates and, per query, the indices of its relevant candidates.

    ``candidate_langs`` gives each candidate's language (candidates of MLIR pool several);
    ``setting`` is ``moir``, ``clir`` or ``mlir`` and ``name`` e.g. ``en-de``.
    """

    setting: str
    name: str
    query_lang: str
    query_ids: tuple[str, ...]
    queries: tuple[str, ...]
    candidates: tuple[str, ...]
    candidate_langs: tuple[str, ...]
    relevant: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        n = len(self.queries)
        if len(self.query_ids) != n or len(self.relevant) != n:
            raise ConfigError("query_ids, queries and relevant must have one entry per query")
        if len(self.candidate_langs) != len(self.candidates):
            raise ConfigError("candidate_langs must have one entry per candidate")
        m = len(self.candidates)
        for rel in self.relevant:
            if not rel or any(not 0 <= i < m for i in rel):
                raise ConfigError(f"relevant indices {rel!r} out of range for {m} candidates")

    def __len__(self) -> int:
        return len(self.queries)


# -- reading ----------------------------------------------------------------------------------


def _read_json(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not valid SQuAD JSON: {e}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise InputError(f"{path}: not SQuAD JSON (no top-level 'data' list)")
    return doc


def _find_containing(breaks: Sequence[tuple[int, int]], pos: int) -> int | None:
    for i, (s, e) in enumerate(breaks):
        if s <= pos < e:
            return i
    # A start in the white space between two sentences belongs to the next one.
    for i, (s, _) in enumerate(breaks):
        if pos < s:
            return i
    return None


def _parse(path: Path, lang: str, *, own_sentences: bool) -> LangData:
    doc = _read_json(path)
    questions: list[Question] = []
    candidates: list[Candidate] = []
    try:
        for a, article in enumerate(doc["data"]):
            for p, para in enumerate(article["paragraphs"]):
                context = para["context"]
                if own_sentences:
                    sents = para["sentences"]
                    breaks = [(int(s), int(e)) for s, e in para["sentence_breaks"]]
                    if len(sents) != len(breaks) or not all(isinstance(s, str) for s in sents):
                        raise InputError(f"{path}: article {a} paragraph {p}: sentences and "
                                         "sentence_breaks differ in length")
                else:
                    breaks = split_sentences(context)
                    sents = [context[s:e] for s, e in breaks]
                base = len(candidates)
                candidates.extend(Candidate(t, lang, a, p, s, e)
                                  for t, (s, e) in zip(sents, breaks, strict=True))
                for qa in para["qas"]:
                    answer = qa["answers"][0]
                    start = int(answer["answer_start"])
                    hit = _find_containing(breaks, start)
                    if hit is None:
                        raise InputError(f"{path}: question {qa['id']}: answer_start {start} "
                                         "lies in no sentence")
                    questions.append(Question(str(qa["id"]), qa["question"], lang,
                                              answer["text"], start, base + hit))
    except InputError:
        raise
    except (KeyError, IndexError, TypeError, ValueError) as e:
        raise InputError(f"{path}: malformed SQuAD JSON ({type(e).__name__}: {e})") from None
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise InputError(f"{path}: question ids are not unique")
    return LangData(lang, tuple(questions), tuple(candidates))


def load_xquad_r(path_or_dir: str | Path, langs: Sequence[str] | None = None) -> QAData:
    """Read XQuAD-R: a directory of ``{lang}.json`` files (``langs`` of them, default all),
    or one such file (its language from the file name). A requested language without a
    file raises :class:`~csgen.errors.ConfigError` naming the available ones; a malformed
    file :class:`~csgen.errors.InputError` naming the file."""
    root = Path(path_or_dir)
    if root.is_file():
        files = {root.name.split(".", 1)[0]: root}
    elif root.is_dir():
        files = {f.name[:-5]: f for f in sorted(root.glob("*.json"))}
    else:
        raise InputError(f"{root}: no such file or directory")
    if isinstance(langs, str):
        langs = [langs]
    wanted = list(files) if langs is None else list(dict.fromkeys(langs))
    missing = [lang for lang in wanted if lang not in files]
    if missing:
        raise ConfigError(f"no XQuAD-R file for language(s) {', '.join(missing)} in {root}; "
                          f"available: {', '.join(sorted(files)) or 'none'}")
    return QAData.of(_parse(files[lang], lang, own_sentences=True) for lang in wanted)


def segment_squad(path: str | Path, lang: str) -> LangData:
    """Read a plain SQuAD-format file (MLQA) and split its contexts with
    :func:`split_sentences`; a question's relevant sentence contains its answer start."""
    return _parse(Path(path), lang, own_sentences=False)


# -- sentence splitting -----------------------------------------------------------------------

# A sentence ends after a run of . ? ! ؟ (Arabic) or । (Devanagari) with optional closing
# quotes/brackets, when white space or the end of the text follows; or after a run of the
# full-width U+3002 U+FF01 U+FF1F, with no white space needed (CJK text has none).
_CLOSE = "\"')\\]\u00bb\u201d\u2019"  # closing quotes and brackets
_END = re.compile(f"[.?!\u061f\u0964]+[{_CLOSE}]*(?=\\s|$)"
                  f"|[\u3002\uff01\uff1f]+[{_CLOSE}\u300d\u300f\uff09]*")
_NO_END_BEFORE = re.compile(r"(?:^|[^\w])(?:[^\W\d_]|\d\d?)$")
_NO_END_AFTER = re.compile(r"\s+[^\W\d_]")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` offsets of the sentences of ``text``, ``text[start:end]`` with
    neither leading nor trailing white space; white-space-only stretches give none.

    Rules: see ``_END``. A lone ``.`` ends no sentence when it follows a lone letter (an
    initial: ``E.``, ``J. R.``) or a number of one or two digits (German ordinals and
    dates: ``am 10. August``, ``des 19. Jahrhunderts``; so English ``aged 12. He`` stays
    one sentence), or when the next word starts lower-case (``bzw. der``, ``etc. and``).
    No abbreviation list.

    >>> t = "Hi there. Is it 3.5? Yes! J. Smith came.「ok」。好"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['Hi there.', 'Is it 3.5?', 'Yes!', 'J. Smith came.「ok」。', '好']
    >>> u = "Am 10. Mai bzw. später. Neu"
    >>> [u[s:e] for s, e in split_sentences(u)]
    ['Am 10. Mai bzw. später.', 'Neu']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        if m.group() == "." and _no_end(text, m.start(), m.end()):
            continue
        _add_span(text, start, m.end(), spans)
        start = m.end()
    _add_span(text, start, len(text), spans)
    return spans


def _no_end(text: str, start: int, end: int) -> bool:
    if _NO_END_BEFORE.search(text[max(0, start - 4):start]):
        return True
    after = _NO_END_AFTER.match(text, end)
    return bool(after) and after.group()[-1].islower()


def _add_span(text: str, s: int, e: int, out: list[tuple[int, int]]) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if s < e:
        out.append((s, e))


# -- retrieval sets ---------------------------------------------------------------------------


def moir(data: QAData, lang: str) -> RetrievalSet:
    """Monolingual retrieval X-X: ``lang`` questions against ``lang`` sentences."""
    ld = data[lang]
    return RetrievalSet(
        "moir", f"{lang}-{lang}", lang,
        tuple(q.id for q in ld.questions), tuple(q.text for q in ld.questions),
        tuple(c.text for c in ld.candidates), tuple(c.lang for c in ld.candidates),
        tuple((q.candidate,) for q in ld.questions),
    )


def clir(data: QAData, q_lang: str, c_lang: str) -> RetrievalSet:
    """Cross-lingual retrieval X->Y: ``q_lang`` questions against ``c_lang`` sentences; the
    relevant sentence is the answer sentence of the ``c_lang`` question with the same id.
    Questions whose id ``c_lang`` lacks (MLQA: not parallel) are left out."""
    qd, cd = data[q_lang], data[c_lang]
    target = cd.by_id()
    qs = [q for q in qd.questions if q.id in target]
    if not qs:
        raise ConfigError(f"{q_lang} and {c_lang} share no question id")
    return RetrievalSet(
        "clir", f"{q_lang}-{c_lang}", q_lang,
        tuple(q.id for q in qs), tuple(q.text for q in qs),
        tuple(c.text for c in cd.candidates), tuple(c.lang for c in cd.candidates),
        tuple((target[q.id].candidate,) for q in qs),
    )


def mlir(data: QAData, q_lang: str, langs: Sequence[str] | None = None) -> RetrievalSet:
    """Multilingual retrieval: ``q_lang`` questions against the candidates of all ``langs``
    (default: every loaded language) pooled, in that order. The relevant sentences of a
    question are its answer sentences in every pooled language that has its id; questions
    with none are left out."""
    langs = list(data) if langs is None else list(dict.fromkeys(langs))
    qd = data[q_lang]
    texts: list[str] = []
    clangs: list[str] = []
    offsets: list[tuple[int, dict[str, Question]]] = []
    for lang in langs:
        ld = data[lang]
        offsets.append((len(texts), ld.by_id()))
        texts.extend(c.text for c in ld.candidates)
        clangs.extend(c.lang for c in ld.candidates)
    ids, queries, relevant = [], [], []
    for q in qd.questions:
        rel = tuple(off + by_id[q.id].candidate for off, by_id in offsets if q.id in by_id)
        if rel:
            ids.append(q.id)
            queries.append(q.text)
            relevant.append(rel)
    if not ids:
        raise ConfigError(f"no {q_lang} question id occurs in {', '.join(langs)}")
    return RetrievalSet("mlir", f"{q_lang}-{'+'.join(langs)}", q_lang, tuple(ids),
                        tuple(queries), tuple(texts), tuple(clangs), tuple(relevant))

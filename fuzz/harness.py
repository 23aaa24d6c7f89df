"""Fuzz targets of csgen as plain functions: bytes in, AssertionError on a broken invariant.

Each ``check_<target>(data)`` feeds ``data`` through one public entry point and asserts
what must hold for *every* input, not only that nothing crashed:

- ``segment``: the C++ word segmenter (``csgen._core.segment``) against a reference model
  written from its documented rules (``csrc/core/segment.h``) over Python's own UTF-8
  decoder and the character classes of ``tools/gen_unicode_tables.py``; invalid UTF-8 must
  be reported at the byte where Python's strict decoder fails.
- ``switch``: ``Switcher.switch_array`` over rows of arbitrary bytes with small lexicons
  (multi-word phrases, ML-CS, fuzz-built entries), random options and protected spans;
  alignment records, byte-exact copy of everything not switched, case-insensitive
  agreement of every replacement with a lexicon candidate of its language, counts,
  independence of the batch split.
- ``lexicon``: MUSE/TSV/wikititles files from bytes, compared with a reference parser of
  the documented format, then compiled and looked up entry by entry.
- ``csglex``: the ``.csglex`` loader on mutated files (optionally with the checksum
  recomputed so that mutations reach the Arrow payload).

Every error must be a :class:`csgen.errors.CsgenError` (and the right one where the input
determines it); any other exception escapes and is a finding. The module needs only csgen
(no atheris), so ``tests/unit/test_fuzz_regressions.py`` replays saved inputs with it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import re
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

import csgen
from csgen import _core
from csgen.errors import (
    ConfigError,
    CsgenError,
    InvalidTextError,
    LexiconFormatError,
)
from csgen.lexicon import Lexicon
from csgen.lexicon import formats as lexicon_formats
from csgen.lexicon import store as lexicon_store

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "examples" / "sample"

SPACE, WORD, NUMBER, PUNCT = range(4)


# -- input decoding ---------------------------------------------------------------------------
class Reader:
    """Deterministic consumer of fuzz bytes; zeros once exhausted.

    Pure Python (not atheris' FuzzedDataProvider) so that saved inputs replay identically in
    the normal test suite, where atheris is not installed.
    """

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def byte(self) -> int:
        b = self.data[self.pos] if self.pos < len(self.data) else 0
        self.pos += 1
        return b

    def uint(self, n_bytes: int) -> int:
        return int.from_bytes(bytes(self.byte() for _ in range(n_bytes)), "little")

    def below(self, n: int) -> int:
        return self.byte() % n

    def flag(self) -> bool:
        return bool(self.byte() & 1)


def _utf8_error(data: bytes) -> int | None:
    """Byte offset where Python's strict UTF-8 decoder fails, or None for valid UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start
    return None


def _is_boundary(data: bytes, i: int) -> bool:
    """Whether byte offset ``i`` of valid UTF-8 ``data`` starts a character (or is the end)."""
    return i == len(data) or (0 <= i < len(data) and (data[i] & 0xC0) != 0x80)


# -- segment ----------------------------------------------------------------------------------
@cache
def _tables() -> Any:
    """``tools/gen_unicode_tables.py``, the definition of the classes the core tabulates."""
    spec = importlib.util.spec_from_file_location(
        "csgen_gen_unicode_tables", REPO / "tools" / "gen_unicode_tables.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def _class(cp: int) -> int:
    return int(_tables().classify(cp))


def reference_segment(text: str) -> list[tuple[int, int, int]]:
    """``(start, end, kind)`` byte spans of ``text`` by the rules of ``segment.h``.

    A model written from the header's description, over code points rather than bytes:
    the core must agree with it on every valid input.
    """
    t = _tables()
    kinds = [_class(ord(ch)) & 7 for ch in text]
    joiner = [bool(_class(ord(ch)) & t.JOINER) for ch in text]
    widths = [len(ch.encode("utf-8")) for ch in text]
    pos = [0]
    for w in widths:
        pos.append(pos[-1] + w)
    word_chars = (t.LETTER, t.DIGIT)
    out: list[tuple[int, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        start, kind = i, kinds[i]
        i += 1
        if kind == t.SPACE:
            while i < n and kinds[i] == t.SPACE:
                i += 1
            token = SPACE
        elif kind in word_chars:
            has_letter, prev_base = kind == t.LETTER, kind
            while i < n:
                k = kinds[i]
                if k in (t.LETTER, t.DIGIT, t.MARK):
                    has_letter |= k == t.LETTER
                    if k != t.MARK:
                        prev_base = k
                    i += 1
                    continue
                # A joiner between two word characters, or '.'/',' between two digits.
                number_joiner = text[i] in ".," and prev_base == t.DIGIT
                if not (joiner[i] or number_joiner) or i + 1 >= n:
                    break
                nxt = kinds[i + 1]
                if not (nxt in word_chars if joiner[i] else nxt == t.DIGIT):
                    break
                has_letter |= nxt == t.LETTER
                prev_base = nxt
                i += 2
            token = WORD if has_letter else NUMBER
        else:
            token = WORD if kind == t.IDEO else PUNCT
            while i < n and kinds[i] == t.MARK:
                i += 1
        out.append((pos[start], pos[i], token))
    return out


def core_tokens(data: bytes) -> list[tuple[int, int, int]]:
    starts, ends, kinds = _core.segment(data)
    return [(int(s), int(e), int(k))
            for s, e, k in zip(starts.tolist(), ends.tolist(), kinds.tolist(), strict=True)]


def check_segment(data: bytes) -> None:
    """Segmenter: on valid UTF-8 the tokens tile the input on character boundaries and
    equal the reference model's; on invalid UTF-8 the error is code 2 at the first bad
    byte (where Python's decoder stops)."""
    bad = _utf8_error(data)
    if bad is not None:
        try:
            _core.segment(data)
        except _core.CoreError as e:
            code, _message, _row, byte = e.args
            assert code == 2, f"invalid UTF-8 reported with code {code}"
            assert byte == bad, f"invalid UTF-8 reported at byte {byte}, Python says {bad}"
            return
        raise AssertionError(f"invalid UTF-8 (byte {bad}) was segmented without an error")
    tokens = core_tokens(data)
    at = 0
    for start, end, kind in tokens:
        assert start == at and start < end <= len(data), f"tokens do not tile: {tokens}"
        assert _is_boundary(data, start) and _is_boundary(data, end), f"mid-character: {tokens}"
        assert kind in (SPACE, WORD, NUMBER, PUNCT)
        at = end
    assert at == len(data), "tokens do not cover the input"
    expected = reference_segment(data.decode("utf-8"))
    assert tokens == expected, f"segmentation of {data!r}: core {tokens}, reference {expected}"


# -- switch -----------------------------------------------------------------------------------
# Hand-made entries for the paths a MUSE slice rarely reaches: phrases that share prefixes,
# phrases longer than the matcher's 64-token window, joiners, combining marks, ideographs,
# case mappings that change byte length or are not one-to-one, identity entries.
_PHRASES_DE: tuple[tuple[str, str], ...] = (
    ("new", "neu"), ("new york", "Neu-York"), ("new york city", "New Yorker Stadt"),
    ("york", "York"), ("ice cream", "Eis"), ("the house", "das Haus"), ("house", "Haus"),
    ("state-of-the-art", "hochmodern"), ("don't", "nicht"), ("o'clock", "Uhr"),
    ("covid-19", "Covid"), ("3d", "dreidimensional"), ("straße", "Straße"),
    ("istanbul", "İstanbul"), ("ǆungla", "ǅungla"), ("σοφία", "ΣΟΦΊΑ"), ("東京", "Tokio"),
    ("tokyo", "東京"), ("e\u0301cole", "Schule"), ("naïve", "naiv"), ("i", "ich"),
    ("word\u200dword", "Wort"), ("good morning", "guten\u00a0Morgen"), ("a", "ein"),
    ("u.s.", "USA"), ("rock 'n' roll", "Rock 'n' Roll"), ("ǲ", "ǳ"), ("ﬁ", "FI"),
    (" ".join("abcdefghijklmnopqrstuvwxyz" * 3), "Alphabet"), ("the", "the"),
)
_OTHER: tuple[tuple[str, str, str], ...] = (
    ("house", "дом", "ru"), ("new york", "Нью-Йорк", "ru"), ("the", "the", "ru"),
    ("house", "بيت", "ar"), ("the house", "البيت", "ar"), ("house", "房子", "zh"),
    ("ice cream", "冰淇淋", "zh"), ("straße", "улица", "ru"),
)


@dataclass(frozen=True)
class _Lexicons:
    bilingual: Lexicon
    multilingual: Lexicon


@cache
def fixed_lexicons() -> _Lexicons:
    """A bilingual (de) and a multilingual (de, es, ru, ar, zh) lexicon: the bundled MUSE
    slices plus the hand-made entries above."""
    de = Lexicon.from_muse(SAMPLE / "en-de.txt")
    es = Lexicon.from_muse(SAMPLE / "en-es.txt")
    src, tgt = zip(*_PHRASES_DE, strict=True)
    extra_de = Lexicon.from_pairs(list(src), list(tgt), "de")
    bilingual = lexicon_store.merge([extra_de, de], "fuzz-bilingual")
    src2, tgt2, lang2 = zip(*_OTHER, strict=True)
    others = Lexicon.from_pairs(list(src2), list(tgt2), list(lang2))
    multilingual = lexicon_store.merge([extra_de, others, es], "fuzz-multilingual")
    return _Lexicons(bilingual, multilingual)


CONTROL = 64  # bytes of options (and protected-span positions) at the head of a switch input
ROW_SEP = b"\xff"  # 0xFF never occurs in UTF-8, so rows may hold any other byte
LEXICON_SEP = b"\xff\xff"  # what follows is a lexicon: "source<TAB>target[<TAB>lang]" lines


@dataclass
class SwitchCase:
    """One decoded switch input."""

    rows: list[bytes | None]
    lexicon: Lexicon
    options: dict[str, Any]
    large: bool
    sliced: bool
    protect: list[list[tuple[int, int]] | None] | None
    wide_protect: bool
    bad_protect: bool
    amplify: bool = False  # also switch the rows repeated past 128 KiB on 2 threads


def _fuzz_lexicon(section: bytes) -> Lexicon | None:
    sources, targets, langs = [], [], []
    for line in section.split(b"\n")[:32]:
        fields = line.decode("utf-8", "replace").split("\t")
        if len(fields) < 2:
            continue
        lang = fields[2] if len(fields) > 2 and re.fullmatch(r"[a-z]{2}", fields[2]) else "de"
        sources.append(fields[0])
        targets.append(fields[1])
        langs.append(lang)
    if not sources:
        return None
    return Lexicon.from_pairs(sources, targets, langs, name="fuzz")


def decode_switch(data: bytes) -> SwitchCase | None:
    """Options from the first CONTROL bytes, then rows separated by 0xFF, then optionally
    0xFF 0xFF and a lexicon. None when the input's own lexicon is refused (a typed error)."""
    r = Reader(data[:CONTROL])
    body = data[CONTROL:]
    rows_part, _, lexicon_part = body.partition(LEXICON_SEP)
    lexicons = fixed_lexicons()
    choice = r.below(3)
    lexicon = lexicons.multilingual if choice == 1 else lexicons.bilingual
    if choice == 2 and lexicon_part:
        try:
            own = _fuzz_lexicon(lexicon_part)
        except CsgenError:
            return None  # a refused lexicon is a typed error: what is checked here
        if own is not None:
            lexicon = own
    ratio_mode, ratio_byte = r.byte(), r.byte()
    ratio = (0.0, 1.0)[ratio_mode % 4] if ratio_mode % 4 < 2 else ratio_byte / 255
    seed = r.uint(8)
    flags = r.byte()
    options: dict[str, Any] = {
        "ratio": ratio,
        "seed": seed,
        "consistent": bool(flags & 1),
        "keep_identity": bool(flags & 2),
        "skip_stopwords": bool(flags & 4),
        "candidates": ("first", "uniform", "weighted")[r.below(3)],
        "lang_sampling": ("uniform", "coverage")[r.below(2)],
        "threads": 1 + r.below(2),
    }
    weights_byte = r.byte()
    langs = lexicon.langs
    if weights_byte & 1:
        options["lang_weights"] = {lang: float((weights_byte >> (1 + k % 6)) & 3)
                                   for k, lang in enumerate(langs)}
    if weights_byte & 0x80 and len(langs) > 1:
        keep = [lang for k, lang in enumerate(langs) if (weights_byte >> (k % 7)) & 1]
        options["column_langs"] = {"text": keep or [langs[0]]}
    null_bits = r.byte()
    amplify = r.byte() & 3 == 3
    rows: list[bytes | None] = []
    for k, row in enumerate(rows_part.split(ROW_SEP)[:8]):
        rows.append(None if flags & 32 and (null_bits >> k) & 1 else row)
    protect = None
    bad_protect = False
    if flags & 64:
        protect = []
        for row in rows:
            if row is None:
                protect.append(None if r.flag() else [(0, 0)])
                continue
            spans = []
            for _ in range(r.below(3)):
                a, b = sorted((r.byte() * len(row) // 255, r.byte() * len(row) // 255))
                spans.append((a, b) if r.flag() else (b, b))
            protect.append(spans)
        if flags & 128:
            bad_protect = True
            target = next((k for k, row in enumerate(rows) if row is not None), None)
            if target is None:
                protect[0] = [(3, 1)]  # start > end is refused even on a null row
            else:
                row_len = len(rows[target] or b"")
                protect[target] = [*(protect[target] or []),
                                   (row_len, row_len + 1) if r.flag() else (2, 1)]
    return SwitchCase(rows, lexicon, options, large=bool(flags & 8), sliced=bool(flags & 16),
                      protect=protect, wide_protect=bool(r.byte() & 1), bad_protect=bad_protect,
                      amplify=amplify)


def string_array(rows: Sequence[bytes | None], large: bool, sliced: bool) -> pa.Array:
    """An Arrow (large_)string array holding ``rows`` as given, invalid UTF-8 included (it
    is built from buffers, which Arrow does not validate). Null rows keep bytes of their
    own, which the core must ignore; ``sliced`` puts an invalid row before and after and
    slices them off, so the array has a non-zero offset."""
    all_rows: list[bytes | None] = list(rows)
    if sliced:
        all_rows = [b"\xc0 junk", *all_rows, b"\xed\xa0\x80"]
    data = bytearray()
    offsets = [0]
    valid = []
    for row in all_rows:
        data += row if row is not None else b"\xfe null bytes"
        offsets.append(len(data))
        valid.append(row is not None)
    typ = pa.large_string() if large else pa.string()
    offs = np.array(offsets, dtype=np.int64 if large else np.int32)
    bitmap = np.packbits(np.array(valid, dtype=bool), bitorder="little")
    arr = pa.Array.from_buffers(
        typ, len(all_rows), [pa.py_buffer(bitmap), pa.py_buffer(offs), pa.py_buffer(bytes(data))],
        null_count=valid.count(False),
    )
    return arr.slice(1, len(rows)) if sliced else arr


def protect_array(spans: Sequence[list[tuple[int, int]] | None], wide: bool) -> pa.Array:
    field = pa.int64() if wide else pa.int32()
    typ = pa.list_(pa.struct([("start", field), ("end", field)]))
    return pa.array([None if s is None else [{"start": a, "end": b} for a, b in s]
                     for s in spans], type=typ)


def _same_ignoring_case(a: str, b: str) -> bool:
    """Equal up to simple case mappings, character by character (the core maps case only
    one-to-one, so lengths in code points agree)."""
    return len(a) == len(b) and all(
        x == y or x.lower() == y.lower() or x.upper() == y.upper()
        for x, y in zip(a, b, strict=True)
    )


# Branches on what the core did, not checks. atheris sees coverage of Python code only (the
# core is built without coverage instrumentation), so each branch taken here for the first
# time makes an input that reached a new kind of switch look new, and the fuzzer keeps it.
_seen = [0] * 16


def _steer_record(source: str, replaced: str, candidates: list[str], first_lang: bool) -> None:
    if " " in source:
        _seen[0] += 1  # a phrase of several words
    if "'" in source or "-" in source or "\u2019" in source:
        _seen[1] += 1  # a word with a joiner
    if not source.isascii():
        _seen[2] += 1
    if replaced not in candidates:
        _seen[3] += 1  # the case was carried over
    if replaced.isupper():
        _seen[4] += 1
    if replaced.istitle():
        _seen[5] += 1
    if not first_lang:
        _seen[6] += 1
    if len(replaced.encode()) != len(source.encode()):
        _seen[7] += 1


def _steer_row(records: list[dict[str, Any]], eligible: int, protected: bool) -> None:
    if eligible > len(records):
        _seen[8] += 1  # eligible units left as they were
    if len(records) >= 3:
        _seen[9] += 1
    if protected and records:
        _seen[10] += 1
    if eligible and not records:
        _seen[11] += 1


def _fold(text: str) -> str:
    """The core's simple lower-case fold: one-to-one mappings only (tools/gen_unicode_tables)."""
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)


def unit_key(source: bytes) -> str:
    """The lexicon key of a switched span: tokens folded, a gap of white space as one ' '."""
    parts, prev_end = [], None
    for start, end, kind in core_tokens(source):
        if kind == SPACE:
            continue
        if prev_end is not None and start > prev_end:
            parts.append(" ")
        parts.append(_fold(source[start:end].decode("utf-8")))
        prev_end = end
    return "".join(parts)


def _row_records(out: Any, i: int) -> list[dict[str, Any]]:
    return out.switches[i].as_py() or []


def check_switch_result(case: SwitchCase, out: Any) -> None:
    """Every invariant of one successful switch of ``case``'s rows."""
    opts = case.options
    lexicon = case.lexicon
    allowed_langs = set(opts.get("column_langs", {}).get("text", lexicon.langs))
    weights = opts.get("lang_weights") or {}
    allowed_langs = {lang for lang in allowed_langs if weights.get(lang, 1.0) > 0}
    text = out.text
    assert len(text) == len(case.rows)
    text.validate(full=True)  # offsets in bounds and every value valid UTF-8
    for i, row in enumerate(case.rows):
        records = _row_records(out, i)
        if row is None:
            assert not text[i].is_valid, f"row {i}: a null row came out non-null"
            assert records == [] and out.n_switched[i] == 0 and out.n_words[i] == 0
            continue
        result = text[i].as_py().encode("utf-8")
        tokens = core_tokens(row)
        n_words = sum(kind == WORD for _, _, kind in tokens)
        assert out.n_words[i] == n_words, f"row {i}: n_words {out.n_words[i]} != {n_words}"
        assert 0 <= out.n_switched[i] <= out.n_eligible[i] <= n_words, f"row {i}: counts"
        assert out.n_switched[i] == len(records), f"row {i}: n_switched != records"
        if opts["ratio"] == 0.0:
            assert result == row and not records, f"row {i}: ratio 0 changed the text"
        word_starts = {s for s, _, kind in tokens if kind == WORD}
        token_ends = {e for _, e, _ in tokens}
        # A possessive ("dog's", "cat\u2019s") switches its stem: its record ends before the suffix.
        token_ends |= {e - len(suffix) for s, e, kind in tokens if kind == WORD
                       for suffix in (b"'s", b"'S", "\u2019s".encode(), "\u2019S".encode())
                       if row[s:e].endswith(suffix) and e - len(suffix) > s}
        protected = [(a, b) for a, b in ((case.protect or [])[i] or []) if a < b] \
            if case.protect else []
        rebuilt = bytearray()
        src_at = dst_at = 0
        for rec in records:
            ss, se, ds, de = rec["src_start"], rec["src_end"], rec["dst_start"], rec["dst_end"]
            assert src_at <= ss < se <= len(row), f"row {i}: source span {rec} out of order"
            assert dst_at <= ds < de <= len(result), f"row {i}: target span {rec} out of order"
            assert ss in word_starts and se in token_ends, f"row {i}: {rec} not on tokens"
            assert _is_boundary(result, ds) and _is_boundary(result, de)
            # Everything between two switches is copied byte for byte.
            assert result[dst_at:ds] == row[src_at:ss], f"row {i}: unswitched bytes changed"
            rebuilt += row[src_at:ss] + result[ds:de]
            src_at, dst_at = se, de
            assert not any(a < se and ss < b for a, b in protected), \
                f"row {i}: switched {rec} inside protected {protected}"
            lang = rec["lang"]
            assert lang in allowed_langs, f"row {i}: language {lang} not allowed"
            source = row[ss:se].decode("utf-8")
            replaced = result[ds:de].decode("utf-8")
            candidates = [t for lg, t, _w in lexicon.lookup(source) if lg == lang]
            assert any(_same_ignoring_case(replaced, t) for t in candidates), (
                f"row {i}: {source!r} -> {replaced!r} ({lang}) is no candidate: {candidates}"
            )
            _steer_record(source, replaced, candidates, lang == lexicon.langs[0])
        if opts["consistent"]:
            # Consistent mode: the same unit gets the same language and translation.
            chosen: dict[str, tuple[str, str]] = {}
            for rec in records:
                key = unit_key(row[rec["src_start"]:rec["src_end"]])
                lang, target = rec["lang"], result[rec["dst_start"]:rec["dst_end"]].decode()
                first = chosen.setdefault(key, (lang, target))
                assert first[0] == lang and _same_ignoring_case(first[1], target), (
                    f"row {i}: consistent mode replaced {key!r} by {first} and by {target!r} "
                    f"({lang})")
        rebuilt += row[src_at:]
        assert result[dst_at:] == row[src_at:], f"row {i}: tail after the last switch changed"
        assert bytes(rebuilt) == result, f"row {i}: output is not input + replacements"
        _steer_row(records, int(out.n_eligible[i]), bool(protected))
        single = len(lexicon.langs) == 1 and not case.protect and opts["ratio"] == 1.0
        if single and not opts.get("skip_stopwords"):
            assert out.n_switched[i] == out.n_eligible[i], (
                f"row {i}: ratio 1 with one language left an eligible unit unswitched"
            )


def _switch(switcher: csgen.Switcher, arr: pa.Array, protect: pa.Array | None,
            row_base: int = 0) -> Any:
    return switcher.switch_array(arr, column="text", protect=protect, row_base=row_base)


def check_switch(data: bytes) -> None:
    """Switcher: typed errors exactly where the input calls for one (bad protected spans:
    ConfigError; invalid UTF-8 in a non-null row: InvalidTextError naming the first such row
    and its byte), otherwise every invariant of :func:`check_switch_result`, and the same
    output when the rows are switched in two batches."""
    case = decode_switch(data)
    if case is None:
        return
    try:
        switcher = csgen.Switcher(case.lexicon, **case.options)
    except ConfigError:
        # Only an all-zero weight choice is refused; anything else is a finding.
        weights = case.options.get("lang_weights") or {}
        langs = case.options.get("column_langs", {}).get("text", case.lexicon.langs)
        assert weights and not any(weights.get(lang, 1.0) for lang in langs)
        return
    arr = string_array(case.rows, case.large, case.sliced)
    protect = None if case.protect is None else protect_array(case.protect, case.wide_protect)
    first_bad = next(((k, bad) for k, row in enumerate(case.rows) if row is not None
                      for bad in [_utf8_error(row)] if bad is not None), None)
    try:
        out = _switch(switcher, arr, protect)
    except ConfigError as e:
        assert case.bad_protect, f"unexpected ConfigError: {e}"
        return
    except InvalidTextError as e:
        assert not case.bad_protect, "invalid spans must be reported before the text"
        assert first_bad is not None, f"valid UTF-8 refused: {e}"
        assert (e.row, e.byte) == first_bad, f"error at {(e.row, e.byte)}, expected {first_bad}"
        return
    assert not case.bad_protect, "out-of-range protected spans were accepted"
    assert first_bad is None, f"invalid UTF-8 in row {first_bad[0]} was accepted"
    check_switch_result(case, out)
    if len(case.rows) >= 2:
        # The output does not depend on how rows are cut into batches.
        k = len(case.rows) // 2
        head = _switch(switcher, arr.slice(0, k), None if protect is None else protect.slice(0, k))
        tail = _switch(switcher, arr.slice(k), None if protect is None else protect.slice(k),
                       row_base=k)
        assert head.text.to_pylist() + tail.text.to_pylist() == out.text.to_pylist(), \
            "switching in two batches changed the text"
        assert head.switches.to_pylist() + tail.switches.to_pylist() == out.switches.to_pylist()
    if case.amplify:
        check_threads(case, switcher)


PARALLEL_BYTES = 160_000  # past 2 x the core's 64 KiB minimum per thread


def check_threads(case: SwitchCase, switcher: csgen.Switcher) -> None:
    """The rows repeated until the column passes PARALLEL_BYTES switch to the same output on
    two threads (several row ranges, their outputs copied into place) as on one."""
    size = sum(len(row) for row in case.rows if row is not None)
    if size == 0:
        return
    times = min(20_000, -(-PARALLEL_BYTES // size))
    arr = string_array(case.rows * times, case.large, case.sliced)
    protect = None if case.protect is None else protect_array(case.protect * times,
                                                              case.wide_protect)
    one = csgen.Switcher(case.lexicon, **{**case.options, "threads": 1})
    two = csgen.Switcher(case.lexicon, **{**case.options, "threads": 2})
    a, b = _switch(one, arr, protect), _switch(two, arr, protect)
    assert a.text.equals(b.text), "two threads switched differently from one"
    assert a.switches.equals(b.switches), "two threads recorded different switches"
    for name in ("n_words", "n_eligible", "n_switched", "lang_switches", "lang_words"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), f"two threads: {name} differs"


# -- lexicon files ----------------------------------------------------------------------------
_BLANK = b" \t\r\f\v"
_DECIMAL = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Hexadecimal floats: C's strtod reads them, Python's float() does not, so the reference
# gives up on such weights instead of guessing. (inf and nan are refused by both.)
_STRTOD_ONLY = re.compile(rb"[+-]?0[xX].*", re.DOTALL)


class _Ambiguous(Exception):
    """The reference cannot decide this input (a weight only strtod reads)."""


@dataclass
class ParsedReference:
    entries: list[tuple[bytes, bytes, float, int]]
    bad_lines: list[tuple[int, str]]


def _fields(line: bytes, split: str, separator: bytes) -> tuple[list[bytes], bool]:
    tabbed = b"\t" in line
    if split == "wikititles":
        parts = line.split(separator)
    elif split == "tsv" or tabbed:
        parts = line.split(b"\t")
    else:
        return [p for p in re.split(rb"[ \t\r\f\v]+", line) if p], tabbed
    return [p.strip(_BLANK) for p in parts], tabbed


def _weight(text: bytes) -> float | None:
    if _DECIMAL.fullmatch(text):
        w = float(text)
        return w if math.isfinite(w) and w > 0 else None
    if _STRTOD_ONLY.fullmatch(text):
        raise _Ambiguous
    return None


def reference_pairs(data: bytes, split: str, separator: bytes,
                    allow_weight: bool) -> ParsedReference:
    """The two-column formats as ``lexicon.h`` documents them: UTF-8 lines (a leading BOM,
    CRLF and blank lines accepted), fields trimmed of ASCII blanks, ``muse`` split on white
    space unless the line holds a TAB, ``tsv`` on TABs with an optional positive weight,
    ``wikititles`` on the separator."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    entries: list[tuple[bytes, bytes, float, int]] = []
    bad: list[tuple[int, str]] = []
    max_fields = 3 if split == "tsv" and allow_weight else 2
    for number, line in enumerate(lines, 1):
        if line.endswith(b"\r"):
            line = line[:-1]
        if _utf8_error(line) is not None:
            bad.append((number, "utf-8"))
            continue
        fields, _tabbed = _fields(line, split, separator)
        if not any(fields):
            continue  # a blank line (no field holds anything)
        if not 2 <= len(fields) <= max_fields:
            bad.append((number, "fields"))
            continue
        if not fields[0] or not fields[1]:
            bad.append((number, "empty"))
            continue
        weight = 1.0
        if len(fields) == 3:
            w = _weight(fields[2])
            if w is None:
                bad.append((number, "weight"))
                continue
            weight = w
        entries.append((fields[0], fields[1], weight, number))
    return ParsedReference(entries, bad)


@cache
def _workdir() -> Path:
    """A private scratch directory (in memory where /dev/shm exists), removed at exit."""
    import atexit

    root = "/dev/shm" if os.path.isdir("/dev/shm") else None
    path = Path(tempfile.mkdtemp(prefix="csgen-fuzz-", dir=root))
    atexit.register(shutil.rmtree, path, True)
    return path


def _first_word(text: str) -> bool:
    """Whether a lexicon source is compiled (its first token is a word), else skipped."""
    tokens = [t for t in core_tokens(text.encode("utf-8")) if t[2] != SPACE]
    return bool(tokens) and tokens[0][2] == WORD


def _punct(data: bytes, token: tuple[int, int, int]) -> bool:
    """Whether a token is a punctuation mark (a PUNCT token of Unicode category P*)."""
    start, end, kind = token
    return kind == PUNCT and bool(_class(ord(data[start:end].decode("utf-8")[0])) & _tables().PUNCT)


def expected_entry(source: str, target: str) -> tuple[str, str] | None:
    """What the compiler keeps of an entry whose source starts with a word (:func:`_first_word`):
    ``(source, target)`` trimmed of white space and, by the end-punctuation rule of
    ``lexicon.h``, of trailing punctuation both sides share; None when the rule leaves the
    entry out (trailing punctuation differing between the sides, a target starting with
    punctuation or all punctuation)."""
    s, t = source.encode("utf-8"), target.encode("utf-8")
    src = [tok for tok in core_tokens(s) if tok[2] != SPACE]
    tgt = [tok for tok in core_tokens(t) if tok[2] != SPACE]
    assert tgt, f"the build accepted an entry with an empty target: {source!r} -> {target!r}"
    ps = pt = 0
    while ps < len(src) and _punct(s, src[-1 - ps]):
        ps += 1
    while pt < len(tgt) and _punct(t, tgt[-1 - pt]):
        pt += 1
    if _punct(t, tgt[0]) or ps != pt or pt == len(tgt):
        return None
    src, src_end = src[:len(src) - ps], src[len(src) - ps:]
    tgt, tgt_end = tgt[:len(tgt) - pt], tgt[len(tgt) - pt:]
    if any(s[a:b] != t[c:d] for (a, b, _), (c, d, _) in zip(src_end, tgt_end, strict=True)):
        return None
    return (s[:src[-1][1]].decode("utf-8"),
            t[tgt[0][0]:tgt[-1][1]].decode("utf-8"))


def check_lookups(lexicon: Lexicon, limit: int = 64) -> None:
    """Every entry the compiler keeps (:func:`expected_entry`) is found again by ``lookup``,
    trimmed as the rule says, in its language; the entries left out for their punctuation
    are as many as the build counted."""
    table = lexicon.table
    dropped = 0
    for n, (source, target, lang) in enumerate(zip(table.column("source").to_pylist(),
                                                   table.column("target").to_pylist(),
                                                   table.column("lang").to_pylist(),
                                                   strict=True)):
        if not _first_word(source):
            continue  # skipped by the build, not counted as left out
        kept = expected_entry(source, target)
        if kept is None:
            dropped += 1
            continue
        if n >= limit:
            continue
        found = lexicon.lookup(kept[0])
        assert (lang, kept[1]) in {(lg, t) for lg, t, _w in found}, (
            f"entry {source!r} -> {target!r} ({lang}) kept as {kept}, not found by lookup: "
            f"{found}"
        )
    assert lexicon.compiled().punct_dropped == dropped, (
        f"{lexicon.compiled().punct_dropped} entries left out for punctuation, expected {dropped}")


_SPLITS = ("muse", "tsv", "wikititles")
_SEPARATOR = lexicon_formats.WIKITITLES_SEPARATOR


def check_lexicon(data: bytes) -> None:
    """Lexicon files: the core parser agrees with :func:`reference_pairs` (entries, weights,
    line numbers, the first bad line), errors are LexiconFormatError naming that line, and
    what loads is found again by lookup."""
    control = data[0] if data else 0
    split = _SPLITS[(control & 3) % 3]
    skip_bad = bool(control & 4)
    body = data[1:]
    name = "wikititles-v3.de-en.tsv" if split == "wikititles" else "en-de.txt"
    path = _workdir() / name
    path.write_bytes(body)
    separator = _SEPARATOR if split == "wikititles" else ""
    allow_weight = split == "tsv"
    try:
        reference: ParsedReference | None = reference_pairs(
            body, split, separator.encode(), allow_weight)
    except _Ambiguous:
        reference = None
    utf16 = body.startswith((b"\xff\xfe", b"\xfe\xff"))
    try:
        parsed = lexicon_formats.parse_file(path, split, separator=separator,
                                            allow_weight=allow_weight, skip_bad=skip_bad)
    except LexiconFormatError as e:
        if utf16:
            return  # refused up front, naming the encoding
        nul = body.find(b"\x00")
        if nul >= 0 and e.line == body.count(b"\n", 0, nul) + 1:
            return  # NUL bytes: refused up front as UTF-16/32 without a BOM, naming the line
        if reference is not None:
            assert not skip_bad, f"skip_bad parse failed: {e}"
            assert reference.bad_lines, f"the core refused a file the reference reads: {e}"
            assert e.line == reference.bad_lines[0][0], (
                f"error names line {e.line}, the first bad line is {reference.bad_lines[0]}"
            )
        return
    assert not utf16, "a UTF-16 file was parsed"
    sources = [s.encode() for s in parsed["source"].to_pylist()]
    targets = [t.encode() for t in parsed["target"].to_pylist()]
    parsed["source"].validate(full=True)
    parsed["target"].validate(full=True)
    if reference is not None:
        if not skip_bad:
            assert not reference.bad_lines, f"the core read bad lines {reference.bad_lines}"
        got = list(zip(sources, targets, parsed["weight"].tolist(), parsed["line"].tolist(),
                       strict=True))
        assert got == reference.entries, f"parsed {got[:5]}, reference {reference.entries[:5]}"
        assert parsed["bad_lines"] == len(reference.bad_lines), (
            f"{parsed['bad_lines']} bad lines, reference {reference.bad_lines}")
        if reference.bad_lines:
            assert parsed["first_bad_line"] == reference.bad_lines[0][0], (
                f"first bad line {parsed['first_bad_line']}, reference {reference.bad_lines}")
    for s, t in zip(sources, targets, strict=True):
        assert s and t and s.strip(_BLANK) == s and t.strip(_BLANK) == t and b"\n" not in s + t
    try:
        lexicon = lexicon_formats.read_lexicon(path, split, lang="de", skip_bad=skip_bad)
    except LexiconFormatError:
        return  # empty, or an entry the compiler refuses (a target of white space only)
    check_lookups(lexicon)


# -- .csglex ----------------------------------------------------------------------------------
def refresh_checksum(blob: bytes) -> bytes:
    """Recompute a ``.csglex`` header's payload size and checksum after mutation (when the
    header still parses), so that mutations of the Arrow payload get past the checksum."""
    if len(blob) < 16 or blob[:8] != lexicon_store.MAGIC:
        return blob
    (length,) = struct.unpack("<Q", blob[8:16])
    if length > len(blob) - 16:
        return blob
    try:
        header = json.loads(blob[16:16 + length].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return blob
    if not isinstance(header, dict):
        return blob
    start = 16 + length
    start += -start % 64
    payload = blob[start:]
    header["payload_bytes"] = len(payload)
    header["checksum"] = "blake2b-128:" + hashlib.blake2b(payload, digest_size=16).hexdigest()
    head = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    prefix = lexicon_store.MAGIC + struct.pack("<Q", len(head)) + head
    prefix += b"\x00" * (-len(prefix) % 64)
    return prefix + payload


def check_csglex(data: bytes) -> None:
    """``.csglex`` loading: a typed error (CorruptLexiconError, LexiconFormatError, ...) or
    a lexicon whose entry table is valid Arrow of the entry schema, whose entries are found
    by lookup, and which saves and loads back to the same fingerprint."""
    control = data[:1]
    blob = data[1:]
    if control and control[0] & 1:
        blob = refresh_checksum(blob)
    path = _workdir() / "fuzz.csglex"
    path.write_bytes(blob)
    try:
        header = lexicon_store.read_header(path)
    except CsgenError:
        pass
    else:
        assert isinstance(header, dict), f"read_header returned {header!r}"
    # With "LANG=PATH" the file's single target language is renamed on loading.
    spec = f"de={path}" if control and control[0] & 2 else str(path)
    try:
        lexicon = lexicon_store.load_lexicon(spec)
    except CsgenError:
        return
    assert lexicon.table.schema.equals(lexicon_store.ENTRY_SCHEMA)
    lexicon.table.validate(full=True)
    check_lookups(lexicon)
    again = lexicon_store.load(lexicon_store.save(lexicon, _workdir() / "again.csglex"))
    assert again.fingerprint() == lexicon.fingerprint(), "save/load changed the entries"


TARGETS: dict[str, Callable[[bytes], None]] = {
    "segment": check_segment,
    "switch": check_switch,
    "lexicon": check_lexicon,
    "csglex": check_csglex,
}


def iter_files(folder: Path) -> Iterator[Path]:
    """Regular files of ``folder``, sorted (hidden files and README/SOURCE notes left out)."""
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith(".") and path.suffix != ".md":
            yield path

"""FreeDict dictionaries as Debian installs them: a dictd ``.index`` and ``.dict.dz``.

``apt-get install dict-freedict-eng-deu`` puts ``/usr/share/dictd/freedict-eng-deu.index``
and ``freedict-eng-deu.dict.dz`` (dictzip: gzip with random-access chunks; read here
whole with :mod:`gzip`). The index has one line per headword,
``headword<TAB>offset<TAB>length``, offset and length in dictd's base64
(``A-Za-z0-9+/``, most significant digit first, no padding), pointing at the
entry's bytes in the decompressed data. Several index lines may point at one
entry (abbreviations, spelling variants); each entry is read once.

An entry as FreeDict's TEI-to-dictd export writes it::

    run /rVn/ (ran /ran/ <>, run /rVn/ <>) <v>
     [Am.] Laufmasche <fem>, Fallmasche <fem> [textil.]
          "an example"  - ein Beispiel
       Synonym: {ladder}
     see: {ladders}, {runs}

The first line is the headword (the source, kept as written: ``New York``, a
phrase entry when it has several words), then its pronunciation ``/.../``,
inflected forms in parentheses and a part of speech ``<...>``, all dropped.
Translation lines are the lines that start in the first column (optionally
numbered ``1. ``, ``2. `` per sense) or with one space and a usage label
(`` [Am.] ...``); indented lines (examples, ``Note:``, ``Synonym(s):``,
``see:``) are not translations. A translation line is cleaned (see
:func:`clean_translations`) and split at commas and semicolons into target
phrases, in order: that order, after the index order of the entries, is the rank.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..._arrow import string_parts
from ...errors import ConfigError, EmptyLexiconError, LexiconFormatError, LexiconReadError
from .._text import read_bytes
from ..core import _LANG_CODE, Lexicon, langs_from_path

# ISO 639-3 (FreeDict file names) -> the two-letter codes csgen uses.
ISO639_3_TO_1 = {
    "afr": "af", "amh": "am", "ara": "ar", "aze": "az", "bel": "be", "ben": "bn",
    "bos": "bs", "bre": "br", "bul": "bg", "cat": "ca", "ces": "cs", "cym": "cy",
    "dan": "da", "deu": "de", "ell": "el", "eng": "en", "epo": "eo", "est": "et",
    "eus": "eu", "fas": "fa", "fin": "fi", "fra": "fr", "fry": "fy", "gla": "gd",
    "gle": "ga", "glg": "gl", "heb": "he", "hin": "hi", "hrv": "hr", "hun": "hu",
    "hye": "hy", "ind": "id", "isl": "is", "ita": "it", "jpn": "ja", "kat": "ka",
    "kaz": "kk", "kor": "ko", "kur": "ku", "lat": "la", "lav": "lv", "lit": "lt",
    "ltz": "lb", "mal": "ml", "mar": "mr", "mkd": "mk", "mlt": "mt", "mon": "mn",
    "msa": "ms", "nld": "nl", "nno": "nn", "nob": "nb", "nor": "no", "oci": "oc",
    "pan": "pa", "pol": "pl", "por": "pt", "ron": "ro", "rus": "ru", "san": "sa",
    "slk": "sk", "slv": "sl", "som": "so", "spa": "es", "sqi": "sq", "srp": "sr",
    "swa": "sw", "swe": "sv", "tam": "ta", "tel": "te", "tgl": "tl", "tha": "th",
    "tur": "tr", "ukr": "uk", "urd": "ur", "uzb": "uz", "vie": "vi", "yid": "yi",
    "zho": "zh", "zul": "zu",
}

_FREEDICT_NAME = re.compile(r"^freedict-([a-z]{3})-([a-z]{3})$")
_METADATA = (b"00database", b"00-database-")
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_FIELD = re.compile(r"[A-Za-z0-9+/]{1,8}")
_B64_DIGIT = np.full(256, -1, dtype=np.int64)
_B64_DIGIT[np.frombuffer(_B64.encode(), dtype=np.uint8)] = np.arange(64)

# The tail of a headword line: pronunciation /.../, then optional inflected forms
# "(ran /.../ <>, ...)" and part of speech "<v>". The headword may itself hold
# " / " ("approach / policy / strategy"): the leftmost place where the rest of the
# line is exactly such a tail starts it, so the pronunciation is the last /.../.
# A line without a pronunciation is the headword as it stands.
_HEADWORD_TAIL = r" /[^/]*/(?: \(.*\))?(?: <[^<>]*>)?\s*$"

# Abbreviations with their pronunciation inside a translation line, as in
# "Abgasuntersuchung <fem> [auto] AU,  /ˈəʊ/" or "bezüglichbzgl.,  /.../": first
# ones that follow a grammar note or label are removed, then a pronunciation still
# left becomes "/", so the target it is glued to is dropped as markup.
ABBREVIATION_RULES: tuple[tuple[str, str, str], ...] = (
    ("abbreviation", r"([>\]])\s*[^\s,/<>\[\]{}()]+,\s*/[^/]*/", r"\1"),
    ("glued abbreviation", r",\s*/[^/]*/", "/"),
)

# Cleaning rules for translation lines, all removals: they run as one regular
# expression (RE2), then a second pass removes parentheses the first uncovered
# ("(a (b) c)"). Sense numbers count only at the start of a line.
CLEAN_RULES: tuple[tuple[str, str], ...] = (
    ("sense number", r"^\s*\d+\.\s+"),          # "1. acerbe" -> "acerbe"
    ("grammar <...>", r"\s*<[^<>]*>"),          # "Haus <neut>", "laufen <v, intr>"
    ("label [...]", r"\s*\[[^\[\]]*\]"),        # "[Am.] Laufmasche", "Bauchweh [ugs.]"
    ("grammar {...}", r"\s*\{[^{}]*\}"),        # "Haus {n}", "Katze {f}"
    ("comment (...)", r"\s*\([^()]*\)"),        # "(allein) im Haus bleiben"
)
_CLEAN = "|".join(pattern for _, pattern in CLEAN_RULES)
_PAREN = CLEAN_RULES[-1][1]
# A target or headword still holding one of these after cleaning is dropped:
# unbalanced brackets, alternatives ("er/sie"), fragments ("…einhalb"), quotes, tags.
MARKUP = r"[/<>\[\]{}()…|\"=\\_*#~@]|\.\.\."
_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[[9, 10, 11, 12, 13, 32]] = True


def decode_base64(digits: str) -> int:
    """A dictd base64 number (most significant digit first, no padding).

    >>> decode_base64("BAK3S"), decode_base64("x"), decode_base64("B8")
    (16821714, 49, 124)
    """
    if not _B64_FIELD.fullmatch(digits):
        raise ValueError(f"not a dictd base64 number of 1 to 8 digits: {digits!r}")
    value = 0
    for ch in digits:
        value = value * 64 + _B64.index(ch)
    return value


def _decode_fields(buf: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray,
                                                                                   np.ndarray]:
    """Vectorised :func:`decode_base64` of ``buf[start:end]`` for each pair; also says
    which fields are not 1 to 8 base64 digits."""
    width = end - start
    bad = (width < 1) | (width > 8)
    value = np.zeros(len(start), dtype=np.int64)
    for k in range(8):
        pos = end - 1 - k
        inside = (pos >= start) & ~bad
        digit = _B64_DIGIT[buf[np.where(inside, pos, 0)]]
        bad |= inside & (digit < 0)
        value += np.where(inside & (digit >= 0), digit, 0) << (6 * k)
    return value, bad


def _is_utf8(buf: bytes | pa.Buffer) -> bool:
    whole = pa.Array.from_buffers(
        pa.large_binary(), 1, [None, pa.py_buffer(np.array([0, len(buf)], dtype=np.int64)),
                               pa.py_buffer(buf)],
    )
    try:
        whole.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _spans(buf: pa.Buffer, start: np.ndarray, end: np.ndarray) -> pa.Array:
    """``buf[start:end]`` as a string array; spans sorted and not overlapping, text
    already checked to be UTF-8 and cut at line breaks."""
    n = len(start)
    small = buf.size < 2**31
    if n == 0:
        return pa.array([], type=pa.string() if small else pa.large_string())
    bounds = np.empty(2 * n, dtype=np.int32 if small else np.int64)
    bounds[0::2], bounds[1::2] = start, end
    # spans at even positions, what lies between them at odd ones
    both = pa.Array.from_buffers(
        pa.string() if small else pa.large_string(), 2 * n - 1,
        [None, pa.py_buffer(bounds), buf],
    )
    return both.take(pa.array(np.arange(0, 2 * n - 1, 2)))


def _find_byte(buf: np.ndarray, byte: int, chunk: int = 1 << 20) -> np.ndarray:
    """Positions of ``byte`` in ``buf`` (in chunks: no temporary as large as ``buf``)."""
    mask = np.empty(min(chunk, len(buf)), dtype=bool)
    found = [np.zeros(0, dtype=np.int64)]
    for at in range(0, len(buf), chunk):
        part = mask[: min(chunk, len(buf) - at)]
        np.equal(buf[at:at + chunk], byte, out=part)
        found.append(np.flatnonzero(part) + at)
    return np.concatenate(found)


def clean_translations(lines: pa.Array | list[str]) -> pa.Array:
    """Apply :data:`ABBREVIATION_RULES` and :data:`CLEAN_RULES` to translation lines.

    Splitting at commas and semicolons, trimming and dropping what still holds
    :data:`MARKUP` happen afterwards (:func:`split_targets`).

    >>> clean_translations(["1. Haus <neut> [arch.], Heim (eigenes (altes))"]).to_pylist()
    ['Haus, Heim']
    """
    if not isinstance(lines, pa.Array):
        lines = pa.array(lines, type=pa.string())
    slash = pc.match_substring_regex(lines, r",\s*/")
    if pc.any(slash).as_py():
        some = lines.filter(slash)
        for _, pattern, repl in ABBREVIATION_RULES:
            some = pc.replace_substring_regex(some, pattern, repl)
        lines = pc.replace_with_mask(lines, slash, some)
    lines = pc.replace_substring_regex(lines, _CLEAN, "")
    nested = pc.match_substring(lines, "(")
    if pc.any(nested).as_py():
        lines = pc.replace_with_mask(
            lines, nested, pc.replace_substring_regex(lines.filter(nested), _PAREN, "")
        )
    return lines


def _collapse_whitespace(text: pa.Array) -> pa.Array:
    text = pc.utf8_trim_whitespace(text)
    runs = pc.match_substring_regex(text, r"\s\s|[\t\n\r\f\v]")
    if pc.any(runs).as_py():
        text = pc.replace_with_mask(
            text, runs, pc.replace_substring_regex(text.filter(runs), r"\s+", " ")
        )
    return text


def split_targets(cleaned: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Targets of cleaned lines (split at commas and semicolons, white space trimmed
    and collapsed, empty ones left out) and the line each came from.

    >>> targets, line = split_targets(pa.array(["Haus,  Heim ; ", "Wohn  haus"]))
    >>> targets.to_pylist(), line.tolist()
    (['Haus', 'Heim', 'Wohn haus'], [0, 0, 1])
    """
    if pc.any(pc.match_substring(cleaned, ";")).as_py():
        cleaned = pc.replace_substring(cleaned, ";", ",")
    pieces = pc.split_pattern(cleaned, ",")
    parent = pc.list_parent_indices(pieces).to_numpy()
    target = _collapse_whitespace(pieces.flatten())
    keep = pc.greater(pc.utf8_length(target), 0)
    return target.filter(keep), parent[keep.to_numpy(zero_copy_only=False)]


def freedict_paths(path: str | Path) -> tuple[Path, Path]:
    """``(index, data)`` for a ``.index``, ``.dict.dz``, ``.dict`` or their common prefix.

    The data file is the ``.dict.dz``/``.dict`` given, else ``PREFIX.dict.dz`` if it
    exists, else ``PREFIX.dict``. Missing files raise :class:`LexiconReadError`.
    """
    path = Path(path)
    name = path.name
    data: Path | None = None
    if name.endswith(".index"):
        prefix = path.with_name(name[: -len(".index")])
    elif name.endswith(".dict.dz"):
        prefix, data = path.with_name(name[: -len(".dict.dz")]), path
    elif name.endswith(".dict"):
        prefix, data = path.with_name(name[: -len(".dict")]), path
    else:
        prefix = path
    index = prefix.with_name(prefix.name + ".index")
    if not index.is_file():
        given = f" (for {str(path)!r})" if path != index else ""
        raise LexiconReadError(f"cannot read FreeDict index {str(index)!r}{given}: no such file")
    if data is None:
        dz = prefix.with_name(prefix.name + ".dict.dz")
        plain = prefix.with_name(prefix.name + ".dict")
        data = plain if plain.is_file() and not dz.exists() else dz
    if not data.is_file():
        raise LexiconReadError(f"cannot read FreeDict data {str(data)!r}: no such file")
    return index, data


def freedict_langs(path: str | Path) -> tuple[str, str] | None:
    """``(source, target)`` two-letter codes from ``freedict-eng-deu.*`` (or ``en-de.*``).

    >>> freedict_langs("/usr/share/dictd/freedict-eng-deu.index")
    ('en', 'de')
    """
    stem = Path(path).name.split(".", 1)[0]
    match = _FREEDICT_NAME.match(stem)
    if match:
        src, tgt = match.groups()
        if src in ISO639_3_TO_1 and tgt in ISO639_3_TO_1:
            return ISO639_3_TO_1[src], ISO639_3_TO_1[tgt]
        return None
    return langs_from_path(path)


def _read_data(data: Path) -> bytes:
    raw = read_bytes(data)
    if not data.name.endswith(".dz"):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise LexiconFormatError(f"not a readable dictzip/gzip file: {e}", data) from None


def _index_line_problem(line: str) -> str:
    fields = line.rstrip("\r").split("\t")
    if len(fields) not in (3, 4):
        return f"expected headword<TAB>offset<TAB>length, got {len(fields)} field(s)"
    for what, value in (("offset", fields[1]), ("length", fields[2])):
        if not _B64_FIELD.fullmatch(value):
            return f"{what} {value!r} is not a dictd base64 number (1-8 digits of A-Za-z0-9+/)"
    return "malformed index line"  # pragma: no cover - the checks here and above agree


def _parse_index(index: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index line numbers (1-based), offsets and lengths of the non-metadata lines.

    Lines are ``headword<TAB>offset<TAB>length``, or with a fourth field (the
    original headword, ``dictfmt --index-keep-orig``).
    """
    raw = read_bytes(index)
    if not raw:
        return (np.zeros(0, dtype=np.int64),) * 3
    if not _is_utf8(raw):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as e:
            line = raw.count(b"\n", 0, e.start) + 1
            raise LexiconFormatError("index line is not valid UTF-8", index, line) from None
    buf = np.frombuffer(raw, dtype=np.uint8)
    ends = _find_byte(buf, 10)
    if len(buf) and buf[-1] != 10:
        ends = np.append(ends, len(buf))
    starts = np.concatenate([[0], ends[:-1] + 1]).astype(np.int64)
    ends = ends - ((ends > starts) & (buf[np.maximum(ends - 1, 0)] == 13))  # CRLF
    tabs = _find_byte(buf, 9)
    first = np.searchsorted(tabs, starts)
    count = np.searchsorted(tabs, ends) - first
    bad = (count != 2) & (count != 3)
    t = [tabs[np.minimum(first + i, len(tabs) - 1)] if len(tabs) else np.zeros_like(starts)
         for i in range(3)]
    tab1, tab2 = t[0], t[1]
    tab3 = np.where(count == 3, t[2], ends)
    offsets, bad_offset = _decode_fields(buf, tab1 + 1, tab2)
    lengths, bad_length = _decode_fields(buf, tab2 + 1, tab3)
    bad |= bad_offset | bad_length
    if bad.any():
        k = int(np.argmax(bad))
        text = raw[starts[k]:ends[k]].decode("utf-8")
        raise LexiconFormatError(_index_line_problem(text), index, k + 1)
    meta = np.zeros(len(starts), dtype=bool)
    for prefix in _METADATA:
        match = tab1 - starts >= len(prefix)
        for j, byte in enumerate(prefix):
            match &= buf[np.minimum(starts + j, len(buf) - 1)] == byte
        meta |= match
    keep = ~meta
    numbers = np.flatnonzero(keep).astype(np.int64) + 1
    return numbers, offsets[keep], lengths[keep]


def _entry_spans(
    data: bytes, numbers: np.ndarray, starts: np.ndarray, ends: np.ndarray,
    index: Path, data_path: Path,
) -> tuple[bytes, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct entries, in data order: ``(data, start, end, first index line)``;
    ``data`` is a copy holding the entries one after another where they overlap."""
    order = np.lexsort((numbers, ends, starts))
    s, e, ln = starts[order], ends[order], numbers[order]
    first = np.ones(len(s), dtype=bool)
    first[1:] = (s[1:] != s[:-1]) | (e[1:] != e[:-1])
    s, e, ln = s[first], e[first], ln[first]
    past = e > len(data)
    if past.any():
        k = int(np.argmin(np.where(past, ln, np.iinfo(np.int64).max)))
        raise LexiconFormatError(
            f"entry at offset {s[k]}, length {e[k] - s[k]} runs past the end of "
            f"{data_path.name} ({len(data)} bytes): truncated data?", index, int(ln[k]),
        )
    if len(s) and np.any(s[1:] < e[:-1]):
        data = b"".join(data[a:b] for a, b in zip(s.tolist(), e.tolist(), strict=True))
        e = np.cumsum(e - s)
        s = np.concatenate([[0], e[:-1]]).astype(np.int64)
    if not _is_utf8(data):
        for k in np.argsort(ln, kind="stable").tolist():
            try:
                data[s[k]:e[k]].decode("utf-8")
            except UnicodeDecodeError as err:
                raise LexiconFormatError(
                    f"entry text is not valid UTF-8 (byte {err.start} of the entry at "
                    f"offset {s[k]} in {data_path.name})", index, int(ln[k]),
                ) from None
    return data, s, e, ln


def _lines(buf: np.ndarray, s: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, ...]:
    """Headword line end of each entry, and the translation lines of all entries:
    ``(headword_end, line_start, line_end, line_entry)``, in data order.

    Translation lines start in the first column (a sense, ``1. ...``), or with one
    space and a label (`` [Am.] ...``); indented lines are examples, notes,
    synonyms and cross-references.
    """
    newline = _find_byte(buf, 10)
    nxt = np.searchsorted(newline, s)
    at = newline[np.minimum(nxt, len(newline) - 1)] if len(newline) else s
    headword_end = np.where((nxt < len(newline)) & (at < e), at, e)
    last = len(buf) - 1
    # a line after a newline: first-column text or " [label]"
    start = newline + 1
    c0 = buf[np.minimum(start, last)]
    c1 = buf[np.minimum(start + 1, last)]
    keep = (start <= last) & (~_WHITESPACE[c0] | ((c0 == 32) & (c1 == 91)))
    which = np.flatnonzero(keep)
    start = start[which]
    entry = np.searchsorted(s, newline[which], side="right") - 1
    following = np.append(newline, np.iinfo(np.int64).max)[which + 1]
    entry_end = e[np.maximum(entry, 0)]
    end = np.minimum(following, entry_end)
    # inside an entry, not empty, and the label's "[" inside too
    keep = (entry >= 0) & (start < end) & ((buf[start] != 32) | (start + 1 < end))
    start, end, entry = start[keep], end[keep], entry[keep]
    end = end - (buf[end - 1] == 13)  # CRLF
    return headword_end, start, end, entry


def _headwords(buf: pa.Buffer, s: np.ndarray, headword_end: np.ndarray) -> pa.Array:
    """Headwords: headword lines up to the pronunciation (see ``_HEADWORD_TAIL``)."""
    lines = _spans(buf, s, headword_end)
    cut = headword_end.copy()
    # fast path: a line ending in "/pron/" whose opening "/" follows a space
    offsets, text = string_parts(lines)
    if text.size == 0:
        return _collapse_whitespace(lines)  # all empty
    slashes = _find_byte(text, 47)
    ends = offsets[1:]
    simple = (ends > offsets[:-1]) & (text[np.maximum(ends - 1, 0)] == 47)
    before = np.searchsorted(slashes, ends - 1) - 1  # the last "/" but one
    opening = slashes[np.maximum(before, 0)] if len(slashes) else ends
    simple &= (before >= 0) & (opening > offsets[:-1])
    spaced = simple & (text[np.maximum(opening - 1, 0)] == 32)
    cut[spaced] = s[spaced] + (opening - 1 - offsets[:-1])[spaced]
    # the rest (inflected forms, part of speech, trailing space) by the regex
    rest = np.flatnonzero(~simple)
    if len(rest):
        tail = pc.find_substring_regex(lines.take(pa.array(rest)), _HEADWORD_TAIL).to_numpy()
        cut[rest] = np.where(tail >= 0, s[rest] + tail, headword_end[rest])
    return _collapse_whitespace(_spans(buf, s, cut))


def read_freedict(path: str | Path, *, lang: str | None = None) -> Lexicon:
    """Read a FreeDict dictd dictionary (``.index`` + ``.dict.dz`` or ``.dict``).

    ``path``: the ``.index``, the ``.dict.dz``/``.dict`` or their common prefix.
    ``lang``: target language, by default from the file name (``freedict-eng-deu``
    -> ``de``, source ``en``). Each headword gives one entry per cleaned
    translation, in index order then line order (the rank); duplicate
    (source, target) pairs keep the first. Translations whose target or headword
    still holds :data:`MARKUP` after cleaning are dropped and counted in
    ``provenance[0]["dropped"]``. Errors name the index file and line.
    """
    index, data_path = freedict_paths(path)
    langs = freedict_langs(index)
    if lang is None:
        if langs is None:
            raise ConfigError(
                f"cannot tell the language of FreeDict file {str(index)!r} from its name "
                "(expected freedict-SRC-TGT with known ISO 639-3 codes, e.g. "
                "freedict-eng-deu); give it explicitly: lang='de' (--lang de)"
            )
        lang = langs[1]
    elif not _LANG_CODE.match(lang):
        raise ConfigError(f"lang must be a language code such as 'de', not {lang!r}")

    # Arrow kernels, zlib and most numpy calls here release the GIL: independent
    # steps and slices of the translation lines run on threads.
    workers = max(1, min(8, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers + 1) as pool:
        unzipped = pool.submit(_read_data, data_path)
        numbers, offsets, lengths = _parse_index(index)
        if len(numbers) == 0:
            unzipped.result()  # a missing or broken data file is still an error
            raise EmptyLexiconError("no entries: the index lists no headwords", index)
        data, s, e, entry_line = _entry_spans(
            unzipped.result(), numbers, offsets, offsets + lengths, index, data_path
        )
        headwords = len(s)
        pybuf = pa.py_buffer(data)
        headword_end, line_start, line_end, entry = _lines(
            np.frombuffer(data, dtype=np.uint8), s, e
        )
        heads = pool.submit(_sources, pybuf, s, headword_end)
        lines = _spans(pybuf, line_start, line_end)
        step = max(1, -(-len(lines) // workers))
        starts = range(0, max(len(lines), 1), step)
        parts = [pool.submit(_targets, lines.slice(at, step)) for at in starts]
        sources, source_code, bad_source = heads.result()
        done = [part.result() for part in parts]
    target = pa.concat_arrays([t for t, _, _ in done])
    line_of = np.concatenate([lo + at for (_, lo, _), at in zip(done, starts, strict=True)])
    entry = entry[line_of]
    markup = np.concatenate([m for _, _, m in done]) | bad_source[entry]
    dropped = int(markup.sum())
    rows = np.flatnonzero(~markup)
    rows = rows[np.argsort(entry_line[entry[rows]], kind="stable")]  # index, then line order
    rows = rows[_first_of_pairs(source_code[entry[rows]], target.take(pa.array(rows)))]
    if len(rows) == 0:
        raise EmptyLexiconError(
            f"no entries ({headwords} headwords, {dropped} translations dropped for markup)",
            index,
        )
    stat = index.stat()
    provenance = {
        "format": "freedict", "path": str(index), "data_path": str(data_path),
        "size": stat.st_size, "mtime": int(stat.st_mtime), "entries": len(rows),
        "headwords": headwords, "index_lines": len(numbers), "dropped": dropped,
    }
    rows_entry = entry[rows]
    return Lexicon.from_entries(
        sources.take(pa.array(rows_entry)).cast(pa.string()),
        target.take(pa.array(rows)).cast(pa.string()), lang,
        weight=None, line=entry_line[rows_entry], name=index.name,
        path=str(index), source_lang=langs[0] if langs else None, provenance=[provenance],
    )


def _sources(buf: pa.Buffer, s: np.ndarray, headword_end: np.ndarray
             ) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Headwords, a code per distinct headword, and which hold markup or are empty."""
    sources = _headwords(buf, s, headword_end)
    code = sources.dictionary_encode().indices.to_numpy().astype(np.int64)
    bad = pc.or_(pc.match_substring_regex(sources, MARKUP), pc.equal(pc.utf8_length(sources), 0))
    return sources, code, bad.to_numpy(zero_copy_only=False)


def _targets(lines: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Targets of translation lines, the line of each, and which hold markup."""
    target, line_of = split_targets(clean_translations(lines))
    markup = pc.match_substring_regex(target, MARKUP).to_numpy(zero_copy_only=False)
    return target, line_of, markup


def _first_of_pairs(source_code: np.ndarray, targets: pa.Array) -> np.ndarray:
    """Positions of the first of each (source, target) pair, in order."""
    if len(targets) == 0:
        return np.zeros(0, dtype=np.int64)
    target_code = targets.dictionary_encode().indices.to_numpy().astype(np.int64)
    key = source_code * (int(target_code.max()) + 1) + target_code
    return np.sort(np.unique(key, return_index=True)[1])

"""A lexicon learned from a word-aligned parallel corpus (format ``aligned``).

Layouts:

- one file, ``source sentence ||| target sentence ||| 0-0 1-1 ...`` per line
  (:func:`read_aligned`);
- one file of ``source ||| target`` lines (fast_align / awesome-align input) with the
  alignments in a sibling file: ``STEM.align`` (0-based), ``STEM.gold.0idx`` (0-based)
  or ``STEM.gold`` (1-based, the awesome-align gold convention);
- three files: source text, target text, Pharaoh alignments, one sentence a line
  (:func:`read_aligned_files`); through :func:`read_lexicon` give a prefix ``P`` whose
  ``P.src``, ``P.tgt`` and ``P.align`` exist.

Sentences are whitespace-tokenised. Links are ``i-j`` (0-based unless ``one_based``);
gold marks ``isj`` (sure) and ``ipj`` (possible) count as links (``sure_only`` drops the
possible ones). Each link counts the pair (lower-cased source token, target token);
targets are matched case-insensitively and written in their most frequent form
(``Haus`` stays ``Haus``, sentence-initial ``The`` merges into ``the``). Tokens made only
of punctuation, symbols or digits on either side are dropped. ``weight`` is
p(target | source) = count(source, target) / count(source). Sources come in order of
frequency, their targets by weight (ties: first seen). Counting is vectorised (Arrow
kernels and numpy); Python only splits the ``|||`` lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..._lines import line_of, uneven, utf8_lines
from ...errors import ConfigError, EmptyLexiconError, LexiconFormatError
from .._text import check_text_encoding, read_bytes
from ..core import _LANG_CODE, Lexicon, langs_from_path

SEPARATOR = "|||"
ALIGN_SIBLINGS = ((".align", False), (".gold.0idx", False), (".gold", True))
_LINK = r"^[0-9]{1,9}[-pPsS][0-9]{1,9}$"
_NOISE = r"^[\pP\pS\pN]+$"  # punctuation, symbols and digits only


def _lines(path: Path) -> list[str]:
    data = read_bytes(path)
    check_text_encoding(path, data)
    try:
        return utf8_lines(data)
    except UnicodeDecodeError as e:
        raise LexiconFormatError("invalid UTF-8", path, line_of(data, e.start)) from None


def sibling_alignment(path: Path) -> tuple[Path, bool] | None:
    """The alignment file beside a ``source ||| target`` file, and whether it is 1-based."""
    stem = path.name.split(".", 1)[0] if "." in path.name else path.name
    for suffix, one_based in ALIGN_SIBLINGS:
        candidate = path.parent / (stem + suffix)
        if candidate.is_file():
            return candidate, one_based
    return None


def read_aligned(
    path: str | Path, *, align: str | Path | None = None, lang: str | None = None,
    one_based: bool | None = None, sure_only: bool = False, min_count: int = 1,
    max_candidates: int | None = None, skip_bad: bool = False,
) -> Lexicon:
    """Learn a lexicon from a ``src ||| tgt ||| links`` file, or from a ``src ||| tgt``
    file with its alignments in ``align`` (default: a sibling, see the module doc;
    ``STEM.gold`` is taken as 1-based unless ``one_based`` says otherwise)."""
    path = Path(path)
    rows = _lines(path)
    fields = [r.split(SEPARATOR) for r in rows]
    three = bool(fields) and len(fields[0]) >= 3
    files = [str(path)]
    if not three:
        if align is None:
            found = sibling_alignment(path)
            if found is None:
                raise LexiconFormatError(
                    "lines are 'source ||| target' but no alignment file was found beside it "
                    f"({', '.join(path.name.split('.')[0] + s for s, _ in ALIGN_SIBLINGS)}); "
                    "give align= or use 'source ||| target ||| i-j ...' lines", path, 1)
            align, sibling_one_based = found
            one_based = sibling_one_based if one_based is None else one_based
        align = Path(align)
        links = _lines(align)
        _check_counts([(path, len(rows)), (align, len(links))])
        files.append(str(align))
    want = 3 if three else 2
    src, tgt, ali = [], [], []
    bad_fields = np.zeros(len(rows), dtype=bool)
    for k, parts in enumerate(fields):
        if len(parts) != want:
            bad_fields[k] = True
            src.append("")
            tgt.append("")
            ali.append("")
            continue
        src.append(parts[0])
        tgt.append(parts[1])
        ali.append(parts[2] if three else links[k])
    align_path = path if three else Path(files[1])
    missing = (f"expected {want} fields separated by '{SEPARATOR}' "
               f"(source ||| target{' ||| links' if three else ''})")
    return _learn(src, tgt, ali, files=files, text_path=path, align_path=align_path,
                  bad_fields=(bad_fields, missing), lang=lang or _lang_of(path, None),
                  source_lang=_src_lang_of(path, None), one_based=bool(one_based),
                  sure_only=sure_only, min_count=min_count, max_candidates=max_candidates,
                  skip_bad=skip_bad)


def read_aligned_files(
    source: str | Path, target: str | Path, align: str | Path, *, lang: str | None = None,
    one_based: bool = False, sure_only: bool = False, min_count: int = 1,
    max_candidates: int | None = None, skip_bad: bool = False,
) -> Lexicon:
    """Learn a lexicon from a source text, a target text and their Pharaoh alignments.
    ``lang`` defaults to the target file's last suffix (``corpus.de``) when a language code."""
    source, target, align = Path(source), Path(target), Path(align)
    src, tgt, ali = _lines(source), _lines(target), _lines(align)
    _check_counts([(source, len(src)), (target, len(tgt)), (align, len(ali))])
    return _learn(src, tgt, ali, files=[str(source), str(target), str(align)],
                  text_path=source, align_path=align, bad_fields=None,
                  lang=lang or _lang_of(target, source), source_lang=_src_lang_of(source, 1),
                  one_based=one_based, sure_only=sure_only, min_count=min_count,
                  max_candidates=max_candidates, skip_bad=skip_bad)


def read_aligned_path(path: str | Path, *, lang: str | None = None,
                      skip_bad: bool = False) -> Lexicon:
    """``read_lexicon(path, "aligned")``: a ``|||`` file, or a prefix ``P`` with
    ``P.src``, ``P.tgt`` and ``P.align``."""
    path = Path(path)
    parts = [path.parent / (path.name + s) for s in (".src", ".tgt", ".align")]
    if not path.exists() and all(p.is_file() for p in parts):
        return read_aligned_files(*parts, lang=lang, skip_bad=skip_bad)
    return read_aligned(path, lang=lang, skip_bad=skip_bad)


def _check_counts(files: Sequence[tuple[Path, int]]) -> None:
    found = uneven(files)
    if found is not None:
        path, n, longer, most = found
        raise LexiconFormatError(
            f"has {n} lines but {str(longer)!r} has {most}: the files must be parallel",
            path, n + 1)


def _lang_of(path: Path, other: Path | None) -> str:
    if other is not None:  # three-file form: corpus.de / corpus.en
        suffix = path.suffix.lstrip(".")
        if suffix not in ("src", "tgt") and _LANG_CODE.match(suffix):
            return suffix
    langs = langs_from_path(path)
    if langs is None:
        raise ConfigError(f"cannot tell the target language of {str(path)!r}; give lang= "
                          "(--lang) or name it SRC-TGT.txt")
    return langs[1]


def _src_lang_of(path: Path, side: int | None) -> str | None:
    if side is not None:
        suffix = path.suffix.lstrip(".")
        if suffix not in ("src", "tgt") and _LANG_CODE.match(suffix):
            return suffix
    langs = langs_from_path(path)
    return langs[0] if langs else None


def _tokens(texts: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Flattened whitespace tokens, tokens per row, and each row's first token index.

    Tokens are split at ASCII white space, as aligners (fast_align, eflomal, ...) split
    them: a non-ASCII space such as U+3000 in Japanese text is a token of its own.
    """
    texts = pc.ascii_trim_whitespace(texts)
    texts = pc.if_else(pc.equal(pc.binary_length(texts), 0), pa.scalar(None, pa.string()), texts)
    split = pc.ascii_split_whitespace(texts)  # a blank row is null: no tokens, no empty ones
    lens = pc.list_value_length(split).fill_null(0).to_numpy(zero_copy_only=False)
    lens = lens.astype(np.int64)
    offsets = np.zeros(len(lens) + 1, np.int64)
    np.cumsum(lens, out=offsets[1:])
    return pc.list_flatten(split), lens, offsets[:-1]


def _learn(
    src: list[str], tgt: list[str], ali: list[str], *, files: list[str], text_path: Path,
    align_path: Path, bad_fields: tuple[np.ndarray, str] | None, lang: str,
    source_lang: str | None, one_based: bool, sure_only: bool, min_count: int,
    max_candidates: int | None, skip_bad: bool,
) -> Lexicon:
    if min_count < 1 or (max_candidates is not None and max_candidates < 1):
        raise ConfigError("min_count and max_candidates must be at least 1")
    n = len(src)
    src_tok, src_len, src_off = _tokens(pc.utf8_lower(pa.array(src, pa.string())))
    tgt_tok, tgt_len, tgt_off = _tokens(pa.array(tgt, pa.string()))
    link_tok, link_len, _ = _tokens(pa.array(ali, pa.string()))
    row = np.repeat(np.arange(n, dtype=np.int64), link_len)

    problems: list[tuple[int, Path, str]] = []  # (row, file, reason) of the first of each kind
    bad = np.zeros(n, dtype=bool)
    if bad_fields is not None and bad_fields[0].any():
        bad |= bad_fields[0]
        problems.append((int(np.argmax(bad_fields[0])), text_path, bad_fields[1]))
    ok = pc.match_substring_regex(link_tok, _LINK).to_numpy(zero_copy_only=False)
    if not ok.all():
        first = int(np.argmin(ok))
        problems.append((int(row[first]), align_path,
                         f"{link_tok[first].as_py()!r} is not an i-j link"))
        bad[row[~ok]] = True
    parts = pc.split_pattern_regex(pc.if_else(pa.array(ok), link_tok, "0-0"), "[-pPsS]")
    i = pc.list_element(parts, 0).cast(pa.int64()).to_numpy(zero_copy_only=False)
    j = pc.list_element(parts, 1).cast(pa.int64()).to_numpy(zero_copy_only=False)
    possible = pc.match_substring_regex(link_tok, "[pP]").to_numpy(zero_copy_only=False)
    if one_based:
        i, j = i - 1, j - 1
    out = ok & ((i < 0) | (j < 0) | (i >= src_len[row]) | (j >= tgt_len[row]))
    if out.any():
        first = int(np.argmax(out))
        base = 1 if one_based else 0
        problems.append((int(row[first]), align_path,
                         f"link {link_tok[first].as_py()!r} is out of range for a sentence "
                         f"pair of {src_len[row[first]]} x {tgt_len[row[first]]} tokens "
                         f"(indices count from {base})"))
        bad[row[out]] = True
    if problems and not skip_bad:
        r, where, why = min(problems, key=lambda p: p[0])
        raise LexiconFormatError(why, where, r + 1)

    keep = ~bad[row]
    links_read = int(keep.sum())
    if sure_only:
        keep &= ~possible
    gs = (src_off[row] + i)[keep]
    gt = (tgt_off[row] + j)[keep]
    link_row = row[keep]
    noise_src = pc.match_substring_regex(src_tok, _NOISE).to_numpy(zero_copy_only=False)
    noise_tgt = pc.match_substring_regex(tgt_tok, _NOISE).to_numpy(zero_copy_only=False)
    content = ~(noise_src[gs] | noise_tgt[gt])
    gs, gt, link_row = gs[content], gt[content], link_row[content]

    s_enc = pc.dictionary_encode(src_tok.take(pa.array(gs)))
    t_words = tgt_tok.take(pa.array(gt))
    k_enc = pc.dictionary_encode(pc.utf8_lower(t_words))
    w_enc = pc.dictionary_encode(t_words)
    sc = s_enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    kc = k_enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    wc = w_enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    n_k, n_w = max(len(k_enc.dictionary), 1), max(len(w_enc.dictionary), 1)

    # (source, lower-cased target) pairs: count and first link.
    pairs, pair_first, pair_of, pair_count = np.unique(
        sc * n_k + kc, return_index=True, return_inverse=True, return_counts=True)
    pair_src = pairs // n_k
    # The written form of each pair: most frequent, ties first seen.
    forms, form_first, form_count = np.unique(
        pair_of * n_w + wc, return_index=True, return_counts=True)
    form_pair = forms // n_w
    order = np.lexsort((form_first, -form_count, form_pair))
    lead = np.ones(len(order), dtype=bool)
    lead[1:] = form_pair[order][1:] != form_pair[order][:-1]
    pair_form = (forms % n_w)[order][lead]

    src_count = np.bincount(sc, minlength=len(s_enc.dictionary))
    src_first = np.full(len(s_enc.dictionary), len(sc), np.int64)
    uniq_src, uniq_first = np.unique(sc, return_index=True)
    src_first[uniq_src] = uniq_first
    weight = pair_count / src_count[pair_src]
    order = np.lexsort((pair_first, -pair_count, src_first[pair_src], -src_count[pair_src]))
    order = order[pair_count[order] >= min_count]
    if max_candidates is not None and len(order):
        grouped = pair_src[order]
        start = np.r_[0, np.flatnonzero(grouped[1:] != grouped[:-1]) + 1]
        rank = np.arange(len(order)) - np.repeat(start, np.diff(np.r_[start, len(order)]))
        order = order[rank < max_candidates]

    provenance = {
        "format": "aligned", "path": files[0], "files": files, "sentences": int(n - bad.sum()),
        "links": links_read, "links_counted": len(sc), "entries": len(order),
        "bad_lines": int(bad.sum()), "one_based": one_based, "sure_only": sure_only,
        "min_count": min_count, "max_candidates": max_candidates,
    }
    if len(order) == 0:
        raise EmptyLexiconError("no entries: no alignment link between two words"
                                + (f" seen {min_count}+ times" if min_count > 1 else ""),
                                text_path)
    source = s_enc.dictionary.take(pa.array(pair_src[order]))
    target = w_enc.dictionary.take(pa.array(pair_form[order]))
    line = link_row[pair_first[order]] + 1
    return Lexicon.from_entries(
        source, target, lang, weight=weight[order], line=line, name=text_path.name,
        path=str(text_path), source_lang=source_lang, provenance=[provenance],
    )

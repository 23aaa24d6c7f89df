"""Question answering data: answer spans and protected spans through switching.

SQuAD counts ``answer_start`` in Python characters (code points) of the context, the
switch records count UTF-8 bytes. Everything here is vectorised over Arrow buffers: the
Numba kernels of :mod:`csgen.spans.qa_kernels` (re-exported here) over a string array's
offsets and data, and pyarrow compute kernels for regular expressions. No Python loop
runs per row.

- :func:`char_to_byte` / :func:`byte_to_char`: character <-> byte offsets in rows.
- :func:`locate_answers`: byte spans of SQuAD answers, and whether each one matches.
- :func:`remap_extend`: map byte spans through ``<col>_switches`` records; a boundary
  strictly inside a switched unit extends to cover the unit's whole output.
- :func:`merge_spans`: sort and merge overlapping spans per row.
- :func:`regex_spans`: byte spans of every match of RE2 patterns.
- :func:`switch_qa_batch`: the per-row-group step of ``csgen switch`` with answers and
  protected spans.

This module imports numba; ``import csgen`` does not import it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .._arrow import string_parts
from ..config import ANSWER_POLICIES
from ..errors import ColumnError, ColumnTypeError, ConfigError, InputError
from .qa_kernels import (
    _I64,
    _gather_kernel,
    _i64,
    byte_to_char,
    byte_to_char_reference,
    char_to_byte,
    char_to_byte_reference,
    locate_answers,
    locate_answers_reference,
    merge_spans,
    merge_spans_reference,
    remap_extend,
    remap_extend_reference,
)

__all__ = [
    "ANSWER_POLICIES",
    "byte_to_char",
    "byte_to_char_reference",
    "char_to_byte",
    "char_to_byte_reference",
    "locate_answers",
    "locate_answers_reference",
    "merge_spans",
    "merge_spans_reference",
    "regex_spans",
    "remap_extend",
    "remap_extend_reference",
    "switch_qa_batch",
]


SPAN_TYPE = pa.list_(pa.struct([("start", pa.int64()), ("end", pa.int64())]))


# --------------------------------------------------------------------------- arrow level


def spans_array(n_rows: int, rows: np.ndarray, starts: np.ndarray,
                ends: np.ndarray) -> pa.ListArray:
    """``list<struct<start: int64, end: int64>>`` of ``n_rows`` rows from flat spans
    (``rows[i]`` owns span ``i``), sorted and merged per row."""
    rows = _i64(rows)
    order = np.lexsort((_i64(starts), rows)) if len(rows) else np.zeros(0, _I64)
    offsets = np.zeros(n_rows + 1, _I64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=offsets[1:])
    off, s, e = merge_spans(offsets, _i64(starts)[order], _i64(ends)[order])
    values = pa.StructArray.from_arrays([pa.array(s), pa.array(e)], names=["start", "end"])
    return pa.ListArray.from_arrays(pa.array(off.astype(np.int32)), values, type=SPAN_TYPE)


def _flat_spans(arr: pa.Array, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, starts, ends)`` of a ``list<struct<start, end>>`` column."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not (pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type)) or \
            not pa.types.is_struct(arr.type.value_type):
        raise ColumnTypeError(f"protect span column {what!r} must be list<struct<start, end>>, "
                              f"got {arr.type}")
    off = np.asarray(arr.offsets, _I64)
    counts = np.diff(off)
    if arr.null_count:
        counts = np.where(arr.is_null().to_numpy(zero_copy_only=False), 0, counts)
    vals = arr.values
    rows = np.repeat(np.arange(len(arr), dtype=_I64), counts)
    idx = _range_index(off[:-1], counts)
    cols = []
    for name in ("start", "end"):
        try:
            child = vals.field(name)
        except KeyError:
            raise ColumnTypeError(f"protect span column {what!r} has no field {name!r} "
                                  f"(type {arr.type})") from None
        values = child.to_numpy(zero_copy_only=False)
        cols.append(_i64(values[idx]) if len(idx) else np.zeros(0, _I64))
    return rows, cols[0], cols[1]


def _range_index(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(starts[i], starts[i] + counts[i])``, vectorised."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, _I64)
    ends = np.cumsum(counts)
    base = np.repeat(_i64(starts) - (ends - counts), counts)
    return base + np.arange(total, dtype=_I64)


def regex_spans(arr: pa.Array, patterns: Sequence[str],
                column: str = "text") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, starts, ends)``: UTF-8 byte spans of every non-empty match of each RE2
    pattern in each row, found by Arrow kernels (``replace_substring_regex`` marks each
    match with NUL bytes, ``split_pattern`` cuts there, piece lengths give the spans).
    A row holding a NUL byte cannot be marked: an :class:`InputError`."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not len(patterns) or not len(arr):
        z = np.zeros(0, _I64)
        return z, z, z
    nul = pc.fill_null(pc.match_substring(arr, "\x00"), False)
    if pc.any(nul).as_py():
        row = int(np.flatnonzero(nul.to_numpy(zero_copy_only=False))[0])
        raise InputError(f"column {column!r}, row {row}: --protect-regex cannot search text "
                         "holding NUL bytes")
    text = pc.fill_null(arr, "")
    out_rows, out_s, out_e = [], [], []
    for pattern in patterns:
        marked = pc.replace_substring_regex(text, pattern, "\x00\\0\x00")
        parts = pc.split_pattern(marked, "\x00")
        off = np.asarray(parts.offsets, _I64)
        lens = pc.binary_length(parts.values).to_numpy(zero_copy_only=False).astype(_I64)
        lens = lens[off[0]:off[-1]]
        counts = np.diff(off)
        rows = np.repeat(np.arange(len(arr), dtype=_I64), counts)
        # pieces alternate gap, match, gap, ...: byte end of each piece within its row
        cum = np.concatenate([np.zeros(1, _I64), np.cumsum(lens)])
        rel = off - off[0]
        pos_end = cum[1:] - np.repeat(cum[rel[:-1]], counts)
        k = np.arange(len(lens), dtype=_I64) - np.repeat(rel[:-1], counts)
        is_match = (k % 2 == 1) & (lens > 0)
        out_rows.append(rows[is_match])
        out_s.append((pos_end - lens)[is_match])
        out_e.append(pos_end[is_match])
    return np.concatenate(out_rows), np.concatenate(out_s), np.concatenate(out_e)


def check_regex(pattern: str) -> None:
    """A :class:`ConfigError` unless ``pattern`` is a valid RE2 pattern."""
    if not isinstance(pattern, str) or not pattern:
        raise ConfigError(f"protect regex must be a non-empty string, got {pattern!r}")
    try:
        pc.replace_substring_regex(pa.array(["x"]), pattern, "")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise ConfigError(f"protect regex {pattern!r} is not a valid RE2 pattern: {e}") from None


@dataclass(frozen=True)
class Answers:
    """Flat answers of a batch: answer ``i`` belongs to row ``rows[i]``."""

    list_offsets: np.ndarray
    rows: np.ndarray
    char_start: np.ndarray
    text_off: np.ndarray
    text_data: np.ndarray


def flat_answers(answers: pa.Array, column: str = "answers") -> Answers:
    """The flat answers of a SQuAD ``answers`` column
    (``struct<text: list<string>, answer_start: list<int>>``)."""
    if isinstance(answers, pa.ChunkedArray):
        answers = answers.combine_chunks()
    t = answers.type
    if not pa.types.is_struct(t) or t.get_field_index("text") < 0 or \
            t.get_field_index("answer_start") < 0:
        raise ColumnTypeError(f"column {column!r} must be struct<text: list<string>, "
                              f"answer_start: list<int>> (SQuAD answers), got {t}")
    texts, starts = answers.field("text"), answers.field("answer_start")
    t_off = np.asarray(texts.offsets, _I64)
    s_off = np.asarray(starts.offsets, _I64)
    null = (answers.is_null().to_numpy(zero_copy_only=False) if answers.null_count
            else np.zeros(len(answers), bool))
    if texts.null_count:
        null |= texts.is_null().to_numpy(zero_copy_only=False)
    t_cnt = np.where(null, 0, np.diff(t_off))
    s_cnt = np.where(null, 0, np.diff(s_off))
    if not np.array_equal(t_cnt, s_cnt):
        row = int(np.flatnonzero(t_cnt != s_cnt)[0])
        raise InputError(f"column {column!r}, row {row}: answers has {t_cnt[row]} texts but "
                         f"{s_cnt[row]} answer_start values")
    rows = np.repeat(np.arange(len(answers), dtype=_I64), t_cnt)
    t_idx = _range_index(t_off[:-1], t_cnt)
    s_idx = _range_index(s_off[:-1], s_cnt)
    text_vals = texts.values.take(pa.array(t_idx))
    if text_vals.null_count:
        raise InputError(f"column {column!r}: an answer text is null")
    start_vals = starts.values.take(pa.array(s_idx))
    if start_vals.null_count:
        raise InputError(f"column {column!r}: an answer_start is null")
    toff, tdata = string_parts(text_vals)
    list_offsets = np.zeros(len(answers) + 1, _I64)
    np.cumsum(t_cnt, out=list_offsets[1:])
    return Answers(list_offsets, rows, _i64(start_vals.to_numpy(zero_copy_only=False)),
                   toff, tdata)


def rebuild_answers(original: pa.Array, ans: Answers, new_ctx: pa.Array, new_s: np.ndarray,
                    new_e: np.ndarray) -> pa.Array:
    """The answers column with texts ``new_ctx[row][new_s:new_e]`` and starts in
    characters of ``new_ctx``; same type, row lengths and nulls as ``original``."""
    if isinstance(original, pa.ChunkedArray):
        original = original.combine_chunks()
    c_off, c_data = string_parts(new_ctx)
    t_off, t_data = _gather_kernel(c_off, c_data, _i64(ans.rows), _i64(new_s), _i64(new_e))
    chars = byte_to_char(c_off, c_data, ans.rows, new_s)
    t = original.type
    text_t = t.field("text").type
    start_t = t.field("answer_start").type
    text_vals = pa.LargeStringArray.from_buffers(len(t_off) - 1, pa.py_buffer(t_off),
                                                 pa.py_buffer(t_data))
    text_vals = text_vals.cast(text_t.value_type)
    start_vals = pa.array(chars).cast(start_t.value_type)
    off = ans.list_offsets
    mask = original.is_null() if original.null_count else None

    def lists(list_t: pa.DataType, values: pa.Array) -> pa.Array:
        large = pa.types.is_large_list(list_t)
        cls = pa.LargeListArray if large else pa.ListArray
        return cls.from_arrays(pa.array(off, pa.int64() if large else pa.int32()), values,
                               type=list_t, mask=mask)

    arrays = [lists(text_t, text_vals) if f.name == "text"
              else lists(start_t, start_vals) if f.name == "answer_start"
              else original.field(f.name) for f in t]
    return pa.StructArray.from_arrays(arrays, fields=list(t), mask=mask)


# --------------------------------------------------------------------------- the step


@dataclass(frozen=True)
class QAOptions:
    """What :func:`switch_qa_batch` does besides switching (see ``SwitchJob``)."""

    answers: str = "off"
    context_column: str = "context"
    answers_column: str = "answers"
    id_column: str = "id"
    protect_spans: tuple[tuple[str, str], ...] = ()
    protect_regex: tuple[str, ...] = ()
    skip_bad: bool = False

    @property
    def active(self) -> bool:
        return self.answers != "off" or bool(self.protect_spans) or bool(self.protect_regex)


@dataclass
class QAResult:
    """A switched batch and the rows dropped from it (bad answers, ``skip_bad``)."""

    batch: pa.RecordBatch
    dropped: int = 0
    examples: list[str] | None = None


_TMP = "__csgen_protect__"


def switch_qa_batch(switcher: Any, batch: pa.RecordBatch, columns: Sequence[str],
                    options: QAOptions, *, id_column: str | None = None, row_base: int = 0,
                    stats: Any = None) -> QAResult:
    """``switcher.switch_batch`` plus answers and protected spans.

    Answers (``options.answers`` ``protect``/``switch``) are located in the input
    context (a mismatch is an :class:`InputError` naming the question, or a dropped
    row with ``skip_bad``), protected when asked, and remapped through the context's
    switch records; the answer text becomes the slice of the switched context.
    Protected spans (span columns, regex matches, answers) are merged per row and
    passed to the core's ``protect``; temporary columns never reach the output.
    """
    n = batch.num_rows
    names = batch.schema.names
    spans: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {c: [] for c in columns}
    for col, span_col in options.protect_spans:
        if span_col not in names:
            raise ColumnError(f"protect span column {span_col!r} not found; the input has: "
                              f"{', '.join(names)}")
        flat = _flat_spans(batch.column(span_col), span_col)
        _check_no_overlap(*flat, span_col, row_base)
        spans[col].append(flat)
    if options.protect_regex:
        for col in columns:
            spans[col].append(regex_spans(batch.column(col), options.protect_regex, col))
    ans = None
    bad = np.zeros(n, bool)
    examples: list[str] = []
    ctx_name = options.context_column
    if options.answers != "off":
        ctx = batch.column(ctx_name)
        ans = flat_answers(batch.column(options.answers_column), options.answers_column)
        c_off, c_data = string_parts(ctx)
        bs, be, ok = locate_answers(c_off, c_data, ans.rows, ans.char_start, ans.text_off,
                                    ans.text_data)
        if not ok.all():
            bad_idx = np.flatnonzero(~ok)
            bad[ans.rows[bad_idx]] = True
            messages = [_bad_answer(batch, options, ans, int(i), row_base) for i in bad_idx[:5]]
            if not options.skip_bad:
                raise InputError(messages[0])
            examples = messages
            bs = np.where(ok, bs, 0)
            be = np.where(ok, be, 0)
        if options.answers == "protect":
            spans[ctx_name].append((ans.rows[ok], bs[ok], be[ok]))
    work = batch
    protect: dict[str, str] = {}
    for col, parts in spans.items():
        if not parts:
            continue
        rows = np.concatenate([p[0] for p in parts])
        arr = spans_array(n, rows, np.concatenate([p[1] for p in parts]),
                          np.concatenate([p[2] for p in parts]))
        tmp = f"{_TMP}{col}"
        work = work.append_column(tmp, arr)
        protect[col] = tmp
    out = switcher.switch_batch(work, columns, id_column=id_column, row_base=row_base,
                                stats=stats, protect=protect or None)
    if protect:
        out = out.drop_columns(list(protect.values()))
    if ans is not None:
        new_ctx = out.column(ctx_name)
        recs = out.column(ctx_name + "_switches")
        r_off = np.asarray(recs.offsets, _I64)
        vals = recs.values
        fields = [_i64(vals.field(f).to_numpy(zero_copy_only=False))
                  for f in ("src_start", "src_end", "dst_start", "dst_end")]
        ns, ne = remap_extend(ans.rows, bs, be, r_off, *fields)
        new_answers = rebuild_answers(batch.column(options.answers_column), ans, new_ctx, ns, ne)
        out = out.set_column(out.schema.get_field_index(options.answers_column),
                             out.schema.field(options.answers_column), new_answers)
    dropped = int(bad.sum())
    if dropped:
        out = out.filter(pa.array(~bad))
    return QAResult(out, dropped, examples)


def _check_no_overlap(rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, span_col: str,
                      row_base: int) -> None:
    """Spans of a user's span column must not overlap within a row: overlapping entity or
    slot spans point at a labelling error, which protecting their union would hide.
    (Answers may overlap each other; they and regex matches are merged instead.)"""
    if len(rows) < 2:
        return
    order = np.lexsort((starts, rows))
    r, s, e = rows[order], starts[order], ends[order]
    # sorted by start within a row, any overlap shows between neighbours
    clash = (r[1:] == r[:-1]) & (s[1:] < e[:-1])
    if clash.any():
        k = int(np.flatnonzero(clash)[0])
        raise InputError(f"protect span column {span_col!r}, row {row_base + int(r[k])}: spans "
                         f"[{s[k]}, {e[k]}) and [{s[k + 1]}, {e[k + 1]}) overlap")


def _bad_answer(batch: pa.RecordBatch, options: QAOptions, ans: Answers, i: int,
                row_base: int) -> str:
    row = int(ans.rows[i])
    if options.id_column in batch.schema.names:
        who = f"question {batch.column(options.id_column)[row].as_py()!r}"
    else:
        who = f"row {row_base + row}"
    text = bytes(ans.text_data[ans.text_off[i]:ans.text_off[i + 1]]).decode("utf-8")
    return (f"{who}: answer {text!r} is not at character {int(ans.char_start[i])} of its "
            f"{options.context_column}")


def normalise_protect_spans(spec: Any, columns: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``"ents"`` (for the first switched column), ``"context=ents"``, a sequence of
    those, or a ``{column: span_column}`` mapping -> sorted ``((column, span_column), ...)``."""
    if spec is None:
        return ()
    items: list[Any]
    if isinstance(spec, Mapping):
        items = list(spec.items())
    elif isinstance(spec, str):
        items = [spec]
    else:
        items = list(spec)
    pairs: dict[str, str] = {}
    for item in items:
        if isinstance(item, str):
            col, sep, span = item.partition("=")
            col, span = (col.strip(), span.strip()) if sep else (columns[0], col.strip())
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            col, span = str(item[0]), str(item[1])
        else:
            raise ConfigError(f"protect spans must be 'SPANCOL' or 'COLUMN=SPANCOL', got {item!r}")
        if not col or not span:
            raise ConfigError(f"protect spans must be 'SPANCOL' or 'COLUMN=SPANCOL', got {item!r}")
        if col not in columns:
            raise ConfigError(f"protect spans name {col!r}, which is not a column being switched")
        if span in columns:
            raise ConfigError(f"protect span column {span!r} cannot itself be switched")
        if col in pairs and pairs[col] != span:
            raise ConfigError(f"column {col!r} has two protect span columns: {pairs[col]!r} "
                              f"and {span!r}")
        pairs[col] = span
    return tuple(sorted(pairs.items()))

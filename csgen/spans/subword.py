"""Subword (sentencepiece) views of switched text: which pieces were switched, and to what.

- :func:`train_tokenizer`: train a sentencepiece model on local text, deterministically.
  It is what ``csgen tokenizer train`` calls (the text columns of a dataset plus the
  target sides of the lexicons).
- :func:`subword_view`: encode a switched column and mark each piece as switched (its
  byte range shares a byte with an output range ``[dst_start, dst_end)`` of the row's
  ``<col>_switches`` records) with the record's language.
- :func:`piece_mask` / :func:`piece_mask_reference`: the Numba kernel behind it (flat
  arrays, Arrow list layout as in :mod:`csgen.spans`) and its plain-Python twin;
  :func:`byte_piece_offsets` / :func:`byte_piece_offsets_reference`: give byte-fallback
  pieces their own byte (sentencepiece reports every byte piece of a character but the
  last one as empty).

This module imports numba (and sentencepiece when a function needs it); ``import csgen``
imports neither.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ColumnError, ColumnTypeError, ConfigError, MissingFileError
from .kernels import first_record_ending_after

__all__ = [
    "byte_piece_offsets",
    "byte_piece_offsets_reference",
    "encode_offsets",
    "piece_mask",
    "piece_mask_reference",
    "subword_view",
    "train_tokenizer",
]

_I64 = np.int64


def _i64(a: Any) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=_I64)


# --------------------------------------------------------------------------- training


def _text_lines(texts: Any) -> Iterable[str]:
    """Non-empty lines of strings / string arrays (nulls skipped)."""
    if isinstance(texts, pa.ChunkedArray):
        chunks: Iterable[Any] = texts.chunks
    elif isinstance(texts, pa.Array):
        chunks = [texts]
    else:
        chunks = [texts]
    for chunk in chunks:
        for text in chunk:
            if isinstance(text, pa.Scalar):
                text = text.as_py()
            if text is None:
                continue
            if not isinstance(text, str):
                raise ColumnTypeError(f"texts must be strings, got {type(text).__name__}")
            for line in text.splitlines():
                if line:
                    yield line


def train_tokenizer(
    texts: Iterable[str] | pa.Array | pa.ChunkedArray | Sequence[os.PathLike[str]],
    model_prefix: str | os.PathLike[str],
    *,
    vocab_size: int = 8000,
    byte_fallback: bool = True,
    character_coverage: float = 0.9995,
    model_type: str = "unigram",
    input_sentence_size: int = 0,
    max_sentence_length: int = 16384,
    seed_sentencepiece_size: int = 1_000_000,
    num_threads: int = 1,
    **options: Any,
) -> Path:
    """Train a sentencepiece model on local text; return the path of ``<prefix>.model``.

    This is what ``csgen tokenizer train`` calls, on the text columns of a dataset and
    the target sides of the lexicons, so that switched words get pieces of their own.

    Args:
        texts: strings (an iterable, or a string ``pa.Array``/``ChunkedArray``; null rows
            are skipped; each row is split into lines), or a sequence of ``os.PathLike``
            local text files (one sentence a line). Nothing is downloaded.
        model_prefix: writes ``<prefix>.model`` and ``<prefix>.vocab``.
        vocab_size, byte_fallback, character_coverage, model_type: as sentencepiece.
        input_sentence_size: use only the first N sentences (0: all). Sentences are never
            shuffled, so the model is a function of the input and the options.
        max_sentence_length: longer sentences (bytes) are skipped.
        num_threads: training threads (1 by default; the model was byte-identical with 4
            in our checks, but 1 is what we promise).
        options: further ``SentencePieceTrainer`` flags (e.g. ``user_defined_symbols``).

    The model normalises nothing (``normalization_rule_name="identity"``, extra
    whitespace kept), so with ``byte_fallback`` decoding the pieces gives back the text
    byte for byte and piece offsets are offsets into the text as given.
    """
    import sentencepiece as spm

    prefix = Path(model_prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    flags: dict[str, Any] = {
        "model_prefix": str(prefix),
        "vocab_size": vocab_size,
        "byte_fallback": byte_fallback,
        "character_coverage": character_coverage,
        "model_type": model_type,
        "input_sentence_size": input_sentence_size,
        "shuffle_input_sentence": False,
        "max_sentence_length": max_sentence_length,
        "seed_sentencepiece_size": seed_sentencepiece_size,
        "num_threads": num_threads,
        "normalization_rule_name": "identity",
        "remove_extra_whitespaces": False,
        "minloglevel": 2,
    }
    flags.update(options)
    items = texts if isinstance(texts, (pa.Array, pa.ChunkedArray)) else list(texts)
    if isinstance(items, list) and items and all(isinstance(t, os.PathLike) for t in items):
        for path in items:
            if not Path(path).is_file():
                raise MissingFileError(f"{path}: no such file")
        _train_spm(spm, [str(p) for p in items], flags)
    else:
        # A temporary file of lines rather than sentence_iterator: the same code path as
        # file input, and sentencepiece reads it with its own (C++) reader.
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus.txt"
            n = 0
            with corpus.open("w", encoding="utf-8", newline="\n") as f:
                for line in _text_lines(items):
                    f.write(line)
                    f.write("\n")
                    n += 1
            if n == 0:
                raise ConfigError("no text to train a tokenizer on")
            _train_spm(spm, str(corpus), flags)
    return prefix.with_name(prefix.name + ".model")


def _train_spm(spm: Any, source: str | list[str], flags: dict[str, Any]) -> None:
    """``SentencePieceTrainer.train``; its errors about the options (e.g. a vocabulary
    larger than the text allows: "Vocabulary size too high (1500). Please set it to a value
    <= 961.") come back as ``ConfigError``."""
    try:
        spm.SentencePieceTrainer.train(input=source, **flags)
    except (RuntimeError, ValueError) as e:
        message = str(e).split("] ", 1)[-1]  # drop sentencepiece's source location
        raise ConfigError(f"sentencepiece cannot train this tokenizer: {message}") from None


# --------------------------------------------------------------------------- kernels


@numba.njit(cache=True, nogil=True)
def _byte_offsets_kernel(piece_offsets, ids, begins, ends, is_byte):  # pragma: no cover
    out_b = begins.copy()
    out_e = ends.copy()
    n_rows = piece_offsets.shape[0] - 1
    for row in range(n_rows):
        lo, hi = piece_offsets[row], piece_offsets[row + 1]
        run = 0  # empty byte pieces just before i, all at begins[i]
        for i in range(lo, hi):
            b, e = begins[i], ends[i]
            if not is_byte[ids[i]]:
                run = 0
                continue
            if e == b:
                if run > 0 and begins[i - 1] != b:
                    run = 0
                run += 1
                continue
            if run > 0 and begins[i - 1] == b and e - b == run + 1:
                for j in range(run + 1):
                    out_b[i - run + j] = b + j
                    out_e[i - run + j] = b + j + 1
            run = 0
    return out_b, out_e


def byte_piece_offsets(
    piece_offsets: np.ndarray,
    ids: np.ndarray,
    begins: np.ndarray,
    ends: np.ndarray,
    is_byte: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Give each byte-fallback piece its own byte.

    sentencepiece reports a character spelled as ``n`` byte pieces as ``n - 1`` empty
    pieces at the character's start and a last piece spanning the whole character. Where
    exactly that pattern occurs (``n - 1`` empty byte pieces at ``b``, then a byte piece
    ``[b, b + n)``), piece ``j`` becomes ``[b + j, b + j + 1)``; every other piece keeps
    its offsets.

    Args (converted to ``int64``): ``piece_offsets[n_rows + 1]``; ``ids``, ``begins``,
    ``ends``: ``[n_pieces]``; ``is_byte``: ``bool[vocab_size]``.

    Returns:
        ``(begins int64[n_pieces], ends int64[n_pieces])``.
    """
    return _byte_offsets_kernel(_i64(piece_offsets), _i64(ids), _i64(begins), _i64(ends),
                                np.ascontiguousarray(is_byte, dtype=np.bool_))


def byte_piece_offsets_reference(piece_offsets, ids, begins, ends, is_byte):
    """Plain-Python twin of :func:`byte_piece_offsets`."""
    out_b, out_e = _i64(begins).copy(), _i64(ends).copy()
    for row in range(len(piece_offsets) - 1):
        lo, hi = int(piece_offsets[row]), int(piece_offsets[row + 1])
        i = lo
        while i < hi:
            # maximal run of empty byte pieces at one position, then the closing piece
            j = i
            while (j < hi and is_byte[ids[j]] and begins[j] == ends[j]
                   and begins[j] == begins[i]):
                j += 1
            run = j - i
            if (run and j < hi and is_byte[ids[j]] and begins[j] == begins[i]
                    and ends[j] - begins[j] == run + 1):
                for k in range(run + 1):
                    out_b[i + k] = begins[i] + k
                    out_e[i + k] = begins[i] + k + 1
                i = j + 1
            else:
                i = max(j, i + 1)
    return out_b, out_e


@numba.njit(cache=True, nogil=True)
def _mask_kernel(piece_offsets, begins, ends, rec_offsets,
                 dst_start, dst_end, rec_lang):  # pragma: no cover - compiled
    n = begins.shape[0]
    switched = np.zeros(n, dtype=np.bool_)
    lang = np.zeros(n, dtype=np.int8)
    n_rows = piece_offsets.shape[0] - 1
    for row in range(n_rows):
        rlo, rhi = rec_offsets[row], rec_offsets[row + 1]
        if rhi <= rlo:
            continue
        for i in range(piece_offsets[row], piece_offsets[row + 1]):
            b, e = begins[i], ends[i]
            if e <= b:
                continue
            # records are sorted and disjoint: dst_end increases. k = first with end > b.
            k = first_record_ending_after(b, dst_end, rlo, rhi)
            # skip empty records (an empty output range overlaps nothing)
            while k < rhi and dst_start[k] >= dst_end[k] and dst_start[k] < e:
                k += 1
            if k < rhi and dst_start[k] < e:
                switched[i] = True
                lang[i] = rec_lang[k]
    return switched, lang


def piece_mask(
    piece_offsets: np.ndarray,
    begins: np.ndarray,
    ends: np.ndarray,
    rec_offsets: np.ndarray,
    dst_start: np.ndarray,
    dst_end: np.ndarray,
    rec_lang: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Mark the pieces that share a byte with a switched output range of their row.

    Args (offsets and ranges converted to ``int64``):
        piece_offsets: ``int64[n_rows + 1]``; begins, ends: ``[n_pieces]`` half-open byte
            ranges of the pieces in the output row.
        rec_offsets: ``int64[n_rows + 1]``; dst_start, dst_end: ``[n_recs]``, the output
            ranges of the row's switch records (sorted, disjoint, as ``<col>_switches``).
        rec_lang: ``int8[n_recs]``, the label of each record.

    Returns:
        ``(switched bool[n_pieces], lang int8[n_pieces])``: ``switched[i]`` when
        ``max(b, ds) < min(e, de)`` for some record of the row (empty pieces never are);
        ``lang[i]`` is the label of the first such record, else 0.
    """
    piece_offsets, rec_offsets = _i64(piece_offsets), _i64(rec_offsets)
    if piece_offsets.shape != rec_offsets.shape or piece_offsets.ndim != 1:
        raise ConfigError(
            f"piece_offsets and rec_offsets must both be int64[n_rows + 1], got shapes "
            f"{piece_offsets.shape} and {rec_offsets.shape}"
        )
    return _mask_kernel(piece_offsets, _i64(begins), _i64(ends), rec_offsets,
                        _i64(dst_start), _i64(dst_end),
                        np.ascontiguousarray(rec_lang, dtype=np.int8))


def piece_mask_reference(piece_offsets, begins, ends, rec_offsets,
                         dst_start, dst_end, rec_lang):
    """Plain-Python twin of :func:`piece_mask`."""
    switched = np.zeros(len(begins), np.bool_)
    lang = np.zeros(len(begins), np.int8)
    for row in range(len(piece_offsets) - 1):
        recs = range(rec_offsets[row], rec_offsets[row + 1])
        for i in range(piece_offsets[row], piece_offsets[row + 1]):
            for k in recs:
                if max(begins[i], dst_start[k]) < min(ends[i], dst_end[k]):
                    switched[i], lang[i] = True, rec_lang[k]
                    break
    return switched, lang


# --------------------------------------------------------------------------- arrow


def load_processor(model: Any) -> Any:
    """A ``SentencePieceProcessor`` from a ``.model`` path (or the processor itself)."""
    import sentencepiece as spm

    if isinstance(model, spm.SentencePieceProcessor):
        return model
    path = Path(model)
    if not path.is_file():
        raise MissingFileError(f"{path}: no such sentencepiece model")
    return spm.SentencePieceProcessor(model_file=str(path))


_ENCODE_BLOCK_ROWS = 2048


def encode_offsets(
    text: pa.Array | pa.ChunkedArray, model: Any, *, num_threads: int = -1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Encode a string array; return flat ``(piece_offsets, ids, begins, ends)`` (int64).

    Null rows have no pieces. Offsets are UTF-8 byte offsets into each row, byte-fallback
    pieces fixed by :func:`byte_piece_offsets`. Uses sentencepiece's batch
    ``offset_mapping`` encoding (``num_threads``; -1: all cores); it returns Python lists
    per row (there is no flat-buffer offset API in sentencepiece 0.2), which are flattened
    here block by block (2048 rows), the one per-row Python step.
    ``benchmarks/bench_spans.py`` measures both parts.
    """
    sp = load_processor(model)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    # Block by block: sentencepiece's per-piece Python objects for a whole column took
    # about 200 bytes a piece (10 GB for 50k XQuAD contexts); a block's are freed at once.
    n = len(text)
    lens = np.zeros(n, dtype=_I64)
    id_parts, offset_parts = [], []
    for start in range(0, n, _ENCODE_BLOCK_ROWS):
        rows = text.slice(start, _ENCODE_BLOCK_ROWS).fill_null("").to_pylist()
        enc = sp.encode(rows, out_type="offset_mapping", return_bytes=True,
                        num_threads=num_threads)
        block = np.fromiter((len(r["ids"]) for r in enc), dtype=_I64, count=len(enc))
        lens[start:start + len(rows)] = block
        count = int(block.sum())
        id_parts.append(np.fromiter(chain.from_iterable(r["ids"] for r in enc), dtype=_I64,
                                    count=count))
        offset_parts.append(np.fromiter(
            chain.from_iterable(chain.from_iterable(r["offsets"] for r in enc)), dtype=_I64,
            count=2 * count))
        del enc, rows
    piece_offsets = np.zeros(n + 1, dtype=_I64)
    np.cumsum(lens, out=piece_offsets[1:])
    ids = np.concatenate(id_parts) if id_parts else np.zeros(0, dtype=_I64)
    flat = np.concatenate(offset_parts) if offset_parts else np.zeros(0, dtype=_I64)
    begins, ends = flat[0::2], flat[1::2]
    is_byte = np.fromiter((sp.IsByte(i) for i in range(sp.GetPieceSize())), dtype=np.bool_)
    begins, ends = byte_piece_offsets(piece_offsets, ids, begins, ends, is_byte)
    return piece_offsets, ids, begins, ends


def record_langs(switches: pa.Array, langs: Sequence[str]) -> np.ndarray:
    """``int8[n_recs]`` (flat, absolute like the list offsets): 1 + index in ``langs``."""
    values = switches.values
    lang = values.field("lang")
    if len(langs) > 126:
        raise ConfigError(f"at most 126 languages fit lang_id int8, got {len(langs)}")
    value_set = pa.array(list(langs), pa.string())
    if pa.types.is_dictionary(lang.type):
        dict_pos = pc.index_in(lang.dictionary.cast(pa.string()), value_set=value_set)
        codes = pc.take(dict_pos, lang.indices)
    else:
        codes = pc.index_in(lang.cast(pa.string()), value_set=value_set)
    unknown = pc.and_(pc.is_null(codes), pc.is_valid(lang))
    if pc.any(unknown).as_py():
        first = int(np.flatnonzero(unknown.to_numpy(zero_copy_only=False))[0])
        bad = lang[first].as_py()
        raise ConfigError(f"switch record language {bad!r} is not in langs {list(langs)}")
    return (codes.fill_null(-1).to_numpy(zero_copy_only=False) + 1).astype(np.int8)


def _list_offsets(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.offsets, dtype=_I64)


def subword_view(
    text: pa.Array | pa.ChunkedArray,
    switches: pa.Array | pa.ChunkedArray,
    model: str | os.PathLike[str] | Any,
    *,
    langs: Sequence[str],
    num_threads: int = -1,
) -> pa.Table:
    """Sentencepiece pieces of switched text with a switched mask and language ids.

    Args:
        text: the switched column (``string`` or ``large_string``).
        switches: its ``<col>_switches`` column (same rows).
        model: a ``.model`` path or a ``sentencepiece.SentencePieceProcessor``.
        langs: the languages, in label order: ``lang_id`` of a switched piece is
            ``1 + langs.index(record.lang)`` (a record language not in ``langs`` is a
            ``ValueError``); unswitched pieces (the source language) get 0.
        num_threads: sentencepiece encoding threads (-1: all cores).

    Returns:
        A table of ``input_ids: list<int32>``, ``switched: list<bool>``,
        ``lang_id: list<int8>``, one row per input row (a null text row gives null lists).
        A piece is switched when its byte range (byte-fallback pieces: their own byte)
        shares a byte with a record's output range ``[dst_start, dst_end)``.
    """
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    if isinstance(switches, pa.ChunkedArray):
        switches = switches.combine_chunks()
    if len(text) != len(switches):
        raise ConfigError(f"text has {len(text)} rows, switches {len(switches)}")
    if not (pa.types.is_string(text.type) or pa.types.is_large_string(text.type)):
        raise ColumnTypeError(f"text must be a string array, got {text.type}")
    piece_offsets, ids, begins, ends = encode_offsets(text, model, num_threads=num_threads)
    rec_offsets = _list_offsets(switches)
    values = switches.values
    dst_start = values.field("dst_start").to_numpy(zero_copy_only=False)
    dst_end = values.field("dst_end").to_numpy(zero_copy_only=False)
    rec_lang = record_langs(switches, langs)
    switched, lang = piece_mask(piece_offsets, begins, ends, rec_offsets,
                                dst_start, dst_end, rec_lang)
    offsets = pa.array(piece_offsets, pa.int64())
    if piece_offsets[-1] <= np.iinfo(np.int32).max:
        offsets = offsets.cast(pa.int32())
        list_cls = pa.ListArray
    else:
        list_cls = pa.LargeListArray
    mask = text.is_null() if text.null_count else None

    def col(values: np.ndarray, typ: pa.DataType) -> pa.Array:
        return list_cls.from_arrays(offsets, pa.array(values, typ), mask=mask)

    return pa.table({
        "input_ids": col(ids.astype(np.int32), pa.int32()),
        "switched": col(switched, pa.bool_()),
        "lang_id": col(lang, pa.int8()),
    })


def add_subword_columns(batch: pa.RecordBatch, columns: Sequence[str], model: Any, *,
                        langs: Sequence[str]) -> pa.RecordBatch:
    """``batch`` (a switched batch) with ``<col>_input_ids``, ``<col>_switched`` and
    ``<col>_lang_id`` (see :func:`subword_view`) after each ``<col>_switches`` column;
    the other columns are carried by reference."""
    names, arrays = list(batch.schema.names), list(batch.columns)
    for col in columns:
        view = subword_view(batch.column(col), batch.column(col + "_switches"), model,
                            langs=langs)
        at = names.index(col + "_switches") + 1
        for suffix in ("input_ids", "switched", "lang_id"):
            name = f"{col}_{suffix}"
            if name in names:
                raise ColumnError(f"the input already has a column {name!r}, which the "
                                  "subword view would write")
            names.insert(at, name)
            arrays.insert(at, view.column(suffix).combine_chunks())
            at += 1
    return pa.RecordBatch.from_arrays(arrays, names=names)


def train_from_dataset(input_spec: str | os.PathLike[str], columns: Sequence[str],
                       model_prefix: str | os.PathLike[str], *, lexicons: Sequence[str] = (),
                       input_format: str | None = None, max_rows: int | None = None,
                       **options: Any) -> Path:
    """``csgen tokenizer train``: :func:`train_tokenizer` on the text ``columns`` of a
    dataset (any input :func:`csgen.io.open_source` reads; at most ``max_rows`` rows)
    plus the target sides of ``lexicons`` (specs as ``csgen switch --lexicon`` takes),
    so one vocabulary serves the English text and its switched words. The columns are
    held in memory as Arrow arrays while training."""
    from ..io.readers import ReadOptions, open_source
    from ..lexicon.store import load_lexicon
    from ..switch import check_columns

    source = open_source(input_spec, ReadOptions(format=input_format))
    check_columns(source.schema, columns, None)
    chunks: list[pa.Array] = []
    rows = 0
    for batch in source.batches():
        if max_rows is not None and rows >= max_rows:
            break
        if max_rows is not None:
            batch = batch.slice(0, max_rows - rows)
        rows += batch.num_rows
        chunks += [batch.column(c).cast(pa.large_string()) for c in columns]
    for spec in lexicons:
        chunks.append(load_lexicon(spec).table.column("target").combine_chunks()
                      .cast(pa.large_string()))
    return train_tokenizer(pa.chunked_array(chunks, pa.large_string()), model_prefix,
                           **options)

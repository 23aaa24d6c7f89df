"""Alignment-based switching of whole corpora: parallel line files and gold alignments
read into ``source, target, alignment`` tables, switched batch by batch, written as one
Parquet file (``csgen switch-aligned``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .._lines import line_of, uneven, utf8_lines
from .._validate import DEFAULT_BATCH_ROWS
from ..errors import ColumnError, ConfigError, InputError, OutputExistsError
from .switch import _WS, switch_aligned

__all__ = ["read_aligned_gold", "read_parallel_files", "run_switch_aligned",
           "switch_aligned_table"]


def _read_lines(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None
    try:
        return utf8_lines(data)
    except UnicodeDecodeError as e:
        raise InputError(f"{path}:{line_of(data, e.start)}: invalid UTF-8") from None


def _check_counts(files: list[tuple[Path, int]]) -> None:
    found = uneven(files)
    if found is not None:
        path, n, longer, most = found
        raise InputError(f"{path}:{n + 1}: has {n} lines but {str(longer)!r} has {most}: "
                         "the files must be parallel")


def read_parallel_files(src_path: str | Path, tgt_path: str | Path,
                        align_path: str | Path) -> pa.Table:
    """Three parallel line files as a table ``source, target, alignment`` (strings).

    Alignment lines are kept as written (Pharaoh ``i-j``, 0-based); :func:`switch_aligned`
    checks them, naming row ``r`` (file line ``r + 1``).

    Raises:
        InputError: unreadable file, invalid UTF-8 (``file:line``), or line counts that
            differ (``corpus.de:501: has 500 lines but 'corpus.en' has 508 ...``).
    """
    paths = [Path(p) for p in (src_path, tgt_path, align_path)]
    cols = [_read_lines(p) for p in paths]
    _check_counts([(p, len(c)) for p, c in zip(paths, cols, strict=True)])
    return pa.table({name: pa.array(c, pa.string())
                     for name, c in zip(("source", "target", "alignment"), cols, strict=True)})


_GOLD_LINK = re.compile(r"^([0-9]{1,9})([-pP])([0-9]{1,9})$")


def read_aligned_gold(text_path: str | Path, gold_path: str | Path | None = None, *,
                      one_based: bool | None = None, sure_only: bool = False,
                      drop_out_of_range: bool = False) -> pa.Table:
    """A ``SOURCE ||| TARGET`` file with its gold links as ``source, target, alignment``.

    Args:
        text_path: lines ``SOURCE ||| TARGET``.
        gold_path: links per line, ``i-j`` sure, ``ipj`` possible (``i`` a source word);
            default: the sibling ``STEM.align``, ``STEM.gold.0idx`` or ``STEM.gold``.
        one_based: indices start at 1 (default: ``True`` for a ``.gold`` file, else
            ``False``).
        sure_only: keep only sure (``i-j``) links.
        drop_out_of_range: drop links past a sentence end (tokens split on ASCII white
            space, as :func:`switch_aligned` does) instead of raising; the number
            dropped is in the schema metadata ``csgen.dropped_links``.

    Returns:
        A table whose ``alignment`` holds 0-based Pharaoh strings (duplicates removed).

    Raises:
        InputError: ``file:line`` for a missing ``|||``, a malformed link, index 0 in a
            1-based file, a link out of range, or line counts that differ.
    """
    from ..lexicon.readers.aligned import sibling_alignment

    text_path = Path(text_path)
    if gold_path is None:
        found = sibling_alignment(text_path)
        if found is None:
            raise InputError(f"{text_path}: no alignment file beside it (STEM.align, "
                             "STEM.gold.0idx or STEM.gold); give gold_path")
        gold_path = found[0]
    gold_path = Path(gold_path)
    if one_based is None:
        one_based = gold_path.name.endswith(".gold")
    rows, golds = _read_lines(text_path), _read_lines(gold_path)
    _check_counts([(text_path, len(rows)), (gold_path, len(golds))])
    src, tgt, ali, dropped = [], [], [], 0
    base = 1 if one_based else 0
    for k, (row, gold) in enumerate(zip(rows, golds, strict=True)):
        parts = row.split("|||")
        if len(parts) != 2:
            raise InputError(f"{text_path}:{k + 1}: expected 'SOURCE ||| TARGET', got "
                             f"{len(parts)} field(s)")
        s, t = parts[0].strip(" \t"), parts[1].strip(" \t")
        ns, nt = len(_WS.findall(s.encode())), len(_WS.findall(t.encode()))
        seen: dict[str, None] = {}
        for tok in gold.split():
            m = _GOLD_LINK.match(tok)
            if m is None:
                raise InputError(f"{gold_path}:{k + 1}: {tok!r} is not an i-j or ipj link")
            if sure_only and m.group(2) != "-":
                continue
            i, j = int(m.group(1)) - base, int(m.group(3)) - base
            if i < 0 or j < 0:
                raise InputError(f"{gold_path}:{k + 1}: {tok!r} has index 0 in a 1-based file")
            if i >= ns or j >= nt:
                if drop_out_of_range:
                    dropped += 1
                    continue
                raise InputError(f"{gold_path}:{k + 1}: link {tok!r} is out of range for "
                                 f"{ns} source and {nt} target words")
            seen[f"{i}-{j}"] = None
        src.append(s)
        tgt.append(t)
        ali.append(" ".join(seen))
    table = pa.table({"source": pa.array(src, pa.string()), "target": pa.array(tgt, pa.string()),
                      "alignment": pa.array(ali, pa.string())})
    return table.replace_schema_metadata({"csgen.dropped_links": str(dropped)})


def switch_aligned_table(table: pa.Table, *, source: str = "source", target: str = "target",
                         alignment: str = "alignment", batch_rows: int = DEFAULT_BATCH_ROWS,
                         **options: Any) -> pa.Table:
    """:func:`switch_aligned` over a table, batch by batch: ``source`` is replaced by its
    switched text and followed by ``<source>_switches``; every other column is carried
    through by reference. ``options`` are those of :func:`switch_aligned` (``ratio``,
    ``seed``, ``max_phrase_len``, ``lang``); row keys are global row indices.

    Example:
        >>> t = pa.table({"source": ["the house"], "target": ["das Haus"],
        ...               "alignment": ["0-0 1-1"]})
        >>> switch_aligned_table(t, ratio=1.0, seed=0, lang="de")["source"].to_pylist()
        ['das Haus']
    """
    for name in (source, target, alignment):
        if name not in table.schema.names:
            raise ColumnError(f"column {name!r} not found; the input has: "
                              f"{', '.join(table.schema.names)}")
    if source + "_switches" in table.schema.names:
        raise ColumnError(f"the input already has a column {source + '_switches'!r}")
    parts = []
    for start in range(0, max(table.num_rows, 1), batch_rows):
        piece = table.slice(start, batch_rows)
        text, switches = switch_aligned(
            piece.column(source), piece.column(target), piece.column(alignment),
            row_base=start, column=source, **options)
        i = piece.schema.get_field_index(source)
        piece = piece.set_column(i, source, text).add_column(i + 1, source + "_switches",
                                                             switches)
        parts.append(piece)
    return pa.concat_tables(parts)


def run_switch_aligned(files: Sequence[str | Path], output: str | Path, *, ratio: float,
                       seed: int = 0, max_phrase_len: int = 1, lang: str = "xx",
                       sure_only: bool = False, overwrite: bool = False) -> dict[str, int]:
    """``csgen switch-aligned``: read parallel text with word alignments, switch, and
    write one Parquet file (zstd) atomically. ``files`` is ``SRC TGT ALIGN``, or one
    ``SOURCE ||| TARGET`` file whose links lie beside it, or one table file (Parquet,
    JSONL, ...) with ``source``, ``target`` and ``alignment`` columns. Returns counts:
    rows, words (source words), switches (phrases replaced)."""
    from ..io.readers import open_source
    from ..io.writers import ShardEncoder, write_atomic

    output = Path(output)
    if output.exists() and not overwrite:
        raise OutputExistsError(f"{output}: exists; pass --overwrite to replace it")
    if output.suffix != ".parquet":
        raise ConfigError(f"output {str(output)!r} must end in .parquet")
    paths = [Path(f) for f in files]
    if len(paths) == 3:
        table = read_parallel_files(*paths)
    elif len(paths) == 1 and paths[0].suffix in (".parquet", ".pq", ".arrow", ".feather",
                                                 ".jsonl", ".ndjson", ".csv", ".tsv"):
        source = open_source(paths[0])
        table = pa.Table.from_batches(list(source.batches()), schema=source.schema)
    elif len(paths) == 1:
        table = read_aligned_gold(paths[0], sure_only=sure_only)
    else:
        raise ConfigError("give SRC TGT ALIGN, one 'SOURCE ||| TARGET' file, or one table "
                          f"file; got {len(paths)} files")
    out = switch_aligned_table(table, ratio=ratio, seed=seed, max_phrase_len=max_phrase_len,
                               lang=lang)
    encoder = ShardEncoder(out.schema, "parquet", "zstd")
    encoder.write(out)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(output.parent, output.name, encoder.finish())
    records = pc.list_value_length(out.column("source_switches"))
    words = pc.list_value_length(pc.ascii_split_whitespace(table.column("source")))
    return {"rows": out.num_rows, "words": int(pc.sum(words).as_py() or 0),
            "switches": int(pc.sum(records).as_py() or 0)}

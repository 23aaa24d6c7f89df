"""Input readers of ``csgen switch``: bounded ``pyarrow.RecordBatch``es from files,
directories, globs and fsspec URLs.

:func:`open_source` expands a spec into files (:func:`csgen.io.files.find_files`), checks
that they share one format and one schema, and returns a :class:`Source` whose
:meth:`Source.batches` makes a fresh, deterministic pass over them (the same boundaries
and contents every time: the pipeline relies on it to resume byte-identically). No batch
has more than ``batch_rows`` rows, no batch spans two files, and no format is read whole
except SQuAD JSON, which JSON forces.

One module per format, each with its reader class (registered in :data:`READERS`) and
the checks of its own options:

- ``parquet`` (``.parquet``, ``.pq``): row group by row group; column types as stored.
- ``arrow`` (``.arrow``, ``.feather``, ``.ipc``): IPC file (Feather v2) or stream; local
  files are memory-mapped, so batches of an uncompressed file borrow the mapped pages.
- ``jsonl`` (``.jsonl``, ``.ndjson``, also ``.gz``): 8 MiB blocks cut at a newline, parsed
  by ``pyarrow.json`` with the schema inferred from the first 1 MiB of the first file
  (columns that are null or timestamp there become ``string``: JSON has neither).
- ``csv``, ``tsv`` (also ``.gz``): ``pyarrow.csv.open_csv``; **every column is read as
  ``string``**, so text stays as written (``007``, ``NA``, ``""``). TSV has no quoting (MS
  MARCO text holds quotes); CSV quotes with ``"`` and values may span lines.
- ``msmarco-triples``: TSV without header, ``query, positive, negative`` strings.
- ``msmarco-ids``: ``qid<TAB>pid_pos<TAB>pid_neg`` joined with ``collection`` and
  ``queries`` into ``qid: int64, query, pos_id: int64, positive, neg_id: int64, negative``.
- ``squad`` (``.json``, ``.json.gz``): SQuAD v1.1 JSON (SQuAD, XQuAD, MLQA), one row per
  question, in the schema of HF ``datasets``' squad (:data:`SQUAD_SCHEMA`).

The format comes from the extension unless ``ReadOptions.format`` is given. Bad input
raises :class:`~csgen.errors.InputError` naming the file (and ``file:LINE`` where there
is a line); ``on_bad_row="skip"`` drops malformed rows instead and counts them in
``Source.bad_rows``. Option mistakes raise :class:`~csgen.errors.ConfigError`.

The names of the former single module ``csgen.io.readers`` are re-exported here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import MappingProxyType

from ...errors import InputError
from ..files import (
    COMPRESSIBLE,
    EXTENSIONS,
    READ_FORMATS,
    SourceFile,
    detect_format,
    find_files,
)
from .arrow import ArrowReader
from .base import (
    MAX_BAD_EXAMPLES,
    ON_BAD_ROW,
    READER_VERSION,
    BadRows,
    Reader,
    ReadOptions,
    Source,
    reader_class,
)
from .csv import CSV_BLOCK_BYTES, CsvReader, TsvReader
from .jsonl import JSON_BLOCK_BYTES, JSON_SAMPLE_BYTES, JsonlReader
from .msmarco import (
    MSMARCO_IDS_COLUMNS,
    MSMARCO_TRIPLES_COLUMNS,
    MsmarcoIdsReader,
    MsmarcoTriplesReader,
)
from .parquet import ParquetReader
from .squad import SQUAD_SCHEMA, SquadReader

INPUT_FORMATS = READ_FORMATS  # the earlier name

READERS: Mapping[str, type[Reader]] = MappingProxyType(
    {fmt: reader_class(fmt) for fmt in READ_FORMATS})
"""The reader class of each format (each format module registers its own)."""

__all__ = [
    "CSV_BLOCK_BYTES", "INPUT_FORMATS", "JSON_BLOCK_BYTES", "JSON_SAMPLE_BYTES",
    "MAX_BAD_EXAMPLES", "MSMARCO_IDS_COLUMNS", "MSMARCO_TRIPLES_COLUMNS", "ON_BAD_ROW",
    "READERS", "READER_VERSION", "READ_FORMATS", "SQUAD_SCHEMA", "ArrowReader", "BadRows",
    "CsvReader", "JsonlReader", "MsmarcoIdsReader", "MsmarcoTriplesReader", "ParquetReader",
    "ReadOptions", "Reader", "Source", "SourceFile", "SquadReader", "TsvReader",
    "detect_format", "open_source",
]


def open_source(spec: str | os.PathLike[str], options: ReadOptions | None = None) -> Source:
    """Open a file, a directory (every file with a known extension below it, recursively,
    sorted by path; names starting with ``.`` or ``_`` are skipped), a glob (sorted) or an
    fsspec URL (``s3://``, ``memory://``, ``file://``; needs ``pip install fsspec``).

    Every file is probed here (Parquet/Arrow footers, CSV headers, the first MiB of a
    JSONL file), so a missing file, a mixed format or a mismatched schema fails before
    any batch is read.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.tsv").write_text('q\\tp\\nwho "is"\\tit\\n')
    >>> src = open_source(d / "*.tsv")
    >>> src.format, src.schema.names, next(src.batches()).column("q").to_pylist()
    ('tsv', ['q', 'p'], ['who "is"'])
    """
    options = options or ReadOptions()
    spec_str = os.fspath(spec)
    if not spec_str:
        raise InputError("empty input path")
    # the msmarco-ids side files may sit beside the triples: never read them as input
    exclude = [x for x in (options.collection, options.queries) if x is not None]
    found = find_files(spec_str, exclude=exclude)
    if not found.files:   # only a missing path, an empty directory or glob
        raise InputError({
            "missing": f"{spec_str}: no such file or directory",
            "glob": f"{spec_str}: no file matches",
            "directory": f"{spec_str}: the directory holds no input file (extensions "
                         f"{', '.join(sorted(EXTENSIONS))}, optionally .gz)",
        }[found.kind])
    files = list(found.files)
    fmt = options.format
    if fmt is None:
        seen: dict[str, str] = {}
        for f in files:
            seen.setdefault(detect_format(f.name), f.name)
        if len(seen) > 1:
            parts = ", ".join(f"{n} is {k}" for k, n in seen.items())
            raise InputError(f"{spec_str}: files of different formats ({parts}); "
                             "one source holds one format")
        fmt = next(iter(seen))
        READERS[fmt].check_options(options)   # a given format was checked by ReadOptions
    cls = READERS[fmt]
    for f in files:
        if f.gzip and fmt not in COMPRESSIBLE:
            raise InputError(f"{f.name}: a gzip-compressed {fmt} file cannot be read")
    return Source(spec_str, files, options, cls(options))

"""Input readers (``readers``), shard writers (``writers``) and the run manifest
(``manifest``). The readers' public names are re-exported here."""

from .readers import (
    INPUT_FORMATS,
    READ_FORMATS,
    SQUAD_SCHEMA,
    BadRows,
    InputFile,
    ReadOptions,
    Source,
    SourceFile,
    detect_format,
    open_input,
    open_source,
)

__all__ = [
    "INPUT_FORMATS",
    "READ_FORMATS",
    "SQUAD_SCHEMA",
    "BadRows",
    "InputFile",
    "ReadOptions",
    "Source",
    "SourceFile",
    "detect_format",
    "open_input",
    "open_source",
]

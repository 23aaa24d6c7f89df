"""Input and output: finding input files (``files``), reading them (``readers``, one
module per format), shard writers (``writers``) and the run manifest (``manifest``).
The readers' public names are re-exported here."""

from .files import SourceFile, detect_format, find_files
from .readers import (
    INPUT_FORMATS,
    READ_FORMATS,
    SQUAD_SCHEMA,
    BadRows,
    ReadOptions,
    Source,
    open_source,
)

__all__ = [
    "INPUT_FORMATS",
    "READ_FORMATS",
    "SQUAD_SCHEMA",
    "BadRows",
    "ReadOptions",
    "Source",
    "SourceFile",
    "detect_format",
    "find_files",
    "open_source",
]

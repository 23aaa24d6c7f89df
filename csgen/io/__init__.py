"""Input readers, shard writers and the run manifest."""

from .readers import INPUT_FORMATS, InputFile, detect_format, open_input
from .writers import ParquetShardWriter, prepare_output_dir

__all__ = [
    "INPUT_FORMATS",
    "InputFile",
    "ParquetShardWriter",
    "detect_format",
    "open_input",
    "prepare_output_dir",
]

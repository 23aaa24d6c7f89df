"""Alignment-based switching (word-aligned parallel text, no lexicon): Numba kernels.

- :mod:`~csgen.aligned.phrases`: Pharaoh alignments, consistent phrase extraction;
- :mod:`~csgen.aligned.switch`: :func:`switch_aligned` over Arrow arrays;
- :mod:`~csgen.aligned.corpus`: parallel files and gold sets in, a Parquet file out.

This package imports numba; ``import csgen`` does not import it.

Example:
    >>> import pyarrow as pa
    >>> text, switches = switch_aligned(pa.array(["the house"]), pa.array(["das Haus"]),
    ...                                 pa.array(["0-0 1-1"]), ratio=1.0, seed=0, lang="de")
    >>> text.to_pylist(), switches[0][0]["lang"].as_py()
    (['das Haus'], 'de')
"""

from .corpus import read_aligned_gold, read_parallel_files, run_switch_aligned, switch_aligned_table
from .phrases import extract_phrases, extract_phrases_reference, parse_pharaoh
from .switch import _WS as _WS  # csgen.aligned_switch._WS of csgen 0.1, kept reachable
from .switch import column_hash, switch_aligned, switch_aligned_reference

__all__ = [
    "column_hash",
    "extract_phrases",
    "extract_phrases_reference",
    "parse_pharaoh",
    "read_aligned_gold",
    "read_parallel_files",
    "run_switch_aligned",
    "switch_aligned",
    "switch_aligned_reference",
    "switch_aligned_table",
]

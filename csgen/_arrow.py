"""The one module that touches raw Arrow buffers.

Borrowed: input string arrays are passed to the core as their validity,
offsets and data buffers (no copy). Owned: the core's result buffers become
numpy arrays owned by capsules and are wrapped with ``pa.py_buffer`` and
``from_buffers`` (no copy). Only the cases the core cannot read directly
(string_view, dictionary-encoded or all-null columns) are cast first, which
copies that column once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from .errors import ColumnTypeError


def switches_type() -> pa.DataType:
    """Type of each ``<column>_switches`` value: one struct per switch.

    ``list<struct<src_start, src_end, dst_start, dst_end: int32, lang: dictionary>>``;
    UTF-8 byte offsets, half-open, ``src_*`` into the input row, ``dst_*`` into the output.
    """
    return pa.list_(
        pa.struct(
            [
                ("src_start", pa.int32()),
                ("src_end", pa.int32()),
                ("dst_start", pa.int32()),
                ("dst_end", pa.int32()),
                ("lang", pa.dictionary(pa.int16(), pa.string())),
            ]
        )
    )


ColumnBuffers = tuple[Any, Any, Any, int, int, bool]


def as_string_array(arr: pa.Array, column: str) -> pa.Array:
    """Return ``arr`` as a ``string`` or ``large_string`` array.

    Those pass through untouched; string_view, dictionary<string> and
    all-null (``null`` type, as JSON readers infer) are cast (a copy).
    """
    t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return arr
    if pa.types.is_null(t):
        return arr.cast(pa.string())
    if pa.types.is_string_view(t):
        return arr.cast(pa.large_string())
    if pa.types.is_dictionary(t) and (
        pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)
    ):
        return arr.cast(t.value_type)
    raise ColumnTypeError(f"column {column!r} has type {t}, not a string type; cannot switch it")


def column_buffers(arr: pa.Array) -> ColumnBuffers:
    """Borrow ``(validity, offsets, data, offset, length, large)`` of a string array."""
    validity, offsets, data = arr.buffers()
    if arr.null_count == 0:
        validity = None
    return (validity, offsets, data, arr.offset, len(arr), pa.types.is_large_string(arr.type))


def wrap_text(result: dict[str, Any], length: int) -> pa.Array:
    """Wrap the core's text output (owned numpy buffers) as an Arrow array, no copy."""
    typ = pa.large_string() if result["large_offsets"] else pa.string()
    validity = result["validity"]
    return pa.Array.from_buffers(
        typ,
        length,
        [
            None if validity is None else pa.py_buffer(validity),
            pa.py_buffer(result["offsets"]),
            pa.py_buffer(result["data"]),
        ],
        null_count=result["null_count"],
    )


def wrap_switches(result: dict[str, Any], length: int, langs: pa.Array) -> pa.Array:
    """Wrap the alignment record as ``switches_type()``; ``langs`` is the dictionary."""
    typ = switches_type()
    struct_type = typ.value_type
    n = len(result["src_start"])
    children = [
        pa.Array.from_buffers(pa.int32(), n, [None, pa.py_buffer(result[name])])
        for name in ("src_start", "src_end", "dst_start", "dst_end")
    ]
    lang_index = pa.Array.from_buffers(pa.int16(), n, [None, pa.py_buffer(result["lang"])])
    children.append(pa.DictionaryArray.from_arrays(lang_index, langs))
    values = pa.StructArray.from_arrays(children, fields=list(struct_type))
    validity = result["validity"]
    return pa.Array.from_buffers(
        typ,
        length,
        [
            None if validity is None else pa.py_buffer(validity),
            pa.py_buffer(result["switch_offsets"]),
        ],
        null_count=result["null_count"],
        children=[values],
    )


def row_keys(arr: pa.Array, column: str, hash_strings: Any) -> np.ndarray:
    """Row keys ``uint64[len(arr)]`` from an id column: integers as they are,
    strings hashed by the core (stable across platforms). Nulls are refused."""
    from .errors import ColumnError

    if arr.null_count:
        raise ColumnError(f"id column {column!r} has {arr.null_count} null values")
    t = arr.type
    if pa.types.is_integer(t):
        return arr.cast(pa.int64()).to_numpy(zero_copy_only=False).view(np.uint64)
    if pa.types.is_string_view(t) or pa.types.is_dictionary(t):
        arr = as_string_array(arr, column)
        t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        validity, offsets, data, offset, length, large = column_buffers(arr)
        return hash_strings(validity, offsets, data, offset, length, large, 0)
    raise ColumnTypeError(f"id column {column!r} has type {t}; use an integer or string column")

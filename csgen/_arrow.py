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


def string_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Borrow a string array for a Numba kernel: ``(offsets int32|int64[n + 1], data
    uint8[...], valid bool[n])``. Offsets and data are views (no copy; the array's slice
    offset is applied to the offsets view, which stay absolute into ``data``); ``valid``
    is computed (all True without nulls)."""
    n = len(arr)
    _, offsets, data = arr.buffers()
    dtype = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    if n == 0 or offsets is None:
        off = np.zeros(n + 1, dtype)
    else:
        off = np.frombuffer(offsets, dtype=dtype)[arr.offset:arr.offset + n + 1]
    raw = np.zeros(0, np.uint8) if data is None else np.frombuffer(data, dtype=np.uint8)
    valid = (np.ones(n, np.bool_) if arr.null_count == 0
             else arr.is_valid().to_numpy(zero_copy_only=False))
    return off, raw, valid


def string_parts(arr: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """``(offsets int64[n + 1], data uint8)`` of a string array: row ``i`` is
    ``data[offsets[i]:offsets[i + 1]]`` (a null row's range may be empty). ``data`` is
    borrowed; ``offsets`` are copied to int64 (n + 1 values). A ChunkedArray is combined
    and a non-string array cast to ``large_string`` first (copies)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.large_string())
    large = pa.types.is_large_string(arr.type)
    bufs = arr.buffers()
    n = len(arr)
    off = (np.frombuffer(bufs[1], dtype=np.int64 if large else np.int32,
                         count=n + 1 + arr.offset)[arr.offset:] if n
           else np.zeros(1, np.int64))
    data = (np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None and bufs[2].size
            else np.zeros(0, np.uint8))
    return off.astype(np.int64), data


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


ProtectBuffers = tuple[np.ndarray, np.ndarray, np.ndarray]


def protect_buffers(arr: pa.Array | pa.ChunkedArray, column: str, length: int) -> ProtectBuffers:
    """Borrow protected byte ranges from a ``list<struct<start, end>>`` array.

    Returns ``(offsets int64[length + 1], starts, ends)`` (``starts``/``ends``
    both int32 or both int64, views of the struct fields where possible) for
    the core. A null row protects nothing; null structs or fields are refused.
    ``column`` names the protect column in messages.
    """
    from .errors import ColumnError

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    value_type = t.value_type if (pa.types.is_list(t) or pa.types.is_large_list(t)) else None
    if (
        value_type is None
        or not pa.types.is_struct(value_type)
        or value_type.get_field_index("start") < 0
        or value_type.get_field_index("end") < 0
        or not all(
            pa.types.is_int32(f.type) or pa.types.is_int64(f.type)
            for f in (value_type.field("start"), value_type.field("end"))
        )
    ):
        raise ColumnTypeError(
            f"protect column {column!r} has type {t}; "
            "expected list<struct<start: int32|int64, end: int32|int64>>"
        )
    if len(arr) != length:
        raise ColumnError(
            f"protect column {column!r} has {len(arr)} rows, the switched column {length}"
        )
    offsets = np.asarray(arr.offsets.to_numpy(zero_copy_only=False), dtype=np.int64)
    values = arr.values
    starts_arr, ends_arr = values.field("start"), values.field("end")
    # A slice's ranges may start and end mid-values: keep only its own.
    lo, hi = int(offsets[0]), int(offsets[-1])
    values = values.slice(lo, hi - lo)
    starts_arr, ends_arr = starts_arr.slice(lo, hi - lo), ends_arr.slice(lo, hi - lo)
    offsets = offsets - lo
    if values.null_count or starts_arr.null_count or ends_arr.null_count:
        raise ColumnError(f"protect column {column!r} has null spans or null start/end values")
    if starts_arr.type != ends_arr.type:
        starts_arr, ends_arr = starts_arr.cast(pa.int64()), ends_arr.cast(pa.int64())
    starts = starts_arr.to_numpy(zero_copy_only=True)
    ends = ends_arr.to_numpy(zero_copy_only=True)
    if arr.null_count:  # a null row's segment may be non-empty: drop its spans
        lengths = np.diff(offsets)
        lengths[arr.is_null().to_numpy(zero_copy_only=False)] = 0
        if lengths.sum() != offsets[-1] - offsets[0]:
            keep = np.repeat(
                arr.is_valid().to_numpy(zero_copy_only=False), np.diff(offsets)
            )
            starts, ends = starts[keep], ends[keep]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return np.ascontiguousarray(offsets), starts, ends

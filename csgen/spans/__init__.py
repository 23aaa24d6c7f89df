"""Span work over the switch records (Numba kernels, each with a plain-Python twin):

- :mod:`~csgen.spans.kernels`: remap spans through ``<col>_switches``, protect masks;
- :mod:`~csgen.spans.qa`: SQuAD answers and protected spans through switching;
- :mod:`~csgen.spans.subword`: the sentencepiece subword view of switched text.

Together with :mod:`csgen.aligned`, the only packages that import numba; ``import csgen``
imports neither. ``from csgen.spans import remap_spans`` (the kernels) works as before;
the alignment functions that lived here are in :mod:`csgen.aligned.phrases`.
"""

from .kernels import (
    BAD_SPAN,
    CUTS_SWITCH,
    OK,
    first_record_ending_after,
    protect_mask,
    protect_mask_reference,
    remap_spans,
    remap_spans_arrow,
    remap_spans_reference,
)

_MOVED_TO_ALIGNED = ("extract_phrases", "extract_phrases_reference", "parse_pharaoh")


def __getattr__(name: str) -> object:
    # csgen 0.1 imported the alignment functions from here: keep that working, lazily
    # (numba compiles the alignment kernels only for those who use them).
    if name in _MOVED_TO_ALIGNED:
        from ..aligned import phrases

        return getattr(phrases, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BAD_SPAN",
    "CUTS_SWITCH",
    "OK",
    "first_record_ending_after",
    "protect_mask",
    "protect_mask_reference",
    "remap_spans",
    "remap_spans_arrow",
    "remap_spans_reference",
]

"""Hugging Face ``datasets``: switch a Dataset, DatasetDict or IterableDataset in one call.

:func:`switch` runs csgen's per-batch chain (:mod:`csgen.steps`) through
``map(batched=True)`` on the Arrow format: Arrow batches in and out, no per-row Python.
The result equals :meth:`csgen.Switcher.switch_table` row for row, for any ``num_proc``
and ``batch_size``, and carries ``<col>_switches`` after each switched column (its
``lang`` field is a plain string there: ``datasets`` features have no dictionary type).

Row keys: without ``id_column`` a row's randomness is keyed by its index in the dataset
(each split of a DatasetDict counts from 0, as ``csgen switch`` counts each input); an
IterableDataset counts rows in the order one process iterates it, so give ``id_column``
when it is read by several DataLoader workers or shuffled.

Caching: the transform's fingerprint is computed from content (the parent dataset's
fingerprint, csgen's version, the lexicons' entry fingerprints and every option that
shapes the output; not ``num_proc``, ``batch_size`` or threads), so a second identical
call loads HF's cache file instead of recomputing, in this process or another.

``datasets`` is optional: ``pip install datasets``.

Example:
    >>> import datasets, csgen.hf  # doctest: +SKIP
    >>> squad = datasets.load_dataset("json", data_files="xquad-en.jsonl")  # doctest: +SKIP
    >>> out = csgen.hf.switch(squad, ["en-de.txt"], ["question", "context"],
    ...                       ratio=0.5, seed=1, num_proc=2)  # doctest: +SKIP
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from ._validate import DEFAULT_BATCH_ROWS, positive_int
from ._version import __version__
from .config import SwitchConfig, available_cores
from .errors import ConfigError
from .lexicon.core import Lexicon
from .steps import ANSWER_POLICIES, Steps, StepSpec, resolve_answers

__all__ = ["switch"]



def _datasets() -> Any:
    try:
        import datasets
    except ImportError:
        raise ConfigError("csgen.hf needs Hugging Face datasets: pip install datasets") from None
    return datasets


def switch(dataset: Any, lexicons: str | Path | Lexicon | Sequence[str | Path | Lexicon],
           columns: str | Sequence[str], *, id_column: str | None = None,
           config: SwitchConfig | None = None, answers: str | None = None,
           protect_spans: Any = None, protect_regex: str | Sequence[str] = (),
           skip_bad: bool = False, batch_size: int = DEFAULT_BATCH_ROWS,
           num_proc: int | None = None, load_from_cache_file: bool | None = None,
           keep_in_memory: bool = False, desc: str | None = None, **options: Any) -> Any:
    """Switch ``columns`` of a ``datasets`` Dataset, DatasetDict, IterableDataset or
    IterableDatasetDict; returns the same kind.

    Args:
        lexicons: lexicon specs (``PATH``, ``LANG=PATH``, as ``csgen switch --lexicon``)
            or :class:`~csgen.Lexicon` objects; loaded once here and sent to the worker
            processes by content.
        columns: the string columns to switch; every other column is carried through.
        id_column: key each row's randomness on this column (strings or integers)
            instead of its index.
        config: a :class:`~csgen.SwitchConfig`, or give its fields as ``options``
            (``ratio=0.5, seed=1, ...``), not both.
        answers: SQuAD answers policy, as ``csgen switch --answers``: ``None`` protects
            the answers of a SQuAD-shaped dataset (``context`` and
            ``answers: {text, answer_start}``) when ``context`` is switched; ``protect``,
            ``switch`` or ``off``. ``protect_spans``, ``protect_regex``, ``skip_bad``:
            as ``--protect-spans``, ``--protect-regex`` and ``--on-bad-row skip``.
        batch_size, num_proc, load_from_cache_file, keep_in_memory, desc: passed to
            ``Dataset.map``
            (``num_proc`` is ignored by an IterableDataset, which has none). The C++
            threads of each process are the cores divided among ``num_proc``.

    A missing or non-string column is the :class:`~csgen.errors.ColumnError` or
    :class:`~csgen.errors.ColumnTypeError` of ``csgen switch``, naming the dataset's
    file where it has one.
    """
    datasets = _datasets()
    positive_int("batch_size", batch_size)
    positive_int("num_proc", num_proc, optional=True)
    if answers is not None and answers not in ANSWER_POLICIES:
        raise ConfigError(f"answers must be one of {', '.join(ANSWER_POLICIES)}, "
                          f"got {answers!r}")
    spec = StepSpec.from_options(lexicons, columns, id_column=id_column, config=config,
                                 protect_spans=protect_spans, protect_regex=protect_regex,
                                 skip_bad=skip_bad, **options)
    threads = max(1, (spec.config.threads or available_cores()) // (num_proc or 1))
    spec = replace(spec, config=replace(spec.config, threads=threads))
    _check_picklable(spec)
    map_options = {"batch_size": batch_size, "num_proc": num_proc,
                   "load_from_cache_file": load_from_cache_file,
                   "keep_in_memory": keep_in_memory or None, "desc": desc}
    if isinstance(dataset, (datasets.DatasetDict, datasets.IterableDatasetDict)):
        return type(dataset)({split: _switch_one(datasets, ds, spec, answers,
                                                 f"split {split!r}", map_options)
                              for split, ds in dataset.items()})
    if isinstance(dataset, (datasets.Dataset, datasets.IterableDataset)):
        return _switch_one(datasets, dataset, spec, answers, "the dataset", map_options)
    raise ConfigError("csgen.hf.switch takes a datasets Dataset, DatasetDict, IterableDataset "
                      f"or IterableDatasetDict, got {type(dataset).__name__}")


class _Transform:
    """The ``map`` function: builds the chain once per process (never pickled built)."""

    def __init__(self, spec: StepSpec) -> None:
        self.spec = spec
        self._steps: Steps | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"spec": self.spec, "_steps": None}

    def __call__(self, table: pa.Table, indices: list[int] | None = None) -> pa.Table:
        if self._steps is None:
            self._steps = self.spec.build()
        row_base = 0
        if indices is not None and len(indices):
            row_base = indices[0]
            # map hands contiguous batches (num_proc shards are contiguous too): the
            # first index is the whole key range.
            if indices[-1] - row_base + 1 != len(indices):
                raise ConfigError("csgen.hf: a batch of non-contiguous rows; give id_column")
        return pa.Table.from_batches([self._steps.process_table(table, row_base).batch])


def _switch_one(datasets: Any, ds: Any, spec: StepSpec, answers: str | None, what: str,
                map_options: dict[str, Any]) -> Any:
    iterable = isinstance(ds, datasets.IterableDataset)
    features = ds.features
    schema = None if features is None else features.arrow_schema
    if schema is not None:
        spec = replace(spec, answers=resolve_answers(answers, schema, spec.columns))
        out_schema = spec.build().check(schema, _where(ds, what))
    else:
        # Features unknown until read (a streamed JSON file): an explicit policy is
        # checked on the first batch; nothing is guessed.
        spec = replace(spec, answers=answers or "off")
    transform = _Transform(spec)
    with_indices = spec.id_column is None
    fmt = _format_of(ds, iterable)
    if iterable:
        out = ds.with_format("arrow").map(
            transform, batched=True, batch_size=map_options["batch_size"],
            with_indices=with_indices,
            features=None if schema is None else _features(datasets, out_schema))
        return out.with_format(fmt)
    fingerprint = datasets.fingerprint.Hasher.hash(
        {"parent": ds._fingerprint, "transform": _identity(spec)})
    out = ds.with_format("arrow").map(
        transform, batched=True, with_indices=with_indices, new_fingerprint=fingerprint,
        **{k: v for k, v in map_options.items() if v is not None})
    return out.with_format(fmt)


def _features(datasets: Any, schema: pa.Schema) -> Any:
    """Features of ``schema``, with dictionary-encoded fields as their values' type
    (what ``datasets`` makes of them anyway)."""
    def plain(t: pa.DataType) -> pa.DataType:
        if pa.types.is_dictionary(t):
            return t.value_type
        if pa.types.is_list(t):
            return pa.list_(t.value_field.with_type(plain(t.value_type)))
        if pa.types.is_large_list(t):
            return pa.large_list(t.value_field.with_type(plain(t.value_type)))
        if pa.types.is_struct(t):
            return pa.struct([f.with_type(plain(f.type)) for f in t])
        return t

    return datasets.Features.from_arrow_schema(
        pa.schema([f.with_type(plain(f.type)) for f in schema]))


def _format_of(ds: Any, iterable: bool) -> str | None:
    if iterable:
        formatting = getattr(ds, "_formatting", None)
        return None if formatting is None else formatting.format_type
    return ds.format["type"]


def _where(ds: Any, what: str) -> str:
    """The dataset's file (its first cache file) where it has one, else ``what``."""
    files = getattr(ds, "cache_files", None) or []
    return files[0]["filename"] if files else what


def _identity(spec: StepSpec) -> dict[str, Any]:
    """Everything that shapes the output (JSON-ready; not threads, batches or processes)."""
    return {"csgen": __version__, "step": "csgen.hf.switch",
            "lexicons": [_fingerprint(lex) for lex in spec.lexicons],
            "config": spec.config.to_dict(), "columns": list(spec.columns),
            "id_column": spec.id_column, "answers": spec.answers,
            "protect_spans": [list(x) for x in spec.protect_spans],
            "protect_regex": list(spec.protect_regex), "skip_bad": spec.skip_bad}


def _fingerprint(lex: str | Lexicon) -> list[Any]:
    assert isinstance(lex, Lexicon)  # _load made every spec a Lexicon
    return [lex.fingerprint(), list(lex.langs)]


def _check_picklable(spec: StepSpec) -> None:
    """``datasets`` pickles the transform to its worker processes: an object that cannot
    be pickled is named here, not met as a traceback from a worker."""
    try:
        pickle.dumps(_Transform(spec))
    except Exception as e:  # pickling raises many types (TypeError, PicklingError, ...)
        raise ConfigError(f"csgen.hf: the lexicons and options must be picklable for "
                          f"datasets.map, but pickling failed: {type(e).__name__}: {e}") from None

"""The per-batch chain: switch (with answers and protected spans), then the subword view.

One chain serves every place a batch is switched: the shard workers of ``csgen switch``
(local or Ray), :func:`csgen.hf.switch`, :mod:`csgen.polars` and the Ray Data
``map_batches`` of :func:`csgen.ray.switch`. :class:`StepSpec` says what the chain does
and is small and picklable (lexicons travel by content); :class:`Steps` is the chain
built from it in one process (the switcher compiled once, numba and sentencepiece
imported only when their steps are asked for).

Example:
    >>> import pyarrow as pa
    >>> from csgen import Lexicon, SwitchConfig
    >>> lex = Lexicon.from_pairs(["house"], ["Haus"], lang="de")
    >>> steps = StepSpec((lex,), SwitchConfig(ratio=1.0), ("q",)).build()
    >>> steps.process(pa.record_batch({"q": ["a house"]})).batch["q"][0].as_py()
    'a Haus'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import pyarrow as pa

from .config import (  # noqa: F401  (the answers policy's names, re-exported)
    ANSWER_POLICIES,
    QA_ANSWERS,
    QA_CONTEXT,
    QA_ID,
    SwitchConfig,
    resolve_answers,
)
from .errors import ColumnError, ColumnTypeError, ConfigError
from .lexicon.core import Lexicon
from .switch import Switcher, SwitchStats


@dataclass(frozen=True)
class StepSpec:
    """What the chain does to each batch (picklable; :meth:`build` makes the chain).

    Attributes:
        lexicons: lexicon specs (``PATH``/``LANG=PATH``, loaded where the chain is
            built) or :class:`~csgen.Lexicon` objects (pickled by their entries).
        config: how words are switched.
        columns: the string columns to switch.
        id_column: row keys from this column instead of the global row index.
        answers: a resolved answers policy (``protect``, ``switch`` or ``off``).
        protect_spans: ``((column, span_column), ...)`` byte-span columns never switched.
        protect_regex: RE2 patterns whose matches are never switched.
        skip_bad: drop rows whose answer is not where it says (else an InputError).
        tokenizer: a sentencepiece ``.model``: add the subword view after switching.
    """

    lexicons: tuple[str | Lexicon, ...]
    config: SwitchConfig
    columns: tuple[str, ...]
    id_column: str | None = None
    answers: str = "off"
    protect_spans: tuple[tuple[str, str], ...] = ()
    protect_regex: tuple[str, ...] = ()
    skip_bad: bool = False
    tokenizer: str | None = None

    @classmethod
    def from_options(cls, lexicons: Any, columns: str | Sequence[str], *,
                     id_column: str | None = None, config: SwitchConfig | None = None,
                     protect_spans: Any = None, protect_regex: str | Sequence[str] = (),
                     skip_bad: bool = False, **options: Any) -> StepSpec:
        """The spec behind the integrations' one-call functions (``csgen.hf.switch``,
        ``df.csgen.switch``): lexicon specs loaded here (so worker processes get their
        entries), ``config`` or its fields as ``options`` (not both), span options
        checked. The answers policy is left ``off``: it depends on each input's schema
        (:func:`resolve_answers`)."""
        if config is not None and options:
            raise ConfigError("give either a SwitchConfig or keyword options, not both")
        config = config if config is not None else SwitchConfig(**options)
        columns = (columns,) if isinstance(columns, str) else tuple(dict.fromkeys(columns))
        if not columns:
            raise ConfigError("no column to switch was given")
        regex = (protect_regex,) if isinstance(protect_regex, str) else tuple(protect_regex)
        spans: tuple[tuple[str, str], ...] = ()
        if protect_spans is not None or regex:
            from .spans.qa import check_regex, normalise_protect_spans

            spans = normalise_protect_spans(protect_spans, columns)
            for pattern in regex:
                check_regex(pattern)
        from .lexicon.store import load_lexicon

        if isinstance(lexicons, (str, PathLike, Lexicon)):
            lexicons = [lexicons]
        loaded = tuple(x if isinstance(x, Lexicon) else load_lexicon(x) for x in lexicons)
        if not loaded:
            raise ConfigError("at least one lexicon is needed")
        return cls(loaded, config, columns, id_column, protect_spans=spans,
                   protect_regex=tuple(dict.fromkeys(regex)), skip_bad=skip_bad)

    def qa_options(self) -> Any:
        """The :class:`csgen.spans.qa.QAOptions` of this chain, or ``None`` when nothing but
        switching is asked (then :mod:`csgen.qa` and numba are never imported)."""
        if self.answers == "off" and not self.protect_spans and not self.protect_regex:
            return None
        from .spans.qa import QAOptions

        return QAOptions(answers=self.answers, context_column=QA_CONTEXT,
                         answers_column=QA_ANSWERS, id_column=QA_ID,
                         protect_spans=self.protect_spans, protect_regex=self.protect_regex,
                         skip_bad=self.skip_bad)

    def switcher(self) -> Switcher:
        """A switcher over the lexicons (specs loaded, objects used as they are)."""
        from .lexicon.store import load_lexicon

        lexicons = [x if isinstance(x, Lexicon) else load_lexicon(x) for x in self.lexicons]
        return Switcher(lexicons, self.config)

    def build(self, switcher: Switcher | None = None) -> Steps:
        """The chain in this process (``switcher``: one already built for this spec)."""
        return Steps(self, switcher)


@dataclass
class StepOutput:
    """A processed batch, and the rows dropped from it (bad answers with ``skip_bad``)
    with the first messages about them."""

    batch: pa.RecordBatch
    dropped: int = 0
    examples: list[str] = field(default_factory=list)


class Steps:
    """The chain of a :class:`StepSpec`, built in one process."""

    def __init__(self, spec: StepSpec, switcher: Switcher | None = None) -> None:
        self.spec = spec
        self.switcher = switcher if switcher is not None else spec.switcher()
        self.qa = spec.qa_options()
        self.tokenizer: Any = None
        if spec.tokenizer is not None:
            import sentencepiece

            self.tokenizer = sentencepiece.SentencePieceProcessor(model_file=spec.tokenizer)

    def process(self, batch: pa.RecordBatch, row_base: int = 0,
                stats: SwitchStats | None = None) -> StepOutput:
        """One batch through the chain. ``row_base`` is the global index of its first
        row (the row keys without ``id_column``); ``stats`` collect switch counts.
        Columns not switched are carried by reference."""
        s = self.spec
        if self.qa is None:
            out = StepOutput(self.switcher.switch_batch(
                batch, s.columns, id_column=s.id_column, row_base=row_base, stats=stats))
        else:
            from .spans.qa import switch_qa_batch

            res = switch_qa_batch(self.switcher, batch, s.columns, self.qa,
                                  id_column=s.id_column, row_base=row_base, stats=stats)
            out = StepOutput(res.batch, res.dropped, res.examples or [])
        if self.tokenizer is not None:
            from .spans.subword import add_subword_columns

            out.batch = add_subword_columns(out.batch, s.columns, self.tokenizer,
                                            langs=self.switcher.langs)
        return out

    def process_table(self, table: pa.Table, row_base: int = 0,
                      stats: SwitchStats | None = None) -> StepOutput:
        """:meth:`process` on a table (its chunks combined into one batch first)."""
        batches = table.combine_chunks().to_batches()
        batch = (batches[0] if batches
                 else pa.RecordBatch.from_pylist([], schema=table.schema))
        return self.process(batch, row_base, stats)

    def output_schema(self, input_schema: pa.Schema) -> pa.Schema:
        """The schema the chain gives an input of ``input_schema`` (checking the columns,
        their types and every option against it on the way)."""
        return self.process(pa.RecordBatch.from_pylist([], schema=input_schema)).batch.schema

    def check(self, input_schema: pa.Schema, where: str) -> pa.Schema:
        """:meth:`output_schema`, with column errors naming ``where`` (a file, a dataset)."""
        for _, span_col in self.spec.protect_spans:
            if span_col not in input_schema.names:
                raise ColumnError(f"{where}: protect span column {span_col!r} not found; the "
                                  f"input has: {', '.join(input_schema.names)}")
        try:
            return self.output_schema(input_schema)
        except (ColumnError, ColumnTypeError) as e:
            raise type(e)(f"{where}: {e}") from None

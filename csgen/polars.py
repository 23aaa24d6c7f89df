"""polars: ``import csgen.polars`` registers a ``csgen`` namespace on DataFrame and LazyFrame.

``df.csgen.switch(lexicons, columns, ratio=0.5, seed=1)`` switches a DataFrame;
``lf.csgen.switch(...)`` adds the switching to a LazyFrame's plan, so it runs when the
query is collected, in the in-memory engine or the streaming one
(``lf.collect(engine="streaming")``), batch by batch. Both equal
:meth:`csgen.Switcher.switch_table` row for row; ``<col>_switches`` is
``list[struct[src_start, src_end, dst_start, dst_end, lang]]`` with ``lang`` a
``Categorical``. Text goes through Arrow without a per-row conversion.

Row keys: without ``id_column`` a row's randomness is keyed by its position in the frame
that reaches the switch (for a LazyFrame: after the plan's filters, joins, ...), the same
keys ``switch_table`` gives the collected frame. A LazyFrame numbers its rows with
``with_row_index`` before switching, so the streaming engine's batches get the right
keys. Give ``id_column`` (strings or integers) when the same rows must switch alike
whatever their position, for instance in frames built in different orders.

Example:
    >>> import polars as pl
    >>> import csgen, csgen.polars
    >>> lex = csgen.Lexicon.from_pairs(["house"], ["Haus"], lang="de")
    >>> pl.DataFrame({"q": ["a house"]}).csgen.switch(lex, ["q"], ratio=1.0)["q"].to_list()
    ['a Haus']
    >>> lf = pl.LazyFrame({"q": ["the house"]}).csgen.switch(lex, "q", ratio=1.0)
    >>> lf.collect(engine="streaming")["q"].to_list()
    ['the Haus']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import polars as pl

from .errors import ConfigError
from .steps import Steps, StepSpec, resolve_answers

__all__ = ["CsgenFrame", "CsgenLazyFrame"]

_ROW = "__csgen_row__"


def _steps(schema: pl.Schema, lexicons: Any, columns: str | Sequence[str],
           answers: str | None, options: dict[str, Any]) -> Steps:
    """The chain for frames of ``schema``, checked against it (typed column errors)."""
    spec = StepSpec.from_options(lexicons, columns, **options)
    arrow_schema = pl.DataFrame(schema=schema).to_arrow().schema
    steps = replace(spec, answers=resolve_answers(answers, arrow_schema, spec.columns)).build()
    steps.check(arrow_schema, "the frame")
    return steps


def _switch_frame(steps: Steps) -> Callable[[pl.DataFrame], pl.DataFrame]:
    def switch(df: pl.DataFrame) -> pl.DataFrame:
        out = pl.from_arrow(steps.process_table(df.to_arrow()).batch)
        assert isinstance(out, pl.DataFrame)
        return out

    return switch


@pl.api.register_dataframe_namespace("csgen")
class CsgenFrame:
    """``df.csgen``: csgen on a polars DataFrame."""

    def __init__(self, df: pl.DataFrame) -> None:
        self._df = df

    def switch(self, lexicons: Any, columns: str | Sequence[str], *,
               answers: str | None = None, **options: Any) -> pl.DataFrame:
        """The frame with ``columns`` switched, each followed by ``<col>_switches``.

        ``lexicons``: specs (``PATH``, ``LANG=PATH``) or :class:`~csgen.Lexicon` objects;
        ``options``: ``id_column``, ``config`` or :class:`~csgen.SwitchConfig` fields
        (``ratio``, ``seed``, ...), ``protect_spans``, ``protect_regex``, ``skip_bad``;
        ``answers``: the SQuAD answers policy of ``csgen switch --answers``.
        """
        steps = _steps(self._df.schema, lexicons, columns, answers, options)
        return _switch_frame(steps)(self._df)


@pl.api.register_lazyframe_namespace("csgen")
class CsgenLazyFrame:
    """``lf.csgen``: csgen in a polars LazyFrame's plan."""

    def __init__(self, lf: pl.LazyFrame) -> None:
        self._lf = lf

    def switch(self, lexicons: Any, columns: str | Sequence[str], *,
               answers: str | None = None, **options: Any) -> pl.LazyFrame:
        """The plan with ``columns`` switched (see :meth:`CsgenFrame.switch`); runs
        batch by batch in the streaming engine. Rows are keyed by their index in the
        frame unless ``id_column`` is given."""
        schema = self._lf.collect_schema()
        keyed = options.get("id_column") is None
        lf = self._lf
        if keyed:
            if _ROW in schema:
                raise ConfigError(f"the frame already has a column {_ROW!r}")
            lf = lf.with_row_index(_ROW)
            options = {**options, "id_column": _ROW}
            schema = lf.collect_schema()
        steps = _steps(schema, lexicons, columns, answers, options)
        switch = _switch_frame(steps)
        out_types = switch(pl.DataFrame(schema=schema)).schema
        lf = lf.map_batches(switch, schema=out_types, streamable=True)
        return lf.drop(_ROW) if keyed else lf

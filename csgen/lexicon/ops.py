"""Lexicon transforms and statistics, vectorised over the entry table."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .._validate import positive_int
from ..errors import ConfigError, EmptyLexiconError
from .core import Lexicon


def _normalised(strings: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Lower-cased, white space collapsed: how keys compare."""
    lowered = pc.utf8_lower(strings)
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(lowered, r"\s+", " "))


def phrase_words(strings: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Words (white-space separated) per phrase: int64[n]."""
    split = pc.utf8_split_whitespace(pc.utf8_trim_whitespace(strings))
    return pc.list_value_length(split).to_numpy(zero_copy_only=False).astype(np.int64)


def _rank_in_group(keys: pa.Array) -> np.ndarray:
    """Occurrence number of each row among the rows with the same key: int64[n]."""
    group = pc.index_in(keys, value_set=pc.unique(keys)).to_numpy(zero_copy_only=False)
    order = np.argsort(group, kind="stable")
    sorted_group = group[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_group)) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(group)]))
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(group)) - run_start
    return rank


@dataclass(frozen=True)
class LexiconFilter:
    """What ``csgen lexicon import`` keeps.

    ``min_words``/``max_words``: source phrase length in white-space separated
    words; ``drop_identity``: drop entries whose target equals the source
    (case-insensitively); ``max_sources``: keep the first N distinct source
    phrases per language (MUSE files list frequent words first, so this is a
    frequency cut-off); ``max_candidates``: keep the first K translations of
    each source per language.
    """

    min_words: int = 1
    max_words: int | None = None
    drop_identity: bool = False
    max_sources: int | None = None
    max_candidates: int | None = None

    def __post_init__(self) -> None:
        for name in ("min_words", "max_words", "max_sources", "max_candidates"):
            positive_int(name, getattr(self, name), optional=True)
        if self.max_words is not None and self.max_words < self.min_words:
            raise ConfigError("max_words is smaller than min_words")

    def is_noop(self) -> bool:
        return self == LexiconFilter()


def filter_lexicon(lexicon: Lexicon, rules: LexiconFilter) -> Lexicon:
    """A new lexicon with the entries ``rules`` keep (order kept)."""
    if rules.is_noop():
        return lexicon
    table = lexicon.table
    keep = np.ones(table.num_rows, dtype=bool)
    words = phrase_words(table["source"])
    keep &= words >= rules.min_words
    if rules.max_words is not None:
        keep &= words <= rules.max_words
    source = _normalised(table["source"])
    if rules.drop_identity:
        same = pc.equal(source, _normalised(table["target"]))
        keep &= ~same.to_numpy(zero_copy_only=False)
    # One key per (language, normalised source).
    grouped = pc.binary_join_element_wise(table["lang"], source, "\x1f").combine_chunks()
    if rules.max_sources is not None:
        kept = pa.table({"lang": table["lang"], "key": grouped}).filter(pa.array(keep))
        first = np.zeros(table.num_rows, dtype=bool)
        for lang in pc.unique(kept["lang"]).to_pylist():
            keys = pc.unique(kept.filter(pc.equal(kept["lang"], lang))["key"])
            first |= pc.is_in(grouped, value_set=keys[: rules.max_sources]).to_numpy(
                zero_copy_only=False
            )
        keep &= first
    if rules.max_candidates is not None:
        rank = np.full(table.num_rows, np.iinfo(np.int64).max)
        idx = np.flatnonzero(keep)
        rank[idx] = _rank_in_group(grouped.take(pa.array(idx)))
        keep &= rank < rules.max_candidates
    out = table.filter(pa.array(keep))
    if out.num_rows == 0:
        raise EmptyLexiconError("no entries left after filtering", lexicon.path or lexicon.name)
    prov = [*lexicon.provenance, {"filter": asdict(rules), "kept": out.num_rows,
                                  "dropped": table.num_rows - out.num_rows}]
    return Lexicon(out, lexicon.name, path=lexicon.path, source_lang=lexicon.source_lang,
                   provenance=prov)


def describe(lexicon: Lexicon) -> dict[str, Any]:
    """Entries per language, distinct sources, ambiguity, identity entries, the
    phrase-length histogram (source words: 1, 2, 3, 4, 5+) and the entries whose end
    punctuation was stripped or that were left out for it (``punct_stripped``,
    ``punct_dropped``; see ``csrc/core/lexicon.h``)."""
    table = lexicon.table
    source = _normalised(table["source"])
    identity = pc.equal(source, _normalised(table["target"])).to_numpy(zero_copy_only=False)
    words = np.minimum(phrase_words(table["source"]), 5)
    langs: dict[str, Any] = {}
    lang_col = table["lang"]
    for lang in lexicon.langs:
        mask = pc.equal(lang_col, lang).to_numpy(zero_copy_only=False)
        sub = pc.filter(source, pa.array(mask))
        counts = pc.value_counts(sub).field("counts").to_numpy(zero_copy_only=False)
        langs[lang] = {
            "entries": int(mask.sum()),
            "sources": len(counts),
            "candidates_mean": float(counts.mean()) if len(counts) else 0.0,
            "candidates_max": int(counts.max()) if len(counts) else 0,
            "ambiguous_sources": int((counts > 1).sum()),
            "identity_entries": int((identity & mask).sum()),
        }
    hist = np.bincount(words, minlength=6)[1:]
    return {
        "name": lexicon.name,
        "source_lang": lexicon.source_lang,
        "entries": len(lexicon),
        "languages": langs,
        "phrase_words": {("5+" if n == 5 else str(n)): int(c) for n, c in zip(range(1, 6), hist,
                                                                             strict=True)},
        "compiled_keys": int(lexicon.compiled().n_keys),
        "skipped_sources": int(lexicon.compiled().build_stats["skipped"]),
        # End punctuation (engine version 2): shared by both sides and stripped, or on
        # one side only and the entry left out.
        "punct_stripped": int(lexicon.compiled().punct_stripped),
        "punct_dropped": int(lexicon.compiled().punct_dropped),
        "provenance": list(lexicon.provenance),
    }

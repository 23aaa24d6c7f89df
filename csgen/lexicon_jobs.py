"""The jobs behind ``csgen lexicon ...``: each takes plain values and returns results;
the CLI only maps flags onto them and prints. They sit above the lexicon library
(:mod:`csgen.lexicon`), the readers of datasets and the switcher, which measures a
lexicon's coverage of a dataset."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .io.readers import ReadOptions, open_source
from .lexicon.core import Lexicon, lang_from_path
from .lexicon.ops import LexiconFilter, filter_lexicon
from .lexicon.readers import read_lexicon
from .lexicon.store import SUFFIX, load_lexicon, merge, save
from .switch import Switcher, SwitchStats, check_columns


def coverage(lexicon: Lexicon, batches: Any, columns: Sequence[str]) -> dict[str, dict[str, float]]:
    """Share of each column's words that the lexicon can switch (identity entries
    excluded, as ``csgen switch`` does by default)."""
    stats = SwitchStats()
    for _ in Switcher(lexicon, ratio=0.0).switch_batches(batches, columns, stats=stats):
        pass
    return {name: {"words": c.words, "coverage": c.coverage} for name, c in stats.columns.items()}


def import_files(fmt: str, files: Sequence[str | Path], *, lang: str | None = None,
                 skip_bad: bool = False, rules: LexiconFilter | None = None) -> Lexicon:
    """Read ``files`` of one format, merge them in order, apply ``rules``."""
    if not files:
        raise ConfigError("no input file")
    parts = [read_lexicon(f, fmt, lang=lang, skip_bad=skip_bad) for f in files]
    lexicon = parts[0] if len(parts) == 1 else merge(parts, name=Path(files[0]).stem)
    return filter_lexicon(lexicon, rules or LexiconFilter())


def check_output(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix != SUFFIX:
        raise ConfigError(f"output {str(path)!r} must end in {SUFFIX}")
    return path


def write(lexicon: Lexicon, output: str | Path) -> Path:
    return save(lexicon, check_output(output))


def merge_files(specs: Sequence[str], *, name: str) -> Lexicon:
    """Load ``.csglex`` or raw lexicons (``LANG=PATH`` allowed) and merge them."""
    return merge([load_lexicon(s) for s in specs], name=name)


def dataset_coverage(lexicon: Lexicon, dataset: str | Path, columns: Sequence[str],
                     input_format: str | None = None) -> dict[str, Any]:
    """Coverage of ``columns`` of a dataset file (see :func:`coverage`)."""
    source = open_source(dataset, ReadOptions(format=input_format))
    check_columns(source.schema, columns, None)
    return coverage(lexicon, source.batches(), columns)


def dataset_words(dataset: str | Path, columns: Sequence[str],
                  input_format: str | None = None) -> set[str]:
    """Distinct lower-cased words of ``columns`` (word characters with internal
    apostrophes and hyphens, as the segmenter sees them), with Arrow kernels."""
    import pyarrow as pa
    import pyarrow.compute as pc

    source = open_source(dataset, ReadOptions(format=input_format))
    check_columns(source.schema, columns, None)
    words: set[str] = set()
    for batch in source.batches():
        for name in columns:
            text = pc.utf8_lower(batch.column(name).cast(pa.large_string()))
            split = pc.split_pattern_regex(text, r"[^\w'\x{2019}-]+")
            flat = pc.list_flatten(split)
            flat = pc.utf8_trim(flat, characters="'\u2019-")
            words.update(w for w in pc.unique(flat).to_pylist() if w)
    return words


def induce_from_files(
    source_vec: str | Path, target_vec: str | Path, *, lang: str | None = None,
    source_lang: str | None = None, method: str = "csls", top_k: int = 1,
    mutual: bool = False, max_words: int | None = None, vocab: str | Path | None = None,
    dataset: str | Path | None = None, columns: Sequence[str] = (),
    align: str | None = None, seed_dict: str | Path | None = None, chunk_size: int = 4096,
    device: str = "auto", backend: str = "auto",
) -> Lexicon:
    """``csgen lexicon induce``: read two ``.vec`` files, optionally map the source
    space onto the target space with Procrustes on a MUSE seed dictionary, and
    retrieve each source word's nearest targets (see :func:`induce.induce`).

    Source words are limited to those of ``vocab`` (one word per line) and/or
    the words of ``dataset``'s ``columns``, as the seed method does; CSLS
    statistics still use every vector read. ``lang`` defaults to the language
    of the seed dictionary's name (``en-de.txt``), else it is required.
    """
    from .lexicon import induce as ind

    if seed_dict is not None and align is None:
        raise ConfigError("--seed-dict is used with --align procrustes")
    if align is not None and align != "procrustes":
        raise ConfigError(f"unknown alignment {align!r}; use procrustes")
    if align is not None and seed_dict is None:
        raise ConfigError("--align procrustes needs --seed-dict")
    if lang is None:
        if seed_dict is None:
            raise ConfigError("give the target language with --lang")
        lang = lang_from_path(seed_dict)
    if dataset is not None and not columns:
        raise ConfigError("--dataset needs --columns")
    words: set[str] | None = None
    if vocab is not None:
        words = set(_read_vocab(vocab))
    if dataset is not None:
        found = dataset_words(dataset, columns)
        words = found if words is None else words & found
    src = ind.read_vec(source_vec, max_words=max_words)
    tgt = ind.read_vec(target_vec, max_words=max_words)
    if src.dim != tgt.dim:
        raise ConfigError(f"{str(source_vec)!r} has {src.dim}-d vectors but "
                          f"{str(target_vec)!r} has {tgt.dim}-d vectors")
    if seed_dict is not None:
        seed = read_lexicon(seed_dict, "muse", lang=lang)
        pairs = list(zip(seed.table.column("source").to_pylist(),
                         seed.table.column("target").to_pylist(), strict=True))
        src = src.transform(ind.procrustes(src, tgt, pairs))
    ordered = None if words is None else sorted(words)
    return ind.induce(src, tgt, method=method, top_k=top_k, mutual=mutual, words=ordered,
                      lang=lang, source_lang=source_lang, name=Path(source_vec).name,
                      chunk_size=chunk_size, device=device, backend=backend)


def _read_vocab(path: str | Path) -> list[str]:
    """Words of a vocabulary file: the first field of each non-blank line (so
    ``word count`` frequency lists work too)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as e:
        raise ConfigError(f"cannot read vocabulary {str(path)!r}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"vocabulary {str(path)!r} is not UTF-8: {e.reason} at byte "
                          f"{e.start}") from None
    words = [line.split()[0] for line in text.splitlines() if line.strip()]
    if not words:
        raise ConfigError(f"vocabulary {str(path)!r} has no words")
    return words


def evaluate_files(lexicon: str | Path, gold: str | Path, *,
                   lang: str | None = None) -> dict[str, Any]:
    """``csgen lexicon evaluate``: MUSE-style precision@1/@5 of a lexicon (``.csglex``
    or raw, ``LANG=PATH`` allowed) against a MUSE-format gold dictionary."""
    from .lexicon.core import langs_from_path
    from .lexicon.induce import evaluate

    lex = load_lexicon(str(lexicon))
    if lang is None:
        named = langs_from_path(gold)
        if named is not None:
            lang = named[1]
        elif len(lex.langs) == 1:
            lang = lex.langs[0]
        else:
            raise ConfigError(f"cannot tell the language of gold {str(gold)!r}: give --lang "
                              f"(the lexicon has {', '.join(lex.langs)})")
    return evaluate(lex, read_lexicon(gold, "muse", lang=lang))

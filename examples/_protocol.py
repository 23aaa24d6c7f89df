"""The protocol shared by ``reproduce_xquad_r.py`` and ``experiments.py``.

One place for the training pairs, the switching, the shared vocabulary, the bi-encoder's
hyper-parameters and the evaluation settings, so that every table of the experiments
compares like with like with the README's headline run (Litschko et al. 2023 in miniature):

* pairs: SQuAD v1.0 train, question -> its answer sentence, 5% of the articles held out
  (split seeded by the *split seed*, 1 in the headline run);
* switching: every word of query and passage with probability ``ratio``, one language
  drawn per word among the lexicons' (``csgen.Switcher`` defaults otherwise), the switch
  decisions keyed by the pair id, so the held-out part is switched like the training part;
* vocabulary: one sentencepiece model over the English training text and the target side
  of the ten MUSE dictionaries of :data:`ML_LANGS`;
* model: a bag-of-subwords bi-encoder (d=256, batch 128, lr 1e-3, temperature 0.05,
  10 epochs, early stopping on the held-out loss with patience 2, max length 96).

Not a package module: the example scripts put ``examples/`` on ``sys.path`` by being run
from it (``python examples/....py``).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CSGEN_SHARED_DATA", REPO.parent / "shared" / "data"))
ML_LANGS = ("de", "ar", "ru", "es", "zh", "vi", "el", "hi", "tr", "th")
XQUAD_R_LANGS = ("en", "de", "ar", "ru", "es", "zh", "vi", "el", "hi", "tr", "th")
SETTINGS = ("moir:en", "clir:en-de", "clir:de-en", "clir:en-ar", "clir:ar-en", "clir:en-ru",
            "clir:de-ar", "mlir:en")
MLQA_SETTINGS = ("moir:de", "clir:de-ar", "clir:ar-de")
MLQA_LANGS = ("de", "ar")

#: The headline run's hyper-parameters (``reproduce_xquad_r.py``'s defaults).
EPOCHS, VOCAB_SIZE, DIM, BATCH_SIZE, SEED = 10, 32000, 256, 128, 1
#: Lines of text the vocabulary is trained on (the first ones: English, then the lexicons).
VOCAB_LINES = 400_000
#: ``reproduce_xquad_r.py --reduced`` (the tests): about a minute, big enough that BL-CS
#: beats zero-shot on EN-DE on every seed tried (not a result otherwise).
REDUCED_PAIRS, REDUCED_EPOCHS, REDUCED_VOCAB_SIZE, REDUCED_VOCAB_LINES = 10000, 4, 4000, 100_000


def log(msg: str) -> None:
    """A time-stamped progress line on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def muse_path(lang: str) -> Path:
    """The MUSE en->``lang`` dictionary of ../shared/data."""
    return SHARED / "muse" / f"en-{lang}.txt"


def switch_pairs(pairs: pa.Table, lexicons: Sequence[Any], seed: int, ratio: float = 0.5,
                 stats: Any | None = None) -> pa.Table:
    """Code-switch query and passage of every pair (one language drawn per word among the
    lexicons'), keeping the other columns.

    ``lexicons``: :class:`csgen.Lexicon` objects or specs for
    :func:`csgen.lexicon.load_lexicon`; ``stats``: a :class:`csgen.switch.SwitchStats` to
    fill with the counts (coverage, switched share, per language)."""
    import csgen
    import csgen.lexicon

    lexs = [lex if isinstance(lex, csgen.Lexicon) else csgen.lexicon.load_lexicon(str(lex))
            for lex in lexicons]
    switcher = csgen.Switcher(lexs, csgen.SwitchConfig(ratio=ratio, seed=seed))
    out = switcher.switch_table(pairs, ["query", "passage"], id_column="id", stats=stats)
    return out.select(pairs.schema.names)


def model_ranker(model: Any, tokenizer: Path) -> Callable[[Any, int], np.ndarray]:
    """A :data:`csgen.eval.run.Ranker` of a bi-encoder: cosine over its embeddings (each
    distinct tuple of texts encoded once)."""
    from csgen.eval.metrics import rank
    from csgen.train import encode_texts

    cache: dict[tuple[str, ...], np.ndarray] = {}

    def encode(texts: tuple[str, ...]) -> np.ndarray:
        if texts not in cache:
            cache[texts] = encode_texts(model, list(texts), tokenizer)
        return cache[texts]

    return lambda rset, k: rank(encode(rset.queries), encode(rset.candidates), k)


def load_pairs(limit: int | None, split_seed: int) -> tuple[pa.Table, pa.Table]:
    """``(train, heldout)``: SQuAD v1.0 train pairs (the first ``limit`` when given), 5% of
    the articles held out."""
    from csgen.train import split_by_title, squad_pairs

    pairs = squad_pairs(SHARED / "squad" / "train-v1.0.json.gz")
    if limit:
        pairs = pairs.slice(0, limit)
    return split_by_title(pairs, heldout=0.05, seed=split_seed)


def train_vocabulary(train: pa.Table, lexicon_specs: Sequence[str], prefix: Path,
                     vocab_size: int, input_sentence_size: int = VOCAB_LINES) -> Path:
    """The shared sentencepiece model ``prefix.model``: English training text plus the
    target side of the lexicons (so every model, switched or not, has the same pieces)."""
    import csgen.lexicon
    from csgen.subword import train_tokenizer

    texts: list[Any] = [train.column("query"), train.column("passage")]
    texts += [csgen.lexicon.load_lexicon(s).table.column("target") for s in lexicon_specs]
    chunks = [c.cast(pa.large_string()) for t in texts
              for c in (t.chunks if isinstance(t, pa.ChunkedArray) else [t])]
    return train_tokenizer(pa.chunked_array(chunks, pa.large_string()), prefix,
                           vocab_size=vocab_size, input_sentence_size=input_sentence_size)


def biencoder_config(encoder: str = "bag", epochs: int = EPOCHS, batch_size: int = BATCH_SIZE,
                     dim: int = DIM, seed: int = SEED, checkpoint_dir: Path | None = None
                     ) -> Any:
    """The headline run's :class:`csgen.train.TrainConfig` (only the named options vary)."""
    from csgen.train import TrainConfig

    return TrainConfig(epochs=epochs, batch_size=batch_size, lr=1e-3, temperature=0.05,
                       seed=seed, max_length=96, kind=encoder, dim=dim, patience=2,
                       device="auto",
                       checkpoint_dir=None if checkpoint_dir is None else str(checkpoint_dir))


def train_model(name: str, train: pa.Table, heldout: pa.Table, tokenizer: Path, config: Any,
                resume: Path | None = None) -> tuple[Any, dict[str, Any]]:
    """Train one bi-encoder; ``(model of the best epoch, training summary)``. ``resume``:
    an ``epoch-N.pt`` of an interrupted run of the same configuration."""
    from csgen.train import load_biencoder, train_biencoder

    result = train_biencoder(train, tokenizer, config, heldout=heldout, resume=resume,
                             progress=lambda d: log(
                                 f"  {name} epoch {d['epoch']}: loss {d['loss']:.4f}, "
                                 f"held-out {d['heldout_loss']:.4f}"))
    model = load_biencoder(result.checkpoint) if result.checkpoint else result.model
    summary = {"losses": result.losses, "heldout_losses": result.heldout_losses,
               "best_epoch": result.best_epoch,
               "examples_per_second": result.examples_per_second}
    return model, summary

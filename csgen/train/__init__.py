"""A small PyTorch trainer of retrieval encoders (bi-encoder and cross-encoder).

Import explicitly; it needs torch (``pip install 'csgen[torch]'``), and ``import csgen``
does not load it::

    from csgen.train import TrainConfig, train_biencoder, encode_texts, squad_pairs

- :mod:`csgen.train.model`: :class:`EncoderConfig`, :class:`Encoder`, :class:`BiEncoder`,
  :class:`CrossEncoder`.
- :mod:`csgen.train.pairs`: training pairs from SQuAD-format files, held-out split by title.
- :mod:`csgen.train.loop`: :func:`train_biencoder` / :func:`train_crossencoder` (seeded,
  checkpointed, resumable, early stopping), :func:`encode_texts` and :func:`rerank`.
"""

from __future__ import annotations

from .. import _torch_env  # noqa: F401  (before torch)
from .loop import (
    TrainConfig,
    TrainResult,
    encode_texts,
    load_biencoder,
    load_crossencoder,
    load_tokenizer,
    pad_batch,
    rerank,
    tokenize,
    train_biencoder,
    train_crossencoder,
)
from .model import BiEncoder, CrossEncoder, Encoder, EncoderConfig, hard_negatives, join_pairs
from .pairs import split_by_title, squad_pairs

__all__ = [
    "BiEncoder",
    "CrossEncoder",
    "Encoder",
    "EncoderConfig",
    "TrainConfig",
    "TrainResult",
    "encode_texts",
    "hard_negatives",
    "join_pairs",
    "load_biencoder",
    "load_crossencoder",
    "load_tokenizer",
    "pad_batch",
    "rerank",
    "split_by_title",
    "squad_pairs",
    "tokenize",
    "train_biencoder",
    "train_crossencoder",
]

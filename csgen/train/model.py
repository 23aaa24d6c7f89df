"""Small retrieval encoders that train on a few CPU cores in minutes.

- :class:`EncoderConfig`: the shape of an encoder (``kind`` ``"bag"``, ``"transformer"`` or
  ``"hf"``).
- :class:`Encoder`: token ids and a padding mask to one vector per row (masked mean pooling,
  over token embeddings for ``"bag"``, over a small ``nn.TransformerEncoder`` with learned
  positions for ``"transformer"``, over the last hidden states of a local Hugging Face
  checkpoint for ``"hf"``: :mod:`csgen.train.hf`, :meth:`EncoderConfig.from_hf`).
- :class:`BiEncoder`: one shared encoder, L2-normalised embeddings, in-batch negatives
  cross-entropy with a temperature.
- :class:`CrossEncoder`: the same encoder over ``query [SEP] passage`` and a linear head;
  binary loss with in-batch hard negatives, for reranking a bi-encoder's top-k
  (``"transformer"`` or ``"hf"`` only: a bag of pieces cannot relate query to passage).

Ids of ``0`` under a ``False`` mask are padding. An id ``>= vocab_size`` (a tokenizer that
is not the model's) is a :class:`~csgen.errors.ConfigError` naming the model's vocab size.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .._validate import positive_int
from ..errors import ConfigError

__all__ = ["BiEncoder", "CrossEncoder", "Encoder", "EncoderConfig", "hard_negatives", "join_pairs"]

KINDS = ("bag", "transformer", "hf")


@dataclass(frozen=True)
class EncoderConfig:
    """The shape of an :class:`Encoder`; checked on construction (``ConfigError``).

    ``hf_path``: the Hugging Face checkpoint directory of ``kind="hf"`` (whose
    ``vocab_size`` and ``dim`` are the checkpoint's: build it with :meth:`from_hf`);
    ``layers`` and ``heads`` shape ``"transformer"`` only."""

    kind: str = "bag"
    vocab_size: int = 8000
    dim: int = 256
    layers: int = 2
    heads: int = 4
    max_length: int = 128
    dropout: float = 0.0
    hf_path: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        for name in ("vocab_size", "dim", "layers", "heads", "max_length"):
            positive_int(name, getattr(self, name))
        if self.kind == "transformer" and self.dim % self.heads:
            raise ConfigError(f"dim ({self.dim}) must be a multiple of heads ({self.heads})")
        if not isinstance(self.dropout, (int, float)) or not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if (self.kind == "hf") != bool(self.hf_path):
            raise ConfigError("an 'hf' encoder needs hf_path (a local checkpoint directory), "
                              "and only it takes one")

    @classmethod
    def from_hf(cls, path: str | os.PathLike[str], max_length: int = 128,
                dropout: float = 0.0) -> EncoderConfig:
        """The config of the checkpoint in ``path``; ``max_length`` may not exceed its
        ``max_position_embeddings``."""
        from .hf import hf_encoder_shape

        vocab_size, dim, positions = hf_encoder_shape(path)
        if max_length > positions:
            raise ConfigError(f"max_length {max_length} exceeds the {positions} positions of "
                              f"the model in {path}")
        return cls("hf", vocab_size, dim, max_length=max_length, dropout=dropout,
                   hf_path=os.fspath(Path(path).resolve()))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Encoder(nn.Module):
    """``forward(ids, mask)``: ``(batch, length)`` int ids and bool mask to ``(batch, dim)``."""

    def __init__(self, config: EncoderConfig):
        super().__init__()
        self.config = config
        self.dropout = nn.Dropout(config.dropout)
        if config.kind == "hf":
            from .hf import load_hf_model

            self.hf = load_hf_model(config.hf_path)  # type: ignore[arg-type]
            return
        self.embed = nn.Embedding(config.vocab_size, config.dim)
        nn.init.normal_(self.embed.weight, std=0.1)
        if config.kind == "transformer":
            self.pos = nn.Embedding(config.max_length, config.dim)
            nn.init.normal_(self.pos.weight, std=0.02)
            layer = nn.TransformerEncoderLayer(
                config.dim, config.heads, dim_feedforward=2 * config.dim,
                dropout=config.dropout, activation="gelu", batch_first=True, norm_first=True)
            self.layers = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(config.dim)

    def check_ids(self, ids: torch.Tensor) -> None:
        """Raise ``ConfigError`` for ids outside the model's vocabulary or rows too long."""
        if ids.numel() and (int(ids.max()) >= self.config.vocab_size or int(ids.min()) < 0):
            bad = int(ids.max()) if int(ids.min()) >= 0 else int(ids.min())
            raise ConfigError(
                f"token id {bad} is outside the model's vocabulary (vocab_size "
                f"{self.config.vocab_size}); was the tokenizer trained for this model?")
        if self.config.kind != "bag" and ids.shape[1] > self.config.max_length:
            raise ConfigError(f"rows of {ids.shape[1]} tokens exceed the model's max_length "
                              f"({self.config.max_length})")

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        self.check_ids(ids)
        if self.config.kind == "hf":
            x = self.hf(input_ids=ids, attention_mask=mask.long()).last_hidden_state
        elif self.config.kind == "transformer":
            x = self.embed(ids) + self.pos(torch.arange(ids.shape[1], device=ids.device))[None]
            x = self.dropout(x)
            x = self.layers(x, src_key_padding_mask=~mask)
            x = self.norm(x)
        else:
            x = self.dropout(self.embed(ids))
        m = mask.unsqueeze(-1).to(x.dtype)
        return (x * m).sum(1) / m.sum(1).clamp(min=1.0)


class BiEncoder(nn.Module):
    """A shared :class:`Encoder` for queries and passages; ``encode`` gives unit vectors."""

    def __init__(self, config: EncoderConfig, temperature: float = 0.05):
        super().__init__()
        if not isinstance(temperature, (int, float)) or temperature <= 0:
            raise ConfigError(f"temperature must be > 0, got {temperature!r}")
        self.config = config
        self.temperature = float(temperature)
        self.encoder = Encoder(config)

    def encode(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.encoder(ids, mask), dim=-1)

    def loss(self, q_ids: torch.Tensor, q_mask: torch.Tensor, p_ids: torch.Tensor,
             p_mask: torch.Tensor) -> torch.Tensor:
        """In-batch negatives: query ``i`` against every passage of the batch, ``i`` right."""
        q = self.encode(q_ids, q_mask)
        p = self.encode(p_ids, p_mask)
        logits = q @ p.T / self.temperature
        return F.cross_entropy(logits, torch.arange(len(q), device=logits.device))

    forward = loss


def join_pairs(q_ids: torch.Tensor, q_mask: torch.Tensor, p_ids: torch.Tensor,
               p_mask: torch.Tensor, sep_id: int, max_length: int
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows ``query [SEP] passage`` (unpadded parts), cut to ``max_length``, padded with 0."""
    rows = []
    sep = torch.tensor([sep_id], dtype=q_ids.dtype, device=q_ids.device)
    for qi, qm, pi, pm in zip(q_ids, q_mask, p_ids, p_mask, strict=True):
        rows.append(torch.cat([qi[qm], sep, pi[pm]])[:max_length])
    width = max(len(r) for r in rows)
    ids = torch.zeros(len(rows), width, dtype=q_ids.dtype, device=q_ids.device)
    mask = torch.zeros(len(rows), width, dtype=torch.bool, device=q_ids.device)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = r
        mask[i, :len(r)] = True
    return ids, mask


class CrossEncoder(nn.Module):
    """An :class:`Encoder` over ``query [SEP] passage`` and a linear head: a relevance logit.

    ``sep_id`` defaults to sentencepiece's ``</s>`` (2)."""

    def __init__(self, config: EncoderConfig, sep_id: int = 2):
        super().__init__()
        if config.kind == "bag":
            # Mean-pooled embeddings of "query [SEP] passage" are a sum of per-piece scores:
            # no term of the score depends on query and passage together.
            raise ConfigError("a cross-encoder needs an encoder that attends across query "
                              "and passage: kind 'transformer' or 'hf', not 'bag'")
        if not 0 <= sep_id < config.vocab_size:
            raise ConfigError(f"sep_id {sep_id} is outside the vocabulary ({config.vocab_size})")
        self.config = config
        self.sep_id = sep_id
        self.encoder = Encoder(config)
        self.head = nn.Linear(config.dim, 1)

    def score(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch,)`` of joined rows (see :func:`join_pairs`)."""
        return self.head(self.encoder(ids, mask)).squeeze(-1)

    def score_pairs(self, q_ids: torch.Tensor, q_mask: torch.Tensor, p_ids: torch.Tensor,
                    p_mask: torch.Tensor) -> torch.Tensor:
        ids, mask = join_pairs(q_ids, q_mask, p_ids, p_mask, self.sep_id,
                               self.config.max_length)
        return self.score(ids, mask)

    def loss(self, q_ids: torch.Tensor, q_mask: torch.Tensor, p_ids: torch.Tensor,
             p_mask: torch.Tensor, negatives: torch.Tensor | None = None) -> torch.Tensor:
        """Binary cross-entropy: query ``i`` with passage ``i`` (1) and with passage
        ``negatives[i]`` of the batch (0). ``negatives`` default: the next row's passage;
        pass :func:`hard_negatives` of a bi-encoder for in-batch hard negatives."""
        n = len(q_ids)
        if n < 2:
            raise ConfigError("a cross-encoder batch needs at least 2 pairs (for negatives)")
        if negatives is None:
            negatives = torch.roll(torch.arange(n, device=q_ids.device), -1)
        pos = self.score_pairs(q_ids, q_mask, p_ids, p_mask)
        neg = self.score_pairs(q_ids, q_mask, p_ids[negatives], p_mask[negatives])
        logits = torch.cat([pos, neg])
        labels = torch.cat([torch.ones_like(pos), torch.zeros_like(neg)])
        return F.binary_cross_entropy_with_logits(logits, labels)

    forward = loss


@torch.no_grad()
def hard_negatives(biencoder: BiEncoder, q_ids: torch.Tensor, q_mask: torch.Tensor,
                   p_ids: torch.Tensor, p_mask: torch.Tensor) -> torch.Tensor:
    """For each query, the index of the best-scoring *other* passage of the batch."""
    scores = biencoder.encode(q_ids, q_mask) @ biencoder.encode(p_ids, p_mask).T
    scores.fill_diagonal_(float("-inf"))
    return scores.argmax(1)

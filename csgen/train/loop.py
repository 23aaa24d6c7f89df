"""Training loop of a :class:`~csgen.train.model.BiEncoder`: seeded, checkpointed, resumable.

:func:`train_biencoder` tokenises the pairs once with sentencepiece (cut to ``max_length``,
counting the rows cut), shuffles them each epoch with its own seeded generator, and after
each epoch writes ``epoch-N.pt`` (model, optimizer, epoch, RNG states, history) under
``checkpoint_dir``. ``resume=`` such a checkpoint continues the run: the final weights
equal those of an uninterrupted run. Early stopping watches the held-out loss or an
``eval_fn(model) -> float`` (higher is better, e.g. MRR@10) with ``patience`` epochs.
:func:`encode_texts` gives float32 numpy embeddings for :func:`csgen.eval.metrics.rank`.
:func:`train_crossencoder` trains a :class:`~csgen.train.model.CrossEncoder` the same way
(checkpoints marked ``kind: "cross"``; bi-encoder ones ``"bi"``), and :func:`rerank`
reorders a bi-encoder's top-k with it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import torch

from .._validate import positive_int
from ..errors import ConfigError, MissingFileError, ResumeError
from ..spans.subword import load_processor
from .hf import HFTokenizer, is_hf_dir, load_hf_tokenizer
from .model import BiEncoder, CrossEncoder, EncoderConfig, hard_negatives

__all__ = ["TrainConfig", "TrainResult", "encode_texts", "load_biencoder", "load_crossencoder",
           "load_tokenizer", "pad_batch", "rerank", "resolve_device", "tokenize",
           "train_biencoder", "train_crossencoder"]

DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class TrainConfig:
    """Options of :func:`train_biencoder`; checked on construction (``ConfigError``).

    ``patience``: stop after that many epochs without improvement of the watched value
    (``None``: never stop early; the best epoch is still reported). ``kind``, ``dim``,
    ``layers``, ``heads``, ``dropout`` shape the encoder (:class:`EncoderConfig`);
    ``kind="hf"`` fine-tunes the local Hugging Face checkpoint directory ``hf_model``
    instead (its own size; ``dim``, ``layers``, ``heads`` unused)."""

    epochs: int = 3
    batch_size: int = 64
    lr: float = 1e-3
    temperature: float = 0.05
    seed: int = 0
    max_length: int = 64
    device: str = "auto"
    checkpoint_dir: str | os.PathLike[str] | None = None
    patience: int | None = None
    kind: str = "bag"
    dim: int = 256
    layers: int = 2
    heads: int = 4
    dropout: float = 0.0
    weight_decay: float = 0.0
    hf_model: str | os.PathLike[str] | None = None

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "max_length"):
            positive_int(name, getattr(self, name))
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"seed must be a non-negative integer, got {self.seed!r}")
        for name in ("lr", "temperature"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
                raise ConfigError(f"{name} must be > 0, got {v!r}")
        if not isinstance(self.weight_decay, (int, float)) or self.weight_decay < 0:
            raise ConfigError(f"weight_decay must be >= 0, got {self.weight_decay!r}")
        if self.device not in DEVICES:
            raise ConfigError(f"device must be one of {', '.join(DEVICES)}, got {self.device!r}")
        positive_int("patience", self.patience, optional=True)
        if (self.kind == "hf") != (self.hf_model is not None):
            raise ConfigError("encoder 'hf' needs hf_model (a local Hugging Face checkpoint "
                              "directory), and only it takes one")
        self.encoder_config(1)  # checks kind, dim, heads, dropout (hf: reads its config)

    def encoder_config(self, vocab_size: int) -> EncoderConfig:
        """The encoder's shape; ``vocab_size`` is the tokenizer's (``"hf"``: the
        checkpoint's own)."""
        if self.kind == "hf":
            return EncoderConfig.from_hf(self.hf_model, self.max_length,  # type: ignore[arg-type]
                                         self.dropout)
        return EncoderConfig(self.kind, vocab_size, self.dim, self.layers, self.heads,
                             self.max_length, self.dropout)


def load_tokenizer(tokenizer: Any) -> Any:
    """A tokenizer with ``encode(list[str])``, ``get_piece_size()`` and ``eos_id()``: a
    sentencepiece ``.model`` file, a Hugging Face directory (:class:`~csgen.train.hf.
    HFTokenizer`), or either object itself."""
    if isinstance(tokenizer, HFTokenizer):
        return tokenizer
    if isinstance(tokenizer, (str, os.PathLike)) and is_hf_dir(tokenizer):
        return load_hf_tokenizer(tokenizer)
    return load_processor(tokenizer)


@dataclass(frozen=True)
class TrainResult:
    """``losses``: mean training loss per epoch run; ``heldout_losses`` / ``scores``: the
    held-out loss / ``eval_fn`` value per epoch (empty when not asked); ``best_epoch``
    (1-based); ``checkpoint``: the best epoch's checkpoint (None without
    ``checkpoint_dir``); ``model``: the trained model (the last epoch's weights)."""

    losses: list[float]
    best_epoch: int
    checkpoint: Path | None
    model: Any = field(repr=False)
    heldout_losses: list[float] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    truncated: int = 0
    examples_per_second: float = 0.0
    stopped_early: bool = False


# -- tokenisation -----------------------------------------------------------------------------


def tokenize(sp: Any, texts: Sequence[str], max_length: int) -> tuple[list[list[int]], int]:
    """Piece ids of each text cut to ``max_length``, and how many texts were cut."""
    ids = sp.encode(list(texts))
    cut = sum(len(r) > max_length for r in ids)
    return [r[:max_length] for r in ids], cut


def pad_batch(rows: Sequence[Sequence[int]], device: torch.device | str = "cpu"
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """``(ids, mask)``: rows padded with 0 to the longest (at least 1 wide)."""
    width = max(1, max((len(r) for r in rows), default=1))
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=bool)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = r
        mask[i, :len(r)] = True
    return torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device)


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was asked for but torch sees no CUDA device")
    return torch.device(device)


def _pairs(pairs: Any) -> tuple[list[str], list[str]]:
    if isinstance(pairs, (pa.Table, pa.RecordBatch)):
        for col in ("query", "passage"):
            if col not in pairs.column_names:
                raise ConfigError(f"pairs need a {col!r} column, got {pairs.column_names}")
        return (pairs.column("query").to_pylist(), pairs.column("passage").to_pylist())
    queries, passages = [], []
    for item in pairs:
        if isinstance(item, dict):
            q, p = item["query"], item["passage"]
        else:
            q, p = item
        queries.append(q)
        passages.append(p)
    return queries, passages


# -- training ---------------------------------------------------------------------------------


_BatchLoss = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def _batch_losses(model: Any, q: list[list[int]], p: list[list[int]], batch_size: int,
                  device: torch.device, batch_loss: _BatchLoss | None = None,
                  min_batch: int = 1) -> float:
    model.eval()
    batch_loss = batch_loss or model.loss
    total, n = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(q), batch_size):
            if len(q[i:i + batch_size]) < min_batch:
                continue
            qi, qm = pad_batch(q[i:i + batch_size], device)
            pi, pm = pad_batch(p[i:i + batch_size], device)
            total += float(batch_loss(qi, qm, pi, pm)) * len(qi)
            n += len(qi)
    return total / max(n, 1)


def _state(model: Any, opt: torch.optim.Optimizer, epoch: int, gen: torch.Generator,
           history: dict[str, Any], config: TrainConfig) -> dict[str, Any]:
    cfg = {k: (os.fspath(v) if isinstance(v, os.PathLike) else v)
           for k, v in asdict(config).items()}
    cross = isinstance(model, CrossEncoder)
    state = {
        "kind": "cross" if cross else "bi",
        "model": model.state_dict(),
        "encoder_config": model.config.to_dict(),
        "temperature": None if cross else model.temperature,
        "sep_id": model.sep_id if cross else None,
        "optimizer": opt.state_dict(),
        "epoch": epoch,
        "rng_cpu": torch.get_rng_state(),
        "rng_shuffle": gen.get_state(),
        "history": history,
        "train_config": cfg,
    }
    if torch.cuda.is_available():
        state["rng_cuda"] = torch.cuda.get_rng_state_all()
    return state


def train_biencoder(
    pairs: pa.Table | Iterable[Any],
    tokenizer_model_path: Any,
    config: TrainConfig | None = None,
    *,
    heldout: pa.Table | Iterable[Any] | None = None,
    eval_fn: Callable[[BiEncoder], float] | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
    resume: str | os.PathLike[str] | None = None,
) -> TrainResult:
    """Train a :class:`BiEncoder` on ``(query, passage)`` pairs with in-batch negatives.

    ``pairs``/``heldout``: a table with ``query`` and ``passage`` columns, or an iterable of
    ``(query, passage)`` tuples or dicts. Early stopping (``config.patience``) watches
    ``eval_fn`` when given, else the held-out loss, else the training loss. ``progress``
    gets a dict per epoch (``epoch``, ``loss``, ``heldout_loss``, ``score``, ``seconds``).
    ``resume``: a checkpoint of this function; training continues after its epoch up to
    ``config.epochs`` with the checkpoint's model, optimizer and RNG states.
    """
    return _train("bi", pairs, tokenizer_model_path, config, heldout=heldout,
                  eval_fn=eval_fn, progress=progress, resume=resume)


def train_crossencoder(
    pairs: pa.Table | Iterable[Any],
    tokenizer_model_path: Any,
    config: TrainConfig | None = None,
    *,
    heldout: pa.Table | Iterable[Any] | None = None,
    biencoder: BiEncoder | None = None,
    eval_fn: Callable[[CrossEncoder], float] | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
    resume: str | os.PathLike[str] | None = None,
) -> TrainResult:
    """Train a :class:`CrossEncoder` on ``(query, passage)`` pairs, as
    :func:`train_biencoder` does a bi-encoder (same options, seeding, ``epoch-N.pt``
    checkpoints, now marked ``kind: "cross"``, resuming and early stopping).

    Binary loss (:meth:`CrossEncoder.loss`): each query with its passage (1) and with one
    other passage of the batch (0): the one a frozen ``biencoder`` scores highest (in-batch
    hard negatives) when given, else the next row's (random in-batch negatives, the batches
    being shuffled). ``query [SEP] passage`` rows are cut to ``config.max_length``; ``SEP``
    is the tokenizer's ``</s>`` (2 when it has none). ``config.temperature`` is unused."""
    return _train("cross", pairs, tokenizer_model_path, config, heldout=heldout,
                  eval_fn=eval_fn, progress=progress, resume=resume, biencoder=biencoder)


def _train(kind: str, pairs: Any, tokenizer_model_path: Any, config: TrainConfig | None, *,
           heldout: Any, eval_fn: Callable[[Any], float] | None,
           progress: Callable[[dict[str, Any]], None] | None,
           resume: str | os.PathLike[str] | None,
           biencoder: BiEncoder | None = None) -> TrainResult:
    config = config or TrainConfig()
    sp = load_tokenizer(tokenizer_model_path)
    device = resolve_device(config.device)
    queries, passages = _pairs(pairs)
    if len(queries) < 2:
        raise ConfigError(f"need at least 2 training pairs, got {len(queries)}")
    q_ids, cut_q = tokenize(sp, queries, config.max_length)
    p_ids, cut_p = tokenize(sp, passages, config.max_length)
    h_q = h_p = None
    if heldout is not None:
        hq, hp = _pairs(heldout)
        h_q, _ = tokenize(sp, hq, config.max_length)
        h_p, _ = tokenize(sp, hp, config.max_length)

    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    enc_config = config.encoder_config(sp.get_piece_size())
    if sp.get_piece_size() > enc_config.vocab_size:
        raise ConfigError(f"the tokenizer has {sp.get_piece_size()} pieces but the model's "
                          f"vocabulary has {enc_config.vocab_size}: not the model's tokenizer")
    model: Any
    if kind == "cross":
        sep_id = sp.eos_id() if 0 <= sp.eos_id() < sp.get_piece_size() else 2
        model = CrossEncoder(enc_config, sep_id).to(device)
        frozen = None
        if biencoder is not None:
            frozen = biencoder.to(device).eval()  # hard_negatives runs without gradients

        def batch_loss(qi: torch.Tensor, qm: torch.Tensor, pi: torch.Tensor,
                       pm: torch.Tensor) -> torch.Tensor:
            neg = None if frozen is None else hard_negatives(frozen, qi, qm, pi, pm)
            return model.loss(qi, qm, pi, pm, neg)
        min_batch = 2
    else:
        model = BiEncoder(enc_config, config.temperature).to(device)
        batch_loss, min_batch = model.loss, 1
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    history: dict[str, Any] = {"losses": [], "heldout_losses": [], "scores": [],
                               "best_epoch": 0, "best_value": None, "bad_epochs": 0}
    start_epoch = 0
    if resume is not None:
        path = Path(resume)
        if not path.is_file():
            raise MissingFileError(f"{path}: no such checkpoint")
        state = torch.load(path, map_location=device, weights_only=True)
        _check_kind(path, state, kind)
        if state["encoder_config"] != model.config.to_dict():
            raise ResumeError(f"{path}: the checkpoint's encoder {state['encoder_config']} is "
                              f"not this run's {model.config.to_dict()}")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["rng_cpu"])
        gen.set_state(state["rng_shuffle"])
        if "rng_cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["rng_cuda"])
        history = state["history"]
        start_epoch = int(state["epoch"])
    ckpt_dir = None if config.checkpoint_dir is None else Path(config.checkpoint_dir)
    if ckpt_dir is not None:
        ckpt_dir.mkdir(parents=True, exist_ok=True)

    n = len(q_ids)
    seen, t_total = 0, 0.0
    stopped = False
    for epoch in range(start_epoch + 1, config.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(n, generator=gen).tolist()
        total = 0.0
        for i in range(0, n, config.batch_size):
            idx = order[i:i + config.batch_size]
            if len(idx) < 2:
                continue
            qi, qm = pad_batch([q_ids[j] for j in idx], device)
            pi, pm = pad_batch([p_ids[j] for j in idx], device)
            loss = batch_loss(qi, qm, pi, pm)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            seen += len(idx)
        t_total += time.perf_counter() - t0
        history["losses"].append(total / n)
        watched = -history["losses"][-1]
        if h_q is not None:
            history["heldout_losses"].append(
                _batch_losses(model, h_q, h_p, config.batch_size, device, batch_loss,
                              min_batch))
            watched = -history["heldout_losses"][-1]
        if eval_fn is not None:
            model.eval()
            with torch.no_grad():
                history["scores"].append(float(eval_fn(model)))
            watched = history["scores"][-1]
        if history["best_value"] is None or watched > history["best_value"]:
            history["best_value"], history["best_epoch"], history["bad_epochs"] = (
                watched, epoch, 0)
        else:
            history["bad_epochs"] += 1
        if ckpt_dir is not None:
            torch.save(_state(model, opt, epoch, gen, history, config),
                       ckpt_dir / f"epoch-{epoch}.pt")
        if progress is not None:
            progress({"epoch": epoch, "loss": history["losses"][-1],
                      "heldout_loss": (history["heldout_losses"] or [None])[-1],
                      "score": (history["scores"] or [None])[-1],
                      "seconds": time.perf_counter() - t0})
        if config.patience is not None and history["bad_epochs"] >= config.patience:
            stopped = True
            break
    best = int(history["best_epoch"])
    ckpt = None if ckpt_dir is None or best == 0 else ckpt_dir / f"epoch-{best}.pt"
    model.eval()
    return TrainResult(
        losses=list(history["losses"]), best_epoch=best, checkpoint=ckpt, model=model,
        heldout_losses=list(history["heldout_losses"]), scores=list(history["scores"]),
        truncated=cut_q + cut_p, examples_per_second=seen / t_total if t_total else 0.0,
        stopped_early=stopped)


_KIND_NAMES = {"bi": "a bi-encoder", "cross": "a cross-encoder"}


def _check_kind(path: Path, state: Mapping[str, Any], kind: str) -> None:
    found = state.get("kind", "bi")  # checkpoints before the marker are bi-encoders
    if found != kind:
        raise ConfigError(f"{path}: the checkpoint holds {_KIND_NAMES.get(found, repr(found))}"
                          f", not {_KIND_NAMES[kind]}")


def load_biencoder(path: str | os.PathLike[str], device: str = "cpu") -> BiEncoder:
    """The model of a checkpoint of :func:`train_biencoder` (another kind: ``ConfigError``)."""
    p = Path(path)
    if not p.is_file():
        raise MissingFileError(f"{p}: no such checkpoint")
    state = torch.load(p, map_location=device, weights_only=True)
    _check_kind(p, state, "bi")
    model = BiEncoder(EncoderConfig(**state["encoder_config"]), state["temperature"])
    model.load_state_dict(state["model"])
    return model.to(device).eval()


@torch.no_grad()
def encode_texts(model: BiEncoder, texts: Sequence[str], tokenizer: Any,
                 batch_size: int = 256, max_length: int | None = None) -> np.ndarray:
    """Unit-length embeddings ``(len(texts), dim)`` float32 (texts cut to ``max_length``,
    default the model's)."""
    sp = load_tokenizer(tokenizer)
    max_length = max_length or model.config.max_length
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out = []
    for i in range(0, len(texts), batch_size):
        ids, _ = tokenize(sp, texts[i:i + batch_size], max_length)
        qi, qm = pad_batch(ids, device)
        out.append(model.encode(qi, qm).float().cpu().numpy())
    model.train(was_training)
    if not out:
        return np.zeros((0, model.config.dim), dtype=np.float32)
    return np.concatenate(out).astype(np.float32, copy=False)


def load_crossencoder(path: str | os.PathLike[str], device: str = "cpu") -> CrossEncoder:
    """The model of a checkpoint of :func:`train_crossencoder` (another kind:
    ``ConfigError``)."""
    p = Path(path)
    if not p.is_file():
        raise MissingFileError(f"{p}: no such checkpoint")
    state = torch.load(p, map_location=device, weights_only=True)
    _check_kind(p, state, "cross")
    model = CrossEncoder(EncoderConfig(**state["encoder_config"]), int(state["sep_id"]))
    model.load_state_dict(state["model"])
    return model.to(device).eval()


@torch.no_grad()
def rerank(cross: CrossEncoder, tokenizer: Any, queries: Sequence[str],
           candidates: Sequence[str], ranked: np.ndarray, k: int,
           batch_size: int = 256) -> np.ndarray:
    """The first ``k`` columns of ``ranked`` (``int64[n_queries, >= k]`` candidate indices,
    e.g. a bi-encoder's top-k) reordered by the cross-encoder's score of ``query [SEP]
    candidate``, best first (ties keep the given order); ``int64[n_queries, min(k, width)]``.
    Queries and candidates are cut to the model's ``max_length``; pairs are scored
    ``batch_size`` at a time."""
    positive_int("k", k)
    ranked = np.asarray(ranked, dtype=np.int64)
    if ranked.ndim != 2 or len(ranked) != len(queries):
        raise ConfigError(f"ranked must be (n_queries, k) with n_queries = {len(queries)}, "
                          f"got shape {ranked.shape}")
    top = ranked[:, :k]
    if top.size == 0:
        return top.copy()
    if top.min() < 0 or top.max() >= len(candidates):
        raise ConfigError(f"ranked holds candidate indices outside [0, {len(candidates)})")
    sp = load_tokenizer(tokenizer)
    max_length = cross.config.max_length
    device = next(cross.parameters()).device
    was_training = cross.training
    cross.eval()
    q_ids, _ = tokenize(sp, list(queries), max_length)
    used = np.unique(top)
    c_tok, _ = tokenize(sp, [candidates[int(j)] for j in used], max_length)
    c_ids = dict(zip(used.tolist(), c_tok, strict=True))
    flat_q = np.repeat(np.arange(len(top)), top.shape[1])
    flat_c = top.reshape(-1)
    scores = np.empty(len(flat_c), dtype=np.float64)
    for i in range(0, len(flat_c), batch_size):
        qi, qm = pad_batch([q_ids[int(j)] for j in flat_q[i:i + batch_size]], device)
        pi, pm = pad_batch([c_ids[int(j)] for j in flat_c[i:i + batch_size]], device)
        scores[i:i + batch_size] = cross.score_pairs(qi, qm, pi, pm).float().cpu().numpy()
    cross.train(was_training)
    order = np.argsort(-scores.reshape(top.shape), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)

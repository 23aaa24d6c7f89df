"""A local Hugging Face checkpoint as the encoder (``kind="hf"``), instead of the
from-scratch ones. Needs the optional ``transformers`` package (``pip install
'csgen[hf]'``); everything is read from the directory with ``local_files_only=True``,
nothing is downloaded.

- :func:`hf_encoder_shape`: ``(vocab_size, hidden_size, max_positions)`` from the
  directory's ``config.json``.
- :func:`load_hf_model`: the ``AutoModel`` of the directory (weights as stored).
- :class:`HFTokenizer`: the directory's tokenizer behind the three methods the trainer
  uses of a sentencepiece processor (``encode`` of a list of texts, ``get_piece_size``,
  ``eos_id``), so the training loop, :func:`~csgen.train.loop.encode_texts` and
  :func:`~csgen.train.loop.rerank` take either.
- :func:`tokenizer_fingerprint`: SHA-256 of the tokenizer files of a directory (or of a
  sentencepiece ``.model`` file), recorded in ``model.json`` and checked when a model is
  loaded with another tokenizer.

Example (``DIR`` holds ``config.json``, weights and tokenizer files, e.g. from
``save_pretrained``)::

    from csgen.train import TrainConfig, train_biencoder
    result = train_biencoder(pairs, "DIR", TrainConfig(kind="hf", hf_model="DIR"))
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from ..errors import ConfigError, MissingFileError

__all__ = ["HFTokenizer", "hf_encoder_shape", "is_hf_dir", "load_hf_model",
           "load_hf_tokenizer", "tokenizer_fingerprint"]

# Files that define a tokenizer in a Hugging Face directory (weights and model config are
# not part of the tokenizer's fingerprint).
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                    "vocab.txt", "vocab.json", "merges.txt", "spiece.model",
                    "sentencepiece.bpe.model", "added_tokens.json")


def _transformers() -> Any:
    try:
        import transformers
    except ImportError:
        raise ConfigError("a Hugging Face encoder needs the optional transformers package "
                          "(pip install 'csgen[hf]')") from None
    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    return transformers


def is_hf_dir(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a directory holding a Hugging Face tokenizer or model."""
    p = Path(path)
    return p.is_dir() and any((p / name).is_file() for name in
                              ("config.json", "tokenizer.json", "tokenizer_config.json"))


def _check_dir(path: str | os.PathLike[str], need: str) -> Path:
    p = Path(path)
    if not p.is_dir():
        raise MissingFileError(f"{p}: no such Hugging Face checkpoint directory")
    if not (p / need).is_file():
        raise ConfigError(f"{p}: not a Hugging Face checkpoint directory (no {need})")
    return p


def hf_encoder_shape(path: str | os.PathLike[str]) -> tuple[int, int, int]:
    """``(vocab_size, hidden_size, max_position_embeddings)`` of ``path/config.json``."""
    p = _check_dir(path, "config.json")
    tf = _transformers()
    try:
        cfg = tf.AutoConfig.from_pretrained(str(p), local_files_only=True)
    except (OSError, ValueError, KeyError) as e:
        raise ConfigError(f"{p}/config.json: cannot read as a transformers config: {e}"
                          ) from None
    missing = [k for k in ("vocab_size", "hidden_size") if not hasattr(cfg, k)]
    if missing:
        raise ConfigError(f"{p}/config.json: a text encoder config needs "
                          f"{', '.join(missing)}")
    return (int(cfg.vocab_size), int(cfg.hidden_size),
            int(getattr(cfg, "max_position_embeddings", 1 << 30)))


def load_hf_model(path: str | os.PathLike[str]) -> Any:
    """The ``transformers.AutoModel`` stored in ``path`` (``local_files_only``)."""
    p = _check_dir(path, "config.json")
    tf = _transformers()
    try:
        return tf.AutoModel.from_pretrained(str(p), local_files_only=True)
    except (OSError, ValueError, KeyError) as e:
        raise ConfigError(f"{p}: cannot load the model: {e}") from None


class HFTokenizer:
    """A Hugging Face tokenizer with the sentencepiece methods the trainer calls.

    ``encode(texts) -> list[list[int]]`` adds the model's special tokens (``[CLS] ...
    [SEP]`` for BERT) and does not cut; the caller cuts to its ``max_length``."""

    def __init__(self, tokenizer: Any, path: Path):
        self.tokenizer = tokenizer
        self.path = path

    def encode(self, texts: list[str]) -> list[list[int]]:
        return [list(ids) for ids in self.tokenizer(list(texts))["input_ids"]]

    def get_piece_size(self) -> int:
        return len(self.tokenizer)

    def eos_id(self) -> int:
        sep = self.tokenizer.sep_token_id
        if sep is None:
            sep = self.tokenizer.eos_token_id
        return -1 if sep is None else int(sep)


def load_hf_tokenizer(path: str | os.PathLike[str]) -> HFTokenizer:
    """:class:`HFTokenizer` of the tokenizer files in ``path`` (``local_files_only``)."""
    p = Path(path)
    if not p.is_dir():
        raise MissingFileError(f"{p}: no such Hugging Face tokenizer directory")
    if not any((p / name).is_file() for name in _TOKENIZER_FILES):
        raise ConfigError(f"{p}: no tokenizer files in it (looked for "
                          f"{', '.join(_TOKENIZER_FILES[:3])}, ...)")
    tf = _transformers()
    try:
        tok = tf.AutoTokenizer.from_pretrained(str(p), local_files_only=True)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ConfigError(f"{p}: cannot load the tokenizer: {e}") from None
    return HFTokenizer(tok, p)


def tokenizer_fingerprint(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a tokenizer: the file itself (sentencepiece ``.model``), or the names and
    bytes of the tokenizer files of a Hugging Face directory, in sorted order."""
    p = Path(path)
    files = ([p] if p.is_file() else
             sorted(f for f in (p / n for n in _TOKENIZER_FILES) if f.is_file()))
    if not files:
        raise MissingFileError(f"{p}: no tokenizer file")
    h = hashlib.sha256()
    for f in files:
        if p.is_dir():
            h.update(f.name.encode() + b"\0")
        with open(f, "rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()

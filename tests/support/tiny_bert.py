"""A tiny BERT checkpoint directory built offline (no hub), for the ``kind="hf"`` tests."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path


def make_tiny_bert(directory: Path, texts: Iterable[str], *, vocab_words: int = 400,
                   hidden: int = 32, positions: int = 64, seed: int = 0) -> Path:
    """Write ``config.json``, weights and a WordPiece tokenizer (the ``vocab_words`` most
    frequent lower-cased words of ``texts`` plus single characters) to ``directory``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    counts = Counter(w for t in texts for w in re.findall(r"\w+", t.lower()))
    chars = sorted({c for w in counts for c in w})
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    words = [w for w, _ in counts.most_common(vocab_words)]
    vocab: dict[str, int] = {}
    for piece in special + words + chars + ["##" + c for c in chars]:
        vocab.setdefault(piece, len(vocab))
    tk = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tk.normalizer = normalizers.BertNormalizer(lowercase=True)
    tk.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tk.decoder = decoders.WordPiece()
    tk.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    fast = PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="[UNK]", cls_token="[CLS]",
                                   sep_token="[SEP]", pad_token="[PAD]", mask_token="[MASK]")
    directory.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(str(directory))
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=2 * hidden,
                        max_position_embeddings=positions)
    BertModel(config).save_pretrained(str(directory))
    return directory

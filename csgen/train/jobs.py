"""What ``csgen train`` and ``csgen eval model|compare`` run (the CLI only parses flags).

- :class:`TrainJob`: every option of ``csgen train``; :func:`load_config_file` reads a TOML
  file of the same keys (flags override it: :func:`merge_options`).
- :func:`load_pairs`: training pairs from SQuAD-format files (:func:`squad_pairs`) and/or
  Parquet pair shards (``query_column``/``passage_column``, e.g. ``csgen switch`` output),
  with a held-out split (by ``title`` when the table has one, else by row).
- :func:`run_train`: trains and writes ``OUTDIR/epoch-N.pt`` and ``OUTDIR/model.json``.
  **On-the-fly switching** (``lexicons`` + ``ratio``): before epoch ``e`` (0-based) the
  training pairs are switched with a :class:`~csgen.Switcher` seeded with
  :func:`csgen.stream.epoch_seed` ``(seed, e)`` (epoch 0 equals ``csgen switch --seed``),
  and that epoch is trained by :func:`train_biencoder` resuming from the previous epoch's
  checkpoint (model, optimizer, RNG and history), so every epoch sees fresh switches and
  the loop stays the tested one. The held-out pairs are never switched.
  With ``cross_encoder`` the same inputs train a cross-encoder (:func:`train_crossencoder`,
  hard negatives from the bi-encoder directory ``biencoder`` when given).
- :func:`load_model_dir`, :func:`model_ranker`, :func:`evaluate_models`: a trained model as
  a :data:`~csgen.eval.run.Ranker`, evaluated with BM25 or another model as reference;
  :func:`rerank_ranker`: a bi-encoder's top-k reranked by a cross-encoder directory.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .._validate import positive_int
from ..errors import ColumnError, ConfigError, InputError, MissingFileError
from ..io.files import find_files, is_url
from .hf import tokenizer_fingerprint
from .loop import (
    TrainConfig,
    encode_texts,
    load_biencoder,
    load_crossencoder,
    load_tokenizer,
    rerank,
    train_biencoder,
    train_crossencoder,
)
from .pairs import split_by_title, squad_pairs

__all__ = ["TrainJob", "TrainReporter", "evaluate_models", "load_config_file", "load_model_dir",
           "load_pairs", "merge_options", "model_ranker", "rerank_ranker", "run_train"]

_CONFIG_KEYS = {f.name for f in fields(TrainConfig)} - {"checkpoint_dir", "kind"}


@dataclass(frozen=True)
class TrainJob:
    """A ``csgen train`` run. ``encoder`` is ``bag``, ``transformer`` or ``hf`` (the local
    Hugging Face checkpoint ``config.hf_model``, whose tokenizer is the default
    ``tokenizer``; a cross-encoder's default is ``transformer``); ``heldout`` the
    share of titles (or rows) held out for early stopping (0: none); ``lexicons`` +
    ``ratio`` switch the training pairs afresh each epoch. ``cross_encoder``: train a
    cross-encoder instead, with hard negatives from the bi-encoder directory ``biencoder``
    (trained with the same tokenizer) when given."""

    tokenizer: str
    output: str
    squad: tuple[str, ...] = ()
    pairs: tuple[str, ...] = ()
    query_column: str = "query"
    passage_column: str = "passage"
    lexicons: tuple[str, ...] = ()
    ratio: float | None = None
    heldout: float = 0.05
    encoder: str = "bag"
    cross_encoder: bool = False
    biencoder: str | None = None
    config: TrainConfig = field(default_factory=TrainConfig)

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> TrainJob:
        """From flag/TOML keys (``epochs``, ``batch_size``, ``squad``, ``lexicon`` ...)."""
        opts = dict(options)
        if "lexicon" in opts:
            opts["lexicons"] = opts.pop("lexicon")
        if "encoder" in opts:
            opts["kind"] = opts["encoder"]
        elif opts.get("cross_encoder"):
            opts["kind"] = "transformer"  # a bag cannot relate query to passage
        job_keys = {f.name for f in fields(cls)} - {"config"}
        unknown = sorted(set(opts) - job_keys - _CONFIG_KEYS - {"kind"})
        if unknown:
            raise ConfigError(f"unknown training option(s): {', '.join(unknown)}")
        if not opts.get("tokenizer") and opts.get("hf_model"):
            opts["tokenizer"] = str(opts["hf_model"])  # the checkpoint's own tokenizer
        for key in ("tokenizer", "output"):
            if not opts.get(key):
                raise ConfigError(f"'{key}' is required (flag or config file)")
        cfg = {k: v for k, v in opts.items() if k in _CONFIG_KEYS or k == "kind"}
        cfg["checkpoint_dir"] = str(opts["output"])
        job = {k: v for k, v in opts.items() if k in job_keys}
        for key in ("squad", "pairs", "lexicons"):
            if key in job:
                value = job[key]
                job[key] = (value,) if isinstance(value, str) else tuple(map(str, value))
        job["encoder"] = cfg.get("kind", "bag")
        out = cls(config=TrainConfig(**cfg), **job)
        out.check()
        return out

    def check(self) -> None:
        if not self.squad and not self.pairs:
            raise ConfigError("no training data: give --squad FILE and/or --pairs PARQUET")
        if not 0.0 <= self.heldout < 1.0:
            raise ConfigError(f"heldout must be in [0, 1), got {self.heldout!r}")
        if bool(self.lexicons) != (self.ratio is not None):
            raise ConfigError("on-the-fly switching needs both --lexicon and --ratio")
        if self.ratio is not None and not 0.0 <= self.ratio <= 1.0:
            raise ConfigError(f"ratio must be in [0, 1], got {self.ratio!r}")
        if self.biencoder is not None and not self.cross_encoder:
            raise ConfigError("--biencoder (hard negatives) only goes with --cross-encoder")


def load_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The keys of a TOML file (a top-level ``[train]`` table is used when present);
    dashes in keys become underscores."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            raise ConfigError("--config needs Python >= 3.11 (tomllib) or the tomli "
                              "package") from None
    p = Path(path)
    try:
        with open(p, "rb") as f:
            doc = tomllib.load(f)
    except OSError as e:
        raise MissingFileError(f"{p}: cannot read: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{p}: not valid TOML: {e}") from None
    doc = doc.get("train", doc)
    return {k.replace("-", "_"): v for k, v in doc.items()}


def merge_options(file_options: Mapping[str, Any], flags: Mapping[str, Any]) -> dict[str, Any]:
    """File options overridden by the flags that were given (not None, not empty)."""
    out = dict(file_options)
    out.update({k: v for k, v in flags.items() if v is not None and v != ()})
    return out


# -- data -------------------------------------------------------------------------------------


def _parquet_files(spec: str) -> list[Path]:
    """The Parquet files of ``--pairs SPEC`` by the rules of :mod:`csgen.io.files`."""
    if is_url(spec):
        raise InputError(f"{spec}: --pairs reads local Parquet files, not URLs")
    found = find_files(spec, formats=("parquet",))
    if found.kind == "directory" and not found.files:
        raise InputError(f"{Path(spec)}: no *.parquet or *.pq files in the directory")
    if not found.files:
        raise MissingFileError(f"{spec}: no such Parquet file or directory")
    return [Path(f.name) for f in found.files]


def _read_pairs(spec: str, query_column: str, passage_column: str) -> pa.Table:
    tables = []
    for path in _parquet_files(spec):
        try:
            names = pq.ParquetFile(path).schema_arrow.names
        except (OSError, pa.ArrowException) as e:
            raise InputError(f"{path}: cannot read as Parquet: {e}") from None
        missing = [c for c in (query_column, passage_column) if c not in names]
        if missing:
            raise ColumnError(f"{path}: column(s) {', '.join(map(repr, missing))} not found; "
                              f"the file has: {', '.join(names)} (see --query-column, "
                              "--passage-column)")
        cols = [query_column, passage_column] + (["title"] if "title" in names else [])
        t = pq.read_table(path, columns=cols)
        out = {"query": t.column(query_column).cast(pa.string()),
               "passage": t.column(passage_column).cast(pa.string())}
        out["title"] = (t.column("title").cast(pa.string()) if "title" in names else
                        pa.array([f"{path.name}:{i}" for i in range(t.num_rows)]))
        tables.append(pa.table(out))
    return pa.concat_tables(tables)


def load_pairs(squad: Sequence[str] = (), pairs: Sequence[str] = (), *,
               query_column: str = "query", passage_column: str = "passage",
               heldout: float = 0.05, seed: int = 0
               ) -> tuple[pa.Table, pa.Table | None, dict[str, Any]]:
    """``(train, heldout or None, description)``: ``query, passage, title`` tables."""
    tables, sources = [], []
    for path in squad:
        t = squad_pairs(path).select(["query", "passage", "title"])
        tables.append(t)
        sources.append({"kind": "squad", "path": str(Path(path).resolve()), "pairs": t.num_rows})
    for spec in pairs:
        t = _read_pairs(spec, query_column, passage_column)
        tables.append(t)
        sources.append({"kind": "parquet", "path": str(Path(spec).resolve()),
                        "query_column": query_column, "passage_column": passage_column,
                        "pairs": t.num_rows})
    if not tables:
        raise ConfigError("no training data: give SQuAD files and/or Parquet pairs")
    table = pa.concat_tables(tables)
    for s in sources:
        if s["pairs"] == 0:
            raise InputError(f"{s['path']}: no training pairs in it")
    held = None
    if heldout > 0:
        table, held = split_by_title(table, heldout, seed)
        if held.num_rows == 0:
            held = None
    if table.num_rows < 2:
        raise InputError(f"need at least 2 training pairs, got {table.num_rows}")
    return table, held, {"sources": sources, "train_pairs": table.num_rows,
                         "heldout_pairs": 0 if held is None else held.num_rows}


# -- training ---------------------------------------------------------------------------------


class TrainReporter:
    """Per-epoch progress: a rich bar (loss, examples/s) on a terminal, plain lines on
    other streams, nothing when ``quiet``. ``update`` is :func:`run_train`'s callback."""

    def __init__(self, epochs: int, stream: Any = None, quiet: bool = False) -> None:
        from rich.console import Console

        self.console = Console(file=stream or sys.stderr)
        self.epochs, self.quiet = epochs, quiet
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> TrainReporter:
        if not self.quiet and self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress("epochs", BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[info]}"), console=self.console,
                                 transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task("epochs", total=self.epochs, info="")
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def update(self, p: Mapping[str, Any]) -> None:
        if self.quiet:
            return
        info = f"loss {p['loss']:.4f}"
        if p.get("heldout_loss") is not None:
            info += f", held-out {p['heldout_loss']:.4f}"
        info += f", {p['examples_per_s']:,.0f} examples/s"
        if self._bar is not None:
            self._bar.update(self._task, completed=p["epoch"], info=info)
        else:
            print(f"csgen train: epoch {p['epoch']}/{self.epochs}: {info}",
                  file=self.console.file, flush=True)


def run_train(job: TrainJob, progress: Callable[[dict[str, Any]], None] | None = None
              ) -> dict[str, Any]:
    """Train ``job`` and write ``model.json`` beside the checkpoints; returns its content."""
    cfg = job.config
    tok = Path(job.tokenizer)
    sp = load_tokenizer(tok)
    table, held, description = load_pairs(
        job.squad, job.pairs, query_column=job.query_column,
        passage_column=job.passage_column, heldout=job.heldout, seed=cfg.seed)
    out = Path(job.output)
    if out.exists() and any(out.glob("epoch-*.pt")):
        raise ConfigError(f"{out}: already holds checkpoints; choose an empty directory")
    out.mkdir(parents=True, exist_ok=True)
    n = table.num_rows

    def report(p: dict[str, Any]) -> None:
        if progress is not None:
            progress({**p, "examples_per_s": n / p["seconds"] if p["seconds"] else 0.0})

    train: Callable[..., Any] = train_biencoder
    if job.cross_encoder:
        bi = None
        if job.biencoder is not None:
            bi, _, _ = load_model_dir(job.biencoder, tokenizer=str(tok), device=cfg.device)
            description["hard_negatives"] = str(Path(job.biencoder).resolve())

        def train(*args: Any, **kwargs: Any) -> Any:
            return train_crossencoder(*args, biencoder=bi, **kwargs)

    t0 = time.perf_counter()
    if not job.lexicons:
        result = train(table, sp, cfg, heldout=held, progress=report)
    else:
        from .. import Switcher
        from ..config import SwitchConfig
        from ..lexicon import load_lexicon
        from ..stream import epoch_seed

        lexicons = [load_lexicon(spec) for spec in job.lexicons]
        description["switching"] = {"lexicons": list(job.lexicons), "ratio": job.ratio,
                                    "seed": cfg.seed, "per_epoch": "epoch_seed(seed, epoch)"}
        result, resume = None, None
        for epoch in range(cfg.epochs):
            switcher = Switcher(lexicons, SwitchConfig(ratio=float(job.ratio or 0.0),
                                                       seed=epoch_seed(cfg.seed, epoch)))
            switched = switcher.switch_table(table.select(["query", "passage"]),
                                             ["query", "passage"])
            result = train(switched.select(["query", "passage"]), sp,
                                     _replace(cfg, epochs=epoch + 1), heldout=held,
                                     progress=report, resume=resume)
            resume = out / f"epoch-{epoch + 1}.pt"
            if result.stopped_early or len(result.losses) < epoch + 1:
                break
        assert result is not None
    seconds = time.perf_counter() - t0
    meta = {
        "format": "csgen-crossencoder/1" if job.cross_encoder else "csgen-biencoder/1",
        "model": "cross-encoder" if job.cross_encoder else "bi-encoder",
        "tokenizer": {"path": str(tok.resolve()), "sha256": tokenizer_fingerprint(tok),
                      "vocab_size": sp.get_piece_size()},
        "config": {k: (os.fspath(v) if isinstance(v, os.PathLike) else v)
                   for k, v in asdict(cfg).items()},
        "data": description,
        "losses": result.losses,
        "heldout_losses": result.heldout_losses,
        "best_epoch": result.best_epoch,
        "best_checkpoint": None if result.checkpoint is None else result.checkpoint.name,
        "last_checkpoint": f"epoch-{len(result.losses)}.pt",
        "stopped_early": result.stopped_early,
        "truncated": result.truncated,
        "seconds": seconds,
    }
    tmp = out / "model.json.tmp"
    tmp.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    tmp.replace(out / "model.json")
    return meta


def _replace(cfg: TrainConfig, **changes: Any) -> TrainConfig:
    from dataclasses import replace

    return replace(cfg, **changes)


# -- evaluation -------------------------------------------------------------------------------


def load_model_dir(path: str | os.PathLike[str], *, tokenizer: str | None = None,
                   device: str = "cpu", kind: str = "bi-encoder"
                   ) -> tuple[Any, Any, dict[str, Any]]:
    """``(model, sentencepiece processor, model.json)`` of a ``csgen train`` directory:
    the best epoch's checkpoint and the recorded tokenizer (or ``tokenizer``). A tokenizer
    whose vocabulary size or checksum differs from the model's is refused, and so is a
    model of another ``kind`` (``"bi-encoder"`` or ``"cross-encoder"``)."""
    d = Path(path)
    meta_path = d / "model.json"
    if not meta_path.is_file():
        raise MissingFileError(f"{d}: no model.json (not a csgen train output directory)")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    found = meta.get("model", "bi-encoder")
    if found != kind:
        hint = " (give it to --rerank)" if found == "cross-encoder" else ""
        raise ConfigError(f"{d}: holds a {found}, not a {kind}{hint}")
    ckpt = d / (meta.get("best_checkpoint") or meta["last_checkpoint"])
    from .loop import resolve_device

    load = load_crossencoder if kind == "cross-encoder" else load_biencoder
    model = load(ckpt, device=str(resolve_device(device)))
    tok = Path(tokenizer or meta["tokenizer"]["path"])
    sp = load_tokenizer(tok)
    size = sp.get_piece_size()
    if size > model.config.vocab_size or (model.config.kind != "hf" and
                                          size != model.config.vocab_size):
        raise ConfigError(f"{tok}: the tokenizer has {size} pieces but the "
                          f"model in {d} was trained with a vocabulary of "
                          f"{model.config.vocab_size}")
    if tokenizer_fingerprint(tok) != meta["tokenizer"]["sha256"]:
        raise ConfigError(f"{tok}: not the tokenizer the model in {d} was trained with "
                          f"(checksum differs from {meta['tokenizer']['path']})")
    return model, sp, meta


def model_ranker(path: str | os.PathLike[str], *, tokenizer: str | None = None,
                 device: str = "cpu", batch_size: int = 256) -> Callable[[Any, int], np.ndarray]:
    """A trained model as a Ranker: ``(RetrievalSet, k) -> int64[n_queries, k]``."""
    from ..eval.metrics import rank

    model, sp, _ = load_model_dir(path, tokenizer=tokenizer, device=device)

    def ranker(rset: Any, k: int) -> np.ndarray:
        q = encode_texts(model, list(rset.queries), sp, batch_size=batch_size)
        c = encode_texts(model, list(rset.candidates), sp, batch_size=batch_size)
        return rank(q, c, k)

    return ranker


def rerank_ranker(base: Callable[[Any, int], np.ndarray], cross: Any, *, rerank_k: int = 20,
                  tokenizer: Any = None, device: str = "cpu", batch_size: int = 256
                  ) -> Callable[[Any, int], np.ndarray]:
    """A Ranker: ``base``'s ranking with its first ``rerank_k`` candidates reordered by the
    cross-encoder ``cross`` (:func:`rerank`); ranks below ``rerank_k`` stay. ``cross`` is a
    ``csgen train --cross-encoder`` directory (its recorded tokenizer, or ``tokenizer``) or
    a :class:`~csgen.train.model.CrossEncoder` (then ``tokenizer`` is required)."""
    positive_int("rerank-k", rerank_k)
    if isinstance(cross, (str, os.PathLike)):
        cross, sp, _ = load_model_dir(cross, tokenizer=tokenizer, device=device,
                                      kind="cross-encoder")
    elif tokenizer is None:
        raise ConfigError("a cross-encoder model object needs its tokenizer")
    else:
        sp = load_tokenizer(tokenizer)

    def ranker(rset: Any, k: int) -> np.ndarray:
        ranked = np.asarray(base(rset, max(k, rerank_k)))
        top = rerank(cross, sp, list(rset.queries), list(rset.candidates), ranked, rerank_k,
                     batch_size=batch_size)
        return np.concatenate([top, ranked[:, top.shape[1]:]], axis=1)[:, :k]

    return ranker


def _last_call(ranker: Callable[[Any, int], np.ndarray]) -> Callable[[Any, int], np.ndarray]:
    """``ranker`` remembering its last answer (a bi-encoder and its reranking share it)."""
    memo: dict[str, Any] = {}

    def cached(rset: Any, k: int) -> np.ndarray:
        if memo.get("key") != (id(rset), k) or memo.get("rset") is not rset:
            memo.update(key=(id(rset), k), rset=rset, value=ranker(rset, k))
        return memo["value"]

    return cached


def _names(dirs: Sequence[str | os.PathLike[str]]) -> list[str]:
    names = [Path(d).resolve().name or str(d) for d in dirs]
    if len(set(names)) < len(names):
        names = [f"{i + 1}:{n}" for i, n in enumerate(names)]
    return names


def evaluate_models(models: Sequence[str | os.PathLike[str]], settings: Sequence[str], *,
                    xquad_r: str | os.PathLike[str] | None = None,
                    squad_files: Mapping[str, str] | None = None, baseline: bool = False,
                    compare: bool = False, tokenizer: str | None = None,
                    device: str = "cpu", rerank: str | os.PathLike[str] | None = None,
                    rerank_k: int = 20) -> tuple[Any, list[dict[str, Any]]]:
    """``csgen eval model`` (each model; BM25 as reference with ``baseline``) and
    ``csgen eval compare`` (``compare``: two models, t-tests of the second against the
    first). ``rerank``: a cross-encoder directory; each model's top ``rerank_k`` reranked
    by it is the system ``<name>+rerank``, tested against BM25 with ``baseline``, else
    against the (first) model alone. Returns the report and the t-tests
    (Bonferroni-corrected)."""
    from ..eval.run import bm25_system, evaluate, settings_data

    if compare and len(models) != 2:
        raise ConfigError(f"compare takes two model directories, got {len(models)}")
    parsed, data = settings_data(settings, xquad_r, squad_files)
    systems: dict[str, Any] = {}
    if baseline:
        systems["bm25"] = bm25_system()
    for name, d in zip(_names(models), models, strict=True):
        systems[name] = model_ranker(d, tokenizer=tokenizer, device=device)
        if rerank is not None:
            systems[name] = _last_call(systems[name])
            systems[f"{name}+rerank"] = rerank_ranker(systems[name], rerank,
                                                      rerank_k=rerank_k, device=device)
    reference = "bm25" if baseline else (
        _names(models)[0] if compare or rerank is not None else None)
    if compare and baseline:
        reference = _names(models)[0]
    return evaluate(data, parsed, systems, reference=reference,
                    title="bi-encoder retrieval")

"""The seed paper's other claims in miniature (issue 15): unseen languages, lexicon source,
switching ratio and seed variance, with the headline run's bi-encoder and protocol
(``_protocol.py``: same pairs, vocabulary, hyper-parameters and evaluation), so each table
compares like with like with ``reproduce_xquad_r.py``.

Experiments (``--only`` takes a comma-separated subset, run in this order):

* ``seen-unseen``: ML-CS into six languages (de, ar, ru, es, zh, vi) against ML-CS into all
  ten and zero-shot, on every XQuAD-R language; seen (the six) and unseen (el, hi, th, tr)
  reported apart.
* ``lexicon-source``: MUSE against FreeDict (Debian's ``dict-freedict-eng-*``), BL-CS (de)
  and ML-CS over the seven languages FreeDict has (de, ar, ru, es, el, hi, tr), with each
  lexicon's coverage of the training text's word tokens.
* ``ratio``: BL-CS (de) at ratio 0.1, 0.25, 0.5, 0.75 and 1.0 (word-by-word translation), and
  zero-shot as ratio 0; a table and a PNG plot.
* ``seeds``: zero-shot, BL-CS and ML-CS at ratio 0.5 with training seeds 1, 2 and 3 (the seed
  of the switching, the initialisation and the shuffling; the held-out split and the
  vocabulary stay those of seed 1): mean and standard deviation.

Every model is evaluated once on the same grid (XQuAD-R: MoIR X-X for all 11 languages, CLIR
EN-X and X-EN for the other ten, DE-AR, MLIR EN-all; MLQA-R dev: MoIR DE, AR, VI, CLIR DE-AR,
AR-DE) and each table takes its rows from it: MRR@10 x 100, paired t-tests (per query) of each
system against zero-shot, plus the comparisons the experiment is about, Bonferroni-corrected
over all the tests of that table.

    python examples/experiments.py                       # all four, about 2 hours on 2 cores
    python examples/experiments.py --only ratio,seeds --cache ~/.cache/csgen-experiments
    python examples/experiments.py --reduced -o /tmp/x   # a minute or two, for the tests

The switched data, the vocabulary, the models (``epoch-N.pt``; an interrupted training
resumes) and the per-query scores are cached under ``--cache`` (default
``~/.cache/csgen-experiments``), keyed by everything that shapes them, so a model shared by
several experiments (zero-shot, BL-CS and ML-CS at seed 1) is trained once and a rerun only
rebuilds the tables. Results: ``experiments_<name>.{md,json}`` (and ``experiments_ratio.png``)
in ``-o`` (default ``examples/results``). FreeDict dictionaries missing from
``/usr/share/dictd`` are installed with apt-get when it can (root); otherwise, or with
``--no-install``, ``lexicon-source`` is skipped with a message saying why.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from _protocol import (
    BATCH_SIZE,
    DIM,
    EPOCHS,
    ML_LANGS,
    REPO,
    SHARED,
    VOCAB_LINES,
    VOCAB_SIZE,
    XQUAD_R_LANGS,
    biencoder_config,
    load_pairs,
    log,
    model_ranker,
    muse_path,
    switch_pairs,
    train_model,
    train_vocabulary,
)

EXPERIMENTS = ("seen-unseen", "lexicon-source", "ratio", "seeds")
SEEN = ("de", "ar", "ru", "es", "zh", "vi")
UNSEEN = ("el", "hi", "th", "tr")
#: The XQuAD-R languages with an English->X FreeDict package in Debian.
FREEDICT_LANGS = ("de", "ar", "ru", "es", "el", "hi", "tr")
FREEDICT_CODES = {"de": "deu", "ar": "ara", "ru": "rus", "es": "spa", "el": "ell",
                  "hi": "hin", "tr": "tur"}
DICTD = Path(os.environ.get("CSGEN_DICTD", "/usr/share/dictd"))
RATIOS = (0.1, 0.25, 0.5, 0.75, 1.0)
SEEDS = (1, 2, 3)
SPLIT_SEED = 1  # the headline run's held-out split and vocabulary
MLQA_GRID_LANGS = ("de", "ar", "vi")
#: Significance level after Bonferroni.
ALPHA = 0.05
#: ``--reduced`` (the tests: checks the script, not a result): a small model on few pairs,
#: two ratios and two seeds, evaluated by MRR@10 alone on six XQuAD-R languages (two seen,
#: one unseen, all with FreeDict) and no MLQA-R.
REDUCED = {"pairs": 2000, "epochs": 2, "vocab_size": 2000, "vocab_lines": 30_000,
           "ratios": (0.5, 1.0), "seeds": (1, 2), "langs": ("en", "de", "ar", "es", "el", "tr")}


def xquad_grid(langs: Sequence[str] = XQUAD_R_LANGS) -> tuple[str, ...]:
    """Every XQuAD-R setting a model is evaluated on (MLIR pools all ``langs``)."""
    others = [lang for lang in langs if lang != "en"]
    return (*(f"moir:{x}" for x in langs), *(f"clir:en-{x}" for x in others),
            *(f"clir:{x}-en" for x in others), "clir:de-ar", "mlir:en")


MLQA_GRID = ("moir:de", "moir:ar", "moir:vi", "clir:de-ar", "clir:ar-de")


# -- conditions and the cache -------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One trained model: the lexicons switched into (``source`` ``muse`` or ``freedict``,
    one per language, languages drawn per word in this order), the ratio and the seed.
    No languages: zero-shot (English only)."""

    source: str
    langs: tuple[str, ...]
    ratio: float
    seed: int

    @property
    def key(self) -> str:
        """The cache directory name."""
        if not self.langs:
            return f"zero-shot-s{self.seed}"
        return f"{self.source}-{'+'.join(self.langs)}-r{self.ratio:g}-s{self.seed}"


def zero_shot(seed: int = 1) -> Condition:
    return Condition("none", (), 0.0, seed)


def cs(source: str, langs: Sequence[str], ratio: float = 0.5, seed: int = 1) -> Condition:
    return Condition(source, tuple(langs), ratio, seed)


class Skip(Exception):
    """An experiment cannot run here (its message says why); the others still run."""


def _json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)  # a killed run never leaves half a file that looks finished


class Runner:
    """Builds and caches the pieces of the protocol: pairs, vocabulary, switched data,
    models and per-query scores. ``root`` is the cache directory of one protocol (its name
    hashes every option that shapes a model)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.protocol = {
            "pairs": args.pairs, "split_seed": SPLIT_SEED, "vocab_size": args.vocab_size,
            "input_sentence_size": args.input_sentence_size,
            "vocab_lexicons": [f"muse:{x}" for x in ML_LANGS], "encoder": args.encoder,
            "epochs": args.epochs, "batch_size": args.batch_size, "dim": args.dim,
            "max_length": 96, "lr": 1e-3, "temperature": 0.05, "patience": 2,
        }
        from csgen import _core

        if _core.ENGINE_VERSION != 1:  # another engine switches other words: its own cache
            self.protocol["engine_version"] = _core.ENGINE_VERSION
        digest = hashlib.sha256(json.dumps(self.protocol, sort_keys=True).encode()).hexdigest()
        self.root = args.cache / f"{args.encoder}-{'reduced' if args.reduced else 'full'}-" \
                                 f"{digest[:10]}"
        self.root.mkdir(parents=True, exist_ok=True)
        _json(self.root / "protocol.json", self.protocol)
        self._pairs: tuple[pa.Table, pa.Table] | None = None
        self._tokenizer: Path | None = None
        self._data: dict[str, Any] = {}
        self.seconds: dict[str, float] = {}  # cost of shared pieces, from their cache records

    # shared pieces
    def pairs(self) -> tuple[pa.Table, pa.Table]:
        if self._pairs is None:
            t0 = time.perf_counter()
            self._pairs = load_pairs(self.args.pairs, SPLIT_SEED)
            self.seconds["pairs"] = time.perf_counter() - t0
            log(f"{self._pairs[0].num_rows:,} training pairs, {self._pairs[1].num_rows:,} "
                "held out")
        return self._pairs

    def tokenizer(self) -> Path:
        if self._tokenizer is None:
            path, record = self.root / "sp.model", self.root / "sp.json"
            if not record.exists():
                log("training the shared vocabulary")
                t0 = time.perf_counter()
                train_vocabulary(self.pairs()[0], [str(muse_path(x)) for x in ML_LANGS],
                                 self.root / "sp", self.args.vocab_size,
                                 self.args.input_sentence_size)
                _json(record, {"seconds": time.perf_counter() - t0})
            self.seconds["tokenizer"] = json.loads(record.read_text())["seconds"]
            self._tokenizer = path
        return self._tokenizer

    def lexicon(self, source: str, lang: str) -> Any:
        """The en->``lang`` lexicon of ``source`` (FreeDict: imported once into a .csglex)."""
        import csgen.lexicon
        from csgen.lexicon.store import load, save

        if source == "muse":
            return csgen.lexicon.load_lexicon(str(muse_path(lang)))
        path = self.args.cache / "lexicons" / f"freedict-en-{lang}.csglex"
        if not path.exists():
            index = freedict_index(lang)
            log(f"importing {index}")
            path.parent.mkdir(parents=True, exist_ok=True)
            save(csgen.lexicon.read_lexicon(index, "freedict"), path)  # atomic
        return load(path)

    def data(self, cond: Condition) -> tuple[pa.Table, pa.Table, dict[str, Any]]:
        """The condition's switched (train, heldout) pairs and the training part's switch
        statistics (cached as Parquet)."""
        if not cond.langs:
            train, heldout = self.pairs()
            return train, heldout, {"seconds": 0.0}
        if cond.key in self._data:
            return self._data[cond.key]
        d = self.root / "data" / cond.key
        if not (d / "stats.json").exists():
            from csgen.switch import SwitchStats

            log(f"switching {cond.key}")
            t0 = time.perf_counter()
            train, heldout = self.pairs()
            lexicons = [self.lexicon(cond.source, x) for x in cond.langs]
            stats = SwitchStats()
            sw_train = switch_pairs(train, lexicons, cond.seed, cond.ratio, stats=stats)
            sw_held = switch_pairs(heldout, lexicons, cond.seed, cond.ratio)
            d.mkdir(parents=True, exist_ok=True)
            pq.write_table(sw_train, d / "train.parquet")
            pq.write_table(sw_held, d / "heldout.parquet")
            _json(d / "stats.json", {"switch": _words(stats.to_dict()),
                                     "seconds": time.perf_counter() - t0})
        out = (pq.read_table(d / "train.parquet"), pq.read_table(d / "heldout.parquet"),
               json.loads((d / "stats.json").read_text()))
        self._data = {cond.key: out}  # one condition in memory at a time
        return out

    def trained(self, cond: Condition) -> tuple[Path, dict[str, Any]]:
        """The best checkpoint of the condition's model and its training summary; trains it
        (resuming an interrupted run) unless cached."""
        d = self.root / "models" / cond.key
        summary_path = d / "summary.json"
        if not summary_path.exists():
            train, heldout, stats = self.data(cond)
            tokenizer = self.tokenizer()
            config = biencoder_config(self.args.encoder, self.args.epochs,
                                      self.args.batch_size, self.args.dim, cond.seed, d)
            resume, finished = _resumable(d, config)
            t0 = time.perf_counter()
            if finished is not None:  # killed between its last epoch and the summary
                summary = finished
            else:
                log(f"training {cond.key}" + (f" (resuming {resume.name})" if resume else ""))
                _, summary = train_model(cond.key, train, heldout, tokenizer, config,
                                         resume=resume)
            summary.update(checkpoint=f"epoch-{summary['best_epoch']}.pt",
                           seconds=time.perf_counter() - t0,
                           switch_seconds=stats["seconds"], resumed=resume is not None)
            _json(summary_path, summary)  # first: then the run counts as finished
            for stale in d.glob("epoch-*.pt"):  # keep the best epoch only: 33 MB each
                if stale.name != summary["checkpoint"]:
                    stale.unlink()
        summary = json.loads(summary_path.read_text())
        return d / summary["checkpoint"], summary

    def scores(self, cond: Condition, evaluation: Evaluation) -> dict[str, Any]:
        """Per-query scores of the condition's model on every setting of the grid, keyed
        ``dataset|setting`` -> ``{pair, ids, metrics}`` (cached as .npz)."""
        path = self.root / "eval" / f"{cond.key}.npz"
        cached = _load_scores(path) if path.exists() else {}
        missing = [k for k in evaluation.grid() if k not in cached]
        if missing:
            from csgen.train import load_biencoder

            checkpoint, _ = self.trained(cond)
            log(f"evaluating {cond.key} ({len(missing)} settings)")
            t0 = time.perf_counter()
            ranker = model_ranker(load_biencoder(checkpoint), self.tokenizer())
            cached.update(evaluation.run(ranker, missing))
            _save_scores(path, cached, time.perf_counter() - t0)
        return cached

    def cost(self, conds: Iterable[Condition]) -> float:
        """Wall seconds to build these models from scratch (switching, training, evaluation),
        from the cache's records, plus the shared vocabulary."""
        total = self.seconds.get("tokenizer", 0.0) + self.seconds.get("pairs", 0.0)
        for cond in set(conds):
            s = self.root / "models" / cond.key / "summary.json"
            if s.exists():
                rec = json.loads(s.read_text())
                total += rec["seconds"] + rec["switch_seconds"]
            e = self.root / "eval" / f"{cond.key}.npz"
            if e.exists():
                with np.load(e) as z:
                    total += float(z["__seconds__"])
        return total


def _words(stats: Mapping[str, Any]) -> dict[str, Any]:
    """Switch statistics of query and passage together: word tokens, coverage, switched
    share, and per language the share of word tokens switched into it."""
    cols = list(stats.values())
    words = sum(c["words"] for c in cols)
    by_lang: dict[str, int] = {}
    for c in cols:
        for lang, v in c["by_lang"].items():
            by_lang[lang] = by_lang.get(lang, 0) + v["switched_words"]
    return {"words": words,
            "coverage": sum(c["eligible"] for c in cols) / words if words else 0.0,
            "switched_share": sum(c["switched_words"] for c in cols) / words if words else 0.0,
            "by_lang": {lang: n / words for lang, n in sorted(by_lang.items())},
            "columns": stats}


def _resumable(d: Path, config: Any) -> tuple[Path | None, dict[str, Any] | None]:
    """``(last epoch-N.pt, None)`` of an interrupted run in ``d`` (``(None, None)``: none),
    or ``(it, summary)`` when that run had already finished (last epoch or early stop)."""
    import torch

    found = sorted(d.glob("epoch-*.pt"), key=lambda p: int(p.stem.split("-")[1]))
    if not found:
        return None, None
    state = torch.load(found[-1], map_location="cpu", weights_only=True)
    h = state["history"]
    if int(state["epoch"]) < config.epochs and h["bad_epochs"] < (config.patience or 10**9):
        return found[-1], None
    return found[-1], {"losses": h["losses"], "heldout_losses": h["heldout_losses"],
                       "best_epoch": int(h["best_epoch"]), "examples_per_second": 0.0}


def _save_scores(path: Path, scores: Mapping[str, Any], seconds: float) -> None:
    arrays: dict[str, np.ndarray] = {}
    for key, v in scores.items():
        arrays[f"{key}|pair"] = np.array(v["pair"])
        arrays[f"{key}|ids"] = np.array(v["ids"])
        for m, a in v["metrics"].items():
            arrays[f"{key}|m|{m}"] = np.asarray(a, dtype=np.float64)
    old = 0.0
    if path.exists():
        with np.load(path) as z:
            old = float(z["__seconds__"])
    arrays["__seconds__"] = np.array(old + seconds)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(path)


def _load_scores(path: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with np.load(path) as z:
        for name in z.files:
            if name == "__seconds__":
                continue
            dataset, setting, field, *rest = name.split("|")
            entry = out.setdefault(f"{dataset}|{setting}", {"metrics": {}})
            if field == "m":
                entry["metrics"][rest[0]] = z[name]
            else:
                entry[field] = z[name].tolist()
    return out


# -- FreeDict -----------------------------------------------------------------------------------


def freedict_index(lang: str) -> Path:
    """``/usr/share/dictd/freedict-eng-XXX.index`` for ``lang`` (``Skip`` when absent)."""
    path = DICTD / f"freedict-eng-{FREEDICT_CODES[lang]}.index"
    if not path.exists():
        raise Skip(f"{path} is missing (Debian package dict-freedict-eng-"
                   f"{FREEDICT_CODES[lang]})")
    return path


def install_freedict(langs: Sequence[str], allowed: bool) -> None:
    """Install the FreeDict packages missing from ``DICTD`` with apt-get, where that is
    possible; ``Skip`` with the reason otherwise."""
    missing = [x for x in langs if not (DICTD / f"freedict-eng-{FREEDICT_CODES[x]}.index"
                                        ).exists()]
    if not missing:
        return
    packages = [f"dict-freedict-eng-{FREEDICT_CODES[x]}" for x in missing]
    if not allowed:
        raise Skip(f"FreeDict dictionaries missing ({', '.join(packages)}) and --no-install")
    apt = shutil.which("apt-get")
    if apt is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        raise Skip(f"FreeDict dictionaries missing ({', '.join(packages)}); apt-get is "
                   "unavailable or this is not root: install them and rerun")
    log(f"apt-get install {' '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = [apt, "install", "-y", "--no-install-recommends", *packages]
    if subprocess.run(cmd, env=env, check=False).returncode != 0:
        subprocess.run([apt, "update"], env=env, check=False)
        if subprocess.run(cmd, env=env, check=False).returncode != 0:
            raise Skip(f"apt-get could not install {', '.join(packages)}")
    for x in missing:
        freedict_index(x)


# -- evaluation ---------------------------------------------------------------------------------


class Evaluation:
    """The evaluation grid over XQuAD-R (all 11 languages) and MLQA-R (dev de, ar, vi).

    ``reduced``: the languages of ``REDUCED["langs"]`` only, no MLQA-R, and MRR@10 alone
    (csgen's recall@k tests each query with ``np.isin``: most of a small model's evaluation
    time)."""

    def __init__(self, reduced: bool) -> None:
        from csgen.eval.run import load_data

        self.langs = REDUCED["langs"] if reduced else XQUAD_R_LANGS
        self.reduced = reduced
        self.xquad = load_data(SHARED / "xquad-r", langs=self.langs)
        mlqa = SHARED / "mlqa"
        files = {x: mlqa / f"dev-context-{x}-question-{x}.json" for x in MLQA_GRID_LANGS}
        self.mlqa = (load_data(None, files) if not reduced and
                     all(p.exists() for p in files.values()) else None)

    def grid(self) -> list[str]:
        keys = [f"xquad_r|{s}" for s in xquad_grid(self.langs)]
        if self.mlqa is not None:
            keys += [f"mlqa_r|{s}" for s in MLQA_GRID]
        return keys

    def rows(self, rows: Iterable[Row]) -> list[Row]:
        """``rows`` restricted to the grid: a row keeps its evaluated members and goes
        when none is left (reduced runs evaluate fewer languages)."""
        grid = set(self.grid())
        out = []
        for row in rows:
            keys = tuple(k for k in row.keys if k in grid)
            if keys:
                out.append(Row(row.label, keys))
        return out

    def run(self, ranker: Callable[[Any, int], np.ndarray], keys: Sequence[str]
            ) -> dict[str, Any]:
        from csgen.eval.metrics import evaluate_ranking, mrr_at_k
        from csgen.eval.run import Setting

        out = {}
        for key in keys:
            dataset, setting = key.split("|")
            rset = Setting.parse(setting).build(self.xquad if dataset == "xquad_r"
                                                else self.mlqa)
            ranked = ranker(rset, 10 if self.reduced else 100)
            metrics = ({"mrr@10": mrr_at_k(ranked, rset.relevant, 10)[0]} if self.reduced
                       else evaluate_ranking(ranked, rset.relevant))
            out[key] = {"pair": rset.name, "ids": list(rset.query_ids), "metrics": metrics}
        return out


@dataclass(frozen=True)
class Row:
    """A table row: one evaluated (dataset, setting), or the per-query mean over several
    (a group average; questions matched by id, so the test stays paired)."""

    label: str
    keys: tuple[str, ...]


def row_scores(scores: Mapping[str, Any], row: Row, metric: str = "mrr@10"
               ) -> tuple[list[str], np.ndarray]:
    """Question ids and per-query ``metric`` of a row (group rows: averaged over the ids
    that all members share)."""
    if len(row.keys) == 1:
        s = scores[row.keys[0]]
        return s["ids"], np.asarray(s["metrics"][metric], dtype=float)
    per = [dict(zip(scores[k]["ids"], scores[k]["metrics"][metric], strict=True))
           for k in row.keys]
    ids = [i for i in scores[row.keys[0]]["ids"] if all(i in p for p in per)]
    return ids, np.array([np.mean([p[i] for p in per]) for i in ids])


class Table:
    """MRR@10 x 100 of systems (columns) on rows, with paired t-tests Bonferroni-corrected
    over every test of the table: each system against ``reference``, and the extra
    ``comparisons`` ``(system, against)``."""

    def __init__(self, title: str, systems: Mapping[str, Sequence[Mapping[str, Any]]],
                 rows: Sequence[Row], reference: str,
                 comparisons: Sequence[tuple[str, str]] = ()) -> None:
        from csgen.eval.metrics import bonferroni, paired_t_test

        self.title, self.rows, self.reference = title, list(rows), reference
        self.systems = list(systems)
        # A system is a list of score dicts (one per seed): a row's per-query score is the
        # mean over them, its cell value that mean's mean.
        self.values: dict[tuple[str, str], float] = {}
        self.per_seed: dict[tuple[str, str], list[float]] = {}
        per_query: dict[tuple[str, str], tuple[list[str], np.ndarray]] = {}
        for name, runs in systems.items():
            for row in self.rows:
                got = [row_scores(run, row) for run in runs]
                ids = got[0][0]
                if any(g[0] != ids for g in got):
                    raise ValueError(f"{row.label}: the runs of {name} differ in questions")
                mean = np.mean([g[1] for g in got], axis=0)
                per_query[(name, row.label)] = (ids, mean)
                self.values[(name, row.label)] = float(mean.mean())
                self.per_seed[(name, row.label)] = [float(g[1].mean()) for g in got]
        pairs = [(s, reference) for s in self.systems if s != reference] + list(comparisons)
        self.tests: list[dict[str, Any]] = []
        for a, b in pairs:
            for row in self.rows:
                ids_a, x = per_query[(a, row.label)]
                ids_b, y = per_query[(b, row.label)]
                if ids_a != ids_b:
                    raise ValueError(f"{row.label}: {a} and {b} differ in questions")
                t, p = paired_t_test(x, y)
                self.tests.append({"system": a, "vs": b, "row": row.label, "t": t, "p": p,
                                   "diff": float(x.mean() - y.mean())})
        for test, adj in zip(self.tests, bonferroni([x["p"] for x in self.tests]), strict=True):
            test["p_bonferroni"] = float(adj)

    def test(self, system: str, vs: str, row: str) -> dict[str, Any] | None:
        for t in self.tests:
            if (t["system"], t["vs"], t["row"]) == (system, vs, row):
                return t
        return None

    def mark(self, system: str, vs: str, row: str, up: str, down: str) -> str:
        t = self.test(system, vs, row)
        if t is None or t["p_bonferroni"] >= ALPHA:
            return ""
        return up if t["diff"] > 0 else down

    def to_markdown(self, labels: Mapping[str, str] | None = None, std: bool = False,
                    extra: Sequence[str] = ()) -> str:
        """The table; ``*``/``v``: significantly above/below the reference; systems in
        ``extra`` also get ``+``/``-``: significantly above/below the system of their
        comparison."""
        labels = labels or {}
        head = ["", *(labels.get(s, s) for s in self.systems)]
        lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * len(self.systems)]
        comps = {t["system"]: t["vs"] for t in self.tests if t["vs"] != self.reference}
        for row in self.rows:
            cells = [row.label]
            for s in self.systems:
                v = self.values[(s, row.label)] * 100
                cell = f"{v:.1f}"
                if std:
                    cell += f" ± {np.std(self.per_seed[(s, row.label)], ddof=1) * 100:.1f}"
                if s != self.reference:
                    cell += self.mark(s, self.reference, row.label, "*", "v")
                if s in extra and s in comps:
                    cell += self.mark(s, comps[s], row.label, "+", "-")
                cells.append(cell)
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"

    def tests_markdown(self, labels: Mapping[str, str] | None = None) -> str:
        labels = labels or {}
        lines = ["| system | vs | row | diff x 100 | t | p | p (Bonferroni) |",
                 "|---|---|---|---:|---:|---:|---:|"]
        for t in self.tests:
            lines.append(f"| {labels.get(t['system'], t['system'])} | "
                         f"{labels.get(t['vs'], t['vs'])} | {t['row']} | "
                         f"{t['diff'] * 100:+.1f} | {t['t']:.2f} | {t['p']:.2g} | "
                         f"{t['p_bonferroni']:.2g} |")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "systems": self.systems, "reference": self.reference,
                "rows": [{"label": r.label, "keys": list(r.keys),
                          "mrr@10": {s: self.values[(s, r.label)] for s in self.systems},
                          "mrr@10_per_seed": {s: self.per_seed[(s, r.label)]
                                              for s in self.systems}}
                         for r in self.rows],
                "tests": self.tests}


def _pair(x: str, y: str) -> str:
    return f"{x.upper()}-{y.upper()}"


def full_report(title: str, systems: Mapping[str, Mapping[str, Any]],
                keys: Sequence[str]) -> str:
    """Every metric (MRR@10, R@1/10/100) of each system on ``keys``, through
    :class:`csgen.eval.metrics.Report` (the harness's table)."""
    from csgen.eval.metrics import Report

    report = Report(title)
    for key in keys:
        for name, scores in systems.items():
            if key in scores:
                s = scores[key]
                report.add(key.split("|")[1].split(":")[0], f"{key.split('|')[0]} {s['pair']}",
                           s["metrics"], system=name)
    return report.to_markdown()


# -- the experiments ----------------------------------------------------------------------------


@dataclass
class Output:
    """What an experiment writes: Markdown, JSON and optionally a figure."""

    name: str
    markdown: str
    data: dict[str, Any]
    figure: Any = None


def _mlqa_rows(ev: Evaluation, settings: Sequence[str]) -> list[Row]:
    if ev.mlqa is None:
        return []
    out = []
    for s in settings:
        kind, langs = s.split(":")
        label = ("MLQA-R MoIR " if kind == "moir" else "MLQA-R CLIR ") + (
            _pair(langs, langs) if kind == "moir" else _pair(*langs.split("-")))
        out.append(Row(label, (f"mlqa_r|{s}",)))
    return out


def seen_unseen(run: Runner, ev: Evaluation) -> Output:
    """ML-CS into six languages vs ten vs zero-shot on all eleven XQuAD-R languages."""
    seed = 1
    conds = {"zero-shot": zero_shot(seed), "ml-cs-6": cs("muse", SEEN, seed=seed),
             "ml-cs-10": cs("muse", ML_LANGS, seed=seed)}
    scores = {name: run.scores(c, ev) for name, c in conds.items()}
    rows = [Row("MoIR EN-EN", ("xquad_r|moir:en",))]
    for group, langs in (("seen", SEEN), ("unseen", UNSEEN)):
        for x in langs:
            rows.append(Row(f"{group} EN-{x.upper()}", (f"xquad_r|clir:en-{x}",)))
            rows.append(Row(f"{group} {x.upper()}-EN", (f"xquad_r|clir:{x}-en",)))
            rows.append(Row(f"{group} {x.upper()}-{x.upper()}", (f"xquad_r|moir:{x}",)))
        rows.append(Row(f"{group} CLIR avg (EN-X, X-EN)",
                        tuple(k for x in langs for k in (f"xquad_r|clir:en-{x}",
                                                          f"xquad_r|clir:{x}-en"))))
        rows.append(Row(f"{group} MoIR avg (X-X)",
                        tuple(f"xquad_r|moir:{x}" for x in langs)))
    rows.append(Row(f"MLIR EN-all {len(ev.langs)}", ("xquad_r|mlir:en",)))
    rows += _mlqa_rows(ev, ("moir:de", "moir:ar", "moir:vi", "clir:de-ar", "clir:ar-de"))
    rows = ev.rows(rows)
    table = Table("seen and unseen languages", {k: [v] for k, v in scores.items()}, rows,
                  "zero-shot", comparisons=[("ml-cs-6", "ml-cs-10")])
    labels = {"zero-shot": "zero-shot", "ml-cs-6": "ML-CS 6 langs", "ml-cs-10": "ML-CS 10 langs"}
    train_stats = {name: run.data(c)[2].get("switch") for name, c in conds.items()}
    md = ["# Seen and unseen languages (ML-CS into 6 vs 10 languages)\n",
          _protocol_note(run),
          "ML-CS 6: switched into de, ar, ru, es, zh, vi (MUSE, ratio 0.5); ML-CS 10: also "
          "el, hi, tr, th. Seen: the six; unseen: el, hi, th, tr (switched into by ML-CS 10 "
          "only). MRR@10 x 100 on XQuAD-R (1190 questions per pair); `*`/`v`: above/below "
          "zero-shot, `+`/`-`: ML-CS 6 above/below ML-CS 10, paired t-test p < 0.05 after "
          f"Bonferroni over all {len(table.tests)} tests of this table. Averages are per "
          "question over the pairs of the group.\n",
          table.to_markdown(labels, extra=["ml-cs-6"]),
          _share_lines(train_stats, labels),
          "\n## t-tests\n", table.tests_markdown(labels),
          "\n## All metrics\n", full_report("seen-unseen", scores, ev.grid())]
    return Output("seen_unseen", "\n".join(md),
                  {"table": table.to_dict(), "conditions": {k: c.key for k, c in conds.items()},
                   "training_switch": train_stats,
                   "seconds_from_scratch": run.cost(conds.values())})


def lexicon_source(run: Runner, ev: Evaluation) -> Output:
    """MUSE vs FreeDict for BL-CS (de) and ML-CS over the seven FreeDict languages."""
    install_freedict(FREEDICT_LANGS, not run.args.no_install)
    seed = 1
    conds = {"zero-shot": zero_shot(seed),
             "bl-cs-muse": cs("muse", ("de",), seed=seed),
             "bl-cs-freedict": cs("freedict", ("de",), seed=seed),
             "ml-cs-muse": cs("muse", FREEDICT_LANGS, seed=seed),
             "ml-cs-freedict": cs("freedict", FREEDICT_LANGS, seed=seed)}
    scores = {name: run.scores(c, ev) for name, c in conds.items()}
    rows = [Row("MoIR EN-EN", ("xquad_r|moir:en",))]
    for x in FREEDICT_LANGS:
        rows.append(Row(f"EN-{x.upper()}", (f"xquad_r|clir:en-{x}",)))
        rows.append(Row(f"{x.upper()}-EN", (f"xquad_r|clir:{x}-en",)))
    rows.append(Row("CLIR avg (7 langs, EN-X, X-EN)",
                    tuple(k for x in FREEDICT_LANGS for k in (f"xquad_r|clir:en-{x}",
                                                              f"xquad_r|clir:{x}-en"))))
    rows += _mlqa_rows(ev, ("moir:de", "clir:de-ar", "clir:ar-de"))
    rows = ev.rows(rows)
    table = Table("lexicon source", {k: [v] for k, v in scores.items()}, rows, "zero-shot",
                  comparisons=[("bl-cs-freedict", "bl-cs-muse"),
                               ("ml-cs-freedict", "ml-cs-muse")])
    labels = {"zero-shot": "zero-shot", "bl-cs-muse": "BL-CS MUSE",
              "bl-cs-freedict": "BL-CS FreeDict", "ml-cs-muse": "ML-CS-7 MUSE",
              "ml-cs-freedict": "ML-CS-7 FreeDict"}
    cov = lexicon_coverage(run)
    evaluated = [x for x in FREEDICT_LANGS if x in ev.langs]
    train_stats = {name: run.data(c)[2].get("switch") for name, c in conds.items()}
    gain: dict[str, dict[str, float]] = {}
    for x in evaluated:
        rs = [f"EN-{x.upper()}", f"{x.upper()}-EN"]
        gain[x] = {name: float(np.mean([table.values[(name, r)] - table.values[("zero-shot", r)]
                                        for r in rs]))
                   for name in conds if name != "zero-shot"}
    cov_lines = ["| lang | MUSE entries | MUSE coverage | FreeDict entries | FreeDict coverage"
                 " | ML-CS-7 MUSE gain | ML-CS-7 FreeDict gain | BL-CS MUSE gain | "
                 "BL-CS FreeDict gain |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for x in FREEDICT_LANGS:  # coverage of every language; gains where evaluated
        m, f, g = cov[x]["muse"], cov[x]["freedict"], gain.get(x)
        ml = (f"{g['ml-cs-muse'] * 100:+.1f} | {g['ml-cs-freedict'] * 100:+.1f}" if g
              else "n/a | n/a")
        bl = (f"{g['bl-cs-muse'] * 100:+.1f} | {g['bl-cs-freedict'] * 100:+.1f}"
              if g and x == "de" else " | ")
        cov_lines.append(f"| {x} | {m['entries']:,} | {m['coverage'] * 100:.1f}% | "
                         f"{f['entries']:,} | {f['coverage'] * 100:.1f}% | {ml} | {bl} |")
    md = ["# Lexicon source: MUSE vs FreeDict\n", _protocol_note(run),
          "BL-CS: EN-DE switching at ratio 0.5 with MUSE en-de or FreeDict eng-deu; ML-CS-7: "
          "ratio 0.5, one language drawn per word among de, ar, ru, es, el, hi, tr, with the "
          "MUSE or the FreeDict dictionaries (the XQuAD-R languages FreeDict has in Debian). "
          "MRR@10 x 100; `*`/`v`: above/below zero-shot, `+`/`-`: FreeDict above/below MUSE "
          f"(same method), p < 0.05 after Bonferroni over all {len(table.tests)} tests.\n",
          table.to_markdown(labels, extra=["bl-cs-freedict", "ml-cs-freedict"]),
          "\n## Coverage and gain\n",
          "Coverage: share of the training pairs' word tokens (query and passage; numbers and "
          "punctuation excluded) that start a usable entry of the lexicon (identity entries "
          "excluded, as switching excludes them). Gain: MRR@10 x 100 minus zero-shot, mean of "
          "EN-X and X-EN.\n", "\n".join(cov_lines) + "\n",
          _share_lines(train_stats, labels),
          "\n## t-tests\n", table.tests_markdown(labels),
          "\n## All metrics\n", full_report("lexicon-source", scores, ev.grid())]
    return Output("lexicon_source", "\n".join(md),
                  {"table": table.to_dict(), "coverage": cov, "gain": gain,
                   "conditions": {k: c.key for k, c in conds.items()},
                   "training_switch": train_stats,
                   "seconds_from_scratch": run.cost(conds.values())})


def lexicon_coverage(run: Runner) -> dict[str, dict[str, dict[str, Any]]]:
    """Entries and coverage of the training pairs' words per language and source (cached)."""
    path = run.root / "coverage.json"
    cached = json.loads(path.read_text()) if path.exists() else {}
    if any(x not in cached for x in FREEDICT_LANGS):
        from csgen.switch import SwitchStats

        train, _ = run.pairs()
        for x in FREEDICT_LANGS:
            if x in cached:
                continue
            cached[x] = {}
            for source in ("muse", "freedict"):
                lex = run.lexicon(source, x)
                stats = SwitchStats()
                switch_pairs(train, [lex], 0, 0.0, stats=stats)
                w = _words(stats.to_dict())
                cached[x][source] = {"entries": len(lex), "coverage": w["coverage"],
                                     "words": w["words"]}
        _json(path, cached)
    return cached


def _share_lines(stats: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    lines = ["\nShare of the training pairs' word tokens switched (and into which language):\n",
             "| model | switched | per language |", "|---|---:|---|"]
    for name, s in stats.items():
        if not s:
            continue
        per = ", ".join(f"{x} {v * 100:.1f}%" for x, v in s["by_lang"].items())
        lines.append(f"| {labels.get(name, name)} | {s['switched_share'] * 100:.1f}% | {per} |")
    return "\n".join(lines) + "\n"


def ratio(run: Runner, ev: Evaluation) -> Output:
    """BL-CS (de) at several ratios; zero-shot is ratio 0."""
    seed = 1
    conds = {"0": zero_shot(seed),
             **{f"{r:g}": cs("muse", ("de",), r, seed) for r in run.args.ratios}}
    scores = {name: run.scores(c, ev) for name, c in conds.items()}
    rows = [Row("MoIR EN-EN", ("xquad_r|moir:en",)), Row("CLIR EN-DE", ("xquad_r|clir:en-de",)),
            Row("CLIR DE-EN", ("xquad_r|clir:de-en",)), Row("MoIR DE-DE", ("xquad_r|moir:de",))]
    rows += _mlqa_rows(ev, ("moir:de",))
    rows = ev.rows(rows)
    table = Table("switching ratio", {k: [v] for k, v in scores.items()}, rows, "0")
    train_stats = {name: run.data(c)[2].get("switch") for name, c in conds.items()}
    # Rows are ratios here: transpose the table for reading.
    head = ["ratio", "switched words", *(r.label for r in rows)]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for name in conds:
        share = train_stats[name]["switched_share"] * 100 if train_stats[name] else 0.0
        cells = [f"{float(name):g}" + (" (zero-shot)" if name == "0" else ""), f"{share:.1f}%"]
        for r in rows:
            cell = f"{table.values[(name, r.label)] * 100:.1f}"
            if name != "0":
                cell += table.mark(name, "0", r.label, "*", "v")
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
    fig = ratio_plot(table, conds, rows)
    md = ["# Switching ratio (BL-CS, EN-DE, MUSE)\n", _protocol_note(run),
          "BL-CS with MUSE en-de at each ratio (1.0: every word with a non-identity entry "
          "replaced, i.e. word-by-word translation of the training pairs); ratio 0 is the "
          "zero-shot model. MRR@10 x 100; `*`/`v`: above/below zero-shot, p < 0.05 after "
          f"Bonferroni over all {len(table.tests)} tests. Plot: `experiments_ratio.png`.\n",
          "\n".join(lines) + "\n", "\n## t-tests\n", table.tests_markdown(),
          "\n## All metrics\n", full_report("ratio", scores, [r.keys[0] for r in rows])]
    return Output("ratio", "\n".join(md),
                  {"table": table.to_dict(), "ratios": [float(n) for n in conds],
                   "conditions": {k: c.key for k, c in conds.items()},
                   "training_switch": train_stats,
                   "seconds_from_scratch": run.cost(conds.values())}, fig)


def ratio_plot(table: Table, conds: Mapping[str, Condition], rows: Sequence[Row]) -> Any:
    """MRR@10 x 100 against the ratio, one line per row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [float(n) for n in conds]
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    for r, style in zip(rows, ("o-", "s-", "^-", "d--", "v:"), strict=False):
        ax.plot(xs, [table.values[(n, r.label)] * 100 for n in conds], style, label=r.label)
    ax.set_xlabel("switching ratio (0 = zero-shot, 1 = word-by-word translation)")
    ax.set_ylabel("MRR@10 x 100")
    ax.set_title("BL-CS (EN-DE, MUSE): MRR@10 against the switching ratio")
    ax.set_xticks(xs)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center", bbox_to_anchor=(0.45, 0.5))  # the empty middle
    fig.tight_layout()
    return fig


def seeds(run: Runner, ev: Evaluation) -> Output:
    """Zero-shot, BL-CS and ML-CS at ratio 0.5 over training seeds: mean ± std."""
    systems = {"zero-shot": [zero_shot(s) for s in run.args.seeds],
               "bl-cs": [cs("muse", ("de",), 0.5, s) for s in run.args.seeds],
               "ml-cs": [cs("muse", ML_LANGS, 0.5, s) for s in run.args.seeds]}
    scores = {name: [run.scores(c, ev) for c in cs_] for name, cs_ in systems.items()}
    rows = [Row("MoIR EN-EN", ("xquad_r|moir:en",))]
    for s in ("clir:en-de", "clir:de-en", "clir:en-ar", "clir:ar-en", "clir:en-ru",
              "clir:de-ar"):
        rows.append(Row("CLIR " + _pair(*s.split(":")[1].split("-")), (f"xquad_r|{s}",)))
    rows.append(Row(f"MLIR EN-all {len(ev.langs)}", ("xquad_r|mlir:en",)))
    rows += _mlqa_rows(ev, ("moir:de", "clir:de-ar", "clir:ar-de"))
    rows = ev.rows(rows)
    table = Table("seed variance", scores, rows, "zero-shot")
    # Single-seed tests, as in the README: how many seeds are significant on their own?
    per_seed_sig: dict[str, dict[str, int]] = {}
    for i in range(len(run.args.seeds)):
        single = Table("seed", {k: [v[i]] for k, v in scores.items()}, rows, "zero-shot")
        for t in single.tests:
            d = per_seed_sig.setdefault(t["system"], {}).setdefault(t["row"], 0)
            per_seed_sig[t["system"]][t["row"]] = d + int(
                t["p_bonferroni"] < ALPHA and t["diff"] > 0)
    labels = {"zero-shot": "zero-shot", "bl-cs": "BL-CS", "ml-cs": "ML-CS"}
    n = len(run.args.seeds)
    sig_lines = ["| row | BL-CS | ML-CS |", "|---|---:|---:|"]
    for r in rows:
        sig_lines.append(f"| {r.label} | {per_seed_sig['bl-cs'][r.label]}/{n} | "
                         f"{per_seed_sig['ml-cs'][r.label]}/{n} |")
    md = ["# Seed variance (zero-shot, BL-CS, ML-CS at ratio 0.5)\n", _protocol_note(run),
          f"Seeds {', '.join(map(str, run.args.seeds))}: each seeds the switching, the "
          "initialisation and the batch order; the held-out split and the vocabulary are "
          "those of seed 1 (the README's run is seed 1). MRR@10 x 100, mean ± standard "
          f"deviation over the {n} seeds (ddof 1). `*`/`v`: the per-query mean over the "
          "seeds above/below zero-shot's, paired t-test p < 0.05 after Bonferroni over all "
          f"{len(table.tests)} tests.\n",
          table.to_markdown(labels, std=True),
          "\nSeeds on which the single-seed model is significantly above the single-seed "
          "zero-shot model (the README's test, Bonferroni over each seed's table):\n",
          "\n".join(sig_lines) + "\n",
          "\n## t-tests (means over seeds)\n", table.tests_markdown(labels)]
    return Output("seeds", "\n".join(md),
                  {"table": table.to_dict(), "seeds": list(run.args.seeds),
                   "significant_single_seed": per_seed_sig,
                   "conditions": {k: [c.key for c in v] for k, v in systems.items()},
                   "seconds_from_scratch": run.cost(c for v in systems.values() for c in v)})


def _protocol_note(run: Runner) -> str:
    p = run.protocol
    pairs = run.pairs()[0].num_rows
    return (f"Protocol: {pairs:,} SQuAD v1.0 training pairs, {p['encoder']} bi-encoder "
            f"(d={p['dim']}, batch {p['batch_size']}, up to {p['epochs']} epochs, early "
            f"stopping), one {p['vocab_size']}-piece vocabulary"
            + (" (**reduced run: not a result**)" if run.args.reduced else "") + ".\n")


RUNS: dict[str, Callable[[Runner, Evaluation], Output]] = {
    "seen-unseen": seen_unseen, "lexicon-source": lexicon_source, "ratio": ratio,
    "seeds": seeds}


# -- main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", default=",".join(EXPERIMENTS),
                   help=f"comma-separated experiments [{','.join(EXPERIMENTS)}]")
    p.add_argument("-o", "--output", type=Path, default=None,
                   help="results directory [examples/results; --reduced: CACHE/reduced-results]")
    p.add_argument("--cache", type=Path,
                   default=Path(os.environ.get("CSGEN_EXPERIMENTS_CACHE",
                                               Path.home() / ".cache" / "csgen-experiments")))
    p.add_argument("--encoder", choices=("bag", "transformer"), default="bag")
    p.add_argument("--pairs", type=int, default=None, help="use the first N training pairs")
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--vocab-size", type=int, default=VOCAB_SIZE)
    p.add_argument("--vocab-lines", dest="input_sentence_size", type=int, default=VOCAB_LINES,
                   help="lines of text (English first, then lexicon targets) the vocabulary "
                        "is trained on")
    p.add_argument("--dim", type=int, default=DIM)
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    p.add_argument("--seeds", default=",".join(map(str, SEEDS)),
                   help="training seeds of the seeds experiment")
    p.add_argument("--ratios", default=",".join(f"{r:g}" for r in RATIOS),
                   help="ratios of the ratio experiment")
    p.add_argument("--no-install", action="store_true",
                   help="never run apt-get (skip lexicon-source when FreeDict is missing)")
    p.add_argument("--reduced", action="store_true",
                   help="a small run that checks the script, not a result (see REDUCED)")
    args = p.parse_args(argv)
    args.only = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = [x for x in args.only if x not in EXPERIMENTS]
    if unknown:
        p.error(f"unknown experiment(s) {', '.join(unknown)}; choose among "
                f"{', '.join(EXPERIMENTS)}")
    args.seeds = tuple(int(x) for x in args.seeds.split(","))
    args.ratios = tuple(float(x) for x in args.ratios.split(","))
    if args.reduced:
        args.pairs, args.epochs, args.vocab_size, args.input_sentence_size = (
            REDUCED["pairs"], REDUCED["epochs"], REDUCED["vocab_size"], REDUCED["vocab_lines"])
        args.ratios, args.seeds = REDUCED["ratios"], REDUCED["seeds"]
    if len(args.seeds) < 2 and "seeds" in args.only:
        p.error("--seeds needs at least two seeds for a standard deviation")
    if args.output is None:
        args.output = (args.cache / "reduced-results" if args.reduced
                       else REPO / "examples" / "results")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    run = Runner(args)
    ev = Evaluation(args.reduced)
    args.output.mkdir(parents=True, exist_ok=True)
    log(f"cache {run.root}; results in {args.output}")
    skipped: dict[str, str] = {}
    for name in args.only:
        t0 = time.perf_counter()
        log(f"== {name}")
        try:
            out = RUNS[name](run, ev)
        except Skip as e:
            log(f"skipping {name}: {e}")
            skipped[name] = str(e)
            continue
        seconds = time.perf_counter() - t0
        out.data.update(experiment=name, reduced=args.reduced, protocol=run.protocol,
                        cache=str(run.root), seconds_this_run=seconds)
        note = (f"\nWall time: {out.data['seconds_from_scratch'] / 60:.1f} min from scratch "
                f"(switching, training and evaluating its models, plus the shared vocabulary; "
                f"models shared with other experiments counted in full), "
                f"{seconds / 60:.1f} min in this run; 2 CPU cores shared with other jobs "
                "(inflated).\n")
        md = out.markdown.replace("\n## t-tests", note + "\n## t-tests", 1)
        stem = args.output / f"experiments_{out.name}"
        stem.with_suffix(".md").write_text(md, encoding="utf-8")
        stem.with_suffix(".json").write_text(json.dumps(out.data, indent=1) + "\n",
                                             encoding="utf-8")
        if out.figure is not None:
            out.figure.savefig(stem.with_suffix(".png"))
        log(f"wrote {stem}.md ({seconds:.0f} s)")
    log(f"done in {time.perf_counter() - started:.0f} s"
        + (f"; skipped {', '.join(skipped)}" if skipped else ""))
    if skipped:
        for name, why in skipped.items():
            print(f"skipped {name}: {why}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A PyTorch ``IterableDataset`` over Parquet shards, switched on the fly or read as stored.

This is the only csgen module that imports torch; ``import csgen`` never imports it.

**Sources.** Parquet files (a file, a directory of shards, or a list), a Hugging Face
``datasets.Dataset`` (read by slices of its Arrow table: every feature below works as with
files) or a ``datasets.IterableDataset`` (a stream: read in order, in blocks of
``block_rows`` rows; block ``i`` goes to consumer ``i % consumers`` and its rows are keyed
by their position in the stream, so every consumer reads the whole stream and switches
its own blocks; no ``shuffle`` (shuffle the stream itself and give ``id_column``), and
``state_dict(batches=...)`` needs the number of rows, which a stream has not).

**Modes.** Without lexicons the dataset yields the given columns as stored (csgen's own
``part-NNNNN.parquet`` output, or any Parquet). With ``lexicons`` and ``config`` each
block of rows is switched as it is read, by a :class:`~csgen.Switcher` built once per
process, lazily (inside each DataLoader worker, never pickled to it).

**Epochs.** Epoch ``e`` switches with seed :func:`epoch_seed` ``(config.seed, e)``: the
base seed itself for epoch 0 (so epoch 0 equals ``csgen switch --seed S`` over the same
rows) and a SplitMix64 mix of ``(seed, e)`` after it. Row keys are global row indices
(rows of the files in order) or ``id_column``, so what a row becomes in epoch ``e``
depends on nothing else: not on workers, ranks, block size or shuffling. Call
:meth:`SwitchingDataset.set_epoch` before each epoch, as with ``DistributedSampler``.

**Splitting.** The rows are cut into blocks (``block_rows`` rows, never across files).
Each epoch the block order is fixed (shuffled with ``shuffle=True``, seeded by
``(shuffle_seed, epoch)``; rows inside a block too), and block ``i`` of that order goes
to consumer ``i % (world_size * num_workers)``; consumer ``rank * num_workers + worker``.
Every row is yielded by exactly one consumer per epoch.

**Resuming.** A consumer's stream in an epoch is a fixed sequence, so progress is how
many rows each consumer has delivered. :meth:`~SwitchingDataset.state_dict` gives
``{"epoch", "num_consumers", "rows_done": {consumer: rows}}``; after
:meth:`~SwitchingDataset.load_state_dict` each consumer skips its first ``rows_done``
rows. With ``num_workers=0`` the dataset counts what it handed to the loader, which is
exactly what the loop consumed: resumed output continues the uninterrupted one row for
row. With ``num_workers > 0`` the workers' counts are not visible in the main process;
``state_dict(batches=N, batch_size=B, num_workers=W)`` derives them from the number of
batches the loop took, using how ``DataLoader`` (default ``in_order=True``) interleaves
workers: round ``r`` gives batch ``r`` of worker 0, 1, ... (a worker that has run out is
skipped). The resumed epoch then yields exactly the rows not yet consumed, each once;
their order equals the uninterrupted order when ``N`` is a multiple of ``W`` (else the
same batches, with the first partial round's workers reordered). The resumed run must
use the same ``num_workers``, ``world_size``, ``block_rows`` and ``batch_size``.

**Tokenising.** With ``tokenizer=`` (a sentencepiece ``.model``) every output column
``c`` also gets ``c_ids`` (``list[int]``), cut to ``max_length`` pieces. Cut sequences
are counted in :attr:`SwitchingDataset.truncated` (this process's count: exact with
``num_workers=0``) and each consumer logs a summary at the end of its epoch (logger
``csgen.stream``; no warning, so strict test suites stay quiet).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

# isort: off
from . import _torch_env  # noqa: F401  (sets the OpenMP wait policy before torch loads)
import torch
from torch.utils.data import IterableDataset, get_worker_info
# isort: on

from ._rng import MASK64, splitmix64
from ._validate import positive_int
from .config import SwitchConfig, available_cores
from .errors import ColumnError, ConfigError, InputError
from .io.files import find_files, is_url

__all__ = ["SwitchingDataset", "collate_pad", "epoch_seed"]

log = logging.getLogger(__name__)

def epoch_seed(seed: int, epoch: int) -> int:
    """The switching seed of ``epoch``: ``seed`` for epoch 0, else
    ``splitmix64(seed ^ splitmix64(epoch))`` (64-bit), a pure function of both.

    Example:
        >>> epoch_seed(7, 0), epoch_seed(7, 1) == epoch_seed(7, 1), epoch_seed(7, 1) != 7
        (7, True, True)
    """
    if epoch < 0:
        raise ConfigError(f"epoch must be >= 0, got {epoch}")
    if epoch == 0:
        return seed
    return splitmix64((seed ^ splitmix64(epoch)) & MASK64)


@dataclass(frozen=True)
class _Block:
    file: int  # index into the file list
    start: int  # first row inside the file
    stop: int
    row_base: int  # global index of the first row


def _resolve_files(files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]
                   ) -> list[Path]:
    """The Parquet files of each spec, in order, by the rules of :mod:`csgen.io.files`
    (a directory: its ``*.parquet``/``*.pq`` files below it, sorted; a glob)."""
    if isinstance(files, (str, os.PathLike)):
        files = [files]
    specs = [os.fspath(f) for f in files]
    if not specs:
        raise ConfigError("SwitchingDataset needs at least one Parquet file; got an empty list")
    out: list[Path] = []
    for spec in specs:
        path = Path(spec)
        if is_url(spec):  # workers open shards by path: local files only
            raise InputError(f"{spec}: SwitchingDataset reads local Parquet files, not URLs")
        found = find_files(spec, formats=("parquet",))
        if found.kind == "directory" and not found.files:
            raise InputError(f"{path}: no Parquet shards (*.parquet, *.pq) in this directory")
        if not found.files:
            raise InputError(f"{path}: no such Parquet file or directory")
        out += [Path(f.name) for f in found.files]
    return out


def _hf_source(files: Any) -> tuple[Any, Any]:
    """``(Dataset, None)``, ``(None, IterableDataset)`` for a Hugging Face source, else
    ``(None, None)``; ``datasets`` is looked up only if it is already imported."""
    datasets = sys.modules.get("datasets")
    if datasets is None:
        return None, None
    if isinstance(files, datasets.Dataset):
        return files, None
    if isinstance(files, datasets.IterableDataset):
        return None, files
    return None, None


def _consumer() -> tuple[int, int]:
    """``(worker id, number of workers)`` of the calling process."""
    info = get_worker_info()
    return (0, 1) if info is None else (info.id, info.num_workers)


class SwitchingDataset(IterableDataset):
    """Rows of Parquet files as dicts, optionally code-switched and tokenised per epoch.

    Args:
        files: a Parquet file, a directory of shards (every ``*.parquet`` or ``*.pq``
            below it, sorted; names starting with ``.`` or ``_`` skipped), a glob, or a
            list of these (rows are numbered across them in that order); or a Hugging
            Face ``datasets.Dataset`` or ``IterableDataset`` (see the module notes).
        columns: the columns to yield; in on-the-fly mode the columns switched.
        lexicons: lexicon specs (``PATH``/``LANG=PATH``, as ``csgen switch --lexicon``)
            or :class:`~csgen.Lexicon` objects; turns on on-the-fly switching.
        config: the :class:`~csgen.SwitchConfig` (its seed is the base seed). With
            ``threads=None`` each DataLoader worker uses ``cores // num_workers``.
        extra_columns: further columns yielded as stored (ids, labels).
        id_column: row keys for switching come from this column instead of the global
            row index (as ``csgen switch --id-column``).
        keep_switches: also yield ``<col>_switches`` (alignment records) per row.
        index_key: if given, each row also carries its global row index under this key.
        block_rows: rows per block, the unit of splitting, shuffling and reading.
        shuffle: shuffle block order and rows within blocks, per epoch.
        shuffle_seed: seed of the shuffling (default: ``config.seed``, else 0).
        rank, world_size: this process's distributed rank; default from
            ``torch.distributed`` when initialised (at construction and ``set_epoch``),
            else 0 and 1.
        tokenizer: a sentencepiece ``.model``; adds ``<col>_ids`` per column.
        max_length: cut ``<col>_ids`` to this many pieces (counted in ``truncated``).
    """

    def __init__(
        self,
        files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | Any,
        columns: Sequence[str],
        *,
        lexicons: Sequence[Any] | None = None,
        config: SwitchConfig | None = None,
        extra_columns: Sequence[str] = (),
        id_column: str | None = None,
        keep_switches: bool = False,
        index_key: str | None = None,
        block_rows: int = 1024,
        shuffle: bool = False,
        shuffle_seed: int | None = None,
        rank: int | None = None,
        world_size: int | None = None,
        tokenizer: str | os.PathLike[str] | None = None,
        max_length: int | None = None,
    ) -> None:
        super().__init__()
        self._hf, self._stream = _hf_source(files)
        self.files = [] if self._hf is not None or self._stream is not None else (
            _resolve_files(files))
        columns = [columns] if isinstance(columns, str) else list(dict.fromkeys(columns))
        if not columns:
            raise ConfigError("no column was given")
        self.columns = tuple(columns)
        self.extra_columns = tuple(c for c in dict.fromkeys(extra_columns) if c not in columns)
        self.id_column = id_column
        if lexicons is not None and not isinstance(lexicons, (list, tuple)):
            lexicons = [lexicons]
        self.lexicons = tuple(lexicons) if lexicons else ()
        if lexicons is not None and not self.lexicons:
            raise ConfigError("lexicons is empty; give none for precomputed mode")
        if self.lexicons and config is None:
            raise ConfigError("on-the-fly switching needs a SwitchConfig (config=...)")
        if config is not None and not self.lexicons:
            raise ConfigError("config was given without lexicons")
        self.config = config
        self.keep_switches = keep_switches
        self.index_key = index_key
        positive_int("block_rows", block_rows)
        positive_int("max_length", max_length, optional=True)
        self.block_rows = block_rows
        if shuffle and self._stream is not None:
            raise ConfigError("a streamed IterableDataset cannot be shuffled here: shuffle the "
                              "stream itself (ds.shuffle(seed=..., buffer_size=...)) and give "
                              "id_column, so each row keeps its switches")
        self.shuffle = shuffle
        self.shuffle_seed = (shuffle_seed if shuffle_seed is not None
                             else (config.seed if config is not None else 0))
        self._explicit_rank = rank is not None or world_size is not None
        self.rank, self.world_size = self._rank_world(rank, world_size)
        self.tokenizer = None if tokenizer is None else str(tokenizer)
        if self.tokenizer is not None and not Path(self.tokenizer).is_file():
            raise InputError(f"{self.tokenizer}: no such sentencepiece model")
        self.max_length = max_length
        self.epoch = 0
        self.truncated = 0
        self.sequences = 0
        self._skip: dict[int, int] = {}
        self._done: dict[int, int] = {}
        self._rows_per_file, self._rg_bounds = self._scan()
        #: rows of all files, every rank and worker together (no ``__len__``: a DataLoader
        #: would take it for this rank's length); ``None`` for a stream.
        self.num_rows = None if self._stream is not None else int(sum(self._rows_per_file))
        self._steps: Any = None
        self._sp: Any = None
        self._cache: tuple[tuple[int, int], pa.Table] | None = None

    # -- set-up ----------------------------------------------------------------------------
    @staticmethod
    def _rank_world(rank: int | None, world_size: int | None) -> tuple[int, int]:
        if rank is None and world_size is None:
            dist = torch.distributed
            if dist.is_available() and dist.is_initialized():
                return dist.get_rank(), dist.get_world_size()
            return 0, 1
        if rank is None or world_size is None:
            raise ConfigError("give both rank and world_size, or neither")
        if world_size < 1 or not 0 <= rank < world_size:
            raise ConfigError(f"need 0 <= rank < world_size, got rank={rank}, "
                              f"world_size={world_size}")
        return rank, world_size

    def _needed(self) -> list[str]:
        need = [*self.columns, *self.extra_columns]
        if self.id_column is not None and self.id_column not in need:
            need.append(self.id_column)
        return need

    def _scan(self) -> tuple[list[int], list[np.ndarray]]:
        need = self._needed()
        hf = self._hf if self._hf is not None else self._stream
        if hf is not None:
            names = None if hf.features is None else list(hf.features)
            missing = [c for c in need if names is not None and c not in names]
            if missing:
                raise ColumnError(f"the dataset has no column(s) {', '.join(map(repr, missing))};"
                                  f" it has: {', '.join(names or [])}")
            if self._stream is not None:
                return [], []
            if len(hf) == 0:
                raise InputError("no rows in the dataset")
            return [len(hf)], [np.array([0, len(hf)], dtype=np.int64)]
        rows, bounds = [], []
        for path in self.files:
            try:
                meta = pq.ParquetFile(path).metadata
                names = meta.schema.to_arrow_schema().names
            except (OSError, pa.ArrowException) as e:
                raise InputError(f"{path}: cannot read as Parquet: {e}") from None
            missing = [c for c in dict.fromkeys(need) if c not in names]
            if missing:
                raise ColumnError(f"{path}: column(s) {', '.join(map(repr, missing))} not "
                                  f"found; the file has: {', '.join(names)}")
            counts = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
            rows.append(int(meta.num_rows))
            bounds.append(np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]))
        if sum(rows) == 0:
            raise InputError(f"no rows in {', '.join(map(str, self.files))}")
        return rows, bounds

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_steps"] = state["_sp"] = state["_cache"] = None  # rebuilt in the worker
        return state

    # -- epochs and splitting ---------------------------------------------------------------
    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch``'s seed and block order; a loaded resume point is kept only when
        ``epoch`` is the epoch it was saved in."""
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ConfigError(f"epoch must be an integer >= 0, got {epoch!r}")
        if epoch != self.epoch:
            self._skip, self._done = {}, {}
        self.epoch = epoch
        if not self._explicit_rank:
            self.rank, self.world_size = self._rank_world(None, None)

    def blocks(self, epoch: int | None = None) -> list[_Block]:
        """Every block, in ``epoch``'s order (shuffled with ``shuffle``)."""
        if self._stream is not None:
            raise ConfigError("a streamed IterableDataset has no block list: its rows are "
                              "known only as they are read")
        out: list[_Block] = []
        base = 0
        for f, n in enumerate(self._rows_per_file):
            for start in range(0, n, self.block_rows):
                out.append(_Block(f, start, min(n, start + self.block_rows), base + start))
            base += n
        if self.shuffle:
            rng = np.random.default_rng([self.shuffle_seed, self.epoch if epoch is None
                                         else epoch])
            out = [out[i] for i in rng.permutation(len(out))]
        return out

    def consumer_blocks(self, consumer: int, num_consumers: int,
                        epoch: int | None = None) -> list[_Block]:
        """The blocks consumer ``consumer`` of ``num_consumers`` reads, in order."""
        return self.blocks(epoch)[consumer::num_consumers]

    def _consumer_rows(self, num_workers: int) -> dict[int, int]:
        c = self.world_size * max(num_workers, 1)
        return {cid: sum(b.stop - b.start for b in self.consumer_blocks(cid, c))
                for cid in self._my_consumers(num_workers)}

    def _my_consumers(self, num_workers: int) -> list[int]:
        w = max(num_workers, 1)
        return [self.rank * w + i for i in range(w)]

    # -- resuming ---------------------------------------------------------------------------
    def state_dict(self, *, batches: int | None = None, batch_size: int | None = None,
                   num_workers: int = 0, drop_last: bool = False) -> dict[str, Any]:
        """This rank's resume point: ``{"epoch", "num_consumers", "rows_done"}``.

        Without ``batches``: what this process's iteration handed out (exact with
        ``num_workers=0``). With ``batches`` (and ``batch_size``, ``num_workers``,
        ``drop_last`` as given to the DataLoader): the rows the loop consumed after
        taking ``batches`` batches of the current iteration (see the module notes).
        """
        w = max(num_workers, 1)
        if batches is None:
            done = dict(self._skip)
            done.update(self._done)
        else:
            if batch_size is None or batch_size < 1:
                raise ConfigError("state_dict(batches=...) needs batch_size")
            total = self._consumer_rows(num_workers)
            cids = self._my_consumers(num_workers)
            remaining = [total[c] - self._skip.get(c, 0) for c in cids]
            n_batches = [r // batch_size if drop_last else -(-r // batch_size)
                         for r in remaining]
            taken = [0] * w
            left = batches
            rnd = 0
            while left > 0 and any(rnd < n for n in n_batches):
                for i in range(w):
                    if left and rnd < n_batches[i]:
                        taken[i] += 1
                        left -= 1
                rnd += 1
            if left:
                raise ConfigError(f"{batches} batches is more than this epoch has")
            done = {c: self._skip.get(c, 0) + min(remaining[i], taken[i] * batch_size)
                    for i, c in enumerate(cids)}
        return {"epoch": self.epoch, "num_consumers": self.world_size * w,
                "rows_done": {int(k): int(v) for k, v in done.items()}}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Resume from :meth:`state_dict`: the next iteration of ``state["epoch"]`` skips
        the rows each consumer already delivered. The loader must use the same number
        of consumers (``world_size * num_workers``), checked when iterating."""
        try:
            epoch = int(state["epoch"])
            consumers = int(state["num_consumers"])
            done = {int(k): int(v) for k, v in dict(state["rows_done"]).items()}
        except (KeyError, TypeError, ValueError) as e:
            raise ConfigError(f"not a SwitchingDataset state: {e!r}") from None
        self.epoch = epoch
        self._skip = done
        self._done = {}
        self._skip_consumers = consumers

    # -- iteration --------------------------------------------------------------------------
    def _get_steps(self) -> Any:
        """The switching chain (:mod:`csgen.steps`), built once per process."""
        if self._steps is None:
            from .steps import StepSpec

            config = self.config
            if config.threads is None:
                _, workers = _consumer()
                config = replace(config, threads=max(1, available_cores() // workers))
            self._steps = StepSpec(tuple(self.lexicons), config, self.columns,
                                   self.id_column).build()
        return self._steps

    def _get_sp(self) -> Any:
        if self._sp is None:
            import sentencepiece as spm

            self._sp = spm.SentencePieceProcessor(model_file=self.tokenizer)
        return self._sp

    def _read(self, block: _Block) -> pa.Table:
        cols = self._needed()
        if self._hf is not None:  # a datasets.Dataset: a slice of its Arrow table
            return self._hf.with_format("arrow")[block.start:block.stop].select(cols)
        bounds = self._rg_bounds[block.file]
        first = int(np.searchsorted(bounds, block.start, side="right")) - 1
        last = int(np.searchsorted(bounds, block.stop, side="left"))
        key = (block.file, first, last)
        if self._cache is not None and self._cache[0] == key:
            table = self._cache[1]
        else:
            table = pq.ParquetFile(self.files[block.file]).read_row_groups(
                list(range(first, last)), columns=cols)
            self._cache = (key, table)
        off = int(bounds[first])
        return table.slice(block.start - off, block.stop - block.start)

    def _process(self, table: pa.Table, row_base: int) -> pa.Table:
        if self.lexicons:
            steps = self._get_steps()
            # The seed is read at each call (nothing compiled depends on it): one
            # chain serves every epoch.
            steps.switcher.config = replace(steps.switcher.config,
                                            seed=epoch_seed(self.config.seed, self.epoch))
            table = pa.Table.from_batches([steps.process_table(table, row_base).batch])
        keep = [*self.columns, *self.extra_columns]
        if self.lexicons and self.keep_switches:
            keep += [c + "_switches" for c in self.columns]
        return table.select(keep)

    def _rows(self, table: pa.Table, row_base: int) -> list[dict[str, Any]]:
        table = self._process(table, row_base)
        data = table.to_pydict()
        n = table.num_rows
        if self.index_key is not None:
            data[self.index_key] = list(range(row_base, row_base + n))
        if self.tokenizer is not None:
            sp = self._get_sp()
            for col in self.columns:
                texts = ["" if t is None else t for t in data[col]]
                ids = sp.encode(texts)
                if self.max_length is not None:
                    cut = [x[:self.max_length] for x in ids]
                    self.truncated += sum(len(a) != len(b) for a, b in zip(ids, cut, strict=True))
                    ids = cut
                self.sequences += n
                data[col + "_ids"] = ids
        names = list(data)
        rows = [dict(zip(names, vals, strict=True)) for vals in zip(*data.values(), strict=True)]
        if self.shuffle:
            rng = np.random.default_rng([self.shuffle_seed, self.epoch, row_base])
            rows = [rows[i] for i in rng.permutation(n)]
        return rows

    def _my_tables(self, cid: int, consumers: int, skip: int
                   ) -> Iterator[tuple[pa.Table | _Block, int, int]]:
        """``(table or block, row_base, rows)`` of consumer ``cid``'s blocks in order;
        whole blocks inside the first ``skip`` rows come as the block, never read."""
        if self._stream is None:
            pos = 0
            for block in self.consumer_blocks(cid, consumers):
                size = block.stop - block.start
                yield (block if pos + size <= skip else self._read(block)), block.row_base, size
                pos += size
            return
        stream = self._stream.with_format("arrow").iter(batch_size=self.block_rows)
        for i, table in enumerate(stream):
            if i % consumers == cid:
                missing = [c for c in self._needed() if c not in table.column_names]
                if missing:
                    raise ColumnError(f"the stream has no column(s) "
                                      f"{', '.join(map(repr, missing))}; it has: "
                                      f"{', '.join(table.column_names)}")
                yield table.select(self._needed()), i * self.block_rows, table.num_rows

    def __iter__(self) -> Iterator[dict[str, Any]]:
        worker, num_workers = _consumer()
        consumers = self.world_size * num_workers
        cid = self.rank * num_workers + worker
        saved = getattr(self, "_skip_consumers", None)
        if self._skip and saved is not None and saved != consumers:
            raise ConfigError(f"the resume point was saved with {saved} consumers "
                              f"(world_size * num_workers); this loader has {consumers}")
        skip = self._skip.get(cid, 0)
        self._done[cid] = skip
        truncated0 = self.truncated
        pos = 0
        for table, row_base, size in self._my_tables(cid, consumers, skip):
            if pos + size <= skip:
                pos += size
                continue
            assert isinstance(table, pa.Table)
            rows = self._rows(table, row_base)
            start = max(0, skip - pos)
            pos += size
            for row in rows[start:]:
                self._done[cid] += 1
                yield row
        if self.tokenizer is not None and self.max_length is not None:
            log.info("csgen.stream: epoch %d, consumer %d of %d: %d sequence(s) truncated "
                     "to max_length=%d", self.epoch, cid, consumers,
                     self.truncated - truncated0, self.max_length)
        self._skip.pop(cid, None)


def collate_pad(batch: Sequence[Mapping[str, Any]], pad_id: int = 0) -> dict[str, Any]:
    """Collate dict rows: lists of ints become a padded ``LongTensor[B, longest]`` plus
    ``<name>_attention_mask`` (``<name>`` without an ``_ids`` suffix; 1 = token); ints,
    floats and bools become tensors; everything else (strings, records) stays a list.

    Example:
        >>> out = collate_pad([{"q_ids": [5, 6], "q": "a"}, {"q_ids": [7], "q": "b"}])
        >>> out["q_ids"].tolist(), out["q_attention_mask"].tolist(), out["q"]
        ([[5, 6], [7, 0]], [[1, 1], [1, 0]], ['a', 'b'])
    """
    if not batch:
        return {}
    out: dict[str, Any] = {}
    for key in batch[0]:
        values = [row[key] for row in batch]
        int_lists = all(isinstance(v, list) and all(isinstance(x, int) for x in v)
                        for v in values)
        if int_lists and (key.endswith("_ids") or any(values)):
            longest = max(len(v) for v in values)
            ids = torch.full((len(values), longest), pad_id, dtype=torch.long)
            mask = torch.zeros((len(values), longest), dtype=torch.long)
            for i, v in enumerate(values):
                if v:
                    ids[i, :len(v)] = torch.tensor(v, dtype=torch.long)
                    mask[i, :len(v)] = 1
            name = key[:-4] if key.endswith("_ids") else key
            out[key] = ids
            out[name + "_attention_mask"] = mask
        elif all(isinstance(v, bool) for v in values):
            out[key] = torch.tensor(values, dtype=torch.bool)
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            out[key] = torch.tensor(values, dtype=torch.long)
        elif all(isinstance(v, float) for v in values):
            out[key] = torch.tensor(values, dtype=torch.float)
        else:
            out[key] = values
    return out

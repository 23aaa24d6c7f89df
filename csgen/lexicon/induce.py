"""Lexicon induction from word embeddings: read ``.vec`` files, align, retrieve, evaluate.

The MUSE recipe (Conneau et al. 2018, "Word translation without parallel data"):

1. :func:`read_vec` both monolingual spaces (fastText/MUSE ``.vec``, optionally gzipped);
2. :func:`procrustes` on seed pairs gives an orthogonal ``W``;
   ``src.transform(W)`` maps the source space into the target space;
3. :func:`retrieve` nearest targets by cosine (``nn``) or CSLS, exact and chunked;
4. :func:`induce` turns them into a :class:`~csgen.lexicon.core.Lexicon`;
5. :func:`evaluate` reports MUSE-style precision@k against a gold dictionary.

Retrieval runs on torch when it is importable (on CUDA when available and
``device`` allows it), else on numpy; torch is never required. Both give the
same result: ties are broken by the smallest target index, whatever the
backend or chunk size.

Example:
    >>> import numpy as np
    >>> src = Embeddings(["cat", "dog"], np.array([[1, 0], [0, 1]], dtype=np.float32))
    >>> tgt = Embeddings(["chien", "chat"], np.array([[0, 1], [1, 0]], dtype=np.float32))
    >>> lex = induce(src, tgt, method="nn", lang="fr", source_lang="en")
    >>> lex.lookup("cat")[0][:2]
    ('fr', 'chat')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .._validate import positive_int
from ..errors import ConfigError, EmptyLexiconError
from .core import Lexicon
from .embeddings import Embeddings, normalize, procrustes, read_vec

__all__ = ["BACKENDS", "DEVICES", "METHODS", "Embeddings", "backend_name", "evaluate", "induce",
           "normalize", "procrustes", "read_vec", "retrieve"]

METHODS = ("nn", "csls")
DEVICES = ("auto", "cpu", "cuda")
BACKENDS = ("auto", "numpy", "torch")


def retrieve(
    src: np.ndarray,
    tgt: np.ndarray,
    *,
    method: str = "nn",
    k: int = 10,
    top_k: int = 1,
    chunk_size: int = 4096,
    device: str = "auto",
    backend: str = "auto",
    rows: Sequence[int] | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``top_k`` nearest targets of each source vector, by cosine or CSLS.

    ``method="nn"`` ranks targets ``y`` by ``cos(x, y)``; ``"csls"`` by
    ``2 cos(x, y) - r_T(x) - r_S(y)``, where ``r_T(x)`` is the mean cosine
    of the ``k`` nearest targets of ``x`` and ``r_S(y)`` that of the ``k``
    nearest sources of ``y`` (over all of ``src``; ``k`` is capped at the
    space's size). Vectors need not be normalised.

    Returns ``(indices int64[n, top_k], scores float32[n, top_k])``, best
    first, for every source row or only for ``rows`` (in that order). Equal
    scores rank the smaller target index first, on every backend and chunk
    size.

    The targets are processed ``chunk_size`` at a time, so memory is about
    ``chunk_size x n_src`` floats: never the full similarity matrix. One pass
    suffices even for CSLS: each chunk gives ``r_S`` of its targets exactly,
    and running per-source top lists give ``r_T`` and the best targets.
    ``backend="auto"`` uses torch when importable (``device="auto"``: CUDA if
    available), else numpy; ``"numpy"``/``"torch"`` force one.
    """
    if method not in METHODS:
        raise ConfigError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if device not in DEVICES:
        raise ConfigError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
    if backend not in BACKENDS:
        raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    for name, value in (("k", k), ("top_k", top_k), ("chunk_size", chunk_size)):
        positive_int(name, value)
    src = _as_matrix(src, "src")
    tgt = _as_matrix(tgt, "tgt")
    if src.shape[1] != tgt.shape[1]:
        raise ConfigError(f"src has {src.shape[1]} dimensions, tgt {tgt.shape[1]}")
    if top_k > tgt.shape[0]:
        raise ConfigError(f"top_k={top_k} but there are only {tgt.shape[0]} targets")
    if rows is None:
        queries, inverse = np.arange(src.shape[0]), None
    else:
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        if rows.size and (rows.min() < 0 or rows.max() >= src.shape[0]):
            raise ConfigError(f"rows must lie in [0, {src.shape[0]})")
        queries, inverse = np.unique(rows, return_inverse=True)
    if queries.size == 0:
        return np.empty((0, top_k), np.int64), np.empty((0, top_k), np.float32)
    src_n, tgt_n = normalize(src), normalize(tgt)
    q = len(queries)
    if method == "nn":
        space = src_n[queries] if q < src.shape[0] else src_n
    elif q < src.shape[0]:  # queries first, then the rest of the space (for r_S)
        rest = np.setdiff1d(np.arange(src.shape[0]), queries, assume_unique=True)
        space = np.concatenate([src_n[queries], src_n[rest]])
    else:
        space = src_n
    groups = _Duplicates(tgt_n)
    ops = _backend(backend, device)
    gids, scores = _retrieve(ops, groups.vectors, space, q, method == "csls", k,
                             min(top_k, len(groups.vectors)), groups.mult,
                             int(min(chunk_size, len(groups.vectors))))
    idx, scores = groups.expand(gids, scores, top_k)
    if inverse is not None:
        idx, scores = idx[inverse], scores[inverse]
    return idx, scores


class _Duplicates:
    """Targets with bitwise-equal unit vectors, computed once.

    Equal vectors must tie exactly, but a matrix product may round the same
    dot product differently at different rows of differently shaped chunks.
    So retrieval runs over distinct vectors (numbered by first occurrence),
    counting each ``mult`` times for CSLS's ``r_T``, and :meth:`expand` maps
    the best groups back to target indices, smallest index first.
    """

    def __init__(self, vectors: np.ndarray) -> None:
        n, d = vectors.shape
        keys = np.ascontiguousarray(vectors).view(np.dtype((np.void, 4 * d))).reshape(n)
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        self.n = n
        self.mult: np.ndarray | None = None
        self.vectors = vectors
        if len(first) == n:
            return
        by_first = np.argsort(first)
        rank = np.empty_like(by_first)
        rank[by_first] = np.arange(len(by_first))
        group = rank[inverse.reshape(-1)]
        self.vectors = vectors[first[by_first]]
        self.mult = np.bincount(group, minlength=len(first))
        self.members = np.argsort(group, kind="stable")
        self.starts = np.cumsum(self.mult) - self.mult

    def expand(self, gids: np.ndarray, scores: np.ndarray,
               top_k: int) -> tuple[np.ndarray, np.ndarray]:
        """Best ``top_k`` targets from the best groups (each group's members in index
        order; the groups are enough since each holds at least one)."""
        if self.mult is None:
            return gids, scores
        n_groups = len(self.mult)
        valid = (gids >= 0) & (gids < n_groups)
        g = np.where(valid, gids, 0)
        size = np.where(valid, np.minimum(self.mult[g], top_k), 0)
        slot = np.arange(top_k)
        ok = slot < size[:, :, None]
        at = np.minimum(self.starts[g][:, :, None] + slot, self.n - 1)
        idx = np.where(ok, self.members[at], np.iinfo(np.int64).max).reshape(len(gids), -1)
        val = np.where(ok, scores[:, :, None], -np.inf).reshape(len(gids), -1)
        order = np.argsort(idx, axis=1, kind="stable")
        idx, val = np.take_along_axis(idx, order, 1), np.take_along_axis(val, order, 1)
        order = np.argsort(-val, axis=1, kind="stable")[:, :top_k]
        return (np.take_along_axis(idx, order, 1),
                np.take_along_axis(val, order, 1).astype(np.float32))


def _as_matrix(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] == 0:
        raise ConfigError(f"{name} must be a 2-D array of vectors, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ConfigError(f"{name} holds values that are not finite")
    return x


def _retrieve(ops: Any, tgt: np.ndarray, space: np.ndarray, q: int, csls: bool, k: int,
              top_k: int, mult: np.ndarray | None, chunk: int) -> tuple[np.ndarray, np.ndarray]:
    """The chunked pass. ``space[:q]`` are the queries (all of it for CSLS's r_S);
    target ``i`` stands for ``mult[i]`` equal targets (None: once each).

    Per chunk of targets, ``sims`` (chunk x sources) gives exactly ``r_S`` of the
    chunk's targets (a row top-k). The per-source running lists (best ``top_k``
    targets; ``k`` largest cosines for ``r_T``) are updated from column blocks:
    the maximum of each block of ``b`` rows bounds its values, so a column is
    only looked at if some block beats its running threshold, and then only in
    its best blocks. Later chunks rarely beat the running lists, so after the
    first chunks the cost is the matrix product and two streaming passes.
    """
    n_t, n_s = tgt.shape[0], space.shape[0]
    align = 64 if chunk >= 64 else 1 << (chunk - 1).bit_length()
    c_pad = -(-chunk // align) * align  # rows of the buffer; padding rows hold -inf
    t, s = ops.asarray(tgt), ops.asarray(space)
    sims = ops.empty((c_pad, n_s))
    view = sims[:, :q]
    best_v, best_i = ops.full((q, top_k), -math.inf), ops.full_int((q, top_k), -1)
    b_best = _block(c_pad, top_k)
    k_s = min(k, n_s)
    k_t = min(k, n_t if mult is None else int(mult.sum()))
    b_near = _block(c_pad, k_t)
    near = ops.full((q, k_t), -math.inf) if csls else None
    near_min = ops.full((q, 1), -math.inf)[:, 0] if csls else None
    times = None
    if mult is not None:
        times = ops.asarray(np.concatenate([np.minimum(mult, k_t), np.zeros(c_pad, np.int64)]))
    for start in range(0, n_t, chunk):
        c = min(chunk, n_t - start)
        ops.matmul(t[start:start + c], s, sims[:c])
        if c < c_pad:
            sims[c:] = -math.inf
        if csls:
            r_s = ops.mean_desc(ops.row_topk_values(sims[:c], k_s))
            bmax = ops.block_max(view, b_near)
            cols = ops.active(bmax, near_min)
            if len(cols):
                if times is None:
                    cand = ops.col_topk_values(view, bmax, cols, k_t, b_near)
                else:  # the best k_t distinct vectors, each repeated (up to k_t times)
                    vals, rows = ops.col_select(view, bmax, cols, k_t, b_near)
                    cand = ops.repeat(vals, times[rows + start], k_t)
                cand = ops.topk_values(ops.cat(near[cols], cand), k_t)
                near[cols] = cand
                near_min[cols] = ops.row_min(cand)
            sims[:c] -= (r_s * 0.5)[:, None]
        bmax = ops.block_max(view, b_best)
        cols = ops.active(bmax, best_v[:, -1])
        if len(cols):
            vals, rows = ops.col_select(view, bmax, cols, top_k, b_best)
            vals = ops.cat(best_v[cols], vals)
            rows = ops.cat(best_i[cols], rows + start)
            pick = ops.select_first(vals, top_k)
            best_v[cols] = ops.take(vals, pick)
            best_i[cols] = ops.take(rows, pick)
    if csls:
        best_v = best_v * 2 - ops.mean_desc(near)[:, None]
    return ops.to_numpy(best_i).astype(np.int64), ops.to_numpy(best_v).astype(np.float32)


def _block(rows: int, keep: int) -> int:
    """Block height for column selection: about sqrt(rows / keep), a power of two."""
    b = 1
    while b * 2 <= 64 and rows % (b * 2) == 0 and (b * 2) ** 2 * keep <= rows:
        b *= 2
    return b


class _NumpyOps:
    """Chunk kernels on numpy (BLAS matrix products, the rest single-threaded)."""

    name = "numpy"
    device = "cpu"

    def asarray(self, x: np.ndarray) -> np.ndarray:
        return x

    def empty(self, shape: tuple[int, int]) -> np.ndarray:
        return np.empty(shape, np.float32)

    def full(self, shape: tuple[int, int], value: float) -> np.ndarray:
        return np.full(shape, value, np.float32)

    def full_int(self, shape: tuple[int, int], value: int) -> np.ndarray:
        return np.full(shape, value, np.int64)

    def matmul(self, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
        np.matmul(a, b.T, out=out)

    def cat(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a, b], axis=1)

    def take(self, a: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return np.take_along_axis(a, idx, axis=1)

    def to_numpy(self, a: np.ndarray) -> np.ndarray:
        return a

    def row_min(self, a: np.ndarray) -> np.ndarray:
        return a.min(axis=1)

    def repeat(self, vals: np.ndarray, times: np.ndarray, kk: int) -> np.ndarray:
        """Each value ``times`` times (at most ``kk``), as rows of width ``kk * kk``."""
        keep = np.arange(kk) < times[:, :, None]
        return np.where(keep, vals[:, :, None], -np.inf).reshape(len(vals), -1)

    def mean_desc(self, vals: np.ndarray) -> np.ndarray:
        """Row means, summed largest first in float64 (the same on every backend)."""
        ordered = -np.sort(-vals, axis=1)
        return (ordered.astype(np.float64).sum(axis=1) / vals.shape[1]).astype(np.float32)

    def topk_values(self, vals: np.ndarray, kk: int) -> np.ndarray:
        """The ``kk`` largest values of each row, in any order."""
        m = vals.shape[1]
        return vals if kk >= m else np.partition(vals, m - kk, axis=1)[:, m - kk:]

    def row_topk_values(self, m: np.ndarray, kk: int, width: int = 256) -> np.ndarray:
        """The ``kk`` largest values of each row (any order), without a full-row sort:
        only the ``kk`` blocks of ``width`` columns with the largest maxima can hold them."""
        n = m.shape[1]
        if n <= 4 * kk * width:
            return self.topk_values(m.copy(), kk)
        block_max = np.maximum.reduceat(m, np.arange(0, n, width), axis=1)
        nb = block_max.shape[1]
        blocks = np.argpartition(block_max, nb - kk, axis=1)[:, nb - kk:]
        cols = (blocks[:, :, None] * width + np.arange(width)).reshape(len(m), -1)
        vals = np.take_along_axis(m, np.minimum(cols, n - 1), axis=1)
        vals[cols >= n] = -np.inf
        return self.topk_values(vals, kk)

    def block_max(self, view: np.ndarray, b: int) -> np.ndarray:
        """Maximum of each column over blocks of ``b`` rows: (blocks, columns)."""
        rows, q = view.shape
        return view.reshape(rows // b, b, q).max(axis=1)

    def active(self, block_max: np.ndarray, threshold: np.ndarray) -> np.ndarray:
        """Columns with a block maximum above their threshold."""
        return np.flatnonzero(block_max.max(axis=0) > threshold)

    def _gather(self, view: np.ndarray, blocks: np.ndarray, b: int,
                cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = (blocks[:, :, None] * b + np.arange(b)).reshape(len(blocks), -1)
        return view[rows, cols[:, None]], rows

    def col_topk_values(self, view: np.ndarray, block_max: np.ndarray, cols: np.ndarray,
                        kk: int, b: int) -> np.ndarray:
        """The ``kk`` largest values of columns ``cols`` (any order): (len(cols), kk)."""
        bm = np.ascontiguousarray(block_max.T[cols])
        nb = bm.shape[1]
        blocks = (np.broadcast_to(np.arange(nb), bm.shape) if kk >= nb
                  else np.argpartition(bm, nb - kk, axis=1)[:, nb - kk:])
        vals, _ = self._gather(view, blocks, b, cols)
        return self.topk_values(vals, kk)

    def col_select(self, view: np.ndarray, block_max: np.ndarray, cols: np.ndarray, kk: int,
                   b: int) -> tuple[np.ndarray, np.ndarray]:
        """Best ``kk`` (value, row) of columns ``cols``, ordered by value then row."""
        bm = np.ascontiguousarray(block_max.T[cols])
        blocks = np.sort(self.select_first(bm, min(kk, bm.shape[1])), axis=1)
        vals, rows = self._gather(view, blocks, b, cols)
        pick = self.select_first(vals, kk)
        return self.take(vals, pick), self.take(rows, pick)

    def select_first(self, vals: np.ndarray, kk: int) -> np.ndarray:
        """Positions of the ``kk`` largest values of each row, by value then position."""
        n, m = vals.shape
        if kk == 1:
            return vals.argmax(axis=1)[:, None]
        if kk >= m:
            pos = np.broadcast_to(np.arange(m), (n, m))
        else:
            kth = np.partition(vals, m - kk, axis=1)[:, m - kk:m - kk + 1]
            above = vals > kth
            tied = vals == kth
            need = kk - above.sum(axis=1, keepdims=True)
            chosen = above | (tied & (np.cumsum(tied, axis=1) <= need))
            pos = np.nonzero(chosen)[1].reshape(n, kk)
        order = np.argsort(-np.take_along_axis(vals, pos, axis=1), axis=1, kind="stable")
        return np.take_along_axis(pos, order, axis=1)


class _TorchOps(_NumpyOps):
    """The same kernels on torch tensors (CPU threads or CUDA)."""

    name = "torch"

    def __init__(self, torch: Any, device: str) -> None:
        self.torch = torch
        self.device = device

    def asarray(self, x: np.ndarray) -> Any:
        return self.torch.from_numpy(np.ascontiguousarray(x)).to(self.device)

    def empty(self, shape: tuple[int, int]) -> Any:
        return self.torch.empty(shape, dtype=self.torch.float32, device=self.device)

    def full(self, shape: tuple[int, int], value: float) -> Any:
        return self.torch.full(shape, value, dtype=self.torch.float32, device=self.device)

    def full_int(self, shape: tuple[int, int], value: int) -> Any:
        return self.torch.full(shape, value, dtype=self.torch.int64, device=self.device)

    def matmul(self, a: Any, b: Any, out: Any) -> None:
        self.torch.matmul(a, b.T, out=out)

    def cat(self, a: Any, b: Any) -> Any:
        return self.torch.cat([a, b], dim=1)

    def take(self, a: Any, idx: Any) -> Any:
        return self.torch.gather(a, 1, idx)

    def to_numpy(self, a: Any) -> np.ndarray:
        return a.cpu().numpy()

    def row_min(self, a: Any) -> Any:
        return a.amin(dim=1)

    def repeat(self, vals: Any, times: Any, kk: int) -> Any:
        keep = self.torch.arange(kk, device=self.device) < times[:, :, None]
        inf = self.torch.tensor(-math.inf, device=self.device)
        return self.torch.where(keep, vals[:, :, None], inf).reshape(len(vals), -1)

    def mean_desc(self, vals: Any) -> Any:
        ordered = self.torch.sort(vals, dim=1, descending=True).values
        return (ordered.double().sum(dim=1) / vals.shape[1]).float()

    def topk_values(self, vals: Any, kk: int) -> Any:
        return vals if kk >= vals.shape[1] else self.torch.topk(vals, kk, dim=1).values

    def row_topk_values(self, m: Any, kk: int, width: int = 256) -> Any:
        return self.topk_values(m, kk)

    def block_max(self, view: Any, b: int) -> Any:
        return view.unflatten(0, (view.shape[0] // b, b)).amax(dim=1)

    def active(self, block_max: Any, threshold: Any) -> Any:
        return self.torch.nonzero(block_max.amax(dim=0) > threshold).reshape(-1)

    def _gather(self, view: Any, blocks: Any, b: int, cols: Any) -> tuple[Any, Any]:
        offsets = self.torch.arange(b, device=self.device)
        rows = (blocks[:, :, None] * b + offsets).reshape(len(blocks), -1)
        return view[rows, cols[:, None]], rows

    def col_topk_values(self, view: Any, block_max: Any, cols: Any, kk: int, b: int) -> Any:
        bm = block_max.T[cols]
        nb = bm.shape[1]
        if kk >= nb:
            blocks = self.torch.arange(nb, device=self.device).expand(len(cols), nb)
        else:
            blocks = self.torch.topk(bm, kk, dim=1).indices
        vals, _ = self._gather(view, blocks, b, cols)
        return self.topk_values(vals, kk)

    def col_select(self, view: Any, block_max: Any, cols: Any, kk: int,
                   b: int) -> tuple[Any, Any]:
        bm = block_max.T[cols]
        blocks = self.torch.sort(self.select_first(bm, min(kk, bm.shape[1])), dim=1).values
        vals, rows = self._gather(view, blocks, b, cols)
        pick = self.select_first(vals, kk)
        return self.take(vals, pick), self.take(rows, pick)

    def select_first(self, vals: Any, kk: int) -> Any:
        torch = self.torch
        n, m = vals.shape
        if kk >= m:
            pos = torch.arange(m, device=self.device).expand(n, m)
        else:
            kth = torch.topk(vals, kk, dim=1).values[:, -1:]
            above = vals > kth
            tied = vals == kth
            need = kk - above.sum(dim=1, keepdim=True)
            chosen = above | (tied & (torch.cumsum(tied, dim=1) <= need))
            pos = chosen.nonzero()[:, 1].reshape(n, kk)
        order = torch.sort(-torch.gather(vals, 1, pos), dim=1, stable=True).indices
        return torch.gather(pos, 1, order)


def _backend(backend: str, device: str) -> _NumpyOps:
    torch = None
    if backend != "numpy":
        try:
            import torch
        except ImportError:
            if backend == "torch" or device == "cuda":
                raise ConfigError(
                    "torch is not installed; use backend='numpy' and device='cpu'") from None
    if torch is None:
        if device == "cuda":
            raise ConfigError("device='cuda' needs the torch backend")
        return _NumpyOps()
    cuda = bool(torch.cuda.is_available())
    if device == "cuda" and not cuda:
        raise ConfigError("device='cuda' but torch sees no CUDA device")
    return _TorchOps(torch, "cuda" if cuda and device != "cpu" else "cpu")


def backend_name(backend: str = "auto", device: str = "auto") -> str:
    """What :func:`retrieve` runs on for these options: ``numpy``, ``torch-cpu`` or
    ``torch-cuda``."""
    ops = _backend(backend, device)
    return ops.name if ops.name == "numpy" else f"torch-{ops.device}"


# -- induction ---------------------------------------------------------------------------------
def induce(
    src: Embeddings,
    tgt: Embeddings,
    *,
    method: str = "csls",
    top_k: int = 1,
    mutual: bool = False,
    words: Iterable[str] | None = None,
    lang: str,
    source_lang: str | None = None,
    name: str = "induced",
    k: int = 10,
    chunk_size: int = 4096,
    device: str = "auto",
    backend: str = "auto",
) -> Lexicon:
    """A lexicon of the ``top_k`` nearest targets of each source word.

    ``src`` must already live in the target space (``src.transform(W)`` with
    ``W`` from :func:`procrustes`). ``words`` restricts the entries to these
    source words (say a vocabulary file, or the words of a data set), in
    their order; words without a vector are skipped and counted. CSLS
    statistics still use the whole of both spaces.

    Entries of a source word come best first (so ``first`` candidate choice
    takes the best); ``weight = exp(score)`` (cosine or CSLS score): always
    positive and finite, in the order of the scores, and ``weighted`` choice
    then draws candidates with a softmax of their scores.

    ``mutual=True`` (only with ``top_k=1``) keeps a pair only if each word is
    the other's best match (by the same method, over all words of both
    spaces). ``provenance[0]`` records method, k, top_k, mutual, files and counts.
    """
    if not isinstance(mutual, bool):
        raise ConfigError(f"mutual must be True or False, got {mutual!r}")
    if mutual and top_k != 1:
        raise ConfigError("mutual=True keeps mutual nearest neighbours: use top_k=1")
    options = {"method": method, "k": k, "chunk_size": chunk_size, "device": device,
               "backend": backend}
    if words is None:
        rows = np.arange(len(src), dtype=np.int64)
        missing = 0
    else:
        index = src.index
        wanted = list(dict.fromkeys(words))
        rows = np.array([index[w] for w in wanted if w in index], dtype=np.int64)
        missing = len(wanted) - len(rows)
    idx, scores = retrieve(src.vectors, tgt.vectors, top_k=top_k, rows=rows, **options)
    keep = np.ones(len(rows), dtype=bool)
    if mutual and len(rows):
        targets = np.unique(idx[:, 0])
        back, _ = retrieve(tgt.vectors, src.vectors, top_k=1, rows=targets, **options)
        best_source = np.full(len(tgt), -1, dtype=np.int64)
        best_source[targets] = back[:, 0]
        keep = best_source[idx[:, 0]] == rows
    rows, idx, scores = rows[keep], idx[keep], scores[keep]
    src_words = np.array(src.words, dtype=object)
    tgt_words = np.array(tgt.words, dtype=object)
    source = pa.array(np.repeat(src_words[rows], top_k), type=pa.string())
    target = pa.array(tgt_words[idx.reshape(-1)], type=pa.string())
    weight = np.exp(scores.reshape(-1).astype(np.float64))
    provenance = {
        "format": "induced", "method": method, "k": k if method == "csls" else None,
        "top_k": top_k, "mutual": mutual,
        "files": {"source": src.path, "target": tgt.path},
        "counts": {
            "source_vectors": len(src), "target_vectors": len(tgt),
            "queried": len(keep), "words_without_vector": missing,
            "dropped_not_mutual": int((~keep).sum()), "entries": len(source),
        },
    }
    if len(source) == 0:
        raise EmptyLexiconError("induction gave no entries", name)
    return Lexicon.from_entries(source, target, lang, weight=weight, name=name,
                                source_lang=source_lang, provenance=[provenance])


# -- evaluation --------------------------------------------------------------------------------
def evaluate(lexicon: Lexicon, gold: Lexicon, *, ks: Sequence[int] = (1, 5)) -> dict[str, Any]:
    """MUSE-style precision@k of ``lexicon`` against a ``gold`` dictionary.

    Words are compared lower-cased, sources and targets alike. For each gold
    source the lexicon has, its candidates are its distinct targets ranked by
    weight (descending; equal weights by entry order); it counts as correct
    at ``k`` if any of the first ``k`` is one of the gold translations.
    Returns ``p@K`` (over the covered gold sources; 0.0 if none is covered),
    ``p@K_all`` (over all gold sources: uncovered ones count as wrong),
    ``covered``, ``gold_sources`` and ``coverage``. Only entries in the gold
    dictionary's target languages are used.
    """
    ks = tuple(int(k) for k in ks)
    if not ks or min(ks) < 1:
        raise ConfigError(f"ks must be positive integers, got {ks!r}")
    gold_src = pc.utf8_lower(gold.table.column("source")).combine_chunks()
    gold_tgt = pc.utf8_lower(gold.table.column("target")).combine_chunks()
    sources = pc.unique(gold_src)
    n_gold = len(sources)
    table = lexicon.table.filter(pc.is_in(lexicon.table.column("lang"),
                                          value_set=pa.array(gold.langs, pa.string())))
    lex_src = pc.utf8_lower(table.column("source")).combine_chunks()
    code = pc.fill_null(pc.index_in(lex_src, value_set=sources), -1).to_numpy()
    present = pa.array(np.flatnonzero(code >= 0))
    code = code[present.to_numpy()].astype(np.int64)
    weight = table.column("weight").combine_chunks().take(present).to_numpy()
    pairs = pc.binary_join_element_wise(
        lex_src.take(present),
        pc.utf8_lower(table.column("target")).combine_chunks().take(present), "\x00")
    correct = pc.is_in(pairs, value_set=pc.binary_join_element_wise(
        gold_src, gold_tgt, "\x00")).to_numpy(zero_copy_only=False)
    pair_id = pc.dictionary_encode(pairs).indices.to_numpy()
    # rank: by gold source, weight descending, entry order; a repeated target counts once
    order = np.lexsort((np.arange(len(code)), -weight, code))
    _, first = np.unique(pair_id[order], return_index=True)
    order = order[np.sort(first)]
    code, correct = code[order], correct[order]
    rank = np.arange(len(code)) - np.searchsorted(code, code, side="left")
    covered = np.zeros(n_gold, dtype=bool)
    covered[code] = True
    n_covered = int(covered.sum())
    out: dict[str, Any] = {}
    for k in ks:
        hit = np.zeros(n_gold, dtype=bool)
        hit[code[correct & (rank < k)]] = True
        n_hit = int(hit.sum())
        out[f"p@{k}"] = n_hit / n_covered if n_covered else 0.0
        out[f"p@{k}_all"] = n_hit / n_gold if n_gold else 0.0
    out.update(covered=n_covered, gold_sources=n_gold,
               coverage=n_covered / n_gold if n_gold else 0.0)
    return out

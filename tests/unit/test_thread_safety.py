"""One Switcher (and one loaded lexicon) shared by many Python threads at once.

The core releases the GIL while it switches, so Python threads really run switching in
parallel, each call possibly with C++ threads of its own. Every public entry point
(``switch_array`` with and without row keys, ``switch_batch`` with stats,
``switch_batches``, ``switch_table`` with an id column, ``Lexicon.lookup``) and the core's
word segmenter (``csgen._core.segment``, internal: the only segmenter there is) must give,
under 8 concurrent threads each running the whole workload in its own order, exactly
what one thread gets running it alone.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from threaded import ThreadedSwitcher  # tests/support, on pytest's pythonpath

import csgen
from csgen import _core

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample"
THREADS = 8
ROUNDS = 3


@pytest.fixture(scope="module")
def text() -> pa.Table:
    """240 XQuAD questions and contexts, plus the reader fixtures' MS MARCO passages
    (quotes, accents), as one table with an id column."""
    table = pq.read_table(SAMPLE / "xquad-en.parquet").select(["id", "question", "context"])
    passages = [line.split("\t", 1)[1] for line in
                (Path(__file__).resolve().parents[1] / "data" / "readers" / "collection.tsv")
                .read_text(encoding="utf-8").splitlines()]
    extra = pa.table({"id": [f"p{i}" for i in range(len(passages))], "question": passages,
                      "context": passages[::-1]})
    return pa.concat_tables([table, extra.cast(table.schema)]).combine_chunks()


@pytest.fixture(scope="module")
def lexicons() -> tuple[csgen.Lexicon, csgen.Lexicon]:
    return (csgen.Lexicon.from_muse(SAMPLE / "en-de.txt"),
            csgen.Lexicon.from_muse(SAMPLE / "en-es.txt"))


def comparable(value: Any) -> Any:
    """A value ``==`` can compare: Arrow data as Python lists, numpy arrays as lists."""
    if isinstance(value, (pa.Array, pa.ChunkedArray, pa.Table, pa.RecordBatch)):
        return value.to_pylist()
    if isinstance(value, np.ndarray):
        return (str(value.dtype), value.tolist())
    if isinstance(value, csgen.SwitchedColumn):
        return [comparable(getattr(value, f)) for f in
                ("text", "switches", "n_words", "n_eligible", "n_switched", "lang_switches",
                 "lang_words")]
    if isinstance(value, (list, tuple)):
        return [comparable(x) for x in value]
    return value


def workload(text: pa.Table, lexicons: tuple[csgen.Lexicon, csgen.Lexicon],
             ) -> list[Callable[[], Any]]:
    """Calls on three switchers that share the two lexicons (BL-CS; BL-CS with 2 C++
    threads per call; consistent ML-CS with stopwords, weighted candidates and per-column
    ratios, 2 C++ threads), each with its own seed, over different slices, columns and row
    bases. The two-thread switchers run even small inputs on both (ThreadedSwitcher)."""
    de, es = lexicons
    switchers = [
        csgen.Switcher([de], ratio=0.5, seed=1, threads=1),
        ThreadedSwitcher([de], ratio=0.3, seed=2, threads=2),
        ThreadedSwitcher([de, es], csgen.SwitchConfig(
            ratio=0.6, seed=3, consistent=True, skip_stopwords=True, candidates="weighted",
            lang_sampling="coverage", column_ratios=(("context", 0.25),), threads=2)),
    ]
    batches = text.to_batches(max_chunksize=64)
    calls: list[Callable[[], Any]] = []
    for k, sw in enumerate(switchers):
        for column in ("question", "context"):
            arr = text.column(column).combine_chunks()
            calls.append(lambda sw=sw, a=arr, c=column, k=k: sw.switch_array(
                a, column=c, row_base=1000 * k))
            keys = np.arange(len(arr), dtype=np.uint64)[::-1] * 7919 + k
            part = arr.slice(17, 150)
            calls.append(lambda sw=sw, a=part, c=column, kk=keys[17:167]:
                         sw.switch_array(a, column=c, keys=kk))

        def batch_with_stats(sw: csgen.Switcher = sw, k: int = k) -> Any:
            stats = csgen.SwitchStats()
            out = sw.switch_batch(batches[k % len(batches)], ["question", "context"],
                                  row_base=64 * k, stats=stats)
            return out, stats.to_dict()

        calls.append(batch_with_stats)
        calls.append(lambda sw=sw: list(sw.switch_batches(batches, ["question", "context"])))
        calls.append(lambda sw=sw: sw.switch_table(text, ["context"], id_column="id"))
    words = ["house", "House", "the", "city", "new york", "garden", "unknown-word"]
    calls.append(lambda: [(lex.lookup(w), lex.lookup(w, keep_identity=False))
                          for lex in lexicons for w in words])
    return calls


def run_concurrently(calls: list[Callable[[], Any]], expected: list[Any]) -> None:
    """Each of THREADS threads runs every call ROUNDS times in its own shuffled order,
    all starting together; every result must equal the sequential one."""
    barrier = threading.Barrier(THREADS)
    failures: list[str] = []
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        rng = np.random.default_rng(t)
        try:
            barrier.wait()
            for _ in range(ROUNDS):
                for i in rng.permutation(len(calls)):
                    if comparable(calls[i]()) != expected[i]:
                        failures.append(f"thread {t}: call {i} differs")
        except BaseException as e:  # report it in the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    assert not any(th.is_alive() for th in threads), "a thread hung"
    assert not errors, errors
    assert not failures, failures[:10]


def test_shared_switchers_and_lexicons_from_eight_threads(
        text: pa.Table, lexicons: tuple[csgen.Lexicon, csgen.Lexicon]) -> None:
    """Three switchers sharing two lexicons, every public method, 8 threads x 3 rounds in
    random orders: the results are exactly those of sequential use."""
    calls = workload(text, lexicons)
    expected = [comparable(call()) for call in calls]
    # the workload is not trivial: words were switched (first call: BL-CS questions), and
    # in both languages by the ML-CS switcher (its first call, after 2 x 7 others)
    _, n_switched = expected[0][4]
    assert sum(n_switched) > 100
    _, by_lang = expected[14][5]
    assert min(by_lang) > 0 and len(by_lang) == 2
    run_concurrently(calls, expected)


def test_lexicon_compiled_lazily_under_threads(
        text: pa.Table, lexicons: tuple[csgen.Lexicon, csgen.Lexicon]) -> None:
    """A lexicon unpickled in a worker has no compiled index yet; 8 threads building their
    own Switcher from it at the same moment all switch like a switcher on the original."""
    de = lexicons[0]
    column = text.column("context").combine_chunks()
    want = comparable(csgen.Switcher([de], ratio=0.5, seed=9).switch_array(column))
    fresh = pickle.loads(pickle.dumps(de))
    assert fresh._compiled is None  # the state this test is about
    run_concurrently([lambda: csgen.Switcher([fresh], ratio=0.5, seed=9).switch_array(column)],
                     [want])


def test_segmenter_from_eight_threads(text: pa.Table) -> None:
    """``_core.segment`` on different texts from 8 threads: the same tokens as alone."""
    texts = [x.encode() for x in text.column("context").to_pylist()[:60]]
    texts += ["漢字 don't 3.14 state-of-the-art 👍🏽! e\u0301t\u00e9".encode() * 50]
    calls = [lambda b=b: _core.segment(b) for b in texts]
    expected = [comparable(call()) for call in calls]
    assert all(len(e[0][1]) > 0 for e in expected)
    run_concurrently(calls, expected)

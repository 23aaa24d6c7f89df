"""``Lexicon``, ``SwitchConfig`` and ``Switcher`` pickle by content.

The entries and options travel, never the compiled C++ index (rebuilt on load), so the
objects go to worker processes (``multiprocessing``, ``datasets.map(num_proc=N)``,
joblib, Ray) and HF ``datasets`` fingerprints a transform that holds one: the same
hash in two fresh processes for equal objects, another one when the seed, the ratio or
the lexicon differ.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from csgen import Lexicon, SwitchConfig, Switcher

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample"


@pytest.fixture(scope="module")
def table() -> pa.Table:
    return pq.read_table(SAMPLE / "xquad-en.parquet")


def make_switcher(**options: object) -> Switcher:
    lexicons = [Lexicon.from_muse(SAMPLE / "en-de.txt"), Lexicon.from_muse(SAMPLE / "en-es.txt")]
    return Switcher(lexicons, **{"ratio": 0.5, "seed": 1, **options})


def test_round_trips_switch_the_same(table: pa.Table) -> None:
    sw = make_switcher(consistent=True, lang_weights={"de": 2})
    copy = pickle.loads(pickle.dumps(sw))
    assert copy.config == sw.config
    assert [lex.fingerprint() for lex in copy.lexicons] == [
        lex.fingerprint() for lex in sw.lexicons]
    columns = ["question", "context"]
    assert copy.switch_table(table, columns).equals(sw.switch_table(table, columns))
    config = SwitchConfig(ratio=0.3, column_ratios={"q": 0.2}, column_langs={"q": ["de"]})
    assert pickle.loads(pickle.dumps(config)) == config


def test_the_compiled_index_is_not_pickled_but_rebuilt() -> None:
    lex = Lexicon.from_muse(SAMPLE / "en-de.txt")
    assert lex._compiled is not None  # compiled on load
    copy = pickle.loads(pickle.dumps(lex))
    assert copy._compiled is None
    assert copy.lookup("house") == lex.lookup("house")
    assert copy._compiled is not None


def test_a_switcher_goes_to_a_spawned_process_pool(table: pa.Table) -> None:
    from pool_tasks import switch_chunk

    sw = make_switcher()
    chunks = [(sw, table.slice(i, 80), i) for i in range(0, table.num_rows, 80)]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        # a timeout: a task a worker cannot unpickle kills it, and map would wait forever
        parts = pool.map_async(switch_chunk, chunks).get(timeout=300)
    assert pa.concat_tables(parts).equals(sw.switch_table(table, ["question"]))


HASH_SCRIPT = """
import sys
from datasets.fingerprint import Hasher
import csgen
sample = sys.argv[1]
lexicons = [csgen.Lexicon.from_muse(f"{sample}/en-de.txt"),
            csgen.Lexicon.from_muse(f"{sample}/en-es.txt")]
sw = csgen.Switcher(lexicons, ratio=0.5, seed=1)
print(Hasher.hash(lexicons[0]), Hasher.hash(sw.config), Hasher.hash(sw))
"""


def test_datasets_fingerprint_is_equal_across_processes_and_tracks_the_content() -> None:
    fingerprint = pytest.importorskip("datasets.fingerprint")
    runs = [subprocess.run([sys.executable, "-c", HASH_SCRIPT, str(SAMPLE)], capture_output=True,
                           text=True, check=True, cwd=SAMPLE).stdout.split()
            for _ in range(2)]
    assert runs[0] == runs[1]
    assert len(set(runs[0])) == 3
    hash_of = fingerprint.Hasher.hash
    assert hash_of(make_switcher()) == runs[0][2]  # and the same in this process
    others = [make_switcher(seed=2), make_switcher(ratio=0.6), make_switcher(consistent=True),
              Switcher([Lexicon.from_muse(SAMPLE / "en-de.txt")], ratio=0.5, seed=1)]
    assert len({hash_of(sw) for sw in others} | {runs[0][2]}) == len(others) + 1


def test_a_datasets_map_with_a_switcher_is_hashed_not_randomised(
        table: pa.Table, caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    """A user's own ``map`` over a function holding a Switcher gets a content fingerprint:
    equal for an equal Switcher (a random one would differ), so HF's cache works."""
    datasets = pytest.importorskip("datasets")
    pq.write_table(table, tmp_path / "in.parquet")
    ds = datasets.load_dataset("parquet", data_files=str(tmp_path / "in.parquet"),
                               split="train", cache_dir=str(tmp_path / "cache"))

    def mapped(sw: Switcher) -> str:
        def switch(batch: pa.Table) -> pa.Table:
            return sw.switch_table(batch, ["question"])

        with caplog.at_level(logging.WARNING, logger="datasets"):
            out = ds.with_format("arrow").map(switch, batched=True, batch_size=100)
        return out._fingerprint

    first = mapped(make_switcher())
    assert mapped(make_switcher()) == first
    assert mapped(make_switcher(seed=2)) != first
    assert "couldn't be hashed properly" not in caplog.text

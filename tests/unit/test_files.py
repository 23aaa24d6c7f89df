"""csgen.io.files: the one file discovery (path, directory, glob, URL) and format
detection, and the three callers that share it (open_source, SwitchingDataset's shards,
``csgen train --pairs``) finding the same files."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from csgen.errors import ConfigError, InputError, MissingFileError
from csgen.io import find_files, open_source
from csgen.io.files import format_of, one_file

TABLE = pa.table({"query": ["q"], "passage": ["p"]})


def touch(root: Path, *names: str, parquet: bool = False) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if parquet:
            pq.write_table(TABLE, path)
        else:
            path.write_bytes(b"x")


def rel(found, root: Path) -> list[str]:
    return [os.path.relpath(f.name, root) for f in found.files]


def test_format_of_names():
    assert [format_of(n) for n in ("a.PARQUET", "b.pq", "c.tsv.gz", "d.parquet.gz", "e.md",
                                   "f")] == ["parquet", "parquet", "tsv", None, None, None]


def test_directory_is_walked_sorted_without_hidden_names(tmp_path):
    touch(tmp_path, "a.parquet", "b/2.parquet", "b/1.pq", "c/x.PARQUET", "d.jsonl",
          ".hidden.parquet", "_SUCCESS", "_tmp/x.parquet", ".git/y.parquet",
          "b/_part.parquet", "b/.part.parquet.tmp", "notes.md", "e.parquet.gz")
    found = find_files(tmp_path, formats=("parquet",))
    assert found.kind == "directory" and found.spec == str(tmp_path)
    assert rel(found, tmp_path) == ["a.parquet", "b/1.pq", "b/2.parquet", "c/x.PARQUET"]
    st = (tmp_path / "b" / "1.pq").stat()
    info = found.files[1].info
    assert (info.size, info.mtime_ns) == (st.st_size, st.st_mtime_ns)
    # without a format filter: every readable format
    assert rel(find_files(tmp_path), tmp_path) == [
        "a.parquet", "b/1.pq", "b/2.parquet", "c/x.PARQUET", "d.jsonl"]


def test_files_are_sorted_by_path_string(tmp_path):
    # '-' sorts before '/': a-c.parquet comes before a/b.parquet (string order, which the
    # pipeline's row order and fingerprints rely on), not after it (path-part order)
    touch(tmp_path, "a/b.parquet", "a-c.parquet", "a.parquet")
    assert rel(find_files(tmp_path), tmp_path) == ["a-c.parquet", "a.parquet", "a/b.parquet"]


def test_glob_missing_and_special_files(tmp_path):
    touch(tmp_path, "a.parquet", "_tmp/x.parquet", ".h/y.parquet", "b/z.txt")
    found = find_files(str(tmp_path / "**" / "*"))
    assert found.kind == "glob"  # a glob takes every file it matches, whatever its name
    assert rel(found, tmp_path) == ["_tmp/x.parquet", "a.parquet", "b/z.txt"]
    empty = find_files(str(tmp_path / "*.csv"))
    assert (empty.kind, empty.files) == ("glob", ())
    missing = find_files(tmp_path / "none.parquet")
    assert (missing.kind, missing.files) == ("missing", ())
    one = find_files(tmp_path / "b" / "z.txt")
    assert one.kind == "file" and rel(one, tmp_path) == ["b/z.txt"]
    fifo = tmp_path / "pipe.parquet"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"pipe\.parquet: not a regular file$"):
        find_files(fifo)


def test_exclude_drops_files_from_directories_and_globs(tmp_path):
    touch(tmp_path, "collection.tsv", "queries.tsv", "triples.tsv")
    exclude = [str(tmp_path / "collection.tsv"), os.path.relpath(tmp_path / "queries.tsv")]
    assert rel(find_files(tmp_path, exclude=exclude), tmp_path) == ["triples.tsv"]
    glob = find_files(str(tmp_path / "*.tsv"), exclude=exclude)
    assert rel(glob, tmp_path) == ["triples.tsv"]


def test_one_file(tmp_path):
    touch(tmp_path, "c.tsv")
    assert one_file(str(tmp_path / "c.tsv"), "collection").name == str(tmp_path / "c.tsv")
    with pytest.raises(InputError, match=r"x\.tsv: collection: no such file$"):
        one_file(str(tmp_path / "x.tsv"), "collection")
    with pytest.raises(InputError, match=r"queries: not a regular file$"):
        one_file(str(tmp_path), "queries")


def test_urls_follow_the_same_rules(tmp_path):
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    root = f"/csgen-files-{uuid.uuid4().hex}"
    try:
        for name in ("b.parquet", "a/x.pq", "a/y.jsonl", "_tmp/z.parquet", ".h/w.parquet",
                     "a/_SUCCESS", "a/.x.parquet"):
            fs.pipe(f"{root}/{name}", b"data")
        found = find_files(f"memory://{root}", formats=("parquet",))
        assert found.kind == "directory"
        assert [f.name for f in found.files] == [f"memory://{root}/a/x.pq",
                                                 f"memory://{root}/b.parquet"]
        assert [f.info.size for f in found.files] == [4, 4] and not found.files[0].local
        assert find_files(f"memory://{root}/nothing").kind == "missing"
        with pytest.raises(InputError, match="collection must be one file, found 2"):
            one_file(f"memory://{root}/a", "collection")
        with pytest.raises(InputError, match=r"queries: no such file$"):
            one_file(f"memory://{root}/q.tsv", "queries")
    finally:
        fs.rm(root, recursive=True)
    # file:// is a local path
    touch(tmp_path, "a.parquet", "_b.parquet")
    assert [f.local for f in find_files(f"file://{tmp_path}").files] == [True]


def test_url_without_fsspec(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "fsspec", None)
    with pytest.raises(ConfigError, match="pip install fsspec"):
        find_files("memory://x/a.parquet")


# -- the three callers ---------------------------------------------------------------------


@pytest.fixture
def shard_tree(tmp_path) -> Path:
    """csgen output beside other Parquet: shards in two levels, the hidden manifest,
    Spark's underscore files, a temporary file."""
    touch(tmp_path, "part-00001.parquet", "part-00000.parquet", "more/part-00000.pq",
          ".csgen-manifest.parquet", "_tmp/part-9.parquet", "_SUCCESS",
          "sub/.part-00002.parquet.1.tmp", parquet=True)
    return tmp_path


def test_the_three_callers_find_the_same_files(shard_tree):
    pytest.importorskip("torch")
    from csgen.stream import _resolve_files
    from csgen.train.jobs import _parquet_files

    want = [str(shard_tree / n) for n in ("more/part-00000.pq", "part-00000.parquet",
                                          "part-00001.parquet")]
    assert [f.path for f in open_source(shard_tree).files] == want
    assert [str(p) for p in _resolve_files(shard_tree)] == want
    assert [str(p) for p in _parquet_files(str(shard_tree))] == want
    spec = str(shard_tree / "part-*.parquet")  # an absolute glob
    assert [str(p) for p in _resolve_files(spec)] == want[1:]
    assert [str(p) for p in _parquet_files(spec)] == want[1:]


def test_stream_and_train_keep_their_messages(tmp_path):
    pytest.importorskip("torch")
    from csgen.stream import _resolve_files
    from csgen.train.jobs import _parquet_files

    (tmp_path / "empty").mkdir()
    touch(tmp_path, "empty/notes.parquet.txt", "empty/_x.parquet")
    with pytest.raises(InputError, match=r"empty: no Parquet shards \(\*\.parquet, \*\.pq\) "
                                         "in this directory$"):
        _resolve_files(tmp_path / "empty")
    with pytest.raises(InputError, match=r"empty: no \*\.parquet or \*\.pq files in the "
                                         "directory$"):
        _parquet_files(str(tmp_path / "empty"))
    for spec in (tmp_path / "none.parquet", tmp_path / "*.none"):
        with pytest.raises(InputError, match=r"no such Parquet file or directory$"):
            _resolve_files(spec)
        with pytest.raises(MissingFileError, match=r"no such Parquet file or directory$"):
            _parquet_files(str(spec))
    with pytest.raises(InputError, match="SwitchingDataset reads local Parquet files, not URLs"):
        _resolve_files(["s3://bucket/shards"])
    with pytest.raises(InputError, match="--pairs reads local Parquet files, not URLs"):
        _parquet_files("s3://bucket/pairs.parquet")
    # an explicit file is read as Parquet whatever its name
    touch(tmp_path, "pairs.bin", parquet=True)
    assert _resolve_files(str(tmp_path / "pairs.bin")) == [tmp_path / "pairs.bin"]
    assert _parquet_files(str(tmp_path / "pairs.bin")) == [tmp_path / "pairs.bin"]

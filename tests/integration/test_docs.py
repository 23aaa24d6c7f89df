"""Every code block of the README and of ``docs/`` runs, as written, and says what it shows.

Each document's blocks run in order in a fresh working directory holding the files the
docs name (``pairs.parquet``, ``en-de.txt``, ``squad.json``, ... made from the bundled
sample), so a later block may use what an earlier one wrote. ``python`` blocks run in a
fresh interpreter, ``bash`` blocks in ``bash -euo pipefail``. A block that cannot run
here says why in the comment line before it: ``<!-- not run: REASON -->``; one that needs
the real data sets beside the repository says ``<!-- needs: shared -->`` (run when
``../shared/data`` is there, as in CI). Relative links must lead to files that exist.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "sample"
SHARED = Path(os.environ.get("CSGEN_SHARED_DATA", REPO.parent / "shared" / "data"))
DOCS = [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted((REPO / "docs").glob("*.md"))]
BLOCK = re.compile(r"(?:<!-- (?P<mark>[^>]*?) -->\n)?^```(?P<lang>[\w-]*)\n(?P<code>.*?)^```$",
                   re.S | re.M)
RUNNABLE = {"python", "bash"}
#: languages of blocks that show text, not code to run
SHOWN = {"text", "toml", "json", "console", "markdown", "cpp"}


def blocks(path: Path) -> list[tuple[str, str, str, int]]:
    """``(lang, code, mark, line)`` of every fenced block of ``path``."""
    text = path.read_text(encoding="utf-8")
    return [(m["lang"], m["code"], (m["mark"] or "").strip(), text.count("\n", 0, m.start()) + 1)
            for m in BLOCK.finditer(text)]


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files the docs' examples name, made from the bundled sample."""
    work = tmp_path_factory.mktemp("docs-fixtures")
    for name in ("xquad-en.jsonl", "xquad-en.parquet", "en-de.txt", "en-es.txt", "en-ar.txt"):
        shutil.copy(SAMPLE / name, work / name)
    sample = pq.read_table(SAMPLE / "xquad-en.parquet")
    pq.write_table(pa.table({"qid": sample["id"], "query": sample["question"],
                             "passage": sample["context"]}), work / "pairs.parquet")
    rows = [json.loads(line) for line in
            (REPO / "tests" / "data" / "hf" / "xquad-en-60.jsonl").read_text().splitlines()]
    squad = {"version": "1.1", "data": [{"title": r["title"], "paragraphs": [{
        "context": r["context"], "qas": [{"id": r["id"], "question": r["question"],
                                          "answers": [{"text": t, "answer_start": s}
                                                      for t, s in zip(r["answers"]["text"],
                                                                      r["answers"]["answer_start"],
                                                                      strict=True)]}]}]}
        for r in rows]}
    (work / "squad.json").write_text(json.dumps(squad), encoding="utf-8")
    (work / "corpus.en").write_text("the house is red\na small dog\n", encoding="utf-8")
    (work / "corpus.de").write_text("das Haus ist rot\nein kleiner Hund\n", encoding="utf-8")
    (work / "corpus.align").write_text("0-0 1-1 2-2 3-3\n0-0 1-1 2-2\n", encoding="utf-8")
    if SHARED.is_dir():
        (work / "shared").symlink_to(SHARED)
    return work


def run_block(lang: str, code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "MPLBACKEND": "Agg"}
    if lang == "python":  # from a file, so that spawned processes can import __main__
        (cwd / "doc_block.py").write_text(code, encoding="utf-8")
        cmd = [sys.executable, "doc_block.py"]
    else:
        cmd = ["bash", "-euo", "pipefail", "-c", code]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("doc", DOCS, ids=[p.name for p in DOCS])
def test_every_code_block_runs(doc: Path, fixtures: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(fixtures, work, symlinks=True)
    for lang, code, mark, line in blocks(doc):
        where = f"{doc.relative_to(REPO)}:{line}"
        assert lang in RUNNABLE | SHOWN, f"{where}: a block needs a language ({lang!r})"
        if lang not in RUNNABLE:
            continue
        if mark.startswith("not run"):
            assert mark.partition(":")[2].strip(), f"{where}: say why it is not run"
            continue
        if mark == "needs: shared" and not SHARED.is_dir():
            continue  # CI has the data; a plain clone skips these blocks
        assert mark in ("", "needs: shared"), f"{where}: unknown mark {mark!r}"
        proc = run_block(lang, code, work)
        assert proc.returncode == 0, f"{where} failed:\n{code}\n---\n{proc.stdout[-2000:]}" \
                                     f"\n{proc.stderr[-3000:]}"


def test_relative_links_lead_to_files() -> None:
    link = re.compile(r"\]\(((?!https?:|#|mailto:)[^)#\s]+)")
    missing = [f"{doc.name}: {target}" for doc in DOCS
               for target in link.findall(doc.read_text(encoding="utf-8"))
               if not (doc.parent / target).exists()]
    assert missing == []

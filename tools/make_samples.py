"""Regenerate the small sample data under ``examples/sample/``.

Everything is derived deterministically from the shared data folder (no
randomness, no network)::

    python tools/make_samples.py [--shared ../shared/data]

Outputs (in ``examples/sample/``):

- ``xquad-en.jsonl`` / ``xquad-en.parquet``: the first 240 questions of
  XQuAD English (file order), one row per question: ``id``, ``title``,
  ``question``, ``context``, ``answer_start``, ``answer_text`` (first answer).
- ``en-de.txt``, ``en-es.txt``, ``en-ar.txt``: the lines of the MUSE
  dictionaries whose source word occurs (lowercased) in the sample's questions
  or contexts, byte-for-byte and in the original order.
- ``SOURCE.md`` (provenance, licences, counts) and
  ``LICENSE-CC-BY-SA-4.0.txt`` (copied from the XQuAD folder).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_ROOT / "examples" / "sample"
N_QUESTIONS = 240
LANGS = ("de", "es", "ar")
# ``\u2019`` is the right single quotation mark (typographic apostrophe).
WORD_PATTERN = "\\w+(?:['\u2019-]\\w+)*"
WORD_RE = re.compile(WORD_PATTERN)
LICENSE_NAME = "LICENSE-CC-BY-SA-4.0.txt"

SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("question", pa.string(), nullable=False),
        pa.field("context", pa.string(), nullable=False),
        pa.field("answer_start", pa.int64(), nullable=False),
        pa.field("answer_text", pa.string(), nullable=False),
    ]
)


def load_xquad_rows(path: Path, limit: int) -> list[dict[str, Any]]:
    """Return the first ``limit`` questions of a SQuAD-format file, in order."""
    data = json.loads(path.read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            context: str = paragraph["context"]
            for qa in paragraph["qas"]:
                answer = qa["answers"][0]
                start = int(answer["answer_start"])
                text: str = answer["text"]
                if context[start : start + len(text)] != text:
                    raise ValueError(f"answer span mismatch for question {qa['id']}")
                rows.append(
                    {
                        "id": qa["id"],
                        "title": article["title"],
                        "question": qa["question"],
                        "context": context,
                        "answer_start": start,
                        "answer_text": text,
                    }
                )
                if len(rows) == limit:
                    return rows
    raise ValueError(f"{path} has only {len(rows)} questions, need {limit}")


def write_jsonl(rows: Iterable[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_parquet(rows: list[dict[str, Any]], path: Path) -> None:
    columns = {name: [row[name] for row in rows] for name in SCHEMA.names}
    table = pa.Table.from_pydict(columns, schema=SCHEMA)
    pq.write_table(table, path, compression="zstd")


def vocabulary(rows: Iterable[dict[str, Any]]) -> set[str]:
    """Lowercased words of all questions and contexts."""
    words: set[str] = set()
    for row in rows:
        for field in ("question", "context"):
            words.update(WORD_RE.findall(row[field].lower()))
    return words


def slice_dictionary(src: Path, dst: Path, words: set[str]) -> tuple[int, int]:
    """Copy the lines of ``src`` whose first field is in ``words``.

    Returns (lines kept, distinct source words kept).
    """
    kept: list[bytes] = []
    sources: set[str] = set()
    for line in src.read_bytes().splitlines(keepends=True):
        word = line.split(b" ", 1)[0].rstrip(b"\r\n").decode("utf-8")
        if word in words:
            kept.append(line)
            sources.add(word)
    dst.write_bytes(b"".join(kept))
    return len(kept), len(sources)


def source_bullet(source_md: Path) -> str:
    """The first ``- Source:`` bullet (with its continuation lines) of a SOURCE.md."""
    lines = source_md.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("- Source:"):
            block = [line]
            for nxt in lines[i + 1 :]:
                if not nxt.startswith("  "):
                    break
                block.append(nxt)
            return "\n".join(block)
    raise ValueError(f"no '- Source:' line in {source_md}")


def render_source_md(
    shared: Path,
    rows: list[dict[str, Any]],
    n_words: int,
    dict_counts: dict[str, tuple[int, int]],
) -> str:
    n_paragraphs = len({(row["title"], row["context"]) for row in rows})
    n_articles = len({row["title"] for row in rows})
    xquad_source = source_bullet(shared / "xquad" / "SOURCE.md")
    muse_source = source_bullet(shared / "muse" / "SOURCE.md")
    dict_lines = "\n".join(
        f"| `en-{lang}.txt` | {lines:,} | {sources:,} |"
        for lang, (lines, sources) in dict_counts.items()
    )
    return f"""# Sample data

Small, real-data samples for examples, tests and documentation. Every file here
is regenerated, deterministically, by `tools/make_samples.py` from the shared
data folder (`python tools/make_samples.py --shared ../shared/data`); do not
edit them by hand.

## `xquad-en.jsonl`, `xquad-en.parquet`

The first {len(rows)} questions (file order) of XQuAD English (`xquad.en.json`;
Artetxe, Ruder and Yogatama, 2020), one row per question, from {n_paragraphs}
paragraphs of {n_articles} articles. Columns, in order: `id` (question id),
`title`, `question`, `context`, `answer_start` (int64, first answer),
`answer_text` (first answer). JSONL is UTF-8, one object per line; Parquet is
written with pyarrow (zstd), all text columns `string`.

Provenance of the full file, as recorded in the shared data's `xquad/SOURCE.md`:

{xquad_source}
- Licence: CC BY-SA 4.0 (`{LICENSE_NAME}`, copied here from the same
  repository). The sample is a derivative (a subset, reshaped) and is shared
  under the same licence.

## `en-de.txt`, `en-es.txt`, `en-ar.txt`

Slices of the MUSE ground-truth bilingual dictionaries (full dictionaries, not
the train/test splits): every line, byte-for-byte and in the original order,
whose source word (first space-separated field) is one of the {n_words:,}
distinct lowercased words of the sample's questions and contexts (regex
`{WORD_PATTERN}` on the lowercased text). Format: one pair per line,
`src tgt`, separated by one space; a source word may have several lines.

| file | lines | distinct source words |
|---|---|---|
{dict_lines}

Provenance of the full dictionaries, as recorded in the shared data's
`muse/SOURCE.md`:

{muse_source}
- Licence: CC BY-NC 4.0 (MUSE's licence for its dictionaries): non-commercial
  use only, with attribution: Conneau, Lample, Ranzato, Denoyer and Jégou
  (2018), "Word Translation Without Parallel Data" (ICLR 2018).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=Path("../shared/data"),
        help="shared data folder; a relative path is taken from the repository root "
        "(default: ../shared/data)",
    )
    args = parser.parse_args()
    shared: Path = args.shared if args.shared.is_absolute() else REPO_ROOT / args.shared
    shared = shared.resolve()

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    rows = load_xquad_rows(shared / "xquad" / "xquad.en.json", N_QUESTIONS)
    write_jsonl(rows, OUT_DIR / "xquad-en.jsonl")
    write_parquet(rows, OUT_DIR / "xquad-en.parquet")

    words = vocabulary(rows)
    dict_counts: dict[str, tuple[int, int]] = {}
    for lang in LANGS:
        name = f"en-{lang}.txt"
        dict_counts[lang] = slice_dictionary(
            shared / "muse" / name, OUT_DIR / name, words
        )

    shutil.copyfile(shared / "xquad" / LICENSE_NAME, OUT_DIR / LICENSE_NAME)
    (OUT_DIR / "SOURCE.md").write_text(
        render_source_md(shared, rows, len(words), dict_counts), encoding="utf-8"
    )

    print(f"xquad-en: {len(rows)} questions, {len(words)} distinct words")
    for lang, (lines, sources) in dict_counts.items():
        print(f"en-{lang}.txt: {lines} lines, {sources} source words")


if __name__ == "__main__":
    main()

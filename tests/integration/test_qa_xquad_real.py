"""All 1190 XQuAD questions (en with MUSE en-de, de with de-en), ratios 0.25/0.5/1.0, both
answer policies: every remapped answer matches its switched context exactly."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from csgen import Lexicon
from csgen.io.readers import open_source
from csgen.pipeline import switch_to_dataset


@pytest.mark.parametrize(("lang", "muse"), [("en", "en-de.txt"), ("de", "de-en.txt")])
def test_xquad_answers_survive_switching(shared, tmp_path, lang, muse):
    src = shared("xquad", f"xquad.{lang}.json")
    lex = Lexicon.from_muse(shared("muse", muse))
    before = pa.Table.from_batches(list(open_source(str(src)).batches()))
    assert before.num_rows == 1190
    orig_texts = before["answers"].to_pylist()
    for policy in ("protect", "switch"):
        for ratio in (0.25, 0.5, 1.0):
            out = tmp_path / f"{policy}-{ratio}"
            summary = switch_to_dataset(src, out, lexicons=[lex], columns=["question", "context"],
                                        ratio=ratio, seed=11, workers=1, answers=policy)
            assert summary.rows == 1190 and summary.bad_rows == 0
            table = ds.dataset(out, format="parquet", exclude_invalid_files=True).to_table()
            assert table["id"] == before["id"]
            n = changed = 0
            for ctx, ans, orig in zip(table["context"].to_pylist(),
                                      table["answers"].to_pylist(), orig_texts, strict=True):
                for text, start in zip(ans["text"], ans["answer_start"], strict=True):
                    assert ctx[start:start + len(text)] == text, (policy, ratio, text)
                    n += 1
                changed += ans["text"] != orig["text"]
            assert n == sum(len(a["text"]) for a in orig_texts)
            if policy == "protect":
                assert changed == 0
            else:
                assert changed > 100  # answers were switched too
            assert summary.stats.column("context").switches > 0

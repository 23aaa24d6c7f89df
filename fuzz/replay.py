"""Replay inputs through a fuzz target's checks, without atheris.

    python fuzz/replay.py [--expect-asan] TARGET PATH...   # files, or folders of inputs

Used by ``fuzz/run.py --asan-python`` to run every input a coverage-guided session kept
through the sanitizer build (atheris' coverage does not work beside gcc's ASan runtime, see
``fuzz/README.md``), and by hand to reproduce a finding. Each input's name is printed before
it runs, so when ASan aborts the process the last name printed is the culprit. Exit status
1 on the first input that breaks an invariant or raises anything but a typed csgen error.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # (needs the path above)


def inputs(paths: list[Path]) -> list[Path]:
    """The files named, and the files of the folders named (sorted)."""
    out: list[Path] = []
    for path in paths:
        out.extend(harness.iter_files(path) if path.is_dir() else [path])
    return out


def core_is_sanitized() -> bool:
    """Whether the imported csgen core was built with ASan (it then needs libasan)."""
    from csgen import _core

    return b"libasan.so" in Path(_core.__file__).read_bytes()


def main(argv: list[str]) -> int:
    expect_asan = "--expect-asan" in argv
    argv = [a for a in argv if a != "--expect-asan"]
    if len(argv) < 2 or argv[0] not in harness.TARGETS:
        print(f"usage: replay.py [--expect-asan] {{{','.join(harness.TARGETS)}}} PATH...",
              file=sys.stderr)
        return 2
    if expect_asan and not core_is_sanitized():
        # A replay meant to catch memory errors must not pass quietly on a plain build.
        print("replay.py: --expect-asan, but this csgen core is not built with ASan "
              "(build it with .ci/sanitize)", file=sys.stderr)
        return 2
    check = harness.TARGETS[argv[0]]
    files = inputs([Path(p) for p in argv[1:]])
    for path in files:
        print(f"replay {argv[0]} {path}", flush=True)
        try:
            check(path.read_bytes())
        except Exception:
            traceback.print_exc()
            print(f"FINDING: {path}", file=sys.stderr, flush=True)
            return 1
    print(f"replayed {len(files)} {argv[0]} inputs: ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

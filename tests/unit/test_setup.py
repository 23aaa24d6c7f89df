"""Set-up as a user and a contributor meet it: the README's two commands, what ``.ci/run``
runs, and ``import csgen`` from a source tree without a build."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def setup_commands() -> list[str]:
    """The command lines of the README's Set-up section (its code blocks), in order."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Set-up\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```bash\n(.*?)^```", section, re.S | re.M)
    return [line.strip() for block in blocks for line in block.splitlines()
            if line.strip().startswith("pip install")]


def test_readme_has_the_two_commands_and_ci_runs_the_test_one() -> None:
    commands = setup_commands()
    assert len(commands) == 2, commands
    run_sample, run_tests = commands
    assert run_sample.startswith("pip install . && csgen switch examples/sample/")
    assert run_tests == "pip install '.[test]' && pytest"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert run_tests in [line.strip() for line in ci]
    # Nothing installed before it that a user's clean machine would lack from pip alone
    # (torch comes with the test extra): apt packages only feed tests that skip without.
    before = ci[:[line.strip() for line in ci].index(run_tests)]
    assert not [line for line in before if re.search(r"\bpip3? install\b", line)
                and not line.lstrip().startswith("#")]


def test_importing_the_source_tree_says_what_to_do(tmp_path: Path) -> None:
    """``python -c "import csgen"`` in a checkout that was never built: one line saying
    what is wrong and what to do, not a circular-import traceback."""
    shutil.copytree(REPO / "csgen", tmp_path / "csgen",
                    ignore=shutil.ignore_patterns("_core*", "__pycache__"))
    # -S: no site-packages, so an installed (or editable) csgen cannot shadow the copy
    res = subprocess.run([sys.executable, "-S", "-c", "import csgen"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert res.returncode == 1
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: csgen's compiled core is missing: ")
    assert f"{tmp_path / 'csgen'} is csgen's source tree" in last
    assert "pip install ." in last and "pip install -e ." in last
    assert "circular import" not in res.stderr

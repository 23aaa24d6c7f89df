"""Builds the C++ core alone (no Python) and runs its own test programs.

Each unit of ``csrc/core`` has its tests beside it (``<unit>_test.cc``); CMake's
``CSGEN_CORE_TESTS`` lists them and CTest runs each under that name.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORE = REPO / "csrc" / "core"


def _cmake_tests() -> list[str]:
    text = (REPO / "CMakeLists.txt").read_text("utf-8")
    match = re.search(r"set\(CSGEN_CORE_TESTS ([^)]*)\)", text)
    assert match, "CMakeLists.txt lists the core's tests in CSGEN_CORE_TESTS"
    return match.group(1).split()


def test_every_test_program_beside_its_unit_is_built():
    """A new ``*_test.cc`` is not forgotten by CMake, nor a listed one missing."""
    on_disk = sorted(p.stem for p in CORE.glob("*_test.cc"))
    assert sorted(_cmake_tests()) == on_disk


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    cmake = shutil.which("cmake")
    if cmake is None or (shutil.which("c++") or shutil.which("g++")) is None:
        pytest.skip("needs cmake and a C++ compiler to build csrc/core/*_test.cc")
    tmp_path = tmp_path_factory.mktemp("core-build")
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run(
        [cmake, "-S", str(REPO), "-B", str(tmp_path), *generator, "-DCSGEN_BUILD_PYTHON=OFF",
         "-DCSGEN_BUILD_TESTS=ON", "-DCMAKE_BUILD_TYPE=Release"],
        check=True, capture_output=True, text=True,
    )
    built = subprocess.run([cmake, "--build", str(tmp_path), "--parallel", "2"],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    return tmp_path


@pytest.mark.parametrize("name", _cmake_tests())
def test_core_builds_without_python_and_passes_its_tests(build, name):
    run = subprocess.run([str(build / name)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith(f"{name}: ") and last.endswith(", 0 failed"), last
    assert int(last.split(": ")[1].split()[0]) > 0  # it checked something

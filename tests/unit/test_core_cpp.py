"""Builds the C++ core alone (no Python) and runs its own test program."""

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_core_builds_without_python_and_passes_its_tests(tmp_path):
    cmake = shutil.which("cmake")
    if cmake is None or (shutil.which("c++") or shutil.which("g++")) is None:
        pytest.skip("needs cmake and a C++ compiler to build csrc/tests/core_test.cc")
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run(
        [cmake, "-S", str(REPO), "-B", str(tmp_path), *generator, "-DCSGEN_BUILD_PYTHON=OFF",
         "-DCSGEN_BUILD_TESTS=ON", "-DCMAKE_BUILD_TYPE=Release"],
        check=True, capture_output=True, text=True,
    )
    build = subprocess.run([cmake, "--build", str(tmp_path), "--parallel", "2"],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stdout + build.stderr
    run = subprocess.run([str(tmp_path / "core_test")], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert ", 0 failed" in run.stdout.strip().splitlines()[-1]

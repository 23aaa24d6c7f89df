"""The committed Unicode header is what the committed generator makes."""

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from csgen import _core

REPO = Path(__file__).resolve().parents[2]


def test_header_matches_generator():
    header = (REPO / "csrc" / "core" / "unicode_tables.h").read_text("utf-8")
    version = re.search(r'kUnicodeVersion = "([^"]+)"', header).group(1)
    assert version == _core.UNICODE_VERSION
    if unicodedata.unidata_version != version:
        pytest.skip(f"this Python has Unicode {unicodedata.unidata_version}, "
                    f"the header was generated from {version}")
    fresh = subprocess.run([sys.executable, str(REPO / "tools" / "gen_unicode_tables.py")],
                           capture_output=True, text=True, check=True).stdout
    assert fresh == header, "re-run tools/gen_unicode_tables.py and commit the header"

"""The codec A/B bench refuses to run without an archive, in one line."""
from __future__ import annotations

import os
import subprocess
import sys

from bench import codec_ab


def test_without_an_archive_it_is_refused_in_one_line():
    env = {k: v for k, v in os.environ.items() if k != "SEARCH_INDEX_DIR"}
    done = subprocess.run([sys.executable, "bench/codec_ab.py", "--rounds", "1"], cwd=codec_ab.ROOT, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "set ARCHIVE_VAR_DIR and SEARCH_INDEX_DIR to an archive" in done.stderr and "Traceback" not in done.stderr


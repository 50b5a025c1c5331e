"""The engine's A/B bench: each version hides what it should of the compiled module; it and the
codec's and the segments' A/B benches (``bench/codec_ab.py``, ``bench/segments_ab.py``, which
share its arguments) refuse to run without an archive, in one line."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bench import engine_ab
from search.engine import columnar


def test_each_version_is_the_pass_it_names():
    versions = engine_ab._modules(columnar._columnar)
    assert list(versions) == list(engine_ab.VERSIONS)
    eleventh = ("bm25_normed", "combine", "and_maybe", "top", "gather_scored")
    twelfth = ("combine_clauses", "dense_stamp")
    has = {name: {f for f in ("decode", "gather", "bm25", "phrase_keys", *eleventh, *twelfth) if hasattr(module, f)}
           for name, (module, _) in versions.items()}
    assert has["decode only"] == {"decode"}
    assert has["+ gather"] == {"decode", "gather"}
    assert (has["+ bm25, phrase_keys"] == has["+ two threads"] == has[engine_ab.TENTH_PASS]
            == {"decode", "gather", "bm25", "phrase_keys"})
    assert has[engine_ab.ELEVENTH_PASS] == {"decode", "gather", "bm25", "phrase_keys", *eleventh}
    assert has[engine_ab.TWELFTH_PASS] == {"decode", "gather", "bm25", "phrase_keys", *eleventh, *twelfth}
    assert [threads for _, threads in versions.values()] == [1, 1, 1, 2, 2, 2, 2]


@pytest.mark.parametrize("script", ["bench/engine_ab.py", "bench/codec_ab.py", "bench/segments_ab.py"])
def test_without_an_archive_each_one_process_bench_is_refused_in_one_line(script):
    env = {k: v for k, v in os.environ.items() if k != "SEARCH_INDEX_DIR"}
    done = subprocess.run([sys.executable, script, "--rounds", "1"], cwd=engine_ab.ROOT, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "set ARCHIVE_VAR_DIR and SEARCH_INDEX_DIR to an archive" in done.stderr and "Traceback" not in done.stderr

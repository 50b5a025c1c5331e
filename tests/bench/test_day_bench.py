"""The daily-load bench: the real day's pages moved to another date, and its refusal of a bad --var."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys

from bench import day_bench, scale_bench


def test_the_day_is_moved_whole_to_the_new_date(tmp_path):
    template = scale_bench.real_day_folder(tmp_path / "template")
    moved = day_bench._day_folder(template, tmp_path / "moved", dt.date(2031, 2, 3))
    rows = (moved / "manifest.csv").read_text(encoding="utf-8").splitlines()
    originals = (template / "manifest.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == originals[0] and len(rows) == len(originals) == scale_bench.REAL_DAY_PAGES + 1
    assert {row.split(",")[2] for row in rows[1:]} == {"2031-02-03"}
    assert [row.split(",")[::3] for row in rows[1:]] == [row.split(",")[::3] for row in originals[1:]]
    for row in rows[1:]:  # the same pages, byte for byte
        name = row.split(",")[0]
        assert (moved / name).read_bytes() == (template / name).read_bytes()


def test_a_folder_without_an_index_is_refused_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, "bench/day_bench.py", "--var", str(tmp_path)], cwd=day_bench.ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert f"--var: {tmp_path} holds no whoosh index" in done.stderr and "Traceback" not in done.stderr

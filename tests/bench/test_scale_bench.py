"""The scale bench's reading of the stock build's progress: what a stopped build reached."""
from __future__ import annotations

import pytest

from bench import scale_bench
from bench.scale_bench import stock_progress

# haystack's update_index at verbosity 2 announces each batch as it begins
ANNOUNCED = [(0.5, "Removing all documents from your index because you said so."),
             (1.0, "indexed 1 - 1000 of 2500."), (11.0, "indexed 1001 - 2000 of 2500."),
             (31.0, "indexed 2001 - 2500 of 2500.")]


def test_a_finished_build_counts_every_article_up_to_its_end():
    summary = stock_progress(ANNOUNCED + [(41.0, "end")], total=2500, finished=True)
    assert summary["finished"] is True
    assert summary["timeline"] == [[1000, 11.0], [2000, 31.0], [2500, 41.0]]
    assert (summary["articles"], summary["seconds"]) == (2500, 41.0)
    assert summary["articles_per_second"] == round(2500 / 41.0, 1)
    assert summary["last_batches_articles_per_second"] == round(1500 / 30.0, 1)


def test_a_build_stopped_at_its_budget_counts_only_the_batches_it_finished():
    summary = stock_progress(ANNOUNCED + [(35.0, "end")], total=2500, finished=False)
    assert summary["finished"] is False
    assert summary["timeline"] == [[1000, 11.0], [2000, 31.0]]
    # the batch under way when it was stopped is not counted, nor the seconds spent on it
    assert (summary["articles"], summary["seconds"], summary["articles_per_second"]) == (2000, 31.0, 64.5)


def test_a_build_stopped_inside_its_first_batch_reached_nothing():
    summary = stock_progress(ANNOUNCED[:2] + [(9.0, "end")], total=2500, finished=False)
    assert (summary["articles"], summary["articles_per_second"], summary["timeline"]) == (0, 0.0, [])
    assert "last_batches_articles_per_second" not in summary


@pytest.mark.skipif(not scale_bench.REALPAGES.exists(), reason="needs ../shared/realpages")
def test_the_real_day_folder_holds_that_days_pages_and_their_manifest_rows(tmp_path):
    folder = scale_bench.real_day_folder(tmp_path / "day")
    rows = (folder / "manifest.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "file,newspaper,issue_date,page"
    assert len(rows) - 1 == scale_bench.REAL_DAY_PAGES == len(list(folder.glob("*.txt")))
    assert {row.split(",")[2] for row in rows[1:]} == {scale_bench.REAL_DAY}

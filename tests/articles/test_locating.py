"""Where a page file belongs, from its path and its furniture: no database, no Django."""
from __future__ import annotations

import datetime as dt
from pathlib import PurePath

import pytest

from articles.locating import date_from_path, masthead_date, page_from_path, split_pages
from tests.conftest import SHARED, seed_excerpt

OCT_9 = dt.date(2019, 10, 9)


@pytest.mark.parametrize("name", [
    "2019-10-09-p03.txt", "2019_10_09_03.txt", "2019.10.09 第3版.txt", "20191009_03.txt", "rmrb-20191009-p3.txt",
    "2019年10月9日第3版.txt", "crawl/2019-10-09/p03.txt", "crawl/201910/09/p03.txt", "crawl/2019/10/09/p3.txt",
    "crawl/2019-10/09/p03.txt",
])
def test_every_file_name_date_shape_gives_the_day_and_the_page(name):
    path = PurePath(name)
    assert date_from_path(path) == OCT_9
    assert page_from_path(path) == 3


@pytest.mark.parametrize("name", [
    "000_f0b56df181bc18e0.txt",  # a seed: an index and a hash, no date
    "2019-13-09-p03.txt",  # no 13th month
    "1700-01-01.txt",  # before any newspaper the archive takes
    "201910091234.txt",  # a longer number: an id, not a date
])
def test_names_that_hold_no_date(name):
    assert date_from_path(PurePath(name)) is None


@pytest.mark.parametrize(("name", "page"), [
    ("A03.txt", 3), ("2019-10-09-B04.txt", 104), ("page12.txt", 12), ("2019-10-09-第十二版.txt", 12),
    ("2019-10-09.txt", None), ("000_f0b56df181bc18e0.txt", None), ("001.txt", None),
])
def test_page_numbers_in_names(name, page):
    assert page_from_path(PurePath(name)) == page


def test_a_file_of_several_pages_is_cut_at_each_page_label():
    first = seed_excerpt("000", 1, 20)
    second = seed_excerpt("001", 1, 20)
    text = f"人民日报 2019年10月9日 星期三 第3版 要闻\n\n{first}\n第4版\n\n{second}"
    pages = split_pages(text)
    assert [(p.number, p.name) for p in pages] == [(3, "要闻"), (4, "")]
    assert pages[0].text.startswith("人民日报") and first.strip() in pages[0].text
    assert second.strip() in pages[1].text and first.strip() not in pages[1].text
    assert pages[1].first_line == text.split("\n").index("第4版") + 1


def test_a_page_that_names_itself_once_or_mentions_a_page_in_a_sentence_stays_whole():
    body = seed_excerpt("002", 30, 45)  # holds "(上接第1版)" at a paragraph's start
    one = split_pages(f"第2版 要闻\n\n{body}")
    assert [(p.number, p.name) for p in one] == [(2, "要闻")] and one[0].text.endswith(body)
    plain = split_pages(body + "\n详见本报第3版。\n")
    assert [(p.number, p.text) for p in plain] == [(None, body + "\n详见本报第3版。\n")]


def test_masthead_date_needs_its_weekday_right():
    assert masthead_date("人民日报\n2019年10月9日 星期三\n") == OCT_9
    assert masthead_date("2019年10月9日 星期四") is None  # the 9th was a Wednesday
    assert masthead_date("本报北京10月8日电") is None


@pytest.mark.skipif(not (SHARED / "realpages").is_dir(), reason="../shared/realpages is not beside the repository")
def test_real_page_files_are_placed_by_their_names_alone():
    """Every realpages file gets its manifest's date and page from its name, manifest set aside."""
    import csv

    checked = 0
    for manifest in sorted((SHARED / "realpages").glob("*/pages/manifest.csv")):
        for row in csv.DictReader(manifest.read_text(encoding="utf-8").splitlines()):
            path = manifest.parent / row["file"]
            assert date_from_path(path) == dt.date.fromisoformat(row["issue_date"]), row
            assert page_from_path(path) == int(row["page"]), row
            checked += 1
    assert checked >= 600

"""The synthetic archive for benchmarks: deterministic, real text recombined into pages, its own newspaper."""
from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.corpus import corpus_source, synthetic_pages
from articles.models import Article, Issue, Newspaper
from articles.services import SYNTHETIC_NEWSPAPER
from articles.services.corpus import REALPAGES_DIR, source_texts

pytestmark = pytest.mark.django_db
_PAGE = re.compile(r"^\d{4}-\d{2}-\d{2}-p\d{2}\.txt$")


def _seeds_only(tmp_path, name, *args):
    call_command("generate_corpus", *args, "--realpages", "", "--out", str(tmp_path / name), stdout=StringIO())
    return tmp_path / name


def test_same_seed_same_page_files_and_the_real_ingest_splits_them(tmp_path):
    first = _seeds_only(tmp_path, "a", "--issues", "2", "--seed", "9")
    second = _seeds_only(tmp_path, "b", "--issues", "2", "--seed", "9")
    files = sorted(p.name for p in first.iterdir())
    assert "manifest.csv" in files and all(_PAGE.match(name) for name in files if name != "manifest.csv")
    assert len(files) - 1 >= 8  # 4-8 pages a day
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes()
    rows = (first / "manifest.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "file,newspaper,issue_date,page"
    assert all(row.split(",")[1] == SYNTHETIC_NEWSPAPER[0] for row in rows[1:])
    call_command("ingest", str(first), stdout=StringIO(), stderr=StringIO())
    issues = Issue.objects.filter(newspaper__slug=SYNTHETIC_NEWSPAPER[0]).order_by("date")
    assert [i.date.isoformat() for i in issues] == ["2015-01-01", "2015-01-02"]
    pages = sum(issue.pages.count() for issue in issues)
    assert pages == len(rows) - 1
    # every page's articles are found again, give or take the segmenter's reading of a made-up headline
    source = corpus_source(source_texts(realpages=None)[0], seed=9)
    written = sum(page.articles for page in synthetic_pages(source=source, seed=9, days=2))
    assert abs(Article.objects.count() - written) <= max(2, written // 10)


def test_a_smaller_archive_is_the_first_days_of_a_larger_one(tmp_path):
    small = _seeds_only(tmp_path, "s", "--issues", "1")
    large = _seeds_only(tmp_path, "l", "--issues", "3")
    for path in small.glob("*.txt"):
        assert (large / path.name).read_bytes() == path.read_bytes()


def test_articles_stops_after_the_day_that_reaches_it(tmp_path):
    out = StringIO()
    call_command("generate_corpus", "--articles", "40", "--realpages", "", "--out", str(tmp_path / "n"), stdout=out)
    written = int(re.search(r"\((\d+) articles", out.getvalue()).group(1))
    assert 40 <= written < 40 + 8 * 7


def test_vocabulary_grows_with_the_archive():
    """Distinct character bigrams keep growing as the archive grows (the seeds' recombination of the
    first version gave the same 8,768 at 10k and 50k)."""
    source = corpus_source(source_texts(realpages=None)[0], seed=1)
    seen: set[str] = set()
    counts = []
    for page in synthetic_pages(source=source, seed=1, articles=2000):
        for run in re.findall(r"[\u4e00-\u9fff]{2,}", page.text):
            seen.update(run[i:i + 2] for i in range(len(run) - 1))
        counts.append(len(seen))
    quarter = counts[len(counts) // 4]
    assert counts[-1] > quarter * 1.2


@pytest.mark.skipif(not REALPAGES_DIR.is_dir(), reason="../shared/realpages is not here")
def test_real_pages_are_read_at_run_time_never_copied(tmp_path):
    texts, real_pages = source_texts()
    assert real_pages == 672
    out = StringIO()
    call_command("generate_corpus", "--issues", "1", "--out", str(tmp_path / "r"), stdout=out)
    assert "672 real pages" in out.getvalue()


def test_different_seeds_differ_and_the_real_newspaper_is_untouched(tmp_path):
    first = _seeds_only(tmp_path, "a", "--issues", "1", "--seed", "1")
    second = _seeds_only(tmp_path, "b", "--issues", "1", "--seed", "2")
    assert (first / "2015-01-01-p01.txt").read_text(encoding="utf-8") != (second / "2015-01-01-p01.txt").read_text(
        encoding="utf-8")
    assert list(Newspaper.objects.values_list("slug", flat=True)) == [SYNTHETIC_NEWSPAPER[0]]


@pytest.mark.parametrize("args, message", [
    (["--issues", "0"], "--issues must be at least 1"),
    (["--articles", "0"], "--articles must be at least 1"),
    (["--issues", "2", "--start", "2015-02-30"], "--start"),
])
def test_bad_arguments(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_corpus", *args, "--out", str(tmp_path / "c"), stdout=StringIO())


def test_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "old.txt").write_text("x", encoding="utf-8")
    with pytest.raises(CommandError, match="not empty"):
        call_command("generate_corpus", "--issues", "1", "--realpages", "", "--out", str(tmp_path), stdout=StringIO())

"""Issues made of pages: several pages a day, re-ingesting one page, continuations across pages,
dates from names and the limits on inferred dates, newspapers added from the command line."""
from __future__ import annotations

import csv
import datetime as dt
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Issue, Newspaper, Page
from articles.services import ingest_paths, link_continuations
from tests.conftest import SHARED, seed_excerpt, seed_file

pytestmark = pytest.mark.django_db

REALPAGES = SHARED / "realpages" / "2020-01" / "pages"
needs_realpages = pytest.mark.skipif(not REALPAGES.is_dir(), reason="../shared/realpages is not beside the repository")


def run(command: str, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def three_real_days(tmp_path) -> Path:
    """Every page of the first three days of the realpages month, with their manifest."""
    rows = list(csv.DictReader((REALPAGES / "manifest.csv").read_text(encoding="utf-8").splitlines()))
    days = sorted({row["issue_date"] for row in rows})[:3]
    folder = tmp_path / "pages"
    folder.mkdir()
    kept = [row for row in rows if row["issue_date"] in days]
    for row in kept:
        shutil.copy(REALPAGES / row["file"], folder / row["file"])
    with (folder / "manifest.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    return folder


@needs_realpages
def test_three_real_days_store_every_article_of_every_page_in_three_issues(three_real_days):
    dry = ingest_paths(paths=[three_real_days], dry_run=True)
    run("newspapers", "add", "peoples-daily", "人民日报", "--place", "北京", "--first-year", "1948")

    report = ingest_paths(paths=[three_real_days])

    assert not report.failed, [o.error for o in report.outcomes if o.error]
    files = sorted(three_real_days.glob("*.txt"))
    assert Issue.objects.count() == 3 and Page.objects.count() == len(files) > 3
    assert Article.objects.count() == dry.articles == report.articles
    for path in files:  # each page kept verbatim under the number its name gives
        page = Page.objects.get(source_file=path.name)
        assert page.raw_text == path.read_text(encoding="utf-8")
        assert f"{page.issue.date.isoformat()}-p{page.number:02d}.txt" == path.name
    out, _ = run("newspapers")
    assert "peoples-daily" in out and f"{len(files):>7}" in out


@needs_realpages
def test_an_articles_neighbours_are_the_articles_printed_before_and_after_it_across_pages(three_real_days, client):
    from articles.selectors import adjacent_articles

    run("newspapers", "add", "peoples-daily", "人民日报")
    ingest_paths(paths=[three_real_days])
    issue = Issue.objects.order_by("date").first()
    printed = list(Article.objects.filter(issue=issue).select_related("page").order_by("page__number", "position"))
    assert len({a.page.number for a in printed}) > 1
    for at, article in enumerate(printed):
        previous, following = adjacent_articles(article=article)
        assert (previous and previous.pk) == (printed[at - 1].pk if at else None)
        assert (following and following.pk) == (printed[at + 1].pk if at + 1 < len(printed) else None)
    # the last article of a page links to the first of the next one
    last_of_first_page = max((a for a in printed if a.page.number == printed[0].page.number), key=lambda a: a.position)
    following = printed[printed.index(last_of_first_page) + 1]
    html = client.get(last_of_first_page.get_absolute_url()).content.decode()
    assert f'rel="next" href="{following.get_absolute_url()}"' in html


@needs_realpages
def test_re_ingesting_one_page_touches_only_that_page(three_real_days):
    run("newspapers", "add", "peoples-daily", "人民日报")
    ingest_paths(paths=[three_real_days])
    target = sorted(three_real_days.glob("*-p01.txt"))[0]
    day = Page.objects.get(source_file=target.name).issue
    before = {a.pk: a.updated_at for a in Article.objects.filter(issue=day).exclude(page__source_file=target.name)}
    text = target.read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    target.write_text(text.replace(paragraphs[-1], ""), encoding="utf-8")  # the page loses its last paragraph

    report = ingest_paths(paths=[three_real_days])

    statuses = {o.file: o.status for o in report.outcomes}
    assert statuses.pop(target.name) == "updated" and set(statuses.values()) == {"unchanged"}
    after = {a.pk: a.updated_at for a in Article.objects.filter(issue=day).exclude(page__source_file=target.name)}
    assert after == before
    assert Page.objects.get(source_file=target.name).raw_text == target.read_text(encoding="utf-8")


def test_two_files_claiming_one_page_the_second_is_refused_naming_both(tmp_path):
    first = tmp_path / "2022-03-04-p02.txt"
    second = tmp_path / "2022-03-04_02.txt"
    first.write_bytes(seed_file("002").read_bytes())
    second.write_bytes(seed_file("003").read_bytes())
    report = ingest_paths(paths=[first])
    report = ingest_paths(paths=[second])
    [outcome] = report.outcomes
    assert outcome.status == "failed"
    assert first.name in outcome.error and second.name in outcome.error and "page 2" in outcome.error
    assert Page.objects.get().source_file == first.name


# A front page whose story goes on to page 2 of the same day: its head, marked （下转第2版）, and an
# unmarked story; page 2 is the seed whose parts are marked (上接第1版).
def front_page() -> str:
    continued = seed_excerpt("002", 47, 51).strip()
    other = seed_excerpt("002", 5, 11).strip()
    return f"太原：感动与坚定同在 隔离与温暖同行\n\n{continued}（下转第2版）\n\n{other}\n"


@pytest.fixture
def day_with_a_continuation(tmp_path) -> Path:
    folder = tmp_path / "day"
    folder.mkdir()
    (folder / "2022-03-04-p01.txt").write_text(front_page(), encoding="utf-8")
    shutil.copy(seed_file("002"), folder / "2022-03-04-p02.txt")
    return folder


def the_continuation() -> Article:
    return Article.objects.get(page__number=2, headline__contains="隔离与温暖同行")


def test_a_continuation_is_linked_to_its_start_whatever_page_comes_first(day_with_a_continuation):
    pages = sorted(day_with_a_continuation.glob("*.txt"))
    for path in reversed(pages):  # page 2 first: its part waits for its start
        assert not ingest_paths(paths=[path]).failed
    part = the_continuation()
    start = part.continues
    assert start is not None and start.page.number == 1 and start.continued_to_page == 2
    assert "隔离与温暖同行" in start.full_headline
    # unmarked parts of stories printed on no stored page stay unlinked
    assert Article.objects.filter(page__number=2, continued_from_page=1, continues__isnull=True).exists()


def test_a_page_no_continuation_touches_is_looked_at_with_one_read(day_with_a_continuation):
    ingest_paths(paths=[day_with_a_continuation])
    issue = Issue.objects.get()
    third = Page.objects.create(issue=issue, number=3, raw_text="", sha256="3" * 64,
                                ingested_at=issue.created_at, segmented_at=issue.created_at)
    with CaptureQueriesContext(connection) as queries:
        assert link_continuations(issue=issue, written=third) == []
    assert len(queries) == 1 and "FOR NO KEY UPDATE" not in queries[0]["sql"]
    # the page a continuation is printed on, and the page it names, are looked at in full (the
    # story's start is among the documents to index again)
    part = the_continuation()
    for written in (part.page, part.continues.page):
        assert part.continues_id in link_continuations(issue=issue, written=written)


def test_the_link_survives_reparse_and_an_editors_correction(day_with_a_continuation):
    ingest_paths(paths=[day_with_a_continuation])
    part = the_continuation()
    start_pk = part.continues_id
    part.body = part.body.replace("如何最大限度", "如何尽最大限度")  # an editor's correction
    part.save()
    part.refresh_corrections()
    out, _ = run("ingest", "--reparse")
    part.refresh_from_db()
    assert part.continues_id == start_pk and "body" in part.corrected_fields
    # an editor's unlinking stays through a re-ingest of the pages
    Article.objects.filter(pk=part.pk).update(continues=None, continues_set_by_editor=True)
    ingest_paths(paths=[day_with_a_continuation], reparse=True)
    part.refresh_from_db()
    assert part.continues_id is None


def test_the_story_is_read_whole_and_found_once(client, day_with_a_continuation):
    ingest_paths(paths=[day_with_a_continuation])
    part = the_continuation()
    start = part.continues
    html = client.get(start.get_absolute_url()).content.decode()
    assert "刊于第 2 版" in html and part.body.split("\n")[-1][:20] in html
    assert client.get(part.get_absolute_url()).status_code == 200
    from search.search_indexes import ArticleIndex

    indexed = set(ArticleIndex().index_queryset().values_list("pk", flat=True))
    assert start.pk in indexed and part.pk not in indexed
    document = ArticleIndex().prepare(ArticleIndex().index_queryset().get(pk=start.pk))["text"]
    assert "如何最大限度减少疫情" in document  # the part's text is in its story's document


def test_the_old_addresses_redirect_permanently(client, day_with_a_continuation):
    ingest_paths(paths=[day_with_a_continuation])
    article = Article.objects.get(page__number=1, position=2)
    response = client.get(f"/taiyuan-daily/2022-03-04/{article.position}/")
    assert response.status_code == 301 and response["Location"] == Article.objects.get(
        page__number=1, position=2).get_absolute_url()
    assert client.get(f"/taiyuan-daily/2022-03-04/{article.position}/text/").status_code == 301


def test_an_inferred_date_is_never_in_the_future_nor_before_the_paper_began(tmp_path):
    undated = tmp_path / "undated.txt"
    future = dt.date.today() + dt.timedelta(days=400)
    text = seed_file("000").read_text(encoding="utf-8")
    undated.write_text(text.replace("2021", str(future.year)), encoding="utf-8")
    [outcome] = ingest_paths(paths=[undated]).outcomes
    assert outcome.status == "failed" and "cannot be right" in outcome.error and "undated.txt" in outcome.error

    undated.write_text(text, encoding="utf-8")
    Newspaper.objects.create(slug="taiyuan-daily", name="太原日报", first_year=2022)
    [outcome] = ingest_paths(paths=[undated]).outcomes
    assert outcome.status == "failed" and "before 太原日报 began (2022)" in outcome.error
    assert not Issue.objects.exists()


def test_a_masthead_date_is_taken_before_the_texts_dates(tmp_path):
    path = tmp_path / "front.txt"
    path.write_text("太原日报 2022年3月4日 星期五\n\n" + seed_file("002").read_text(encoding="utf-8"), encoding="utf-8")
    [outcome] = ingest_paths(paths=[path]).outcomes
    issue = Issue.objects.get()
    assert outcome.status == "created" and issue.date == dt.date(2022, 3, 4)
    assert issue.date_source == Issue.DateSource.MASTHEAD


@pytest.mark.parametrize("date", ["1799-12-31", "2101-01-01"])
def test_dates_outside_the_archives_range_are_refused(date):
    with pytest.raises(CommandError):
        run("ingest", seed_file("000"), "--date", date)
    assert not Issue.objects.exists()


def test_a_newspaper_is_added_and_ingested_into(tmp_path):
    out, _ = run("newspapers", "add", "beijing-daily", "北京日报", "--place", "北京", "--first-year", "1952")
    assert "added 北京日报 (beijing-daily)" in out
    paper = Newspaper.objects.get(slug="beijing-daily")
    assert (paper.place, paper.first_year) == ("北京", 1952)
    ingest_paths(paths=[seed_file("000")], newspaper="beijing-daily", date=dt.date(2021, 10, 28))
    assert Issue.objects.get().newspaper == paper
    with pytest.raises(CommandError, match="already in the archive"):
        run("newspapers", "add", "beijing-daily", "另一个名字")
    with pytest.raises(CommandError, match="slug 'Beijing Daily'"):
        run("newspapers", "add", "Beijing Daily", "北京晚报")


def test_an_unknown_newspaper_is_refused_with_how_to_add_it(tmp_path):
    [outcome] = ingest_paths(paths=[seed_file("000")], newspaper="no-such-paper", date=dt.date(2021, 10, 28)).outcomes
    assert outcome.status == "failed" and "manage.py newspapers add no-such-paper NAME" in outcome.error
    assert not Issue.objects.exists()


def test_a_story_whose_part_a_re_ingest_removed_is_indexed_again(day_with_a_continuation):
    """A page re-ingested without the part of a story it printed: the story's document carried
    that part's text, so the story's start is queued for the index again, though nothing on the
    page is now a continuation (link_continuations(written=page) looks no further)."""
    from search.models import IndexQueueEntry

    ingest_paths(paths=[day_with_a_continuation])
    part = the_continuation()
    start = part.continues
    # another part of the story, linked by an editor on a third page
    third = day_with_a_continuation / "2022-03-04-p03.txt"
    third.write_text(seed_excerpt("002", 5, 11), encoding="utf-8")
    ingest_paths(paths=[third])
    Article.objects.filter(page__number=3).update(continues=start, continues_set_by_editor=True, continued_from_page=1)
    # page 2 again, now only its first stories: none of them a continuation
    second = day_with_a_continuation / "2022-03-04-p02.txt"
    second.write_text("\n".join(second.read_text(encoding="utf-8").split("\n")[:36]) + "\n", encoding="utf-8")
    IndexQueueEntry.objects.all().delete()
    [outcome] = ingest_paths(paths=[second]).outcomes
    assert outcome.status == "updated"
    assert not Article.objects.filter(pk=part.pk).exists()
    assert not Article.objects.filter(page__number=2, continued_from_page__isnull=False).exists()
    assert IndexQueueEntry.objects.filter(article_id=start.pk).exists()


def test_a_part_whose_story_start_is_deleted_is_indexed_as_an_article_of_its_own(day_with_a_continuation):
    from search.models import IndexQueueEntry

    ingest_paths(paths=[day_with_a_continuation])
    part = the_continuation()
    start = part.continues
    IndexQueueEntry.objects.all().delete()
    start.delete()
    part.refresh_from_db()
    assert part.continues_id is None
    assert IndexQueueEntry.objects.filter(article_id=part.pk).exists()


def test_a_part_no_longer_marked_as_a_continuation_is_unlinked_unless_an_editor_linked_it(day_with_a_continuation):
    ingest_paths(paths=[day_with_a_continuation])
    part = the_continuation()
    start_pk = part.continues_id
    issue = part.issue
    # re-segmented without its （上接） mark, say: it is a story of its own now
    Article.objects.filter(pk=part.pk).update(continued_from_page=None)
    assert part.pk in link_continuations(issue=issue, written=part.page)
    part.refresh_from_db()
    assert part.continues_id is None
    # an editor's link stands, mark or none
    Article.objects.filter(pk=part.pk).update(continues=start_pk, continues_set_by_editor=True)
    link_continuations(issue=issue, written=part.page)
    part.refresh_from_db()
    assert part.continues_id == start_pk

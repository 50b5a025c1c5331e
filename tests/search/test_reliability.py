"""The index is never silently wrong and its drain never fails a write: issue, section and
contributor changes are queued, the drain after a commit is bounded, index errors are logged
with the rows kept, check_index compares what the documents hold, rebuilds are swapped in whole."""
from __future__ import annotations

import datetime as dt
import errno
import logging
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from haystack import connections

from articles.models import Article, Issue, Section
from articles.services import ingest_paths
from search.engine import backend as search_backend
from search.models import IndexQueueEntry
from search.query import Filters, SearchPlan, parse
from search.selectors import search_articles
from search.services import check_index, drain_index_queue, queue_articles, queue_status
from tests.conftest import FIXTURES, clear_search_index

pytestmark = pytest.mark.django_db(transaction=True)

CASES_DATE = dt.date(2024, 1, 2)


def ids(query: str, **filters) -> set[int]:
    plan = SearchPlan(parse(query), Filters(**filters))
    return {h.article.pk for h in search_articles(plan=plan, page_size=100).hits}


@pytest.fixture
def cases():
    clear_search_index()
    report = ingest_paths(paths=[FIXTURES / "search_cases.txt"], date=CASES_DATE)
    assert not report.failed
    assert not IndexQueueEntry.objects.exists()
    yield
    clear_search_index()


def test_an_issue_date_change_is_queued_and_searchable_under_the_new_date(cases):
    new_date = dt.date(2024, 1, 3)
    assert len(ids("京都大学", date_from=CASES_DATE, date_to=CASES_DATE)) == 1
    issue = Issue.objects.get(date=CASES_DATE)
    with transaction.atomic():
        issue.date = new_date
        issue.save()
        # queued in the same transaction as the change
        assert IndexQueueEntry.objects.count() == issue.articles.count()
    assert ids("京都大学", date_from=CASES_DATE, date_to=CASES_DATE) == set()
    assert len(ids("京都大学", date_from=new_date, date_to=new_date)) == 1
    assert check_index().consistent


def test_a_save_that_changes_nothing_shown_queues_nothing(cases):
    issue = Issue.objects.get(date=CASES_DATE)
    with transaction.atomic():
        issue.save()
        assert not IndexQueueEntry.objects.exists()


def test_section_and_contributor_renames_reach_every_document(cases):
    sectioned = Article.objects.get(headline="发挥资源优势 推动转型发展")
    sectioned.section = Section.objects.create(name="经济")
    sectioned.save()
    credited = Article.objects.filter(credits__isnull=False).first()
    section = sectioned.section
    contributor = credited.credits.first().contributor
    with transaction.atomic():
        section.name = "改名后的栏目"
        section.save()
        assert IndexQueueEntry.objects.filter(article_id=sectioned.pk).exists()
    contributor.name = "改名作者"
    contributor.save()
    assert sectioned.pk in ids("栏目:改名后的栏目")
    assert credited.pk in ids("作者:改名作者")
    assert sectioned.pk in ids(f'"{sectioned.headline[:4]}"', section="改名后的栏目")
    assert check_index().consistent


def test_a_page_rename_queues_its_articles_in_the_same_transaction(cases, settings):
    from articles.models import Page

    settings.SEARCH_INDEX_ON_COMMIT = False
    page = Page.objects.filter(articles__isnull=False).first()
    with transaction.atomic():
        page.name = "要闻"
        page.save()
        assert set(IndexQueueEntry.objects.values_list("article_id", flat=True)) == set(
            page.articles.values_list("pk", flat=True))
    drain_index_queue()
    assert check_index().consistent


def test_queue_articles_takes_ids_issues_or_a_queryset(cases, settings):
    settings.SEARCH_INDEX_ON_COMMIT = False
    issue = Issue.objects.get(date=CASES_DATE)
    first = issue.articles.order_by("pk").first()
    with transaction.atomic():
        assert queue_articles(article_ids=[first.pk]) == 1
        assert queue_articles(issue_ids=[issue.pk]) == issue.articles.count()
        assert queue_articles(articles=Article.objects.filter(pk=first.pk)) == 1
    assert IndexQueueEntry.objects.count() == 2 + issue.articles.count()
    assert drain_index_queue() == issue.articles.count()  # each article once per pass
    assert not IndexQueueEntry.objects.exists()


def test_check_index_finds_a_silent_date_change_and_names_the_fields(cases):
    # a write that bypasses the signals (QuerySet.update) and changes no article stamp
    Issue.objects.filter(date=CASES_DATE).update(date=dt.date(2024, 2, 5))
    check = check_index()
    assert len(check.stale) == Article.objects.count() and not check.missing
    fields = next(iter(check.differences.values()))
    assert {"day", "month", "month_of_year"} <= set(fields) and "year" not in fields
    out = StringIO()
    with pytest.raises(CommandError, match="differ"):
        call_command("check_index", stdout=out)
    assert f"{len(check.stale)} stale in the index" in out.getvalue()
    assert "the index differs in day, month, month_of_year" in out.getvalue()
    call_command("check_index", "--fix", stdout=StringIO())
    assert len(ids("京都大学", date_from=dt.date(2024, 2, 5), date_to=dt.date(2024, 2, 5))) == 1


def test_check_index_finds_a_silent_text_change(cases):
    article = Article.objects.get(headline="日本京都大学代表团来访我市")
    Article.objects.filter(pk=article.pk).update(body=article.body + "\n静默加上的一句")  # stamp unchanged
    check = check_index()
    assert check.stale == [article.pk] and check.differences == {article.pk: ["text"]}


def test_check_index_reports_rows_left_queued_by_a_stopped_run(cases, settings):
    settings.SEARCH_INDEX_ON_COMMIT = False  # as if the process died between commit and drain
    article = Article.objects.get(headline="日本京都大学代表团来访我市")
    article.headline = "停在队列里的标题"
    article.save()
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_index", stdout=out)
    assert "1 queued edit(s) not yet in the index, the oldest since" in out.getvalue()
    assert "left by a stopped run" in out.getvalue()
    out = StringIO()
    call_command("drain_index", stdout=out)
    assert "indexed 1 queued article(s); 0 queued" in out.getvalue()
    assert ids('"停在队列里的标题"') == {article.pk} and check_index().consistent


def test_the_drain_after_a_commit_is_bounded_and_drain_index_takes_the_rest(cases, settings):
    settings.SEARCH_DRAIN_MAX_ARTICLES = 2
    articles = list(Article.objects.order_by("pk"))
    with transaction.atomic():
        for number, article in enumerate(articles):
            article.headline = f"批量修改标题{number}号"
            article.save()
    # the commit's drain took two articles; the rest wait, oldest first
    assert queue_status().length == len(articles) - 2
    assert ids('"批量修改标题0号"') == {articles[0].pk} and ids('"批量修改标题3号"') == set()
    call_command("drain_index", stdout=StringIO())
    assert ids('"批量修改标题3号"') == {articles[3].pk}
    assert check_index().consistent


def test_the_drain_after_a_commit_keeps_to_its_time_budget(cases, settings):
    settings.SEARCH_DRAIN_SECONDS = 0
    article = Article.objects.first()
    article.headline = "时间预算用完"
    article.save()
    assert queue_status().length == 1 and ids('"时间预算用完"') == set()


def test_a_full_disk_is_logged_the_save_stands_and_the_row_stays_queued(cases, monkeypatch, caplog):
    backend = connections["default"].get_backend()
    original = search_backend.SegmentWriter.commit

    def full_disk(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(search_backend.SegmentWriter, "commit", full_disk)
    article = Article.objects.get(headline="日本京都大学代表团来访我市")
    with caplog.at_level(logging.ERROR, logger="search.services"):
        with transaction.atomic():
            article.headline = "磁盘已满时保存的标题"
            article.save()  # the commit's drain fails: logged, not raised
    assert "search index update failed; 1 update(s) stay queued" in caplog.text
    assert "No space left on device" in caplog.text  # the traceback is in the record
    assert Article.objects.get(pk=article.pk).headline == "磁盘已满时保存的标题"
    assert IndexQueueEntry.objects.filter(article_id=article.pk).exists()
    assert backend.writable()[0]  # the failed writer let go of the index's lock
    monkeypatch.setattr(search_backend.SegmentWriter, "commit", original)
    call_command("drain_index", stdout=StringIO())
    assert ids('"磁盘已满时保存的标题"') == {article.pk} and check_index().consistent


def test_drain_index_without_watch_reports_an_index_error_in_one_line(cases, monkeypatch, settings):
    settings.SEARCH_INDEX_ON_COMMIT = False
    Article.objects.first().save()

    def read_only(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(search_backend.SegmentWriter, "commit", read_only)
    with pytest.raises(CommandError, match=r"cannot be written \(OSError: \[Errno 30\] Read-only file system\); "
                                           r"1 article\(s\) stay queued"):
        call_command("drain_index", stdout=StringIO())


def test_rebuild_index_swaps_a_complete_index_in_and_removes_stray_builds(cases):
    backend = connections["default"].get_backend()
    parent = backend.path.rstrip("/")
    stray = f"{parent}{search_backend.REBUILD_SUFFIX}999999-deadbeef"  # a build killed earlier
    import os
    os.makedirs(stray)
    assert len(ids("京都大学")) == 1  # a searcher is open on the old index
    out = StringIO()
    call_command("rebuild_index", "--noinput", stdout=out)
    assert "swapped in whole" in out.getvalue() and "indexed 4 of 4 articles (100%)" in out.getvalue()
    assert not os.path.exists(stray)
    assert not [e for e in os.listdir(os.path.dirname(parent)) if search_backend.REBUILD_SUFFIX in e]
    assert len(ids("京都大学")) == 1 and check_index().consistent


def test_an_edit_saved_during_a_rebuild_is_indexed_after_the_swap(cases, monkeypatch):
    from search import services

    article = Article.objects.get(headline="日本京都大学代表团来访我市")
    backend = connections["default"].get_backend()
    real = backend.rebuild_beside

    def rebuild_with_an_edit_in_the_middle(*args, **kwargs):
        monkeypatch.setattr(search_backend, "LOCK_TIMEOUT_SECONDS", 0.1)
        with transaction.atomic():  # an editor saves while the build runs: the drain cannot write
            Article.objects.filter(pk=article.pk).update(headline="重建期间的修改")
            queue_articles(article_ids=[article.pk])
        assert IndexQueueEntry.objects.filter(article_id=article.pk).exists()
        return real(*args, **kwargs)

    monkeypatch.setattr(backend, "rebuild_beside", rebuild_with_an_edit_in_the_middle)
    services.rebuild_index(workers=1)
    assert ids('"重建期间的修改"') == {article.pk}
    assert not IndexQueueEntry.objects.exists() and check_index().consistent

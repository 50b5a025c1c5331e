"""The ingest's creation history, copied by the database, against django-simple-history's own."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history as simple_history_bulk_create

from articles.models import Article, ArticleContributor, Contributor, Issue, Newspaper, Page
from articles.segmentation import segment
from articles.services.history import bulk_create_with_history
from articles.services.ingest import _new_article, _sections_of
from tests.conftest import seed_file

pytestmark = pytest.mark.django_db

# what differs between any two inserts: keys, the page, when
SKIPPED = {"history_id", "history_date", "id", "page_id", "article_id", "created_at", "updated_at"}


def a_page(number: int) -> Page:
    paper, _ = Newspaper.objects.get_or_create(slug="taiyuan-daily", defaults={"name": "太原日报"})
    issue, _ = Issue.objects.get_or_create(newspaper=paper, date=dt.date(2022, 3, 4))
    now = timezone.now()
    return Page.objects.create(issue=issue, number=number, raw_text="", sha256=str(number) * 64,
                               ingested_at=now, segmented_at=now)


def history_rows(model, pks) -> list[dict]:
    rows = model.history.filter(id__in=pks).order_by("history_id").values()
    return [{k: v for k, v in row.items() if k not in SKIPPED} for row in rows]


def articles_of_a_real_page(page: Page) -> list[Article]:
    segs = segment(seed_file("002").read_text(encoding="utf-8"), issue_date=dt.date(2022, 3, 4)).articles
    sections = _sections_of(segs)
    return [_new_article(page, seg, sections) for seg in segs]


def test_the_history_rows_are_the_ones_simple_history_writes():
    ours = bulk_create_with_history(articles_of_a_real_page(a_page(1)), Article)
    theirs = simple_history_bulk_create(articles_of_a_real_page(a_page(2)), Article)
    assert len(ours) == len(theirs) > 3
    ours_rows, theirs_rows = history_rows(Article, [a.pk for a in ours]), history_rows(Article, [a.pk for a in theirs])
    assert ours_rows == theirs_rows
    assert all(row["history_type"] == "+" and row["history_user_id"] is None for row in ours_rows)
    # each row is its article's, in the articles' order
    for article, row in zip(ours, Article.history.filter(id__in=[a.pk for a in ours]).order_by("history_id"),
                            strict=True):
        assert (row.id, row.page_id, row.body, row.segmented, row.created_at) == (
            article.pk, article.page_id, article.body, article.segmented, article.created_at)


def test_credits_get_their_history_too():
    article = bulk_create_with_history(articles_of_a_real_page(a_page(1))[:1], Article)[0]
    someone = Contributor.objects.create(name="白晶")
    credits = bulk_create_with_history(
        [ArticleContributor(article=article, contributor=someone, role=ArticleContributor.Role.REPORTER, position=0)],
        ArticleContributor)
    (row,) = ArticleContributor.history.filter(id=credits[0].pk).values()
    assert (row["article_id"], row["contributor_id"], row["role"], row["history_type"]) == (
        article.pk, someone.pk, ArticleContributor.Role.REPORTER, "+")


def test_the_history_names_the_user_of_the_request_it_was_written_in(rf):
    editor = User.objects.create_user("editor-of-history")
    request = rf.get("/")
    request.user = editor
    HistoricalRecords.context.request = request
    try:
        (article,) = bulk_create_with_history(articles_of_a_real_page(a_page(1))[:1], Article)
    finally:
        del HistoricalRecords.context.request
    assert Article.history.get(id=article.pk).history_user_id == editor.pk


def test_nothing_to_create_writes_nothing():
    assert bulk_create_with_history([], Article) == []
    assert not Article.history.exists()


def test_an_ingested_page_and_its_articles_each_have_one_creation_row(tmp_path):
    from articles.services import ingest_paths

    path = tmp_path / "2022-03-04-p02.txt"
    path.write_text(seed_file("002").read_text(encoding="utf-8"), encoding="utf-8")
    assert not ingest_paths(paths=[path]).failed
    page = Page.objects.get()
    (row,) = Page.history.filter(id=page.pk)
    assert (row.history_type, row.raw_text, row.sha256, row.issue_id) == ("+", page.raw_text, page.sha256, page.issue_id)
    articles = list(page.articles.all())
    assert len(articles) > 3
    assert sorted(Article.history.filter(history_type="+").values_list("id", flat=True)) == sorted(a.pk for a in articles)


def test_missing_names_are_inserted_once_with_their_history_and_existing_ones_left_alone():
    from articles.models import Section
    from articles.services.history import insert_missing_names

    kept = Contributor.objects.create(name="李晓")
    insert_missing_names(Contributor, ["王明", "李晓", "张三"])
    insert_missing_names(Contributor, ["张三"])
    insert_missing_names(Section, [])
    assert sorted(Contributor.objects.values_list("name", flat=True)) == sorted(["王明", "李晓", "张三"])
    assert Contributor.objects.get(name="李晓").pk == kept.pk
    rows = Contributor.history.filter(history_type="+").values_list("name", "history_user_id", "merged_into_id")
    # the existing name's creation row is its own save's; the new ones have one each
    assert sorted(rows) == sorted([("李晓", None, None), ("王明", None, None), ("张三", None, None)])

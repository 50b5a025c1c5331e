"""The migration to pages keeps an archive made before them: each issue becomes its own page 1."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.conftest import seed_file

BEFORE = [("articles", "0001_initial")]
AFTER = [("articles", "0002_pages")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_each_issue_becomes_its_page_1_with_articles_corrections_and_history_kept():
    old = migrate(BEFORE)
    try:
        now = timezone.now()
        paper = old.get_model("articles", "Newspaper").objects.create(name="太原日报", slug="taiyuan-daily")
        raw = seed_file("000").read_text(encoding="utf-8")
        issue = old.get_model("articles", "Issue").objects.create(
            newspaper=paper, date=dt.date(2021, 10, 28), source_file="000.txt", sha256="a" * 64, encoding="utf-8",
            raw_text=raw, date_source="manifest", segmenter_version="1.0", ingested_at=now, segmented_at=now)
        Article = old.get_model("articles", "Article")
        article = Article.objects.create(
            issue=issue, position=3, headline="编辑改过的标题", body="正文。", source_start_line=1, source_end_line=2,
            segmented={"headline": "原来的标题", "body": "正文。"}, corrected_fields=["headline"], is_corrected=True)
        old.get_model("articles", "HistoricalArticle").objects.create(
            id=article.pk, issue_id=issue.pk, position=3, headline="原来的标题", body="正文。", source_start_line=1,
            source_end_line=2, segmented={}, corrected_fields=[], is_corrected=False, kind="news",
            created_at=now, updated_at=now, history_date=now, history_type="+")

        new = migrate(AFTER)

        Page = new.get_model("articles", "Page")
        page = Page.objects.get()
        assert (page.issue_id, page.number, page.source_file, page.raw_text) == (issue.pk, 1, "000.txt", raw)
        assert (page.sha256, page.segmenter_version, page.ingested_at) == ("a" * 64, "1.0", now)
        moved = new.get_model("articles", "Article").objects.get(pk=article.pk)
        assert (moved.page_id, moved.position, moved.headline) == (page.pk, 3, "编辑改过的标题")
        assert moved.corrected_fields == ["headline"] and moved.is_corrected
        history = new.get_model("articles", "HistoricalArticle").objects.get(id=article.pk)
        assert history.headline == "原来的标题" and history.page_id == page.pk
        assert new.get_model("articles", "HistoricalPage").objects.filter(id=page.pk, history_type="+").exists()
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

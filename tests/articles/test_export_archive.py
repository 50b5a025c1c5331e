"""manage.py export_archive: every article with its metadata, streamed in keyset batches."""
from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _archive(seeded_archive):
    return seeded_archive


def test_jsonl_has_every_article_once_with_its_metadata():
    out = io.StringIO()
    with CaptureQueriesContext(connection) as captured:
        call_command("export_archive", "--format", "jsonl", "--batch", "7", "--base-url", "https://a.example/", stdout=out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    total = Article.objects.count()
    assert len(records) == total and len({r["id"] for r in records}) == total
    assert [r["id"] for r in records] == sorted(r["id"] for r in records)
    article = Article.objects.for_reading().get(pk=records[0]["id"])
    first = records[0]
    assert first["url"] == "https://a.example" + article.get_absolute_url()
    assert first["body"] == article.body and first["headline"] == article.headline
    assert first["issue_date"] == article.issue.date.isoformat() and "page" in first and "dateline" in first
    assert all(isinstance(r["bylines"], list) for r in records)
    # keyset batches: each batch a pk > last query, never OFFSET
    selects = [q["sql"] for q in captured if 'FROM "articles_article"' in q["sql"] and "LIMIT 7" in q["sql"]]
    assert len(selects) == -(-total // 7) + 1 and not any("OFFSET" in sql for sql in selects)
    assert all('"articles_article"."id" >' in sql for sql in selects)


def test_csv_to_a_file_with_a_header_and_a_bom(tmp_path):
    path = tmp_path / "archive.csv"
    call_command("export_archive", "--format", "csv", "--out", str(path), stderr=io.StringIO())
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == Article.objects.count()
    assert {"id", "headline", "body", "bylines", "issue_date", "url", "page", "section"} <= set(rows[0])
    article = Article.objects.get(pk=rows[0]["id"])
    assert rows[0]["body"] == article.body.replace("\r\n", "\n") or rows[0]["body"].lstrip("'") == article.body


def test_unknown_format_is_refused():
    with pytest.raises(Exception):
        call_command("export_archive", "--format", "xml")


def test_a_batch_is_two_queries_even_when_it_holds_a_continued_story():
    start, part = Article.objects.order_by("pk")[:2]
    Article.objects.filter(pk=part.pk).update(continues=start)
    with CaptureQueriesContext(connection) as captured:
        call_command("export_archive", "--format", "jsonl", "--batch", "1000", stdout=io.StringIO())
    # the articles, their credits with their contributors, then the empty batch that ends the walk
    assert len(captured) == 3, [q["sql"][:120] for q in captured]

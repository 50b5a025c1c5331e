"""The editors' admin: permissions, corrections with history, list pages of constant SQL cost."""
from __future__ import annotations

import shutil
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Issue, Page
from articles.services import EDITORS_GROUP
from tests.conftest import SEEDS, seed_file

pytestmark = pytest.mark.django_db


def change_form_data(article: Article, **overrides) -> dict:
    credits = list(article.credits.all())
    data = {
        "kicker": article.kicker, "headline": article.headline, "subheadline": article.subheadline,
        "section": article.section_id or "", "kind": article.kind,
        "dateline": article.dateline.isoformat() if article.dateline else "",
        "continued_from_page": article.continued_from_page or "", "continues": article.continues_id or "",
        "body": article.body,
        "credits-TOTAL_FORMS": len(credits), "credits-INITIAL_FORMS": len(credits),
        "credits-MIN_NUM_FORMS": 0, "credits-MAX_NUM_FORMS": 1000,
    }
    for i, credit in enumerate(credits):
        data.update({f"credits-{i}-id": credit.pk, f"credits-{i}-article": article.pk,
                     f"credits-{i}-contributor": credit.contributor_id, f"credits-{i}-role": credit.role,
                     f"credits-{i}-position": credit.position})
    data.update(overrides)
    return data


def test_editors_group_may_change_articles_and_sections_but_not_delete_issues():
    perms = set(Group.objects.get(name=EDITORS_GROUP).permissions.values_list("codename", flat=True))
    assert {"change_article", "change_section", "add_section", "view_issue"} <= perms
    assert "delete_issue" not in perms and "delete_article" not in perms


def test_editor_correction_is_saved_with_history_and_the_segmenter_value_stays_visible(client, editor, seeded):
    article = Article.objects.get(issue__date="2021-10-28", position=1)
    url = f"/admin/articles/article/{article.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert "分割程序的结果" in page.content.decode()  # "What the segmenter produced"
    response = client.post(url, change_form_data(article, headline="筑牢疫情防控防线"))
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.full_headline == "紧盯重点环节 筑牢疫情防控防线"
    assert article.corrected_fields == ["headline"] and article.is_corrected
    assert article.segmented["headline"] == "全力筑牢疫情防控安全防线" and article.segmented["kicker"] == "紧盯重点环节"
    newest, previous = article.history.all()[:2]
    assert newest.history_user == editor
    delta = newest.diff_against(previous)
    # one save: the headline and, with it, the corrected fields
    assert sorted((c.field, c.old, c.new) for c in delta.changes) == [
        ("corrected_fields", [], ["headline"]), ("headline", "全力筑牢疫情防控安全防线", "筑牢疫情防控防线"),
        ("is_corrected", False, True)]
    history_page = client.get(f"/admin/articles/article/{article.pk}/history/").content.decode()
    assert "筑牢疫情防控防线" in history_page and "editor" in history_page
    corrected = client.get("/admin/articles/article/?corrected=yes").content.decode()
    assert "筑牢疫情防控防线" in corrected and "动动手指即可查找" not in corrected


def test_editor_cannot_delete_an_issue(client, editor, seeded):
    issue = Issue.objects.first()
    assert client.get(f"/admin/articles/issue/{issue.pk}/delete/").status_code == 403
    assert client.post(f"/admin/articles/issue/{issue.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Issue.objects.filter(pk=issue.pk).exists()


def test_page_admin_shows_its_articles_and_the_raw_source_escaped(client, editor, seeded):
    page = Page.objects.get(issue__date="2022-03-25")
    Page.objects.filter(pk=page.pk).update(raw_text=page.raw_text + "\n<script>alert(1)</script>\n")
    html = client.get(f"/admin/articles/page/{page.pk}/change/").content.decode()
    assert "技术经理人纳入我省职称评审序列" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)</script>" not in html


def test_only_staff_log_in(client, seeded):
    User.objects.create_user("reader", password="pw-for-tests-only")
    assert client.get("/admin/articles/article/").status_code == 302
    response = client.post("/admin/login/", {"username": "reader", "password": "pw-for-tests-only"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_admin_lists_run_a_fixed_number_of_queries(client, editor, tmp_path):
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(seed_file("000"), folder / "a.txt")
    call_command("ingest", str(folder / "a.txt"), "--date", "2021-10-28", stdout=StringIO())
    assert Article.objects.count() == 11
    small = {url: count_queries(client, url) for url in ("/admin/articles/article/", "/admin/articles/issue/")}
    call_command("ingest", str(SEEDS), stdout=StringIO())
    assert Article.objects.count() == 46
    large = {url: count_queries(client, url) for url in small}
    assert large == small


def test_editor_confirms_an_inferred_issue_date(client, editor, tmp_path):
    lone = tmp_path / "lone.txt"
    lone.write_bytes(seed_file("004").read_bytes())
    call_command("ingest", str(lone), stdout=StringIO())
    issue = Issue.objects.get()
    assert issue.date_source == Issue.DateSource.INFERRED
    response = client.post("/admin/articles/issue/", {"action": "confirm_dates", "_selected_action": [issue.pk]})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.date_source == Issue.DateSource.EDITOR
    assert issue.history.first().history_user == editor

"""The editors' admin in real Chromium: a browser submits textareas with CRLF line ends, so saving
an article untouched must still change nothing; the list is readable at 1366 px."""
from __future__ import annotations

import re

from django.contrib.auth.models import Group, User

from articles.services import EDITORS_GROUP


def log_in_as_editor(page, archive):
    user = User.objects.create_user("editor", password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    page.goto(archive + "/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "pw-for-tests-only")
    page.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    return user


def test_saving_every_field_unchanged_writes_no_correction_and_no_history(page, archive):
    from articles.models import Article, ArticleContributor

    log_in_as_editor(page, archive)
    articles = [a for a in Article.objects.filter(issue__date="2021-10-28").order_by("position")
                if "\n" in a.body and a.credits.exists()][:2]
    assert articles
    for article in articles:
        rows = article.history.count()
        credit_rows = ArticleContributor.history.filter(article_id=article.pk).count()
        page.goto(archive + f"/admin/articles/article/{article.pk}/change/")
        # the browser really holds CRLF for the textarea it will submit
        assert page.evaluate("document.querySelector('#id_body').value.includes('\\n')")
        page.locator("input[name=_save]").click()
        page.wait_for_url(re.compile(r"/admin/articles/article/$"))
        stored = Article.objects.get(pk=article.pk)
        assert stored.body == article.body and "\r" not in stored.body
        assert stored.corrected_fields == [] and not stored.is_corrected
        assert stored.history.count() == rows
        assert ArticleContributor.history.filter(article_id=article.pk).count() == credit_rows
        assert stored.updated_at == article.updated_at


def test_a_corrected_body_is_the_only_correction_and_its_history_shows_a_diff(page, archive):
    from articles.models import Article

    user = log_in_as_editor(page, archive)
    article = next(a for a in Article.objects.filter(issue__date="2021-10-28").order_by("position")
                   if "\n" in a.body)
    page.goto(archive + f"/admin/articles/article/{article.pk}/change/")
    page.locator("#id_body").press("End")
    page.locator("#id_body").evaluate("el => el.value = el.value + '\\n\\n编辑补的一段。'")
    page.fill("#id_change_reason", "漏了一段")
    page.locator("input[name=_save]").click()
    page.wait_for_url(re.compile(r"/admin/articles/article/$"))
    stored = Article.objects.get(pk=article.pk)
    assert stored.corrected_fields == ["body"] and stored.body == article.body + "\n\n编辑补的一段。"
    assert stored.history.first().history_user == user
    page.goto(archive + f"/admin/articles/article/{article.pk}/history/")
    assert page.locator(".char-diff ins").first.inner_text().strip().endswith("编辑补的一段。")
    assert "漏了一段" in page.locator(".history-reason").first.inner_text()
    page.locator("form:has(input[name=field][value=body]) button").first.click()
    page.wait_for_url(re.compile(r"/history/$"))
    assert Article.objects.get(pk=article.pk).body == article.body


def test_the_article_list_is_readable_at_1366_px(browser, archive):
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN")
    page = context.new_page()
    log_in_as_editor(page, archive)
    page.goto(archive + "/admin/articles/article/")
    headline = page.locator("#result_list .field-headline_or_kind").first.bounding_box()
    assert headline["width"] >= 280
    assert page.locator("#nav-sidebar").get_by_text("文章", exact=True).count() == 1  # the model, not a count
    for column in ("field-bylines", "field-issue_date"):
        box = page.locator(f"#result_list td.{column}").first.bounding_box()
        assert box["x"] + box["width"] <= 1366, column
    # one line per row: a long headline is cut with an ellipsis, whole in its title
    cut = page.locator("#result_list .headline-cut").first
    assert cut.evaluate("el => getComputedStyle(el).textOverflow") == "ellipsis"
    assert cut.bounding_box()["height"] < 30
    page.screenshot(path="/tmp/admin-article-list-1366.png")
    context.close()

"""The admin speaks Chinese for our own models, fields, filters, actions and help texts, and
English when the interface language is English (the language cookie); the article list is readable."""
from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from articles.models import Article, Issue
from articles.services import EDITORS_GROUP
from tests.conftest import SEEDS

pytestmark = pytest.mark.django_db

CHINESE = {
    "/admin/articles/article/": ["选择 文章 来修改", "以 经编辑校订", "已校订", "未校订", "标题", "署名", "出版日期",
                                 "将所选的两篇相邻文章合并为一篇"],
    "/admin/articles/issue/": ["选择 期 来修改", "确认所选各期的出版日期", "版数", "文章数"],
    "/admin/articles/contributor/": ["将所选条目合并为一个", "署名数"],
    "/admin/articles/section/": ["将所选条目合并为一个"],
}
ENGLISH = {
    "/admin/articles/article/": ["Select article to change", "By corrected by an editor", "as segmented", "Headline",
                                 "Bylines", "Issue date", "Merge the two selected adjacent articles into one"],
    "/admin/articles/issue/": ["Select issue to change", "Confirm the issue date of the selected issues"],
    "/admin/articles/contributor/": ["Merge the selected entries into one"],
    "/admin/articles/section/": ["Merge the selected entries into one"],
}


@pytest.fixture
def editor(client):
    call_command("ingest", str(SEEDS), stdout=StringIO(), stderr=StringIO())
    user = User.objects.create_user("editor", password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    client.force_login(user)
    return user


def test_lists_in_chinese(client, editor):
    for url, labels in CHINESE.items():
        html = client.get(url).content.decode()
        for label in labels:
            assert label in html, (url, label)
    assert "corrected by an editor" not in client.get("/admin/articles/article/").content.decode()


def test_lists_in_english(client, editor):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url, labels in ENGLISH.items():
        html = client.get(url).content.decode()
        for label in labels:
            assert label in html, (url, label)


def test_change_forms_labels_and_help_texts_in_both_languages(client, editor):
    article = Article.objects.first()
    url = f"/admin/articles/article/{article.pk}/change/"
    html = client.get(url).content.decode()
    for label in ("引题", "副题", "正文", "体裁", "上接文章", "修改原因", "分割程序的结果", "本文所接续的前面版面上的文章"):
        assert label in html, label
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(url).content.decode()
    for label in ("Kicker", "Subheadline", "Body", "Reason for the change", "What the segmenter produced",
                  "The article on an earlier page whose story this one carries on"):
        assert label in html, label
    issue = Issue.objects.first()
    assert "Date source" in client.get(f"/admin/articles/issue/{issue.pk}/change/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "日期来源" in client.get(f"/admin/articles/issue/{issue.pk}/change/").content.decode()


def test_article_list_cuts_long_headlines_and_shows_them_whole_on_hover(client, editor):
    article = Article.objects.exclude(headline="").first()
    Article.objects.filter(pk=article.pk).update(headline="很长的标题" * 30)
    html = client.get("/admin/articles/article/").content.decode()
    assert f'class="headline-cut" title="{article.kicker + " " if article.kicker else ""}{"很长的标题" * 30}"' in html
    assert "articles/admin.css" in html
    columns = html.split('<thead>')[1].split('</thead>')[0]
    assert columns.index("column-headline_or_kind") < columns.index("column-bylines") < columns.index(
        "column-issue_date")

"""The reader's pages over the seeded archive: status, content, query counts, 404s, headers."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Contributor, Issue, Section

pytestmark = pytest.mark.django_db

PAPER = "taiyuan-daily"


@pytest.fixture(autouse=True)
def _archive(seeded_archive):
    return seeded_archive


def queries(client, url: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response


def test_home_shows_extent_latest_issues_and_a_calendar(client):
    html = client.get("/").content.decode()
    assert 'lang="zh-Hans"' in html
    assert f"<strong>{Issue.objects.count()}</strong> 期" in html
    assert f"<strong>{Article.objects.count()}</strong> 篇" in html
    assert "2021-10-28 至 2024-01-02" in html
    assert f'href="/{PAPER}/2024-01-02/"' in html  # the latest year's calendar links its issue


def test_home_lists_articles_of_this_day_in_other_years(client, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2026, 10, 28))
    html = client.get("/").content.decode()
    assert "历史上的今天" in html and "紧盯重点环节" in html


def test_year_calendar_links_days_with_an_issue_only(client):
    html = client.get(f"/{PAPER}/2022/").content.decode()
    assert f'href="/{PAPER}/2022-03-04/"' in html and f'href="/{PAPER}/2022-03-25/"' in html
    assert f'href="/{PAPER}/2022-03-05/"' not in html
    assert "<td>5</td>" in html  # a day without an issue is plain text


def test_newspaper_page_lists_years(client):
    html = client.get(f"/{PAPER}/").content.decode()
    for year in (2021, 2022, 2023):
        assert f'href="/{PAPER}/{year}/"' in html


def test_issue_page_groups_articles_under_sections_and_links_neighbours(client):
    count, response = queries(client, f"/{PAPER}/2022-03-04/")
    html = response.content.decode()
    issue = Issue.objects.get(date=dt.date(2022, 3, 4))
    positions = [int(p) for p in re.findall(rf'href="/{PAPER}/2022-03-04/p1/(\d+)/"', html)]
    assert positions == sorted(positions) == list(issue.articles.values_list("position", flat=True))
    # numbered through the issue without gaps, whatever section an article stands under
    assert [int(n) for n in re.findall(r'<li value="(\d+)">', html)] == list(range(1, len(positions) + 1))
    assert "第 1 版" in html
    assert f'rel="prev" href="/{PAPER}/2021-10-28/"' in html
    assert f'rel="next" href="/{PAPER}/2022-03-25/"' in html
    assert count <= 9


def test_issue_and_article_pages_use_a_fixed_number_of_queries(client):
    counts = set()
    for issue in Issue.objects.all():
        counts.add(queries(client, f"/{issue.newspaper.slug}/{issue.date}/")[0])
    assert len(counts) == 1, counts  # whatever the issue's length
    from search import related

    related.forget_table()  # (another module's archive may have built it)
    related.idf_table()  # built once per process (the first article page pays for it)
    urls = [a.get_absolute_url() for a in Article.objects.select_related("issue__newspaper", "page")]
    article_counts = {queries(client, url)[0] for url in urls}
    # article, credits, their contributors (skipped when there are no credits), the story's other
    # parts, previous, next, and the related articles the index found (skipped when it found none);
    # a continued part reads its story's start the same way (four more)
    assert max(article_counts) <= 11, article_counts
    starts = [a.get_absolute_url() for a in Article.objects.select_related("issue__newspaper", "page")
              .filter(continues__isnull=True)]
    assert max(queries(client, url)[0] for url in starts) <= 7


def selected_columns(client, url: str) -> set[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    # a column read only through SUBSTRING (a list's opening words of a body) is not read whole
    heads = [re.sub(r"SUBSTRING\([^)]*\)", "", query["sql"].split(" FROM ")[0]) for query in captured]
    return {".".join(column) for head in heads for column in re.findall(r'"(\w+)"\."(\w+)"', head)}


def test_pages_read_only_the_texts_they_show(client):
    article = Article.objects.select_related("issue__newspaper").get(kicker="紧盯重点环节")
    issue_url = f"/{PAPER}/{article.issue.date}/"
    # a whole issue's raw text, or every article's body, read for a list of headlines
    assert not {"articles_page.raw_text", "articles_article.body", "articles_article.segmented"} & \
        selected_columns(client, issue_url)
    for url in (f"/contributors/{Contributor.objects.get(name='刘涛').pk}/", "/", issue_url + "p1/"):
        assert not {"articles_page.raw_text", "articles_article.body"} & selected_columns(client, url), url
    article_page = selected_columns(client, article.get_absolute_url())
    assert "articles_article.body" in article_page and "articles_page.raw_text" not in article_page
    assert "articles_page.raw_text" in selected_columns(client, issue_url + "p1/source/")


def test_article_page_cites_and_describes_itself(client):
    article = Article.objects.get(kicker="紧盯重点环节")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "刘涛. 紧盯重点环节 全力筑牢疫情防控安全防线[N]. 太原日报, 2021-10-28(1)." in html
    assert '<p class="kicker">紧盯重点环节</p>' in html and "<h1>全力筑牢疫情防控安全防线</h1>" in html
    assert '<meta name="citation_firstpage" content="1">' in html
    assert '<meta name="citation_title" content="紧盯重点环节 全力筑牢疫情防控安全防线">' in html
    assert '<meta name="citation_author" content="刘涛">' in html
    assert '<meta name="citation_publication_date" content="2021/10/28">' in html
    assert '<meta name="citation_journal_title" content="太原日报">' in html
    assert 'rel="next"' in html


def test_article_text_download(client):
    article = Article.objects.get(kicker="紧盯重点环节")
    response = client.get(article.get_absolute_url() + "text/")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("紧盯重点环节") and article.body.strip()[:20] in text


def test_continued_article_says_where_it_comes_from(client):
    article = Article.objects.filter(continued_from_page__isnull=False).select_related("issue__newspaper").first()
    if article is None:
        pytest.skip("no continuation among the seeds")
    assert f"上接第 {article.continued_from_page} 版" in client.get(article.get_absolute_url()).content.decode()


def test_contributor_and_section_pages(client):
    liu = Contributor.objects.get(name="刘涛")
    html = client.get(f"/contributors/{liu.pk}/").content.decode()
    assert "紧盯重点环节" in html
    section = Section.objects.first()
    count, _ = queries(client, f"/sections/{section.pk}/")
    assert count <= 6


@pytest.mark.parametrize("url", [
    f"/{PAPER}/2021-02-30/", f"/{PAPER}/2021-10-29/", f"/{PAPER}/2021-10-28/999/", "/no-such-paper/",
    f"/{PAPER}/99999/", "/contributors/999999/", "/sections/999999/", f"/{PAPER}/2021-10-28/0/",
])
def test_bad_addresses_are_friendly_404s(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "找不到这个页面" in response.content.decode()


def test_security_headers(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_public_pages_have_no_inline_scripts_or_styles(client):
    article = Article.objects.select_related("issue__newspaper").first()
    for url in ("/", f"/{PAPER}/2022/", f"/{PAPER}/2022-03-04/", article.get_absolute_url(), "/search/?q=太原"):
        html = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert "<style" not in html and " style=" not in html, url


def test_server_error_page_is_in_chinese(rf):
    from archive.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500 and "出错了" in response.content.decode()


def test_staff_see_a_link_to_the_admin_and_readers_do_not(client, django_user_model):
    assert "/admin/" not in client.get("/").content.decode()
    client.force_login(django_user_model.objects.create_user("desk", password="pw-for-tests-only", is_staff=True))
    assert 'href="/admin/"' in client.get("/").content.decode()


def test_page_views_and_entity_lists_use_a_fixed_number_of_queries(client):
    from articles.models import Page

    page_counts = {queries(client, p.get_absolute_url())[0]
                   for p in Page.objects.select_related("issue__newspaper")}
    assert len(page_counts) == 1, page_counts  # whatever the page's length
    for model, prefix in ((Contributor, "/contributors/"), (Section, "/sections/")):
        counts = {queries(client, f"{prefix}{pk}/")[0] for pk in model.objects.values_list("pk", flat=True)}
        # the credits' contributors are skipped when no listed article has a credit
        assert max(counts) <= 6 and max(counts) - min(counts) <= 1, (prefix, counts)

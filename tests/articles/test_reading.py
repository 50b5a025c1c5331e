"""The article page's reading aids: keywords and related articles, the previous and next hit of the
search it was reached from, the text-size control; the issue page's titles; the English interface."""
from __future__ import annotations

import gettext
import re
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.citation import title
from articles.models import Article, Issue

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _archive(seeded_archive):
    return seeded_archive


@pytest.fixture(autouse=True, scope="module")
def _fresh_keyword_weights():
    """The keyword weights are kept per process: count them over this module's archive."""
    from search import related

    related.forget_table()
    yield
    related.forget_table()


def get(client, url: str, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    return response.content.decode()


def keywords_of(html: str) -> list[str]:
    block = html.split('class="keywords"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r">([^<>]+)</a>", block)


def related_links(html: str) -> list[str]:
    block = html.split('class="related-articles"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'href="([^"]+)"', block)


def test_keywords_are_the_storys_own_words_and_link_to_searches(client):
    article = Article.objects.select_related("issue__newspaper", "page").get(kicker="紧盯重点环节")
    html = get(client, article.get_absolute_url())
    words = keywords_of(html)
    print("keywords:", words)
    assert 4 <= len(words) <= 8, words
    text = article.full_headline + article.subheadline + article.body
    assert all(w in text for w in words), words
    # weighed against this archive: a word most articles print is not a keyword
    assert "太原" not in words and "记者" not in words
    for word in words[:3]:
        assert f'href="/search/?{urlencode({"q": word})}"' in html
        found = get(client, "/search/?q=" + word)
        assert int(re.search(r'id="total">(\d+)<', found).group(1)) >= 1


def test_keyword_weights_come_from_the_archives_own_document_frequencies():
    from search import related

    table = related.idf_table()
    assert table.documents == Article.objects.count() and table.articles == table.documents
    # a word in many of the seed articles weighs less than one in a single article
    assert table.idf["太原"] < table.idf.get("核酸检测", table.median)


def test_related_articles_are_five_others_never_the_article_or_its_story(client):
    for article in Article.objects.select_related("issue__newspaper", "page", "continues__page",
                                                   "continues__issue__newspaper"):
        html = get(client, article.get_absolute_url())
        if 'class="related-articles"' not in html:
            continue
        links = related_links(html)
        assert 1 <= len(links) <= 5 and len(set(links)) == len(links)
        own = {article.get_absolute_url()} | {part.get_absolute_url() for part in
                                              Article.objects.filter(continues=article).select_related(
                                                  "issue__newspaper", "page")}
        if article.continues_id:
            own.add(article.continues.get_absolute_url())
        assert not own & set(links), (article.get_absolute_url(), links)
    # the seeds are enough for five on a long article
    long_one = Article.objects.select_related("issue__newspaper", "page").get(kicker="紧盯重点环节")
    assert len(related_links(get(client, long_one.get_absolute_url()))) == 5


def continued_story() -> Article:
    """A story continued on another page: the seeds' own if they have one, else the last article of
    an issue's first page made the continuation of the first (rolled back after the test)."""
    part = Article.objects.filter(continues__isnull=False).first()
    if part is None:
        issue = Issue.objects.get(date="2022-03-04")
        start = issue.articles.order_by("position").first()
        part = issue.articles.order_by("-position").first()
        Article.objects.filter(pk=part.pk).update(continues=start, headline="", kicker="", subheadline="",
                                                  kind=Article.Kind.CONTINUATION)
    return Article.objects.select_related("issue__newspaper", "page", "continues__issue__newspaper",
                                          "continues__page").get(pk=part.pk)


def test_a_continued_story_never_lists_its_own_parts_as_related(client):
    part = continued_story()
    own = {part.get_absolute_url(), part.continues.get_absolute_url()}
    for url in own:
        html = get(client, url)
        if 'class="related-articles"' in html:
            assert not own & set(related_links(html)), url
    # the part's page shows the story whole, with where it starts
    html = get(client, part.get_absolute_url())
    assert part.continues.full_headline in html


def result_links(html: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in re.findall(r'<h3><a href="([^"]+)"', html)]


def test_results_carry_the_query_and_the_hit_number_to_the_article(client):
    html = get(client, "/search/?q=%E5%A4%AA%E5%8E%9F&sort=newest")
    links = result_links(html)
    assert len(links) == 20
    for number, link in enumerate(links, start=1):
        params = parse_qs(urlsplit(link).query)
        assert params == {"q": ["太原"], "sort": ["newest"], "hit": [str(number)]}
    page2 = result_links(get(client, "/search/?q=%E5%A4%AA%E5%8E%9F&sort=newest&page=2"))
    assert parse_qs(urlsplit(page2[0]).query)["hit"] == ["21"]


def test_the_article_offers_the_previous_and_next_hit_and_the_way_back(client):
    links = result_links(get(client, "/search/?q=%E5%A4%AA%E5%8E%9F&sort=newest"))
    html = get(client, links[1])  # the second hit
    nav = html.split('class="hits-nav"', 1)[1].split("</nav>", 1)[0].replace("&amp;", "&")
    assert f'href="{links[0]}"' in nav and "← 上一条结果" in nav
    assert f'href="{links[2]}"' in nav and "下一条结果 →" in nav
    assert re.search(r"“太原”的第 2 / \d+ 条结果", nav)
    assert 'href="/search/?q=%E5%A4%AA%E5%8E%9F&sort=newest"' in nav and "返回检索结果" in nav
    first = get(client, links[0])
    assert "上一条结果" not in first and "下一条结果" in first
    # from the second result page, "back" goes to that page
    hit21 = result_links(get(client, "/search/?q=%E5%A4%AA%E5%8E%9F&sort=newest&page=2"))[0]
    assert "&page=2" in get(client, hit21).split('class="hits-nav"', 1)[1].split("</nav>")[0].replace("&amp;", "&")
    # the navigation costs a fixed number of queries: the neighbours in one query
    article_url = links[1].split("?")[0]
    with CaptureQueriesContext(connection) as plain:
        client.get(article_url)
    with CaptureQueriesContext(connection) as navigated:
        client.get(links[1])
    assert len(navigated) <= len(plain) + 1
    # the canonical address stays the article's own
    assert f'rel="canonical" href="http://testserver{article_url}"' in html


def test_hit_navigation_ignores_a_bad_or_missing_hit(client):
    article = Article.objects.select_related("issue__newspaper", "page").first()
    for query in ("?q=%E5%A4%AA%E5%8E%9F", "?hit=2", "?q=%E5%A4%AA%E5%8E%9F&hit=x", "?q=%E5%A4%AA%E5%8E%9F&hit=-1",
                  "?q=&hit=2", "?q=%E5%A4%AA%E5%8E%9F&date_from=bad&hit=2"):
        assert 'class="hits-nav"' not in get(client, article.get_absolute_url() + query), query


def test_text_size_control_needs_no_script(client):
    article = Article.objects.select_related("issue__newspaper", "page").first()
    html = get(client, article.get_absolute_url())
    sizes = re.findall(r'<input type="radio" name="text-size" id="size-(\w+)" value="\w+"( checked)?>', html)
    assert [s for s, _ in sizes] == ["s", "m", "l", "xl"] and [s for s, c in sizes if c] == ["m"]
    assert "<fieldset" in html and "<legend>字号</legend>" in html
    css = (ROOT / "static" / "archive" / "site.css").read_text(encoding="utf-8")
    for size in ("s", "l", "xl"):
        assert f"body:has(#size-{size}:checked) article.full" in css
    assert " style=" not in html and "<script>" not in html


def test_no_listed_item_is_untitled_and_a_continuation_links_to_its_start(client):
    """Defect 1: every item of an issue has a number without gaps and a title that says what it is."""
    for issue in Issue.objects.select_related("newspaper"):
        html = get(client, f"/{issue.newspaper.slug}/{issue.date}/")
        assert "（无标题）" not in html, issue.date
    part = continued_story()
    html = get(client, f"/{part.issue.newspaper.slug}/{part.issue.date}/")
    start = part.continues
    assert f'href="{start.get_absolute_url()}">上接第 {start.page.number} 版</a>' in html
    # the untitled part is named after the story it continues
    assert title(part) == f"{start.full_headline}（续）"
    item = html.split(f'href="{part.get_absolute_url()}"', 1)[1].split("</li>", 1)[0]
    assert f"{start.full_headline}（续）" in item and "（无标题）" not in html


def test_a_link_to_an_untitled_part_is_named_after_its_story_in_two_queries_and_to_others_in_one():
    from articles.selectors import linkable_articles

    part = continued_story()
    others = list(Article.objects.filter(continues__isnull=True).exclude(pk=part.continues_id)
                  .values_list("pk", flat=True)[:4])
    with CaptureQueriesContext(connection) as queries:
        found = linkable_articles(others)
        assert [title(found[pk]) for pk in others] and len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        found = linkable_articles([part.pk, *others])
        assert title(found[part.pk]) == f"{part.continues.full_headline}（续）" and len(queries) == 2


def test_a_storys_page_links_its_parts_without_a_query_for_each_ones_issue(client):
    part = continued_story()
    start = part.continues
    with CaptureQueriesContext(connection) as queries:
        html = get(client, start.get_absolute_url())
    assert f'href="{part.get_absolute_url()}"' in html
    one_by_one = [q["sql"] for q in queries if q["sql"].startswith(('SELECT "articles_issue"', 'SELECT "articles_newspaper"'))
                  and '."id" = ' in q["sql"]]
    assert not one_by_one


def test_search_results_name_untitled_items_by_what_they_are(client):
    html = get(client, "/search/?q=%E7%9A%84&sort=oldest")
    assert "（无标题）" not in html


def test_english_article_and_search_pages(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    article = Article.objects.select_related("issue__newspaper", "page").get(kicker="紧盯重点环节")
    html = get(client, article.get_absolute_url())
    assert '<html lang="en">' in html and '<article class="full" lang="zh-Hans">' in html
    for english in ("Keywords", "Related articles", "Cite this article", "Text size", "Download as plain text"):
        assert english in html, english
    assert "关键词" not in html and "引用本文" not in html
    assert re.search(r'By <a href="/contributors/\d+/">刘涛</a>', html)  # the credit's role too
    html = get(client, "/search/?q=%E7%96%AB%E6%83%85")
    assert re.search(r'<strong id="total">\d+</strong> articles found', html)
    for english in ("Filters and sorting", "Advanced search", "Compare terms over time", "Hits per month", "Year"):
        assert english in html, english
    assert "News" in html  # the kinds' labels too
    issue = get(client, "/taiyuan-daily/2022-03-04/")
    assert "4 March 2022" in issue and "Search this issue" in issue
    # the addresses are the same in both languages
    assert get(client, "/taiyuan-daily/2022/").count('<table class="month">') == 12
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and "This page cannot be found" in missing.content.decode()


def test_every_interface_string_has_its_english_translation_compiled():
    po = (ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    with (ROOT / "locale" / "en" / "LC_MESSAGES" / "django.mo").open("rb") as fh:
        catalogue = gettext.GNUTranslations(fh)
    entries = po.split("\n\n")[1:]
    assert len(entries) > 150
    for entry in entries:
        assert 'msgstr ""\n' not in entry + "\n" or "msgstr \"\"\n\"" in entry, entry  # every msgid translated
    msgids = re.findall(r'^msgid "(.+)"$', po, flags=re.M)
    compiled = set(catalogue._catalog)  # noqa: SLF001 - the .mo's own keys
    plain = {key for key in compiled if isinstance(key, str)} | {key[0] for key in compiled if isinstance(key, tuple)}
    plain |= {key.split("\x04", 1)[-1] for key in plain}
    missing = [m for m in msgids if m.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
               not in plain and m not in plain]
    assert not missing, f"the .mo is older than the .po (compile it with msgfmt): {missing[:5]}"

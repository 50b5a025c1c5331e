"""The search page for readers (issue 14): pages past the end, empty results, the form's
address, the advanced fields, search inside one issue, kind labels, snippets, headline:."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest

from articles.models import Article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _archive(seeded_archive):
    return seeded_archive


def test_a_page_past_the_end_shows_the_last_page_with_a_notice(client):
    api = client.get("/api/search", {"q": "太原"}).json()
    html = client.get("/search/", {"q": "太原", "page": "500"}).content.decode()
    assert f"第 {api['num_pages']} / {api['num_pages']} 页" in html
    assert "没有第 500 页" in html and 'class="results"' in html
    assert "第 500 /" not in html


def test_no_results_offers_what_to_try_next(client):
    html = unescape(client.get("/search/", {"q": '"京都大学" 不存在的词语组合', "year": "2024"}).content.decode())
    assert "没有找到结果" in html
    assert "去掉全部筛选条件" in html and "改为任一词（OR）" in html and "放宽为不加引号" in html
    links = re.findall(r'<li><a href="\?([^"]*)">', html)
    assert any(dict(parse_qsl(link)).get("q", "").count(" OR ") == 1 for link in links)
    # the OR suggestion really finds something
    or_link = next(link for link in links if " OR " in dict(parse_qsl(link)).get("q", ""))
    assert client.get("/api/search", dict(parse_qsl(or_link))).json()["total"] > 0


def test_no_results_in_traditional_script_suggests_the_simplified_form(client):
    html = unescape(client.get("/search/", {"q": "乾隆皇帝來訪"}).content.decode())
    assert "试试简体：乾隆皇帝来访" in html or "没有找到结果" not in html


def test_empty_fields_are_dropped_from_the_address(client):
    response = client.get("/search/", {"q": "太原", "date_from": "", "section": " ", "kind": "", "sort": "newest", "chart": "count"})
    assert response.status_code == 302
    assert dict(parse_qsl(urlsplit(response["Location"]).query)) == {"q": "太原", "sort": "newest"}
    assert client.get("/search/", {"q": "", "year": ""})["Location"] == "/search/"


def test_advanced_fields_compose_the_query(client):
    response = client.get("/search/", {"q": "", "all_words": "太原 疫情", "phrase": "疫情防控", "any_words": "晋祠 天龙山",
                                       "none_words": "北京", "year": ""})
    assert response.status_code == 302
    params = dict(parse_qsl(urlsplit(response["Location"]).query))
    assert params == {"q": '太原 疫情 "疫情防控" 晋祠 OR 天龙山 -北京'}
    page = client.get(response["Location"])
    assert page.status_code == 200


def test_the_datalists_offer_the_archives_names_escaped(client):
    from django.core.cache import cache

    from articles.models import ArticleContributor, Contributor

    odd = Contributor.objects.create(name='记者"<b>&')
    ArticleContributor.objects.create(article=Article.objects.first(), contributor=odd,
                                      role=ArticleContributor.Role.REPORTER, position=9)
    cache.clear()
    html = client.get("/search/", {"q": "太原"}).content.decode()
    options = re.search(r'<datalist id="contributors-list">(.*?)</datalist>', html).group(1)
    names = [unescape(value) for value in re.findall(r'<option value="([^"]*)"></option>', options)]
    assert '记者"<b>&' in names and "<b>" not in options
    assert len(names) == Contributor.objects.filter(credits__isnull=False).distinct().count()


def test_form_has_month_picker_datalists_and_iso_dates(client):
    html = client.get("/search/", {"q": "太原", "date_from": "2021-10-01"}).content.decode()
    assert 'type="month"' in html and 'name="month"' in html
    assert 'list="sections-list"' in html and '<datalist id="sections-list"><option value="' in html
    assert 'list="contributors-list"' in html and '<datalist id="contributors-list"><option value="' in html
    assert 'value="2021-10-01"' in html
    # typed as the archive writes dates, not in the browser's order (a date picker shows 10/01/2021)
    date_box = re.search(r'<input[^>]*name="date_from"[^>]*>', html).group(0)
    assert 'type="text"' in date_box and 'placeholder="YYYY-MM-DD"' in date_box and 'pattern=' in date_box
    assert "data-drop-empty" in html and "site.js" in html


def test_one_search_box_on_the_search_page(client):
    html = client.get("/search/", {"q": "太原"}).content.decode()
    assert html.count('type="search"') == 1
    home = client.get("/").content.decode()
    assert home.count('type="search"') == 1 and 'id="home-q"' in home  # the home page's own box only
    issue = client.get("/taiyuan-daily/2022-03-04/").content.decode()
    assert issue.count('id="site-q"') == 1  # elsewhere, the header's


def test_search_inside_one_issue(client):
    article = Article.objects.filter(headline__contains="太原").select_related("issue__newspaper").first()
    issue = article.issue
    day = issue.date.isoformat()
    body = client.get("/api/search", {"q": "太原", "date_from": day, "date_to": day}).json()
    html = client.get("/search/", {"q": "太原", "date": day, "newspaper": issue.newspaper.slug}).content.decode()
    assert f'<strong id="total">{body["total"]}</strong>' in html and f"只在 {day} 这一期中检索" in html
    assert f'name="date" value="{day}"' in html  # kept when the query is changed


def test_kinds_show_only_their_chinese_label(client):
    html = client.get("/search/", {"q": "的"}).content.decode()
    for value, label in Article.Kind.choices:
        english = re.sub(r"[^A-Za-z]", "", str(label))
        if english:
            assert f">{english}<" not in html and f" {english}<" not in html and f"{label}" not in html
    assert '<option value="news">消息</option>' in html
    selected = client.get("/search/", {"q": "的", "kind": "news"}).content.decode()
    assert "<strong>消息</strong>" in selected


def test_headline_search_finds_the_subheadline(client):
    article = Article.objects.exclude(subheadline="").exclude(subheadline__isnull=True).first()
    word = article.subheadline.strip()[:4]
    ids = {r["id"] for r in client.get("/api/search", {"q": f"headline:{word}", "page_size": "1000"}).json()["results"]}
    assert article.pk in ids


def test_snippets_never_repeat_text_and_every_result_is_highlighted(client):
    """Over a mix of queries, no snippet repeats a stretch of another of its result, and every
    result whose body, headline, subheadline, section or byline holds a hit shows a <mark>."""
    unmarked, overlaps, results = [], [], 0
    for query in ["太原", "疫情", "疫情防控", "发展", "我市 经济", "晋祠 OR 天龙山", "习近平", "记者", "优势", "的"]:
        body = client.get("/api/search", {"q": query, "page_size": "1000"}).json()
        for result in body["results"]:
            results += 1
            marked = any("<mark>" in s for s in result["snippets"])
            if not marked and not _headline_hit(client, query, result):
                unmarked.append((query, result["headline"]))
            plain = [re.sub(r"</?mark>|…", "", unescape(s)) for s in result["snippets"]]
            for i, a in enumerate(plain):
                for b in plain[i + 1:]:
                    if len(a) >= 20 and len(b) >= 20 and (a[-20:] in b or b[:20] in a):
                        overlaps.append((query, result["headline"]))
    assert results > 100
    assert not unmarked, unmarked[:5]
    assert not overlaps, overlaps[:5]


def _headline_hit(client, query, result) -> bool:
    from search.query import parse
    from search.selectors import highlight_needles
    from search.snippets import find_spans

    return bool(find_spans(result["headline"], highlight_needles(parse(query))))


def test_snippet_windows_merge_instead_of_overlapping():
    from search.snippets import kwic

    text = "甲" * 100 + "防控" + "乙" * 30 + "防控" + "丙" * 100
    snippets = kwic(text, ["防控"], width=20)
    assert len(snippets) == 1 and snippets[0].count("<mark>") == 2
    dense = "的一二三四" * 200
    pieces = [re.sub(r"</?mark>|…", "", s) for s in kwic(dense, ["的"], width=10)]
    assert sum(len(p) for p in pieces) == len("".join(pieces)) and all(len(p) < 200 for p in pieces)


def test_facet_values_link_to_narrowed_searches_and_the_chosen_one_to_its_removal(client):
    html = client.get("/search/", {"q": "太原"}).content.decode()
    facets = html.split('class="facets"', 1)[1].split("</aside>", 1)[0]
    years = re.findall(r'<li><a href="\?([^"]*)">(\d{4})</a> <span class="count">(\d+)</span></li>', facets)
    assert years, facets[:500]
    query, year, count = years[0]
    assert f"year={year}" in unescape(query)
    chosen = client.get("/search/", {"q": "太原", "year": year}).content.decode()
    facets = chosen.split('class="facets"', 1)[1].split("</aside>", 1)[0]
    item = re.search(rf'<li><strong>{year}</strong> <a href="\?([^"]*)" aria-label="取消 {year}">×</a> '
                     rf'<span class="count">{count}</span></li>', facets)
    assert item and "year=" not in unescape(item.group(1))


def test_facet_values_are_escaped():
    from articles.templatetags.archive_tags import facet_items

    html = facet_items([{"label": '<b>"栏目"</b>', "url": "q=a&section=%3Cb%3E", "count": 3, "selected": False},
                        {"label": "x&y", "url": "q=a", "count": 1, "selected": True}])
    assert "<b>" not in html
    assert '<a href="?q=a&amp;section=%3Cb%3E">&lt;b&gt;&quot;栏目&quot;&lt;/b&gt;</a> <span class="count">3</span>' in html
    assert '<strong>x&amp;y</strong> <a href="?q=a" aria-label="取消 x&amp;y">×</a>' in html

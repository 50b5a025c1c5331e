"""The search page, the JSON API and the export, over the seeded archive."""
from __future__ import annotations

import csv
import io
import json
import random

import pytest

from articles.models import Article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _archive(seeded_archive):
    return seeded_archive


def test_search_page_shows_hits_snippets_facets_and_keeps_filters(client):
    response = client.get("/search/", {"q": "疫情防控", "year": "2022"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>疫情防控</mark>" in html
    assert 'id="total"' in html and "毫秒" in html
    assert "year=2022" in html  # facet and paging links keep the filter
    assert "导出" in html


def test_search_page_paginates_with_the_query_kept(client):
    first = client.get("/search/", {"q": "太原"}).content.decode()
    assert 'rel="next"' in first
    second = client.get("/search/", {"q": "太原", "page": "2"})
    assert second.status_code == 200 and 'rel="prev"' in second.content.decode()


def test_search_page_query_count_does_not_grow_with_results(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get("/search/", {"q": "太原"})


def test_search_page_and_index_build_leave_the_issues_raw_text_unread(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from search.search_indexes import ArticleIndex

    with CaptureQueriesContext(connection) as captured:
        assert client.get("/search/", {"q": "太原"}).status_code == 200
    assert captured and not any('"articles_issue"."raw_text"' in query["sql"] for query in captured)
    assert '"articles_issue"."raw_text"' not in str(ArticleIndex().index_queryset().query)


def test_empty_search_page_is_a_form(client):
    response = client.get("/search/")
    assert response.status_code == 200 and "检索结果" not in response.content.decode()


def test_api_returns_the_documented_fields(client):
    response = client.get("/api/search", {"q": "京都大学", "page_size": "5"})
    body = response.json()
    assert response.status_code == 200
    assert body["total"] == 1 and body["page"] == 1
    assert set(body["facets"]) == {"year", "section", "contributors", "kind", "month"}
    result = body["results"][0]
    assert {"id", "url", "issue_date", "position", "headline", "section", "bylines", "kind", "snippets"} <= set(result)
    article = Article.objects.get(pk=result["id"])
    assert result["issue_date"] == "2024-01-02" and result["position"] == article.position
    assert client.get(result["url"]).status_code == 200
    assert result["bylines"] == ["张晓明"]


@pytest.mark.parametrize("params", [
    {"q": "太原", "page_size": "1001"},
    {"q": "太原", "page": "0"},
    {"q": "太原", "page": "abc"},
    {"q": "太原", "date_from": "2021-13-45"},
    {"q": "太原", "date_from": "2022-01-01", "date_to": "2021-01-01"},
    {"q": "太原", "month": "2021-13"},
    {"q": "太原", "kind": "nonsense"},
    {"q": "字" * 5000},
])
def test_api_rejects_bad_parameters_with_a_json_400(client, params):
    response = client.get("/api/search", params)
    assert response.status_code == 400
    assert response.json()["error"]


def test_api_page_past_the_end_is_a_400(client):
    assert client.get("/api/search", {"q": "太原", "page": "500"}).status_code == 400


def test_api_page_size_up_to_1000(client):
    body = client.get("/api/search", {"q": "的", "page_size": "1000"}).json()
    assert len(body["results"]) == body["total"] > 20


def test_csv_export_streams_every_hit_with_a_bom(client):
    response = client.get("/search/export", {"q": "疫情", "format": "csv"})
    assert response.status_code == 200 and response.streaming
    data = b"".join(response.streaming_content)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    total = client.get("/api/search", {"q": "疫情"}).json()["total"]
    assert len(rows) == total
    assert all(row["issue_date"] and row["url"].startswith("http://testserver/") for row in rows)


def test_json_export_is_one_valid_document(client):
    response = client.get("/search/export", {"q": "京都大学", "format": "json"})
    body = json.loads(b"".join(response.streaming_content))
    assert body["query"] == "京都大学" and body["total"] == 1
    assert [r["headline"] for r in body["results"]] == ["日本京都大学代表团来访我市"]


def test_export_rejects_unknown_format(client):
    assert client.get("/search/export", {"q": "x", "format": "xml"}).status_code == 400


def test_markup_in_articles_is_escaped_everywhere(client):
    article = Article.objects.get(headline="警惕网页代码带来的风险")
    page = client.get("/search/", {"q": "onerror"}).content.decode()
    api = client.get("/api/search", {"q": "网页"}).json()
    detail = client.get(article.get_absolute_url()).content.decode()
    for html in (page, detail, "".join(r["snippets"][0] for r in api["results"])):
        assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    assert "&lt;img src=x <mark>onerror</mark>=alert(1)&gt;" in page


def test_query_text_is_escaped_on_the_page(client):
    html = client.get("/search/", {"q": '<script>alert("q")</script>'}).content.decode()
    assert "<script>alert" not in html


HOSTILE = ['"', '""', '"""', "(", ")", "*", "?", "~", "^", ":", "：", "OR", "NOT", "AND", "-", "--", "- -",
           "headline:", "作者:", '栏目:"', "a:b:c", "\\", "\\\"", "[1 TO 2]", "{a TO b}", "text:*", "*:*",
           "\x00", "\x1b[31m", "\u200b", "\ufeff", "😀", "𠀀", "ـ", "'; DROP TABLE articles_article; --",
           "<script>", "%", "%%", "&", "#", "a" * 500, "字" * 501, " " * 100, "NOT NOT NOT", "OR 太原 OR",
           '-"', "-作者:刘涛", "headline:\"", "“", "”", "“”", "＂", "1e10", "9" * 40]


def hostile_queries() -> list[str]:
    rng = random.Random(5)
    alphabet = list('"“”()[]{}:：-*?~^\\/|&!+ 　\t\n太原疫情防控ORNOTaz09') + ["OR", "NOT", "作者:", "headline:"]
    generated = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(300)]
    return HOSTILE + generated


def test_hostile_queries_never_give_a_server_error(client):
    failures = []
    for number, query in enumerate(hostile_queries()):
        params = {"q": query, "page": rng_page(number), "date_from": ["", "2021-02-30", "x"][number % 3]}
        for url in ("/search/", "/api/search"):
            status = client.get(url, params).status_code
            if status >= 500 or status not in (200, 302, 400):  # 302: empty fields dropped from the address
                failures.append((url, query, status))
    assert not failures


def rng_page(number: int) -> str:
    return ["1", "2", "-1", "99999999999", "x", ""][number % 6]


def test_trend_chart_has_a_bar_per_month_linking_to_that_month(client):
    html = client.get("/search/", {"q": "疫情"}).content.decode()
    assert 'role="group"' in html and "每月命中篇数" in html
    months = client.get("/api/search", {"q": "疫情"}).json()["facets"]["month"]
    first, last = months[0]["value"], months[-1]["value"]
    assert f'href="?q=%E7%96%AB%E6%83%85&amp;month={first}"' in html
    bars = html.count("<rect ")
    (y0, m0), (y1, m1) = (map(int, v.split("-")) for v in (first, last))
    assert bars == (y1 - y0) * 12 + (m1 - m0) + 1  # months without hits are empty bars
    narrowed = client.get("/api/search", {"q": "疫情", "month": first}).json()
    assert narrowed["total"] == months[0]["count"]


def test_trend_chart_counts_years_over_long_ranges():
    from search import charts

    chart = charts.build([("x", [("2015-01", 2), ("2021-10", 5), ("2023-01", 1)])],
                         link=lambda number, unit, period: f"q=x&year={period}")
    assert chart["unit"] == "年" and [g["period"] for g in chart["groups"]][:2] == ["2015", "2016"]
    assert [g["bars"][0]["value"] for g in chart["groups"]] == [2, 0, 0, 0, 0, 0, 5, 0, 1]
    assert chart["groups"][6]["bars"][0]["url"] == "q=x&year=2021"

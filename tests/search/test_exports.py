"""Exports of search results (CSV, JSON) and citations (RIS, BibTeX, CSL-JSON), parsed back."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from urllib.parse import unquote

import pytest

from articles.models import Article

pytestmark = pytest.mark.django_db

KYOTO = "日本京都大学代表团来访我市"


@pytest.fixture(autouse=True)
def _archive(seeded_archive):
    return seeded_archive


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8") if response.streaming else response.content.decode()


def parse_ris(text: str) -> list[dict[str, list[str]]]:
    """A small RIS reader: records of tag → values, as reference managers read them."""
    records, current = [], None
    for line in text.split("\r\n"):
        match = re.match(r"^([A-Z][A-Z0-9])  - ?(.*)$", line)
        if not match:
            assert line == "", f"not an RIS line: {line!r}"
            continue
        tag, value = match.groups()
        if tag == "TY":
            current = {}
        assert current is not None, "a record must start with TY"
        if tag == "ER":
            records.append(current)
            current = None
            continue
        current.setdefault(tag, []).append(value)
    assert current is None, "the last record has no ER"
    return records


def parse_bibtex(text: str) -> list[dict[str, str]]:
    """A small BibTeX reader: @type{key, field = {value}, …} with nested braces."""
    entries = []
    for match in re.finditer(r"@(\w+)\{([^,]+),", text):
        entry = {"ENTRYTYPE": match.group(1), "ID": match.group(2)}
        i = match.end()
        while True:
            field = re.compile(r"\s*(\w+)\s*=\s*\{").match(text, i)
            if not field:
                break
            depth, j = 1, field.end()
            while depth:
                if text[j] == "\\":
                    j += 2
                    continue
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            entry[field.group(1)] = text[field.end(): j - 1]
            i = j
            if text[i] == ",":
                i += 1
        assert text[i:].lstrip().startswith("}"), text[i:i + 40]
        entries.append(entry)
    return entries


def test_csv_export_is_named_after_the_query_and_date_with_absolute_urls_and_full_columns(client):
    response = client.get("/search/export", {"q": "京都大学", "format": "csv"})
    disposition = response["Content-Disposition"]
    today = dt.date.today().strftime("%Y%m%d")
    assert f'filename="archive-search-{today}.csv"' in disposition  # ASCII fallback
    star = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
    assert unquote(star) == f"archive-京都大学-{today}.csv"
    rows = list(csv.DictReader(io.StringIO(_body(response).lstrip("\ufeff"))))
    article = Article.objects.get(headline=KYOTO)
    assert len(rows) == 1
    row = rows[0]
    assert {"dateline", "page", "text", "snippet", "url", "kind_label"} <= set(row)
    assert row["url"] == "http://testserver" + article.get_absolute_url()
    assert row["text"] == article.body
    assert "京都大学" in row["snippet"] and "<mark>" not in row["snippet"]
    assert row["dateline"] == (article.dateline.isoformat() if article.dateline else "")
    assert row["kind_label"] and " " not in row["kind_label"]


def test_csv_cells_that_would_be_formulas_are_made_text(client):
    article = Article.objects.get(headline=KYOTO)
    Article.objects.filter(pk=article.pk).update(headline="=HYPERLINK(\"http://x\")", subheadline="+1", section=None)
    rows = list(csv.DictReader(io.StringIO(_body(client.get("/search/export", {"q": "京都大学"})).lstrip("\ufeff"))))
    assert rows[0]["headline"] == "'=HYPERLINK(\"http://x\")" and rows[0]["subheadline"] == "'+1"
    from search.serializers import csv_safe

    assert [csv_safe(v) for v in ("-2", "@SUM(A1)", "\tx", "普通", "2021-10-01", 5)] == \
        ["'-2", "'@SUM(A1)", "'\tx", "普通", "2021-10-01", "5"]


def test_json_export_is_an_object_with_query_total_and_results(client):
    response = client.get("/search/export", {"q": "疫情", "format": "json", "year": "2022"})
    body = json.loads(_body(response))
    total = client.get("/api/search", {"q": "疫情", "year": "2022"}).json()["total"]
    assert body["query"] == "疫情" and body["total"] == total == len(body["results"])
    assert body["filters"] == {"year": 2022}
    first = body["results"][0]
    assert first["url"].startswith("http://testserver/") and "text" in first and "snippet" in first
    assert "page" in first and "dateline" in first
    assert response["Content-Disposition"].endswith(f"-{dt.date.today():%Y%m%d}.json")


def test_ris_export_of_all_results_parses_back(client):
    response = client.get("/search/export", {"q": "京都大学", "format": "ris"})
    assert response["Content-Type"].startswith("application/x-research-info-systems")
    assert ".ris" in response["Content-Disposition"]
    records = parse_ris(_body(response))
    article = Article.objects.get(headline=KYOTO)
    assert len(records) == 1
    record = records[0]
    assert record["TY"] == ["NEWS"] and record["TI"] == [KYOTO]
    assert record["AU"] == ["张晓明"]
    assert record["T2"] == [article.issue.newspaper.name]
    assert record["DA"] == [article.issue.date.strftime("%Y/%m/%d/")] and record["PY"] == [str(article.issue.date.year)]
    assert record["UR"] == ["http://testserver" + article.get_absolute_url()]


def test_citations_of_one_result_page_hold_that_pages_hits(client):
    api = client.get("/api/search", {"q": "太原", "page": "2"}).json()
    response = client.get("/search/export", {"q": "太原", "page": "2", "scope": "page", "format": "ris"})
    records = parse_ris(_body(response))
    assert [r["UR"][0] for r in records] == ["http://testserver" + r["url"] for r in api["results"]]
    assert "-p2-" in unquote(response["Content-Disposition"])


def test_bibtex_export_parses_back(client):
    entries = parse_bibtex(_body(client.get("/search/export", {"q": "京都大学", "format": "bib"})))
    article = Article.objects.get(headline=KYOTO)
    assert len(entries) == 1
    entry = entries[0]
    assert entry["ENTRYTYPE"] == "article" and re.fullmatch(r"[a-z0-9]+", entry["ID"])
    assert entry["title"] == KYOTO and entry["journal"] == article.issue.newspaper.name
    assert entry["author"] == "{张晓明}" and entry["date"] == article.issue.date.isoformat()
    assert entry["url"] == "http://testserver" + article.get_absolute_url()


def test_bibtex_escapes_special_characters():
    from search.citations import bibtex_escape

    assert bibtex_escape("50% & {x} #1_a") == r"50\% \& \{x\} \#1\_a"


def test_csl_json_export_is_a_list_of_newspaper_articles(client):
    items = json.loads(_body(client.get("/search/export", {"q": "疫情", "format": "csljson"})))
    assert items and all(item["type"] == "article-newspaper" for item in items)
    assert all(item["container-title"] and item["issued"]["date-parts"][0][0] >= 2021 for item in items)
    assert len({item["id"] for item in items}) == len(items)


@pytest.mark.parametrize("ext, content_type", [("ris", "application/x-research-info-systems"),
                                                ("bib", "application/x-bibtex"),
                                                ("json", "application/vnd.citationstyles.csl+json")])
def test_one_articles_citation(client, ext, content_type):
    article = Article.objects.get(headline=KYOTO)
    response = client.get(f"/search/cite/{article.pk}.{ext}")
    assert response.status_code == 200 and response["Content-Type"].startswith(content_type)
    text = response.content.decode()
    if ext == "ris":
        assert parse_ris(text)[0]["TI"] == [KYOTO]
    elif ext == "bib":
        assert parse_bibtex(text)[0]["title"] == KYOTO
    else:
        assert json.loads(text)[0]["title"] == KYOTO
    assert client.get(f"/search/cite/{article.pk}.xml").status_code == 404
    assert client.get("/search/cite/99999999.ris").status_code == 404


def test_an_articles_citation_carries_its_page_and_the_title_its_own_page_cites(client):
    article = Article.objects.get(kicker="紧盯重点环节")  # a headline in two parts: 引题 and 主题
    record = parse_ris(client.get(f"/search/cite/{article.pk}.ris").content.decode())[0]
    assert record["TI"] == ["紧盯重点环节 全力筑牢疫情防控安全防线"] and record["SP"] == [str(article.page.number)]
    html = client.get(article.get_absolute_url()).content.decode()
    assert f"紧盯重点环节 全力筑牢疫情防控安全防线[N]. 太原日报, 2021-10-28({article.page.number})." in html


def test_search_page_offers_citation_exports_next_to_the_results(client):
    html = client.get("/search/", {"q": "太原"}).content.decode()
    assert 'id="cite-export"' in html and "导出引文" in html
    assert "scope=page&amp;format=ris" in html and "format=bib" in html and "format=csljson" in html

"""Machine access: robots.txt, sitemaps, OpenSearch, the Atom feed of issues, the favicon."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.db.models import Min

from articles.models import Article, Issue

pytestmark = pytest.mark.django_db

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(autouse=True)
def _archive(seeded_archive):
    return seeded_archive


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_searches(client):
    response = client.get("/robots.txt")
    text = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /search/" in text and "Disallow: /admin/" in text


def test_sitemap_lists_every_issue_and_article(client, django_assert_max_num_queries):
    index = ET.fromstring(client.get("/sitemap.xml").content)
    locations = [loc.text for loc in index.iter(f"{SITEMAP_NS}loc")]
    assert "http://testserver/sitemap-issues.xml" in locations
    assert any(loc.startswith("http://testserver/sitemap-articles.xml") for loc in locations)
    issues = ET.fromstring(client.get("/sitemap-issues.xml").content)
    issue_urls = {loc.text for loc in issues.iter(f"{SITEMAP_NS}loc")}
    assert len(issue_urls) == Issue.objects.count()
    with django_assert_max_num_queries(3):
        response = client.get("/sitemap-articles.xml")
    article_urls = [loc.text for loc in ET.fromstring(response.content).iter(f"{SITEMAP_NS}loc")]
    assert len(article_urls) == Article.objects.count()
    article = Article.objects.for_reading().first()
    assert "http://testserver" + article.get_absolute_url() in article_urls
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_opensearch_description_is_linked_from_every_page(client):
    response = client.get("/opensearch.xml")
    assert response["Content-Type"].startswith("application/opensearchdescription+xml")
    root = ET.fromstring(response.content)
    ns = "{http://a9.com/-/spec/opensearch/1.1/}"
    templates = [url.get("template") for url in root.iter(f"{ns}Url")]
    assert "http://testserver/search/?q={searchTerms}&page={startPage?}" in templates
    assert root.find(f"{ns}ShortName").text
    home = client.get("/").content.decode()
    assert 'rel="search" type="application/opensearchdescription+xml"' in home
    assert 'rel="icon"' in home and 'type="application/atom+xml"' in home


def test_atom_feed_of_new_issues(client):
    response = client.get("/feeds/issues.atom")
    assert response.status_code == 200 and "atom" in response["Content-Type"]
    root = ET.fromstring(response.content)
    ns = "{http://www.w3.org/2005/Atom}"
    entries = root.findall(f"{ns}entry")
    assert len(entries) == min(50, Issue.objects.count())
    issue = (Issue.objects.annotate(ingested_at=Min("pages__ingested_at")).order_by("-ingested_at", "-date")
             .select_related("newspaper").first())
    first = entries[0]
    assert first.find(f"{ns}title").text == f"{issue.newspaper.name} {issue.date.isoformat()}"
    link = first.find(f"{ns}link").get("href")
    assert client.get(link.replace("http://testserver", "")).status_code == 200
    assert "篇" in first.find(f"{ns}summary").text


def test_favicon_is_a_small_svg(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    body = response.content
    assert body.startswith(b"<svg") and len(body) < 2000

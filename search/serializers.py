"""Search results as plain data, for the JSON API, the export and the ``search`` command."""
from __future__ import annotations

from articles.exports import csv_safe
from articles.models import Article

from .selectors import FACETS, Hit, SearchPage, kind_label
from .snippets import kwic, plain

EXPORT_COLUMNS = ["id", "issue_date", "newspaper", "page", "position", "section", "headline", "subheadline",
                  "bylines", "kind", "kind_label", "dateline", "url", "snippet", "text"]


def article_record(article: Article) -> dict:
    return {
        "id": article.pk,
        "url": article.get_absolute_url(),
        "issue_date": article.issue.date.isoformat(),
        "position": article.position,
        "newspaper": article.issue.newspaper.name,
        "headline": article.full_headline,
        "subheadline": article.subheadline,
        "section": article.section.name if article.section_id else "",
        "bylines": [credit.contributor.name for credit in article.credits.all()],
        "kind": article.kind,
    }


def export_record(article: Article, *, url: str, needles: list[str]) -> dict:
    """An article as an export row: the API's fields with an absolute URL, and the dateline, the
    page (版, blank where the archive does not know it), a plain-text snippet and the whole text."""
    record = article_record(article)
    snippets = kwic(article.body, needles, limit=1)
    record.update({
        "url": url,
        "page": article.page.number,
        "kind_label": kind_label(article.kind),
        "dateline": article.dateline.isoformat() if article.dateline else "",
        "snippet": plain(snippets[0]) if snippets else "",
        "text": article.body,
    })
    return record


def csv_row(record: dict) -> list[str]:
    values = dict(record, bylines="、".join(record["bylines"]))
    return [csv_safe(values[name]) for name in EXPORT_COLUMNS]


def hit_record(hit: Hit) -> dict:
    # snippets are HTML: the article's text escaped, the hits wrapped in <mark>
    return {**article_record(hit.article), "score": round(hit.score, 4), "snippets": hit.snippets}


def page_record(page: SearchPage, *, notices: list[str]) -> dict:
    return {
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
        "num_pages": page.num_pages,
        "sort": page.sort,
        "took_ms": round(page.took_ms, 1),
        "notices": notices,
        "facets": {name: [{"value": v, "count": c} for v, c in page.facets.get(name, [])] for name in FACETS},
        "results": [hit_record(hit) for hit in page.hits],
    }

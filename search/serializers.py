"""Search results as plain data, for the JSON API, the export and the ``search`` command."""
from __future__ import annotations

from articles.models import Article

from .selectors import FACETS, Hit, SearchPage

EXPORT_COLUMNS = ["id", "issue_date", "position", "newspaper", "section", "headline", "subheadline",
                  "bylines", "kind", "url"]


def article_record(article: Article) -> dict:
    return {
        "id": article.pk,
        "url": article.get_absolute_url(),
        "issue_date": article.issue.date.isoformat(),
        "position": article.position,
        "newspaper": article.issue.newspaper.name,
        "headline": article.headline,
        "subheadline": article.subheadline,
        "section": article.section.name if article.section_id else "",
        "bylines": [credit.contributor.name for credit in article.credits.all()],
        "kind": article.kind,
    }


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

"""The interchange format of ``shared/gold/README.md``: what the scorer reads of a segmentation."""
from __future__ import annotations

import datetime as dt

from .segmenter import SegmentedArticle


def interchange_articles(articles: list[SegmentedArticle]) -> list[dict]:
    """Segmented articles as the scorer reads them: the headline's 引题 and 主题 joined with one space."""
    return [
        {
            "headline": a.headline,
            "subheadline": a.subheadline,
            "section": a.section,
            "bylines": a.bylines,
            "dateline": a.dateline.isoformat() if a.dateline else None,
            "kind": a.kind,
            "continued_from_page": a.continued_from_page,
            "body": a.body,
        }
        for a in articles
    ]


def interchange_file(*, file_name: str, issue_date: dt.date, articles: list[SegmentedArticle],
                     pages: list[int] | None = None) -> dict:
    """One input file: its name, issue date, page number (the first, where the file held several:
    ``pages`` then lists them all) and articles."""
    entry: dict = {"file": file_name, "issue_date": issue_date.isoformat()}
    if pages:
        entry["page"] = pages[0]
        if len(pages) > 1:
            entry["pages"] = pages
    entry["articles"] = interchange_articles(articles)
    return entry

"""The whole archive as data: every article with its metadata, as JSON Lines or CSV, streamed.

Reads only. Articles are read in keyset batches (``pk > last``, in primary-key order), so memory
stays flat and no batch is skipped or repeated while the archive is large; each batch is one
query for the articles (with issue, newspaper, page and section) and one for their credits
with their contributors.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from .models import Article

BATCH = 1000

COLUMNS = ["id", "newspaper", "newspaper_slug", "issue_date", "page", "position", "url", "section", "kicker",
           "headline", "subheadline", "bylines", "dateline", "kind", "continued_from_page", "is_corrected",
           "updated_at", "body"]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def article_batches(*, batch: int = BATCH) -> Iterator[list[Article]]:
    last = 0
    while True:
        # a record names no untitled part by its story: the stories are not read
        rows = list(Article.objects.for_reading(continued=False).filter(pk__gt=last).order_by("pk")[:batch])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def record(article: Article) -> dict:
    credits = sorted(article.credits.all(), key=lambda credit: credit.position)
    return {
        "id": article.pk,
        "newspaper": article.issue.newspaper.name,
        "newspaper_slug": article.issue.newspaper.slug,
        "issue_date": article.issue.date.isoformat(),
        "page": article.page.number,
        "position": article.position,
        "url": article.get_absolute_url(),
        "section": article.section.name if article.section_id else "",
        "kicker": article.kicker,
        "headline": article.headline,
        "subheadline": article.subheadline,
        "bylines": [{"name": c.contributor.name, "role": c.role} for c in credits],
        "dateline": article.dateline.isoformat() if article.dateline else "",
        "kind": article.kind,
        "continued_from_page": article.continued_from_page,
        "is_corrected": article.is_corrected,
        "updated_at": article.updated_at.isoformat(),
        "body": article.body,
    }


def csv_safe(value) -> str:
    """A CSV cell a spreadsheet shows as text: one that would start a formula (CSV injection) gets
    a leading '. A list of credits becomes their names."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = "、".join(f"{b['name']}" for b in value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def export_lines(fmt: str, *, base_url: str = "", batch: int = BATCH) -> Iterator[str]:
    """The archive as text chunks: one JSON object per line (``jsonl``), or a CSV with a header
    row (``csv``; bylines joined with 、, cells that would start a spreadsheet formula made text).
    ``base_url`` (e.g. ``https://archive.example``) makes the URLs absolute."""
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"unknown format {fmt!r}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if fmt == "csv":
        writer.writerow(COLUMNS)
        yield buffer.getvalue()
    for rows in article_batches(batch=batch):
        chunk = []
        for article in rows:
            item = record(article)
            item["url"] = base_url.rstrip("/") + item["url"]
            if fmt == "jsonl":
                chunk.append(json.dumps(item, ensure_ascii=False) + "\n")
            else:
                buffer.seek(0)
                buffer.truncate()
                writer.writerow([csv_safe(item[name]) for name in COLUMNS])
                chunk.append(buffer.getvalue())
        yield "".join(chunk)

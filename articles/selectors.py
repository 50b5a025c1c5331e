"""Reads for the public pages. Each returns a queryset whose SQL cost does not grow with its length."""
from __future__ import annotations

from django.db.models import Count, QuerySet

from .models import Article, Issue


def issue_list(*, newspaper_slug: str | None = None) -> QuerySet[Issue]:
    """Issues, newest first, with their newspaper and article count (one query)."""
    issues = Issue.objects.select_related("newspaper").annotate(article_count=Count("articles")).order_by("-date")
    if newspaper_slug:
        issues = issues.filter(newspaper__slug=newspaper_slug)
    return issues.only("id", "date", "source_file", "date_source", "newspaper__name", "newspaper__slug")


def article_detail(*, newspaper_slug: str, date, position: int) -> Article | None:
    """One article by its citable address, with everything its page shows (two queries)."""
    return (
        Article.objects.select_related("issue__newspaper", "section")
        .prefetch_related("credits__contributor")
        .filter(issue__newspaper__slug=newspaper_slug, issue__date=date, position=position)
        .first()
    )

"""Reads for the public pages. Each returns a queryset whose SQL cost does not grow with its length."""
from __future__ import annotations

from django.db.models import Count, Max, Min, QuerySet
from django.db.models.functions import ExtractYear

from .models import Article, Contributor, Issue, Newspaper, Section


def issue_list(*, newspaper_slug: str | None = None) -> QuerySet[Issue]:
    """Issues, newest first, with their newspaper and article count (one query)."""
    issues = Issue.objects.select_related("newspaper").annotate(article_count=Count("articles")).order_by("-date")
    if newspaper_slug:
        issues = issues.filter(newspaper__slug=newspaper_slug)
    return issues.only("id", "date", "source_file", "date_source", "newspaper__name", "newspaper__slug")


def article_detail(*, newspaper_slug: str, date, position: int) -> Article | None:
    """One article by its citable address, with everything its page shows (two queries)."""
    return (
        Article.objects.for_reading()
        .filter(issue__newspaper__slug=newspaper_slug, issue__date=date, position=position)
        .first()
    )


def _article_list() -> QuerySet[Article]:
    """Articles with what a list shows: issue, newspaper, section, credits (three queries in all)."""
    return Article.objects.for_reading(body=False)


def archive_extent() -> dict:
    """How much the archive holds: issues, articles, first and last issue date (two queries)."""
    issues = Issue.objects.aggregate(count=Count("id"), first=Min("date"), last=Max("date"))
    return {"issues": issues["count"], "articles": Article.objects.count(), "first": issues["first"],
            "last": issues["last"]}


def issue_dates(*, newspaper: Newspaper, year: int) -> set:
    return set(Issue.objects.filter(newspaper=newspaper, date__year=year).values_list("date", flat=True))


def years_with_issues(*, newspaper: Newspaper) -> list[dict]:
    return list(
        Issue.objects.filter(newspaper=newspaper).annotate(year=ExtractYear("date")).values("year")
        .annotate(issues=Count("id")).order_by("-year")
    )


def issue_page(*, newspaper: Newspaper, date, with_text: bool = False) -> Issue | None:
    """The issue of this date; its raw text (tens of thousands of characters) only when asked for."""
    issues = Issue.objects.select_related("newspaper").filter(newspaper=newspaper, date=date)
    return (issues if with_text else issues.defer("raw_text")).first()


def issue_articles(*, issue: Issue) -> list[Article]:
    return list(_article_list().filter(issue=issue).order_by("position"))


def adjacent_issues(*, issue: Issue) -> tuple[Issue | None, Issue | None]:
    siblings = Issue.objects.filter(newspaper=issue.newspaper_id).only("date", "newspaper_id")
    previous = siblings.filter(date__lt=issue.date).order_by("-date").first()
    following = siblings.filter(date__gt=issue.date).order_by("date").first()
    return previous, following


def adjacent_articles(*, article: Article) -> tuple[Article | None, Article | None]:
    # a link to each: its address and headline, not its text
    siblings = (Article.objects.filter(issue=article.issue_id).select_related("issue__newspaper")
                .only("position", "headline", "issue__date", "issue__newspaper__slug"))
    previous = siblings.filter(position__lt=article.position).order_by("-position").first()
    following = siblings.filter(position__gt=article.position).order_by("position").first()
    return previous, following


def on_this_day(*, today, limit: int = 8) -> list[Article]:
    """Articles printed on today's month and day in other years ("历史上的今天")."""
    return list(
        _article_list().filter(issue__date__month=today.month, issue__date__day=today.day)
        .exclude(issue__date__year=today.year).order_by("-issue__date", "position")[:limit]
    )


def contributor_articles(*, contributor: Contributor) -> QuerySet[Article]:
    return _article_list().filter(credits__contributor=contributor).distinct().order_by("-issue__date", "position")


def section_articles(*, section: Section) -> QuerySet[Article]:
    return _article_list().filter(section=section).order_by("-issue__date", "position")

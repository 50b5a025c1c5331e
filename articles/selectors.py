"""Reads for the public pages. Each returns a queryset whose SQL cost does not grow with its length."""
from __future__ import annotations

from django.db.models import Count, Max, Min, Prefetch, QuerySet, prefetch_related_objects
from django.db.models.functions import ExtractYear, Substr

from .models import Article, Contributor, Issue, Newspaper, Page, Section


def newspaper_list() -> list[Newspaper]:
    """Every newspaper with its issue and page counts and first and last issue date (one query)."""
    return list(Newspaper.objects.annotate(
        issue_count=Count("issues", distinct=True), page_count=Count("issues__pages", distinct=True),
        first_date=Min("issues__date"), last_date=Max("issues__date"),
    ).order_by("name"))


def issue_list(*, newspaper_slug: str | None = None) -> QuerySet[Issue]:
    """Issues, newest first, with their newspaper and article count (one query)."""
    issues = Issue.objects.select_related("newspaper").annotate(article_count=Count("articles")).order_by("-date")
    if newspaper_slug:
        issues = issues.filter(newspaper__slug=newspaper_slug)
    return issues.only("id", "date", "date_source", "newspaper__name", "newspaper__slug")


def _story_parts() -> Prefetch:
    """The parts that continue a story, in print order, each with what its link names (its issue,
    newspaper and page)."""
    return Prefetch("continuations", queryset=Article.objects.select_related("issue__newspaper", "page")
                    .defer("page__raw_text").order_by("page__number", "position"))


def article_detail(*, newspaper_slug: str, date, page: int, position: int) -> Article | None:
    """One article by its citable address, with everything its page shows, the story it continues
    and the parts that continue it (three queries; a fourth when it continues a story)."""
    return (
        Article.objects.for_reading()
        .prefetch_related(_story_parts())
        .filter(issue__newspaper__slug=newspaper_slug, issue__date=date, page__number=page, position=position)
        # at most one row: not in the default ordering, which joins the issue again to sort it
        .order_by("pk").first()
    )


def _article_list() -> QuerySet[Article]:
    """Articles with what a list shows: issue, newspaper, section, credits (two queries; a third
    when one of them continues a story)."""
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


def issue_page(*, newspaper: Newspaper, date) -> Issue | None:
    return Issue.objects.select_related("newspaper").filter(newspaper=newspaper, date=date).first()


def issue_pages(*, issue: Issue) -> list[Page]:
    """The issue's pages in order, without their raw text."""
    return list(issue.pages.defer("raw_text").order_by("number"))


def page_of_issue(*, issue: Issue, number: int, with_text: bool = False) -> Page | None:
    """One page of an issue; its raw text (tens of thousands of characters) only when asked for."""
    pages = issue.pages.filter(number=number)
    return (pages if with_text else pages.defer("raw_text")).first()


def issue_articles(*, issue: Issue) -> list[Article]:
    """The issue's articles, page by page, with what a list shows (``_article_list``)."""
    return list(_article_list()
                .filter(issue=issue).order_by("page__number", "position"))


def page_articles(*, page: Page) -> list[Article]:
    return list(_article_list()
                .filter(page=page).order_by("position"))


def adjacent_pages(*, page: Page) -> tuple[Page | None, Page | None]:
    siblings = Page.objects.filter(issue=page.issue_id).only("number", "name", "issue_id")
    previous = siblings.filter(number__lt=page.number).order_by("-number").first()
    following = siblings.filter(number__gt=page.number).order_by("number").first()
    return previous, following


def adjacent_issues(*, issue: Issue) -> tuple[Issue | None, Issue | None]:
    siblings = Issue.objects.filter(newspaper=issue.newspaper_id).only("date", "newspaper_id")
    previous = siblings.filter(date__lt=issue.date).order_by("-date").first()
    following = siblings.filter(date__gt=issue.date).order_by("date").first()
    return previous, following


def adjacent_articles(*, article: Article) -> tuple[Article | None, Article | None]:
    """The articles before and after this one in its issue, across page breaks: a link to each, its
    address and headline, not its text. Two queries: the issue's article ids in print order (a
    hundred numbers), then the two neighbours; the neighbours asked for directly, each "the
    first after (page, position)" with an OR of two ranges, were two queries of four tables."""
    order = list(Article.objects.filter(issue=article.issue_id).order_by("page__number", "position")
                 .values_list("pk", flat=True))
    try:
        at = order.index(article.pk)
    except ValueError:  # deleted since it was read
        return None, None
    previous = order[at - 1] if at else None
    following = order[at + 1] if at + 1 < len(order) else None
    found = {a.pk: a for a in Article.objects.filter(pk__in=[pk for pk in (previous, following) if pk])
             .select_related("issue__newspaper", "page")
             .only("position", "kicker", "headline", "issue__date", "issue__newspaper__slug", "page__number")
             .order_by()}
    return found.get(previous), found.get(following)


def on_this_day(*, today, limit: int = 8) -> list[Article]:
    """Articles printed on today's month and day in other years ("历史上的今天")."""
    return list(
        _article_list().filter(issue__date__month=today.month, issue__date__day=today.day)
        .exclude(issue__date__year=today.year).order_by("-issue__date", "page__number", "position")[:limit]
    )


def contributor_articles(*, contributor: Contributor) -> QuerySet[Article]:
    return _article_list().filter(credits__contributor=contributor).distinct().order_by("-issue__date", "page__number", "position")


def section_articles(*, section: Section) -> QuerySet[Article]:
    return _article_list().filter(section=section).order_by("-issue__date", "page__number", "position")


def linkable_articles(ids) -> dict[int, Article]:
    """Articles by id with what a link to each needs: its address and its title (an untitled
    item's from the story it continues or its opening words), without bodies: one query, and one
    more when one of them continues a story."""
    found = list(Article.objects.filter(pk__in=list(ids)).select_related("issue__newspaper", "page")
                 .only("kicker", "headline", "subheadline", "kind", "position", "continues_id", "issue__date",
                       "issue__newspaper__slug", "issue__newspaper__name", "page__number")
                 .annotate(opening=Substr("body", 1, 80)).order_by())
    if any(a.continues_id for a in found):  # else not even compiled (a prefetch is, with nothing to fetch)
        prefetch_related_objects(found, Prefetch("continues", queryset=Article.objects.only("kicker", "headline")))
    return {a.pk: a for a in found}


def story_start(*, article: Article) -> Article | None:
    """The article a continuation carries on, with its parts, for showing the story whole."""
    return (Article.objects.for_reading().prefetch_related(_story_parts())
            .filter(pk=article.continues_id).order_by("pk").first())


def merged_survivor(entity: Contributor | Section) -> Contributor | Section | None:
    """Where the public page of a merged contributor or section redirects: the entry it was
    merged into (through any chain of merges), or None for an entry never merged."""
    if not entity.merged_into_id:
        return None
    survivor = entity.survivor()
    return survivor if survivor.pk != entity.pk else None


def last_correction(*, article: Article):
    """When an editor last changed the article (its newest history entry made by a person), or None
    for an article as the segmenter made it; one query, only for a corrected article."""
    if not article.is_corrected:
        return None
    return (article.history.filter(history_user__isnull=False).order_by("-history_date")
            .values_list("history_date", flat=True).first())

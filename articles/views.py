"""Public pages of the archive: calendars, issues, articles, contributors, sections. They only read."""
from __future__ import annotations

import calendar
import datetime as dt

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_safe

from . import selectors
from .citation import authors, gbt7714, title
from .models import Article, Contributor, Newspaper, Page, Section

# A calendar's column heads: the short name shown and the full one read out (the cell's abbr).
WEEKDAYS = [
    (pgettext_lazy("weekday, short", "一"), gettext_lazy("星期一")),
    (pgettext_lazy("weekday, short", "二"), gettext_lazy("星期二")),
    (pgettext_lazy("weekday, short", "三"), gettext_lazy("星期三")),
    (pgettext_lazy("weekday, short", "四"), gettext_lazy("星期四")),
    (pgettext_lazy("weekday, short", "五"), gettext_lazy("星期五")),
    (pgettext_lazy("weekday, short", "六"), gettext_lazy("星期六")),
    (pgettext_lazy("weekday, short", "日"), gettext_lazy("星期日")),
]
LIST_PAGE_SIZE = 50


def month_calendar(*, newspaper: Newspaper, year: int, month: int, dates: set) -> dict:
    """One month of weeks; a day with an issue carries its URL."""
    weeks = []
    for week in calendar.Calendar().monthdatescalendar(year, month):
        weeks.append([
            {"day": day.day if day.month == month else None, "date": day,
             "url": reverse("articles:issue", kwargs={"paper": newspaper.slug, "date": day})
             if day in dates and day.month == month else None}
            for day in week
        ])
    return {"number": month, "first": dt.date(year, month, 1), "weeks": weeks,
            "issues": sum(1 for d in dates if d.month == month and d.year == year)}


def year_calendar(*, newspaper: Newspaper, year: int) -> list[dict]:
    """Twelve months of weeks; a day with an issue carries its URL."""
    dates = selectors.issue_dates(newspaper=newspaper, year=year)
    return [month_calendar(newspaper=newspaper, year=year, month=month, dates=dates) for month in range(1, 13)]


def _newspaper(slug: str) -> Newspaper:
    return get_object_or_404(Newspaper, slug=slug)


@require_safe
def newspaper(request, paper: str):
    paper_obj = _newspaper(paper)
    return render(request, "articles/newspaper.html", {
        "newspaper": paper_obj, "years": selectors.years_with_issues(newspaper=paper_obj),
    })


@require_safe
def year(request, paper: str, year: int):
    paper_obj = _newspaper(paper)
    if not 1800 <= year <= 2200:
        raise Http404(_("没有这一年"))
    years = selectors.years_with_issues(newspaper=paper_obj)
    return render(request, "articles/year.html", {
        "newspaper": paper_obj, "year": year, "months": year_calendar(newspaper=paper_obj, year=year),
        "weekdays": WEEKDAYS, "years": years,
    })


def _issue_or_404(paper: str, date: dt.date):
    paper_obj = _newspaper(paper)
    issue = selectors.issue_page(newspaper=paper_obj, date=date)
    if issue is None:
        raise Http404(_("这一天没有报纸"))
    return issue


def _numbered_pages(pages: list[Page], articles: list[Article]) -> list[dict]:
    """Each page with its articles in print order, numbered through the issue without gaps, and
    consecutive articles of one section under one heading."""
    by_page: dict[int, list[Article]] = {p.pk: [] for p in pages}
    for article in articles:
        by_page[article.page_id].append(article)
    number = 0
    listed = []
    for page_obj in pages:
        groups: list[dict] = []
        for article in by_page[page_obj.pk]:
            number += 1
            article.number = number
            name = article.section.name if article.section_id else ""
            if not groups or groups[-1]["section"] != name:
                groups.append({"section": name, "section_obj": article.section, "articles": [], "start": number})
            groups[-1]["articles"].append(article)
        listed.append({"page": page_obj, "groups": groups, "count": len(by_page[page_obj.pk])})
    return listed


@require_safe
def issue(request, paper: str, date: dt.date):
    issue_obj = _issue_or_404(paper, date)
    pages = selectors.issue_pages(issue=issue_obj)
    articles = selectors.issue_articles(issue=issue_obj)
    previous, following = selectors.adjacent_issues(issue=issue_obj)
    return render(request, "articles/issue.html", {
        "issue": issue_obj, "newspaper": issue_obj.newspaper, "pages": _numbered_pages(pages, articles),
        "count": len(articles), "previous": previous, "following": following,
    })


@require_safe
def issue_source(request, paper: str, date: dt.date):
    issue_obj = _issue_or_404(paper, date)
    first = selectors.issue_pages(issue=issue_obj)[:1]
    if not first:
        raise Http404(_("这一期没有版面"))
    return redirect("articles:page_source", paper=paper, date=date, page=first[0].number, permanent=True)


def _page_or_404(paper: str, date: dt.date, number: int, *, with_text: bool = False) -> Page:
    issue_obj = _issue_or_404(paper, date)
    page_obj = selectors.page_of_issue(issue=issue_obj, number=number, with_text=with_text)
    if page_obj is None:
        raise Http404(_("这一期没有这一版"))
    page_obj.issue = issue_obj
    return page_obj


@require_safe
def page(request, paper: str, date: dt.date, page: int):
    page_obj = _page_or_404(paper, date, page)
    articles = selectors.page_articles(page=page_obj)
    for number, article in enumerate(articles, start=1):
        article.number = number
    previous, following = selectors.adjacent_pages(page=page_obj)
    return render(request, "articles/page.html", {
        "page": page_obj, "issue": page_obj.issue, "newspaper": page_obj.issue.newspaper, "articles": articles,
        "previous": previous, "following": following,
    })


@require_safe
def page_source(request, paper: str, date: dt.date, page: int):
    page_obj = _page_or_404(paper, date, page, with_text=True)
    return render(request, "articles/page_source.html", {
        "page": page_obj, "issue": page_obj.issue, "newspaper": page_obj.issue.newspaper,
    })


def _article_or_404(paper: str, date: dt.date, page: int, position: int) -> Article:
    found = selectors.article_detail(newspaper_slug=paper, date=date, page=page, position=position)
    if found is None:
        raise Http404(_("没有这篇文章"))
    return found


def _story(article: Article) -> list[Article]:
    """The parts of the story an article belongs to, in print order: its start and every part that
    continues it on a later page."""
    if article.continues_id is None:
        return [article, *article.continuations.all()]
    start = selectors.story_start(article=article)
    return [start, *start.continuations.all()] if start else [article]


# the search parameters an article link carries from a result list (with ``hit``, the hit's number)
READING_PARAMS = ("q", "date_from", "date_to", "date", "year", "month", "section", "contributor", "kind",
                  "newspaper", "sort")


def _hit_navigation(request, found: Article) -> dict | None:
    """Reached from a search (``?q=…&hit=N``): the previous and next hit and the way back to the
    result page, or None."""
    from search.forms import SearchForm
    from search.selectors import hit_neighbours

    try:
        number = int(request.GET.get("hit", ""))
    except ValueError:
        return None
    if number < 1 or number > 100_000:
        return None
    params = [(name, request.GET[name]) for name in READING_PARAMS if request.GET.get(name, "").strip()]
    form = SearchForm(dict(params))
    if not params or not form.is_valid() or not form.has_criteria:
        return None
    around = hit_neighbours(plan=form.plan(), sort=form.sort_key, number=number, article_id=found.pk)
    query = urlencode(params)
    page_size = settings.SEARCH_PAGE_SIZE
    results_page = (number - 1) // page_size + 1

    def link(article: Article | None, at: int) -> dict | None:
        if article is None:
            return None
        return {"url": f"{article.get_absolute_url()}?{query}&hit={at}", "title": title(article)}

    return {
        "number": number, "total": around.total, "matches": around.matches,
        "previous": link(around.previous, number - 1), "following": link(around.following, number + 1),
        "results_url": reverse("search:page") + "?" + query + (f"&page={results_page}" if results_page > 1 else ""),
        "query": request.GET.get("q", ""),
    }


def _related(story: list[Article]) -> dict:
    from search import related

    words = related.keywords(related.story_text(story))
    return {
        "keywords": [{"word": w, "url": reverse("search:page") + "?" + urlencode({"q": w})} for w in words],
        "articles": related.related_articles(words=words, exclude=related.story_ids(story)),
    }


@require_safe
def article(request, paper: str, date: dt.date, page: int, position: int):
    found = _article_or_404(paper, date, page, position)
    previous, following = selectors.adjacent_articles(article=found)
    story = _story(found)
    return render(request, "articles/article.html", {
        "hit_navigation": _hit_navigation(request, found),
        "related": _related(story),
        "canonical": request.build_absolute_uri(found.get_absolute_url()),
        "article": found,
        "title": title(found),
        "story": [{"part": part, "current": part.pk == found.pk,
                   "paragraphs": [p for p in part.body.split("\n") if p.strip()]} for part in story],
        "credits": list(found.credits.all()),
        "authors": authors(found),
        "citation": gbt7714(found),
        "corrected_on": selectors.last_correction(article=found),
        "previous": previous,
        "following": following,
    })


@require_safe
def article_text(request, paper: str, date: dt.date, page: int, position: int):
    found = _article_or_404(paper, date, page, position)
    lines = [title(found)]
    if found.subheadline:
        lines.append(found.subheadline)
    names = authors(found)
    if names:
        lines.append("、".join(names))
    lines += ["", found.body.strip(), "", gbt7714(found), request.build_absolute_uri(found.get_absolute_url())]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    filename = f"{paper}-{date.isoformat()}-{page}-{position}.txt"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def legacy_article(request, paper: str, date: dt.date, position: int, text: bool = False):
    """An address of the time when an issue was one file: that file is now the issue's page 1."""
    name = "articles:article_text" if text else "articles:article"
    found = _article_or_404(paper, date, 1, position)
    return redirect(name, paper=paper, date=date, page=found.page.number, position=found.position, permanent=True)


def _entity_page(request, *, entity, articles, kind: str):
    page = Paginator(articles, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "articles/entity.html", {
        "entity": entity, "kind": kind, "page": page, "articles": page.object_list,
    })


def _listed_entity(model: type[Contributor | Section], pk: int):
    """A contributor or section with a public page: one merged into another redirects there (its
    address stays good), one that credits no article any more has none."""
    entity = get_object_or_404(model, pk=pk)
    if (survivor := selectors.merged_survivor(entity)) is not None:
        return None, redirect(survivor, permanent=True)
    related = entity.credits if model is Contributor else entity.articles
    if not related.exists():
        raise Http404(_("没有这个作者的文章") if model is Contributor else _("这个栏目没有文章"))
    return entity, None


@require_safe
def contributor(request, pk: int):
    entity, moved = _listed_entity(Contributor, pk)
    if moved:
        return moved
    return _entity_page(request, entity=entity, articles=selectors.contributor_articles(contributor=entity),
                        kind=_("作者"))


@require_safe
def section(request, pk: int):
    entity, moved = _listed_entity(Section, pk)
    if moved:
        return moved
    return _entity_page(request, entity=entity, articles=selectors.section_articles(section=entity), kind=_("栏目"))

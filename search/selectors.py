"""Reads from the search index: one function behind the search page, the API, the export and
the ``search`` command, so all four answer a query the same way."""
from __future__ import annotations

import time
from collections.abc import Iterator
from itertools import islice
from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_lazy, gettext_noop
from haystack import connections
from haystack.query import SearchQuerySet

from articles.models import Article

from . import analysis
from .query import ParsedQuery, SearchPlan
from .related import idf_table
from .snippets import find_spans, highlight, kwic

SORTS: dict[str, list[str]] = {
    "relevance": [],
    "newest": ["-day", "position"],
    "oldest": ["day", "position"],
}
SORT_LABELS = {"relevance": gettext_lazy("相关度"), "newest": gettext_lazy("最新在前"),
               "oldest": gettext_lazy("最早在前")}
# The kinds' Chinese labels (articles.models.Article.Kind), for the interface's translations.
_KIND_LABELS = [gettext_noop("消息"), gettext_noop("通讯"), gettext_noop("评论"), gettext_noop("图片"),
                gettext_noop("启事"), gettext_noop("专栏"), gettext_noop("转版")]
FACETS = ("year", "section", "contributors", "kind", "month")
FACET_LIMIT = 30
_EXPORT_BATCH = 500


@dataclass
class Hit:
    article: Article
    score: float
    headline_html: str
    snippets: list[str]

    @property
    def bylines(self) -> list[str]:
        return [credit.contributor.name for credit in self.article.credits.all()]

    @property
    def kind_label(self) -> str:
        return kind_label(self.article.kind)


def kind_label(value: str) -> str:
    """An article kind as the reader sees it: its label from the model's choices (an unknown
    value as it is), translated when the reader chose English."""
    return gettext(str(dict(Article.Kind.choices).get(value, value)))


@dataclass
class SearchPage:
    plan: SearchPlan
    sort: str
    page: int
    page_size: int
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    took_ms: float = 0.0

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def highlight_needles(query: ParsedQuery) -> list[str]:
    """What to mark: each wanted term literally, and its jieba words of two or more characters."""
    needles = set(query.highlight_strings())
    for clause in query.required:
        for term in clause.terms:
            if not term.exact:
                needles.update(w for w in analysis.query_words(term.text) if len(w) > 1)
    return sorted(needles, key=lambda s: (-len(s), s))


def _queryset(plan: SearchPlan, sort: str) -> SearchQuerySet:
    queryset = SearchQuerySet()
    # SearchQuerySet.raw_search would turn the plan into a query string; the query object passes
    # it to the backend as it is.
    queryset.query.raw_search(plan)
    if SORTS[sort]:
        queryset = queryset.order_by(*SORTS[sort])
    return queryset


def _articles(ids: list[int]) -> dict[int, Article]:
    """The articles a result list shows, by id, each with its credits and their contributors (two
    queries; a third when one continues a story), not in the articles' default ordering, which
    Django resolves through the page's and the issue's: the dictionary does not keep it."""
    return {article.pk: article for article in Article.objects.filter(pk__in=ids).for_reading().order_by()}


def search_articles(*, plan: SearchPlan, sort: str = "relevance", page: int = 1, page_size: int = 20,
                    with_facets: bool = True) -> SearchPage:
    """One page of results with snippets, the total, and facet counts for the whole result set."""
    started = time.perf_counter()
    result = SearchPage(plan=plan, sort=sort, page=page, page_size=page_size)
    queryset = _queryset(plan, sort)
    if with_facets:
        for name in FACETS:
            # one more than shown: a document without a value counts as the value ""
            queryset = queryset.facet(name, **({} if name == "month" else {"limit": FACET_LIMIT + 1}))
    start = (page - 1) * page_size
    raw = list(queryset[start : start + page_size])
    result.total = queryset.count()
    if with_facets:
        fields = queryset.facet_counts().get("fields", {})
        result.facets = {
            name: list(islice(((value, count) for value, count in fields.get(name, []) if value), FACET_LIMIT))
            for name in FACETS if name != "month"
        }
        result.facets["year"].sort(reverse=True)
        # every month, in order: the trend chart needs them all
        result.facets["month"] = sorted((value, count) for value, count in fields.get("month", []) if value)
    articles = _articles([int(r.pk) for r in raw])
    needles = highlight_needles(plan.query)
    for r in raw:
        article = articles.get(int(r.pk))
        if article is None:  # deleted since it was indexed; the queue removes it shortly
            continue
        result.hits.append(
            Hit(article=article, score=r.score or 0.0, headline_html=highlight(article.headline, needles),
                snippets=snippets_for(article, needles))
        )
    result.took_ms = (time.perf_counter() - started) * 1000
    return result


def snippets_for(article: Article, needles: list[str]) -> list[str]:
    """Windows of the body around the hits; when the body has none (the match was in the
    subheadline, kicker, section or a byline), that line with its hit marked; else the body's opening."""
    found = kwic(article.body, needles, opening=False)
    if found:
        return found
    if not find_spans(article.headline, needles):  # else the marked headline shows the hit
        lines = [getattr(article, "kicker", ""), article.subheadline,
                 article.section.name if article.section_id else "",
                 "、".join(credit.contributor.name for credit in article.credits.all())]
        for line in lines:
            if line and find_spans(line, needles):
                return [highlight(line, needles)]
    return kwic(article.body, [])  # the body has no hit (found above): its opening


def period_counts(plan: SearchPlan) -> list[tuple[str, int]]:
    """Hits per month (YYYY-MM, in order) for a plan, from the index alone: the term chart's series."""
    queryset = _queryset(plan, "relevance").facet("month")
    queryset.count()  # runs the query: facet counts come with it
    fields = queryset.facet_counts().get("fields", {})
    return sorted((value, count) for value, count in fields.get("month", []) if value)


def matching_total(*, plan: SearchPlan) -> int:
    return _queryset(plan, "relevance").count()


def matching_ids(*, plan: SearchPlan, sort: str = "relevance", limit: int) -> list:
    """The index's results (ids and scores) up to ``limit``, without loading any article."""
    return list(_queryset(plan, sort)[:limit])


@dataclass
class HitNeighbours:
    """Where one hit of a result list stands: its number (from 1), the total, and the hits before
    and after it (articles with what a link needs), for reading a result list article by article."""

    number: int
    total: int
    matches: bool  # the hit at that number is still the article read (the index may have changed)
    previous: Article | None = None
    following: Article | None = None


def hit_neighbours(*, plan: SearchPlan, sort: str, number: int, article_id: int) -> HitNeighbours:
    """The hits numbered ``number - 1`` and ``number + 1`` of a search: one index query and one SQL
    query (two when one of them continues a story)."""
    queryset = _queryset(plan, sort)
    start = max(0, number - 2)
    rows = [int(r.pk) for r in queryset[start : number + 1]]
    total = queryset.count()
    by_number = {start + 1 + offset: pk for offset, pk in enumerate(rows)}
    wanted = [by_number.get(number - 1), by_number.get(number + 1)]
    from articles.selectors import linkable_articles

    found = linkable_articles(pk for pk in wanted if pk)
    return HitNeighbours(number=number, total=total, matches=by_number.get(number) == article_id,
                         previous=found.get(wanted[0]) if wanted[0] else None,
                         following=found.get(wanted[1]) if wanted[1] else None)


def iter_matching_articles(*, plan: SearchPlan, sort: str = "relevance", limit: int) -> Iterator[Article]:
    """Every hit up to ``limit``, in order, loaded from the database a batch at a time."""
    ids = [int(r.pk) for r in matching_ids(plan=plan, sort=sort, limit=limit)]
    for offset in range(0, len(ids), _EXPORT_BATCH):
        batch = ids[offset : offset + _EXPORT_BATCH]
        articles = _articles(batch)
        for pk in batch:
            if pk in articles:
                yield articles[pk]


def warm_up_search() -> None:
    """Load jieba and read the index's shared columns: a server process calls this as it starts,
    so that its first reader's search does not (at 150,000 articles that reading had made the
    first search of a process take 1.6 s, against 47 ms after it)."""
    analysis.warm_up()
    sort_columns = {name.lstrip("-") for names in SORTS.values() for name in names}
    connections["default"].get_backend().warm_up(facets=FACETS, columns=sort_columns | {"day"})
    idf_table()  # the article page's keywords weigh words by the archive's document frequencies

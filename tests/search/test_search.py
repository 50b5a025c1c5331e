"""Search over the real seed issues plus a small issue of edge cases, through the same
selector the page, the API, the export and the command use."""
from __future__ import annotations

import random
import re

import pytest

from articles.models import Article
from search.analysis import literal_key, normalise
from search.query import Filters, SearchPlan, parse
from search.selectors import search_articles

pytestmark = pytest.mark.django_db


def ids(query: str, **filters) -> set[int]:
    page = search_articles(plan=SearchPlan(parse(query), Filters(**filters)), page_size=1000, with_facets=False)
    assert page.total == len(page.hits)
    return {hit.article.pk for hit in page.hits}


def searchable_lines(article: Article) -> list[str]:
    """The article's text as the literal field compares it: folded, one line per paragraph."""
    names = [c.contributor.name for c in article.credits.all()]
    parts = [article.headline, article.subheadline, article.section.name if article.section else "", *names,
             *article.body.split("\n")]
    return [re.sub(r"\s+", "", normalise(part)) for part in parts]


def holders(articles: list[Article], string: str) -> set[int]:
    key = literal_key(string)
    return {a.pk for a in articles if any(key in line for line in searchable_lines(a))}


@pytest.fixture(scope="module")
def articles(seeded_archive, django_db_blocker):
    with django_db_blocker.unblock():
        return list(Article.objects.select_related("section").prefetch_related("credits__contributor"))


def sample_strings(articles: list[Article], count: int) -> list[str]:
    rng = random.Random(20211028)
    strings: list[str] = []
    while len(strings) < count:
        article = rng.choice(articles)
        paragraph = rng.choice([p for p in article.body.split("\n") if len(p.strip()) >= 6])
        size = rng.randint(2, 6)
        start = rng.randrange(0, len(paragraph) - size + 1)
        string = paragraph[start : start + size]
        if string.strip() and '"' not in string and not string.startswith("-"):
            strings.append(string)
    return strings


def test_literal_recall_is_complete_for_150_strings_quoted_and_unquoted(articles):
    strings = sample_strings(articles, 150)
    misses, impostors = [], []
    for string in strings:
        expected = holders(articles, string)
        assert expected, string  # taken from an article, so at least that one holds it
        unquoted = ids(string.replace(" ", "")) if " " in string else ids(string)
        quoted = ids(f'"{string}"')
        if not expected <= unquoted:
            misses.append((string, "unquoted", expected - unquoted))
        if quoted != expected:
            impostors.append((string, quoted ^ expected))
    assert not misses
    assert not impostors  # quoted: every article holding it, and only those


def test_quoted_phrase_finds_exactly_the_articles_containing_it(articles):
    expected = holders(articles, "疫情防控")
    assert len(expected) > 3
    assert ids('"疫情防控"') == expected


def test_word_inside_a_longer_word_is_found():
    assert len(ids("京都大学")) == 1
    assert ids("京都大学") == ids('"日本京都大学"')


def test_exclusion(articles):
    with_taiyuan = ids("太原")
    excluded = ids("太原 -疫情")
    assert excluded and excluded < with_taiyuan
    assert not excluded & holders(articles, "疫情")
    assert ids("太原 NOT 疫情") == excluded


def test_and_or(articles):
    both = ids("太原 疫情")
    assert both == ids("太原") & ids("疫情")
    assert ids("晋祠 OR 京都大学") == ids("晋祠") | ids("京都大学")


def test_byline_field_finds_his_articles(articles):
    liu_tao = {a.pk for a in articles if "刘涛" in [c.contributor.name for c in a.credits.all()]}
    assert liu_tao
    assert ids("byline:刘涛") == liu_tao
    assert ids("作者:刘涛") == liu_tao


def test_headline_and_section_fields(articles):
    headline_hits = ids("headline:疫情防控")
    # the headline's lines: 引题, 主题 and the —— subtitle
    assert headline_hits == {a.pk for a in articles if "疫情防控" in a.kicker + a.headline + a.subheadline}
    section = next(a.section.name for a in articles if a.section)
    assert ids(f'栏目:"{section}"') == {a.pk for a in articles if a.section and section in a.section.name}


def test_traditional_and_simplified_find_each_other():
    both = ids("优势")
    assert both == ids("優勢")
    headlines = set(Article.objects.filter(pk__in=both).values_list("headline", flat=True))
    assert "兩岸青年共話產業優勢" in headlines and "发挥资源优势 推动转型发展" in headlines


def test_full_width_digits_match_half_width():
    assert ids("１２.５%") == ids("12.5%") != set()


def test_filters_and_facets(articles):
    page = search_articles(plan=SearchPlan(parse("疫情"), Filters(year=2022)), page_size=1000)
    assert {hit.article.issue.date.year for hit in page.hits} == {2022}
    everything = search_articles(plan=SearchPlan(parse("疫情")), page_size=1000)
    years = dict(everything.facets["year"])
    assert years["2022"] == page.total
    assert sum(years.values()) == everything.total
    kinds = dict(everything.facets["kind"])
    assert sum(kinds.values()) == everything.total


def test_date_range_and_section_filters(articles):
    import datetime as dt

    window = ids("太原", date_from=dt.date(2022, 3, 1), date_to=dt.date(2022, 3, 31))
    assert window
    assert {a.issue.date.month for a in Article.objects.filter(pk__in=window).select_related("issue")} == {3}
    section = next(a.section.name for a in articles if a.section)
    assert ids("", section=section) == {a.pk for a in articles if a.section and a.section.name == section}


def test_sorts_order_by_date(articles):
    plan = SearchPlan(parse("太原"))
    newest = [h.article.issue.date for h in search_articles(plan=plan, sort="newest", page_size=100).hits]
    oldest = [h.article.issue.date for h in search_articles(plan=plan, sort="oldest", page_size=100).hits]
    assert newest == sorted(newest, reverse=True) and oldest == sorted(oldest)


def test_relevance_puts_headline_matches_first():
    hits = search_articles(plan=SearchPlan(parse("疫情防控")), page_size=100).hits
    in_headline = ["疫情防控" in h.article.headline for h in hits]
    assert in_headline == sorted(in_headline, reverse=True)


def test_pagination_covers_every_hit_once():
    plan = SearchPlan(parse("太原"))
    total = search_articles(plan=plan, page_size=1000).total
    seen = []
    for number in range(1, total // 7 + 2):
        seen += [h.article.pk for h in search_articles(plan=plan, page=number, page_size=7).hits]
    assert len(seen) == len(set(seen)) == total
    assert search_articles(plan=plan, page=999, page_size=7).hits == []


def test_snippets_mark_the_hit():
    hit = search_articles(plan=SearchPlan(parse("京都大学")), page_size=5).hits[0]
    assert "<mark>京都大学</mark>" in hit.snippets[0]
    assert "<mark>京都大学</mark>" in hit.headline_html


def test_a_single_character_finds_every_article_holding_it(articles):
    for char in ("晋", "疫", "。", "5"):
        assert ids(char) >= holders(articles, char), char
        assert ids(f'"{char}"') == holders(articles, char), char


def _shown(article: Article) -> tuple:
    """What a result, its export row and its page show of an article and its relations."""
    return (article.pk, article.headline, article.kicker, article.subheadline, article.body, article.kind,
            article.dateline, article.issue.date, article.issue.newspaper.name, article.page.number,
            article.section.name if article.section_id else None,
            article.continues_id and (article.continues.headline, article.continues.page.number),
            [(c.pk, c.role, c.position, c.contributor.pk, c.contributor.name) for c in article.credits.all()])


def test_a_result_page_loads_its_articles_as_for_reading_does_in_two_queries(seeded_archive,
                                                                             django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from search.selectors import _articles

    wanted = list(Article.objects.order_by("?").values_list("pk", flat=True)[:40])
    reference = {a.pk: a for a in Article.objects.filter(pk__in=wanted).for_reading()}
    with CaptureQueriesContext(connection) as captured:
        loaded = _articles(wanted)
        shown = {pk: _shown(article) for pk, article in loaded.items()}
    assert len(captured) == 2  # the articles with their relations, the credits with their contributors
    assert shown == {pk: _shown(article) for pk, article in reference.items()}
    assert any(len(article.credits.all()) > 1 for article in loaded.values())  # an order was compared
    with django_assert_max_num_queries(2):
        search_articles(plan=SearchPlan(parse("太原"), Filters()))

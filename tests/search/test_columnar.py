"""The columnar evaluation (search/engine/columnar.py) against Whoosh's own, plan by plan, on the seeds."""
from __future__ import annotations

import datetime as dt
import random
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from haystack import connections

from articles.models import Article
from search.engine import backend as backend_module
from search.query import Filters, SearchPlan, parse
from search.selectors import FACETS, SORTS, search_articles, warm_up_search

pytestmark = pytest.mark.django_db

QUERIES = [
    "太原", "疫情", '"防控"', "太原 -疫情", "疫情 OR 经济", "NOT 太原", "headline:太原", "标题:疫情防控",
    "byline:刘涛", "作者:记者", "section:要闻", "市", "京都大学", "优势", "太原 疫情 企业", "2021", "covid",
    "“疫情防控”", "不存在的词语组合", "-太原",
]
FILTERS = [
    {}, {"year": 2022}, {"date_from": dt.date(2022, 1, 1), "date_to": dt.date(2022, 12, 31)}, {"kind": "news"},
    {"month": "2021-10"}, {"month_of_year": 1}, {"newspaper": "taiyuan-daily"},
]


@pytest.fixture(autouse=True, params=["compiled decoder", "python decoder"])
def decoder(request, monkeypatch):
    """Every test here runs with the compiled posting decoder (_columnar.c) and with the Python
    that is its reference and fallback when it is not built."""
    from search.engine import columnar

    if request.param == "python decoder":
        monkeypatch.setattr(columnar, "_columnar", None)
    return request.param


def _both(plan: SearchPlan, sort: str = "relevance", facets=FACETS):
    backend = connections["default"].get_backend()
    searcher, view = backend._searcher_and_view()
    assert view is not None, "the index should be readable column-wise"
    ours = backend.search(plan, sort_by=SORTS[sort], start_offset=0, end_offset=1000, facets=facets)
    whoosh = backend._search_with_whoosh(searcher, plan, SORTS[sort], 0, 1000, facets)
    return ours, whoosh


def _pks(answer) -> list[int]:
    return [int(result.pk) for result in answer["results"]]


@pytest.fixture(scope="module")
def sample_literals(seeded_archive, django_db_blocker):
    with django_db_blocker.unblock():
        bodies = list(Article.objects.values_list("body", flat=True))
    rng = random.Random(7)
    literals = []
    while len(literals) < 40:
        body = rng.choice(bodies)
        size = rng.randint(2, 8)
        start = rng.randrange(0, max(1, len(body) - size))
        text = body[start:start + size]
        if "\n" not in text and '"' not in text and text.strip():
            literals.append(f'"{text}"')
    return literals


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "no filter")
def test_every_query_finds_what_whoosh_finds_with_the_same_facets(seeded_archive, filters):
    for query in QUERIES:
        ours, whoosh = _both(SearchPlan(parse(query), Filters(**filters)))
        assert ours["hits"] == whoosh["hits"], query
        assert set(_pks(ours)) == set(_pks(whoosh)), query
        assert ours["facets"]["fields"] == {name: [(v, c) for v, c in whoosh["facets"]["fields"][name] if v]
                                            for name in FACETS}, query


def test_literals_sampled_from_the_text_match_whooshs_phrase_search(sample_literals):
    for literal in sample_literals:
        ours, whoosh = _both(SearchPlan(parse(literal), Filters()), facets=())
        assert ours["hits"] >= 1, literal  # taken from an article, so at least that one
        assert _pks(ours) and set(_pks(ours)) == set(_pks(whoosh)), literal


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_orders_are_whooshs_order(seeded_archive, sort):
    for query in ("太原", "疫情 OR 经济", ""):
        ours, whoosh = _both(SearchPlan(parse(query), Filters()), sort=sort, facets=())
        assert _pks(ours) == _pks(whoosh), query


def test_relevance_scores_are_whooshs_bm25f_for_word_and_literal_terms(seeded_archive):
    for query in ("太原", "疫情 经济", "headline:太原", '"防控"'):
        ours, whoosh = _both(SearchPlan(parse(query), Filters()), facets=())
        ours_scores = {int(r.pk): r.score for r in ours["results"]}
        whoosh_scores = {int(r.pk): r.score for r in whoosh["results"]}
        assert ours_scores == pytest.approx(whoosh_scores, rel=1e-4), query
        assert _pks(ours)[:10] == sorted(ours_scores, key=lambda pk: (-ours_scores[pk], _pks(ours).index(pk)))[:10]


def test_a_deleted_document_is_not_found_until_indexed_again(seeded_archive):
    backend = connections["default"].get_backend()
    plan = SearchPlan(parse("太原"), Filters())
    before = _pks(_both(plan, facets=())[0])
    article = Article.objects.get(pk=before[0])
    backend.remove(article)
    try:
        ours, whoosh = _both(plan)
        assert article.pk not in _pks(ours) and ours["hits"] == whoosh["hits"] == len(before) - 1
        assert ours["facets"]["fields"]["year"] == [(v, c) for v, c in whoosh["facets"]["fields"]["year"] if v]
    finally:
        index = connections["default"].get_unified_index().get_index(Article)
        backend.update(index, index.index_queryset().filter(pk=article.pk))
    assert set(_pks(_both(plan, facets=())[0])) == set(before)


def test_with_deleted_documents_every_query_finds_what_whoosh_finds(seeded_archive, sample_literals):
    """Deleted documents are left out of a plan's answer once, at its end, not out of each term's
    list: every shape of query (AND, OR, NOT, phrases, prefixes, fields, filters) then still finds
    Whoosh's documents and facets, and the others keep the scores they had before the deletions
    (Whoosh's own scores differ for headline queries over deletions, before this change too)."""
    backend = connections["default"].get_backend()
    index = connections["default"].get_unified_index().get_index(Article)
    removed = [Article.objects.get(pk=pk) for pk in _pks(_both(SearchPlan(parse("太原 OR 疫情"), Filters()),
                                                               facets=())[0])[::3][:8]]
    assert len(removed) >= 4
    queries = [(query, filters) for query in QUERIES + sample_literals[:15] for filters in ({}, {"year": 2022})]
    before = {(query, str(filters)): {int(r.pk): r.score for r in _both(SearchPlan(parse(query), Filters(**filters)),
                                                                          facets=())[0]["results"]}
              for query, filters in queries}
    for article in removed:
        backend.remove(article)
    try:
        _, view = backend._searcher_and_view()
        assert view.live_count < view.size  # the deletions are in the segments, not merged away
        for query, filters in queries:
            ours, whoosh = _both(SearchPlan(parse(query), Filters(**filters)))
            assert ours["hits"] == whoosh["hits"], query
            assert set(_pks(ours)) == set(_pks(whoosh)), query
            assert not {a.pk for a in removed} & set(_pks(ours)), query
            assert ours["facets"]["fields"] == {name: [(v, c) for v, c in whoosh["facets"]["fields"][name] if v]
                                                for name in FACETS}, query
            # a deleted document still counts in the terms' statistics until merged away, so the
            # others score exactly as before it was deleted
            kept = before[(query, str(filters))]
            assert {int(r.pk): r.score for r in ours["results"]} == {
                pk: score for pk, score in kept.items() if pk not in {a.pk for a in removed}}, query
    finally:
        backend.update(index, index.index_queryset().filter(pk__in=[a.pk for a in removed]))


def test_answers_are_the_same_over_many_segments(seeded_archive):
    call_command("update_index", "--batch-size", "7", "--keep-segments", stdout=StringIO(), verbosity=0)
    backend = connections["default"].get_backend()
    backend.index = backend.index.refresh()
    assert len(backend.index._segments()) >= 5
    for query in [q for q in QUERIES if "-" not in q and "NOT" not in q] + ['"全力筑牢"']:
        for filters in ({}, {"year": 2022}):
            ours, whoosh = _both(SearchPlan(parse(query), Filters(**filters)))
            assert set(_pks(ours)) == set(_pks(whoosh)) and ours["hits"] == whoosh["hits"], query
            assert ours["facets"]["fields"]["contributors"] == [
                (v, c) for v, c in whoosh["facets"]["fields"]["contributors"] if v], query


def test_exclusion_over_many_segments_is_set_difference(seeded_archive):
    # Whoosh's own AndNot, over segments like these, returned an article holding the excluded
    # word (found with its stock codec too); the columnar answer is the plain set difference.
    call_command("update_index", "--batch-size", "7", "--keep-segments", stdout=StringIO(), verbosity=0)

    def found(query: str) -> set[int]:
        return set(_pks(_both(SearchPlan(parse(query), Filters()), facets=())[0]))

    assert found("太原 -疫情") == found("太原") - found("疫情")
    assert found("疫情 -太原 -经济") == found("疫情") - found("太原") - found("经济")
    assert found("太原") & found("疫情")  # so the exclusion did remove something


def _memo_keys(backend) -> set:
    _, view = backend._searcher_and_view()
    return {(segment.reader._segment.segment_id(), key) for segment in view.segments for key in segment.memo}


def test_after_the_warm_up_a_search_page_reads_no_column_or_facet_again(seeded_archive):
    backend = connections["default"].get_backend()
    backend_module._SEGMENT_MEMOS.clear()  # as a new process starts: nothing read yet
    backend._cached_version = None
    warm_up_search()
    warmed = _memo_keys(backend)
    assert {key[0] for _, key in warmed} == {"lengths", "facet", "column"}
    for sort in SORTS:
        search_articles(plan=SearchPlan(parse("太原 疫情"), Filters(date_from=dt.date(2021, 1, 1))), sort=sort)
    assert _memo_keys(backend) == warmed


def test_a_backend_made_in_another_thread_shares_what_the_first_has_read(seeded_archive):
    plan = SearchPlan(parse("太原"), Filters())
    first = connections["default"].get_backend()
    first.search(plan, facets=FACETS)
    _, first_view = first._searcher_and_view()
    seen = {}

    def search_in_a_thread():
        # haystack keeps one backend per thread, as a threaded server's request would get
        other = connections["default"].get_backend()
        other.search(plan, facets=FACETS)
        seen["backend"], seen["view"] = other, other._searcher_and_view()[1]
    thread = threading.Thread(target=search_in_a_thread)
    thread.start()
    thread.join()
    assert seen["backend"] is not first
    assert seen["view"] is not first_view
    for mine, theirs in zip(first_view.segments, seen["view"].segments, strict=True):
        assert theirs.memo is mine.memo and mine.memo


def test_the_head_of_the_relevance_order_is_the_full_orders_head():
    import numpy as np

    from search.engine import columnar

    rng = np.random.default_rng(3)
    docs = np.arange(5000, dtype=np.int64)
    matches = columnar.Matches(docs, rng.integers(0, 40, 5000) / 7)  # many tied scores
    full = columnar.order(None, matches, None)
    for limit in (1, 20, 137, 4999, 5000, 6000):
        assert list(columnar.order(None, matches, None, limit=limit)) == list(full[:limit]), limit


def test_keywords_asked_as_words_find_and_score_as_whoosh_does(seeded_archive):
    # related reading asks for an article's keywords as jieba words of the text and headline only
    from search.query import Clause, ParsedQuery, Term

    for words in (("疫情", "防控", "核酸检测"), ("太原",), ("京都",)):
        plan = SearchPlan(ParsedQuery(clauses=(Clause(terms=tuple(Term(w, field="words") for w in words)),)))
        ours, whoosh = _both(plan, facets=())
        assert ours["hits"] == whoosh["hits"] >= 1, words
        ours_scores = {int(r.pk): r.score for r in ours["results"]}
        assert ours_scores == pytest.approx({int(r.pk): r.score for r in whoosh["results"]}, rel=1e-4), words


def test_the_compiled_decoder_gives_the_pythons_answers_to_the_last_bit(seeded_archive, sample_literals, decoder,
                                                                        monkeypatch):
    from search.engine import columnar

    if decoder != "compiled decoder" or columnar._columnar is None:
        pytest.skip("compares the compiled decoder, when built, with the Python")
    backend = connections["default"].get_backend()

    def answers():
        found = []
        for query in QUERIES + sample_literals:
            for sort in SORTS:
                answer = backend.search(SearchPlan(parse(query), Filters()), sort_by=SORTS[sort], start_offset=0,
                                        end_offset=1000, facets=FACETS)
                found.append(([(int(r.pk), r.score) for r in answer["results"]], answer["hits"],
                              answer["facets"]))
        return found

    compiled = answers()
    monkeypatch.setattr(columnar, "_columnar", None)
    assert answers() == compiled


def test_facet_counts_are_the_counts_of_each_value_most_first_then_by_value():
    """Checked against a plain count of each value's documents (ties in count included)."""
    import numpy as np

    from search.engine import columnar

    rng = np.random.default_rng(11)
    view = columnar.IndexView.__new__(columnar.IndexView)
    view.size = 3000
    single_values = [f"v{n:02d}" for n in range(25)]
    single = rng.integers(-1, 25, view.size)
    multi_values = sorted({f"{chr(0x4e00 + int(n))}" for n in rng.integers(0, 400, 300)})
    multi = [np.unique(rng.integers(0, view.size, int(rng.integers(1, 60)))) for _ in multi_values]
    view._facets = {"kind": (single_values, single), "contributors": (multi_values, multi)}
    view._holders = {}
    for size in (0, 1, 40, 2000, 3000):
        docs = np.sort(rng.choice(view.size, size, replace=False)).astype(np.int64)
        counts = columnar.facet_counts(view, columnar.Matches(docs, np.ones(size)), ["kind", "contributors"])
        chosen = set(docs.tolist())
        expected_single = {v: int(np.count_nonzero(single[docs] == n)) for n, v in enumerate(single_values)}
        expected_multi = {v: len(chosen & set(d.tolist())) for v, d in zip(multi_values, multi, strict=True)}
        for name, expected in (("kind", expected_single), ("contributors", expected_multi)):
            assert counts[name] == sorted(((v, c) for v, c in expected.items() if c), key=lambda p: (-p[1], p[0]))
            assert all(type(c) is int for _, c in counts[name])
        # with haystack's limit: the head of the same order, ties at the cut decided as in the whole
        for limit in (1, 3, 7, 30, 500):
            limited = columnar.facet_counts(view, columnar.Matches(docs, np.ones(size)),
                                            {"kind": {"limit": limit}, "contributors": {"limit": limit}})
            assert limited == {name: whole[:limit] for name, whole in counts.items()}
        # a negative limit is Solr's "no limit", not a cut of the last values
        assert columnar.facet_counts(view, columnar.Matches(docs, np.ones(size)),
                                     {"kind": {"limit": -1}, "contributors": {"limit": -1}}) == counts


def test_phrase_keys_intersect_as_intersect1d_does():
    import numpy as np

    from search.engine import columnar

    rng = np.random.default_rng(17)
    for _ in range(300):
        a = np.unique(rng.integers(0, rng.choice([10, 1000, 1 << 40]), rng.integers(0, 400)))
        b = np.unique(rng.integers(0, rng.choice([10, 1000, 1 << 40]), rng.integers(0, 400)))
        if rng.random() < 0.2:  # keys out of order (never written so, but then intersect1d answers)
            b = rng.permutation(b)
        expected = np.intersect1d(a, b, assume_unique=True)
        found = columnar.intersect_keys(a, b)
        assert found.dtype == expected.dtype and found.tolist() == expected.tolist()

"""Each result's id read from the index's primary-key column, and an index written before it."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.contrib.auth.models import User
from haystack import connections
from haystack.constants import DJANGO_CT, DJANGO_ID
from whoosh import index as whoosh_index
from whoosh.index import TOC
from whoosh.reading import SegmentReader

from articles.models import Article
from articles.services import ingest_paths
from search.engine import backend as search_backend
from search.engine.codec import ArchiveCodec, CompactPositions, NarrowPositions
from search.engine.columnar import NO_PK, PK_COLUMN
from search.query import SearchPlan, parse
from search.services import check_index
from tests.articles.test_admin import change_form_data
from tests.conftest import FIXTURES, SEEDS, clear_search_index, reopen_index_written_with

pytestmark = pytest.mark.django_db(transaction=True)

QUERIES = ["京都大学", "太原", '"疫情"', "市", "太原 OR 京都大学", "headline:太原"]


@pytest.fixture
def archive():
    clear_search_index()
    report = ingest_paths(paths=[SEEDS])
    cases = ingest_paths(paths=[FIXTURES / "search_cases.txt"], date=dt.date(2024, 1, 2))
    assert not report.failed and not cases.failed
    yield
    clear_search_index()


def _answer(query: str) -> list[tuple[str, str]]:
    backend = connections["default"].get_backend()
    found = backend.search(SearchPlan(parse(query)), start_offset=0, end_offset=1000)
    return [(f"{r.app_label}.{r.model_name}", r.pk) for r in found["results"]]


def _stored_answer(query: str) -> list[tuple[str, str]]:
    """The same query's results, each id read from the hit's stored fields (how it was done before
    the column, and what a segment without it still does)."""
    backend = connections["default"].get_backend()
    searcher, view = backend._searcher_and_view()
    return [(r[DJANGO_CT], r[DJANGO_ID]) for r in
            (searcher.stored_fields(int(docnum)) for docnum in _docnums(view, query))]


def _docnums(view, query: str):
    from search.engine import columnar

    matches = columnar.evaluate_plan(view, SearchPlan(parse(query)))
    return columnar.order(view, matches, None, limit=1000)


def test_every_document_holds_its_primary_key_in_the_column(archive):
    backend = connections["default"].get_backend()
    searcher, view = backend._searcher_and_view()
    keys = view.primary_keys()
    stored = [fields[DJANGO_ID] for fields in searcher.all_stored_fields()]
    assert len(keys) == len(stored) == Article.objects.count() > 20
    assert [str(k) for k in keys.tolist()] == stored


def test_results_are_named_from_the_columns_without_reading_stored_fields(archive, monkeypatch):
    expected = {query: _stored_answer(query) for query in QUERIES}
    assert all(expected.values())

    def refuse(self, docnum):
        raise AssertionError("a result's stored fields were read")

    monkeypatch.setattr(SegmentReader, "stored_fields", refuse)
    for query, answer in expected.items():
        assert _answer(query) == answer, query


def _without_column(documents) -> list[dict]:
    return [{k: v for k, v in doc.items() if k != PK_COLUMN} for doc in documents]


def test_an_index_written_before_the_column_is_read_as_it_is_and_takes_the_column_as_it_is_written(
        client, archive):
    backend = connections["default"].get_backend()
    index = connections["default"].get_unified_index().get_index(Article)
    documents = list(backend.documents(index, index.index_queryset().order_by("pk")))
    assert all(isinstance(doc[PK_COLUMN], int) for doc in documents)
    _, schema = backend.build_schema(connections["default"].get_unified_index().all_searchfields())
    schema.remove(PK_COLUMN)  # the schema as the archive wrote it before
    reopened = reopen_index_written_with(schema, _without_column(documents), codec=ArchiveCodec())
    assert not reopened.layout_outdated  # no rebuild needed for the column alone
    view = reopened._searcher_and_view()[1]
    assert view is not None and (view.primary_keys() == NO_PK).all()
    kyoto = Article.objects.get(headline="日本京都大学代表团来访我市")
    assert _answer("京都大学") == [("articles.article", str(kyoto.pk))]
    assert _answer("市") == _stored_answer("市") and len(_answer("市")) > 5

    # an edit writes the article again, in a new segment, with its column
    client.force_login(User.objects.create_superuser("chief", password="pw-for-tests-only"))
    response = client.post(f"/admin/articles/article/{kyoto.pk}/change/",
                           change_form_data(kyoto, headline="京都大学客人参观晋祠"))
    assert response.status_code == 302
    view = reopened._searcher_and_view()[1]
    keys = view.primary_keys()
    assert (keys[keys != NO_PK] == kyoto.pk).all() and (keys == kyoto.pk).sum() == 1
    assert _answer("京都大学") == [("articles.article", str(kyoto.pk))]
    assert _answer("京都大学 OR 太原") == _stored_answer("京都大学 OR 太原")
    assert check_index().consistent


def test_a_segment_holding_documents_with_and_without_the_key_names_each_of_them(archive, monkeypatch):
    """A document written without a key (an id the column cannot hold) beside others in one
    segment: it is named from its stored fields, the others from the column."""
    backend = connections["default"].get_backend()
    index = connections["default"].get_unified_index().get_index(Article)
    documents = list(backend.documents(index, index.index_queryset().order_by("pk")))
    clear_search_index()
    backend = connections["default"].get_backend()
    backend.setup()
    writer = backend.index.writer(codec=ArchiveCodec())
    for number, document in enumerate(documents):
        writer.add_document(**({k: v for k, v in document.items() if k != PK_COLUMN} if number % 3 else document))
    writer.commit()
    view = backend._searcher_and_view()[1]
    assert len(view.segments) == 1
    keys = view.primary_keys()
    assert (keys == NO_PK).sum() == len([n for n in range(len(documents)) if n % 3]) and (keys != NO_PK).any()
    for query in QUERIES:
        assert _answer(query) == _stored_answer(query), query


def _outdated_index_without_the_column() -> search_backend.ArchiveWhooshBackend:
    """The index as an older version wrote it: before the column, with wide positions (a layout
    the columnar reader still answers, flagged outdated until rebuilt)."""
    backend = connections["default"].get_backend()
    index = connections["default"].get_unified_index().get_index(Article)
    documents = _without_column(backend.documents(index, index.index_queryset()))
    _, schema = backend.build_schema(connections["default"].get_unified_index().all_searchfields())
    schema.remove(PK_COLUMN)
    for field in schema:
        if isinstance(field.format, NarrowPositions):
            field.format = CompactPositions(field_boost=field.format.field_boost)
    reopened = reopen_index_written_with(schema, documents, codec=ArchiveCodec())
    assert reopened.layout_outdated and reopened._searcher_and_view()[1] is not None
    return reopened


def test_an_outdated_index_without_the_column_is_searched_and_written_until_rebuilt(archive):
    backend = _outdated_index_without_the_column()
    kyoto = Article.objects.get(headline="日本京都大学代表团来访我市")
    assert _answer("京都大学") == [("articles.article", str(kyoto.pk))]
    kyoto.headline = "京都大学客人参观晋祠"
    kyoto.save()
    backend.update(connections["default"].get_unified_index().get_index(Article), [kyoto])  # its own schema
    assert _answer("headline:晋祠") == [("articles.article", str(kyoto.pk))]
    backend.warm_up(facets=["kind"], columns=["day"])


def test_a_process_on_an_outdated_index_follows_a_rebuild_by_another_and_does_not_undo_it(archive):
    stale = _outdated_index_without_the_column()  # this process opened the index before the rebuild
    assert _answer("京都大学")
    index = connections["default"].get_unified_index().get_index(Article)
    other = search_backend.ArchiveWhooshBackend("default", **connections["default"].options)
    other.rebuild_beside(index, pks=list(Article.objects.values_list("pk", flat=True)), workers=1)
    for query in QUERIES:  # read with the rebuilt index's schema, not the one it opened with
        assert _answer(query) == _stored_answer(query), query
    assert not stale.layout_outdated
    kyoto = Article.objects.get(headline="日本京都大学代表团来访我市")
    kyoto.headline = "京都大学客人参观晋祠"
    kyoto.save()
    stale.update(index, [kyoto])  # an admin save in that process
    assert PK_COLUMN in TOC.read(stale.storage, "MAIN").schema  # the rebuilt layout kept
    restarted = search_backend.ArchiveWhooshBackend("default", **connections["default"].options)
    restarted.setup()
    assert not restarted.layout_outdated
    found = restarted.search(SearchPlan(parse("headline:晋祠")), start_offset=0, end_offset=10)["results"]
    assert [int(r.pk) for r in found] == [kyoto.pk]


def test_a_write_of_an_outdated_process_after_a_rebuild_it_has_not_searched_since(archive):
    stale = _outdated_index_without_the_column()
    index = connections["default"].get_unified_index().get_index(Article)
    other = search_backend.ArchiveWhooshBackend("default", **connections["default"].options)
    other.rebuild_beside(index, pks=list(Article.objects.values_list("pk", flat=True)), workers=1)
    kyoto = Article.objects.get(headline="日本京都大学代表团来访我市")
    kyoto.headline = "京都大学客人参观晋祠"
    kyoto.save()
    stale.update(index, [kyoto])  # no search first
    assert PK_COLUMN in TOC.read(stale.storage, "MAIN").schema
    restarted = search_backend.ArchiveWhooshBackend("default", **connections["default"].options)
    restarted.setup()
    assert not restarted.layout_outdated
    assert _answer("headline:晋祠") == [("articles.article", str(kyoto.pk))]


@pytest.mark.parametrize("identifier, expected", [
    ("42", 42), ("0", 0), ("999999999999999999", 999999999999999999),
    ("007", None),  # 7 would name another object
    ("9999999999999999999", None),  # past int64: stored fields name it
    ("", None), ("-3", None), ("4a", None), ("²", None), ("٣", None), (17, None), (None, None),
])
def test_only_an_identifier_of_ascii_digits_within_int64_goes_in_the_column(identifier, expected):
    assert search_backend._column_pk(identifier) == expected


def _named_as_stored(backend) -> int:
    """Every live document's key (where it has one) and model against its stored fields; how
    many have a key."""
    searcher, view = backend._searcher_and_view()
    keys = view.primary_keys()
    labels, label_of = view.facet(DJANGO_CT)
    with_key = 0
    for docnum in np.flatnonzero(view.live).tolist():
        stored = searcher.stored_fields(docnum)
        assert labels[label_of[docnum]] == stored[DJANGO_CT]
        if keys[docnum] != NO_PK:
            with_key += 1
            assert str(keys[docnum]) == stored[DJANGO_ID], docnum
    return with_key


@pytest.mark.parametrize("merge", ["optimize", "tiers"])
def test_merging_segments_written_before_and_after_the_column_keeps_each_document_s_key(archive, merge, monkeypatch):
    backend = connections["default"].get_backend()
    index = connections["default"].get_unified_index().get_index(Article)
    documents = _without_column(backend.documents(index, index.index_queryset().order_by("pk")))
    _, schema = backend.build_schema(connections["default"].get_unified_index().all_searchfields())
    schema.remove(PK_COLUMN)
    clear_search_index()
    old = whoosh_index.create_in(backend.path, schema, indexname="MAIN")
    for start in range(0, len(documents), 4):  # several small segments of the older version
        writer = old.writer(codec=ArchiveCodec())
        for document in documents[start:start + 4]:
            writer.add_document(**document)
        writer.commit(merge=False)
    reopened = search_backend.ArchiveWhooshBackend("default", **connections["default"].options)
    connections["default"]._backend = reopened
    reopened.setup()
    monkeypatch.setattr(search_backend, "MERGE_FACTOR", 1000)  # no merge while the edits come in
    articles = list(index.index_queryset().order_by("-pk"))
    for article in articles[:15:3]:  # written again one at a time: new segments, deletions in the old
        reopened.update(index, [article])
    for article in articles[1:9:3]:
        reopened.remove(article)
    assert _named_as_stored(reopened) == 5
    if merge == "optimize":
        reopened.optimize()
    else:
        monkeypatch.setattr(search_backend, "MERGE_FACTOR", 2)
        assert reopened.merge_full_tiers()
    assert _named_as_stored(reopened) == 5
    for query in QUERIES:
        assert _answer(query) == _stored_answer(query), query


def test_a_result_is_made_with_haystacks_attributes():
    import pickle

    from haystack.models import SearchResult

    from search.engine.backend import ArchiveSearchResult

    theirs = SearchResult("articles", "article", "7", 1.5)
    ours_made = [ArchiveSearchResult("articles", "article", "7", 1.5),
                 *ArchiveSearchResult.page([("other", "model"), ("articles", "article")], [(1, "7", 1.5)])]
    for ours in ours_made:
        assert type(ours) is ArchiveSearchResult
        # every attribute haystack's result has reads the same (the None ones are the class's)
        for name, value in theirs.__dict__.items():
            if name != "log":
                assert getattr(ours, name) == value, name
        assert type(ours.log) is type(theirs.log) and ours.log.real_logger is theirs.log.real_logger
        assert ours.model_name == "article" and ours.pk == "7" and ours.score == 1.5
        # a loaded object is the result's own, not every result's
        ours._object = "loaded"
        assert ArchiveSearchResult._object is None and ours.object == "loaded"
        # pickled (a cached page) and back, as haystack's
        again = pickle.loads(pickle.dumps(ours))
        assert (again.pk, again.score, again.model_name, again._object) == ("7", 1.5, "article", "loaded")
        assert again.log.real_logger is theirs.log.real_logger
    # each result its own list of extra fields, as haystack's
    first, second = ArchiveSearchResult.page([("articles", "article")], [(0, "1", 1.0), (0, "2", 1.0)])
    assert (first.pk, second.pk) == ("1", "2")
    assert first._additional_fields == [] and first._additional_fields is not second._additional_fields
    assert first.__dict__ is not second.__dict__
    # the key as given, as haystack keeps it
    assert ArchiveSearchResult("articles", "article", 7, 1.5).pk == SearchResult("articles", "article", 7, 1.5).pk == 7
    # extra fields take haystack's own path
    extra = ArchiveSearchResult("articles", "article", "7", 1.5, headline="标题")
    assert extra.headline == "标题" and extra._additional_fields == ["headline"]

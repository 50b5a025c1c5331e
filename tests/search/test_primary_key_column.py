"""Each result's id read from the index's primary-key column, and an index written before it."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from haystack import connections
from haystack.constants import DJANGO_CT, DJANGO_ID
from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader

from articles.models import Article
from articles.services import ingest_paths
from search.engine import backend as search_backend
from search.engine.codec import ArchiveCodec
from search.engine.columnar import NO_PK, PK_COLUMN
from search.query import SearchPlan, parse
from search.services import check_index
from tests.articles.test_admin import change_form_data
from tests.conftest import FIXTURES, SEEDS, clear_search_index

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


def _without_column(documents: list[dict]) -> list[dict]:
    return [{k: v for k, v in doc.items() if k != PK_COLUMN} for doc in documents]


def test_an_index_written_before_the_column_is_read_as_it_is_and_takes_the_column_as_it_is_written(
        client, archive):
    backend = connections["default"].get_backend()
    index = connections["default"].get_unified_index().get_index(Article)
    documents = list(backend.documents(index, index.index_queryset().order_by("pk")))
    assert all(isinstance(doc[PK_COLUMN], int) for doc in documents)
    _, schema = backend.build_schema(connections["default"].get_unified_index().all_searchfields())
    schema.remove(PK_COLUMN)  # the schema as the archive wrote it before
    clear_search_index()
    old = whoosh_index.create_in(backend.path, schema, indexname="MAIN")
    writer = old.writer(codec=ArchiveCodec())
    for document in _without_column(documents):
        writer.add_document(**document)
    writer.commit()

    reopened = search_backend.ArchiveWhooshBackend("default", **connections["default"].options)
    connections["default"]._backend = reopened  # what a restarted process would open
    reopened.setup()
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


@pytest.mark.parametrize("identifier, expected", [
    ("42", 42), ("0", 0), ("999999999999999999", 999999999999999999),
    ("9999999999999999999", None),  # past int64: stored fields name it
    ("", None), ("-3", None), ("4a", None), ("²", None), ("٣", None), (17, None), (None, None),
])
def test_only_an_identifier_of_ascii_digits_within_int64_goes_in_the_column(identifier, expected):
    assert search_backend._column_pk(identifier) == expected

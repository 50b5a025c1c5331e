"""A search reads the index's version again only when the index folder has changed."""
from __future__ import annotations

import datetime as dt
import os

import pytest
from haystack import connections

from articles.models import Article
from articles.services import ingest_paths
from search.engine import backend as search_backend
from search.query import SearchPlan, parse
from tests.conftest import FIXTURES, clear_search_index

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cases():
    clear_search_index()
    report = ingest_paths(paths=[FIXTURES / "search_cases.txt"], date=dt.date(2024, 1, 2))
    assert not report.failed
    yield
    clear_search_index()


def _pks(backend, query: str) -> set[int]:
    return {int(r.pk) for r in backend.search(SearchPlan(parse(query)), start_offset=0, end_offset=100)["results"]}


def _reads(backend, monkeypatch) -> list:
    calls = []
    read = type(backend)._read_version

    def counted(self):
        calls.append(1)
        return read(self)

    monkeypatch.setattr(type(backend), "_read_version", counted)
    return calls


def _age_folder(path: str, seconds: float) -> tuple[int, int]:
    info = os.stat(path)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns - int(seconds * 1e9)))
    return os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns


def _another_process_writes(kyoto: Article, headline: str) -> None:
    """A write through a backend of its own, as another process's would be."""
    other = search_backend.ArchiveWhooshBackend("default", **connections["default"].options)
    kyoto.headline = headline
    kyoto.save()
    other.update(connections["default"].get_unified_index().get_index(Article), [kyoto])


def test_an_unchanged_settled_folder_is_not_read_again(cases, monkeypatch):
    backend = connections["default"].get_backend()
    _age_folder(backend.path, 1.0)  # written a second ago: its time has settled
    assert _pks(backend, "京都大学")
    reads = _reads(backend, monkeypatch)
    for _ in range(5):
        assert _pks(backend, "京都大学")
    assert reads == []


def test_a_write_by_another_process_is_seen_by_the_next_search(cases, monkeypatch):
    backend = connections["default"].get_backend()
    kyoto = Article.objects.get(headline="日本京都大学代表团来访我市")
    _age_folder(backend.path, 1.0)
    assert _pks(backend, "headline:晋祠") == set()
    _another_process_writes(kyoto, "京都大学客人参观晋祠")
    assert _pks(backend, "headline:晋祠") == {kyoto.pk}


def test_a_write_within_the_same_clock_tick_is_seen_while_the_folder_time_is_fresh(cases, monkeypatch):
    """The folder's time just written is not trusted: a write in the same tick of the coarse
    clock file systems stamp it with leaves the time as it was (done here by setting it back)."""
    backend = connections["default"].get_backend()
    kyoto = Article.objects.get(headline="日本京都大学代表团来访我市")
    atime, mtime = _age_folder(backend.path, 0.0)  # as written just now
    assert _pks(backend, "headline:晋祠") == set()
    _another_process_writes(kyoto, "京都大学客人参观晋祠")
    os.utime(backend.path, ns=(atime, mtime))  # the same tick: the folder's time unchanged
    assert _pks(backend, "headline:晋祠") == {kyoto.pk}


def test_a_rebuild_swapped_in_by_another_process_is_seen(cases):
    backend = connections["default"].get_backend()
    kyoto = Article.objects.get(headline="日本京都大学代表团来访我市")
    _age_folder(backend.path, 1.0)
    assert _pks(backend, "headline:晋祠") == set()
    Article.objects.filter(pk=kyoto.pk).update(headline="京都大学客人参观晋祠")
    other = search_backend.ArchiveWhooshBackend("default", **connections["default"].options)
    index = connections["default"].get_unified_index().get_index(Article)
    other.rebuild_beside(index, pks=list(Article.objects.values_list("pk", flat=True)), workers=1)
    assert _pks(backend, "headline:晋祠") == {kyoto.pk}

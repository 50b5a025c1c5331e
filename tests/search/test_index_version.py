"""A search reads the index's version again only when the index may have changed, and then it does."""
from __future__ import annotations

import os
import time

import pytest
from haystack import connections

from articles.models import Article
from search.engine import backend as search_backend
from search.query import SearchPlan, parse

pytestmark = pytest.mark.django_db(transaction=True)


def _pks(backend, query: str) -> set[int]:
    return {int(r.pk) for r in backend.search(SearchPlan(parse(query)), start_offset=0, end_offset=100)["results"]}


def _another_process(kyoto: Article | None = None, headline: str = "") -> search_backend.ArchiveWhooshBackend:
    """A backend of its own, as another process's would be; it writes the article if given."""
    other = search_backend.ArchiveWhooshBackend("default", **connections["default"].options)
    if kyoto is not None:
        kyoto.headline = headline
        kyoto.save()
        other.update(connections["default"].get_unified_index().get_index(Article), [kyoto])
    return other


@pytest.fixture
def kyoto():
    return Article.objects.get(headline="日本京都大学代表团来访我市")


def test_an_unchanged_index_is_not_read_again(cases, monkeypatch):
    backend = connections["default"].get_backend()
    assert _pks(backend, "京都大学")
    reads = []
    read = type(backend)._read_version
    monkeypatch.setattr(type(backend), "_read_version", lambda self: reads.append(1) or read(self))
    for _ in range(5):
        assert _pks(backend, "京都大学")
    assert reads == []


def test_a_write_by_another_process_is_seen_by_the_next_search(cases, kyoto):
    backend = connections["default"].get_backend()
    assert _pks(backend, "headline:晋祠") == set()
    _another_process(kyoto, "京都大学客人参观晋祠")
    assert _pks(backend, "headline:晋祠") == {kyoto.pk}
    _another_process(kyoto, "京都大学客人参观双塔寺")  # and the next, at once
    assert _pks(backend, "headline:双塔寺") == {kyoto.pk}


def _whole_second_times(monkeypatch, folder: str) -> None:
    """Every time ``stat`` gives in the index folder cut to whole seconds, as some file systems
    stamp them (ext3, HFS+; FAT two)."""
    real_stat = os.stat

    def stat(path, *args, **kwargs):
        info = real_stat(path, *args, **kwargs)
        if not isinstance(path, str) or not path.startswith(folder):
            return info
        extra = {name: getattr(info, name) for name in ("st_atime", "st_ctime", "st_atime_ns", "st_ctime_ns",
                                                        "st_blksize", "st_blocks", "st_rdev")}
        whole = info.st_mtime_ns // 10**9
        fields = list(info[:10])
        fields[8] = whole
        return os.stat_result(fields, {**extra, "st_mtime": float(whole), "st_mtime_ns": whole * 10**9})

    monkeypatch.setattr(search_backend.os, "stat", stat)


def _early_in_a_second() -> int:
    while not 0.02 <= time.time() % 1 <= 0.2:  # so that what follows fits in one second
        time.sleep(0.005)
    return int(time.time())


def test_two_writes_in_one_second_are_seen_on_a_file_system_of_whole_second_times(cases, kyoto, monkeypatch):
    backend = connections["default"].get_backend()
    _whole_second_times(monkeypatch, backend.path)
    second = _early_in_a_second()
    _another_process(kyoto, "京都大学客人参观晋祠")
    assert _pks(backend, "headline:晋祠") == {kyoto.pk}
    _another_process(kyoto, "京都大学客人参观双塔寺")
    assert _pks(backend, "headline:双塔寺") == {kyoto.pk}
    assert int(time.time()) == second, "both writes must fall in one second for this test to mean anything"


def _begin_again(other, kyoto: Article, headline: str) -> None:
    other.clear()
    kyoto.headline = headline
    kyoto.save()
    other.update(connections["default"].get_unified_index().get_index(Article), [kyoto])


def test_an_index_begun_again_to_the_same_generation_in_one_second_is_seen(cases, kyoto, monkeypatch):
    """Cleared and begun again, the index reaches the generation last read, and a file system
    may give its table of contents the freed inode number (ext4 does); with whole-second times
    nothing else would tell the two files apart."""
    backend = connections["default"].get_backend()
    other = _another_process()
    _whole_second_times(monkeypatch, backend.path)
    second = _early_in_a_second()
    for headline in ("京都大学客人参观永祚寺", "京都大学客人参观双塔寺", "京都大学客人参观晋祠"):
        _begin_again(other, kyoto, headline)
        assert _pks(backend, f"headline:{headline[-3:]}") == {kyoto.pk}
    assert int(time.time()) == second, "the rounds must fall in one second for this test to mean anything"


def test_a_view_that_fails_to_open_leaves_no_older_one_behind(cases, kyoto, monkeypatch):
    from search.engine import columnar

    backend = connections["default"].get_backend()
    assert _pks(backend, "headline:晋祠") == set()
    _another_process(kyoto, "京都大学客人参观晋祠")
    real = columnar.IndexView
    calls = []

    def failing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise MemoryError("as a view too large for the moment would")
        return real(*args, **kwargs)

    monkeypatch.setattr(columnar, "IndexView", failing_once)
    with pytest.raises(MemoryError):
        _pks(backend, "headline:晋祠")
    assert _pks(backend, "headline:晋祠") == {kyoto.pk}


def test_an_index_cleared_and_begun_again_by_another_process_is_seen(cases, kyoto):
    backend = connections["default"].get_backend()
    assert _pks(backend, "京都大学") == {kyoto.pk}
    other = _another_process()
    other.clear()
    assert _pks(backend, "京都大学") == set()
    kyoto.save()
    other.update(connections["default"].get_unified_index().get_index(Article), [kyoto])
    assert _pks(backend, "京都大学") == {kyoto.pk}


def test_a_rebuild_swapped_in_by_another_process_is_seen(cases, kyoto):
    backend = connections["default"].get_backend()
    assert _pks(backend, "headline:晋祠") == set()
    Article.objects.filter(pk=kyoto.pk).update(headline="京都大学客人参观晋祠")
    index = connections["default"].get_unified_index().get_index(Article)
    _another_process().rebuild_beside(index, pks=list(Article.objects.values_list("pk", flat=True)), workers=1)
    assert _pks(backend, "headline:晋祠") == {kyoto.pk}

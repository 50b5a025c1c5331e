"""The index follows the database: ingest, admin edits, deletes, a locked index, the check."""
from __future__ import annotations

import datetime as dt
import errno
import json
import os
import time
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from haystack import connections

from articles.models import Article
from articles.services import ingest_paths
from search.engine import backend as search_backend
from search.models import IndexQueueEntry
from search.query import SearchPlan, parse
from search.selectors import search_articles
from search.services import check_index
from tests.articles.test_admin import change_form_data
from tests.conftest import FIXTURES, SEEDS, clear_search_index, reopen_index_written_with
from tests.search.conftest import first_blocks

pytestmark = pytest.mark.django_db(transaction=True)


def ids(query: str) -> set[int]:
    return {h.article.pk for h in search_articles(plan=SearchPlan(parse(query)), page_size=100).hits}


def test_an_ingested_issue_is_searchable_at_once(cases):
    assert len(ids("京都大学")) == 1
    assert check_index().consistent


def test_an_admin_edit_is_searchable_within_a_second(client, cases):
    client.force_login(User.objects.create_superuser("chief", password="pw-for-tests-only"))
    article = Article.objects.get(headline="日本京都大学代表团来访我市")
    saved = time.monotonic()
    response = client.post(f"/admin/articles/article/{article.pk}/change/",
                           change_form_data(article, headline="京都大学客人参观晋祠"))
    assert response.status_code == 302
    found = ids('headline:"客人参观晋祠"')
    elapsed = time.monotonic() - saved
    assert found == {article.pk} and elapsed < 1.0
    assert ids('headline:"代表团来访"') == set()
    assert check_index().consistent


def test_an_edit_while_the_index_is_locked_is_queued_and_not_lost(cases, monkeypatch):
    monkeypatch.setattr(search_backend, "LOCK_TIMEOUT_SECONDS", 0.2)
    backend = connections["default"].get_backend()
    held = backend.index.refresh().writer()  # another process's writer holds Whoosh's lock
    try:
        article = Article.objects.get(headline="发挥资源优势 推动转型发展")
        article.headline = "锁定期间修改的标题"
        article.save()  # commits; the drain after it finds the index locked
        assert IndexQueueEntry.objects.filter(article_id=article.pk).exists()
    finally:
        held.cancel()
    other = Article.objects.get(headline="警惕网页代码带来的风险")
    other.headline = "警惕网页代码风险"
    other.save()  # the next drain takes both
    assert ids('"锁定期间修改的标题"') == {article.pk}
    assert ids('"警惕网页代码风险"') == {other.pk}
    assert not IndexQueueEntry.objects.exists()
    assert check_index().consistent


def test_a_deleted_article_leaves_the_index(cases):
    article = Article.objects.get(headline="日本京都大学代表团来访我市")
    article.delete()
    assert ids("京都大学") == set()
    assert check_index().consistent


def test_check_index_reports_differences_and_fix_repairs_them(cases):
    backend = connections["default"].get_backend()
    missing = Article.objects.get(headline="日本京都大学代表团来访我市")
    backend.remove_many([f"articles.article.{missing.pk}"])
    stale = Article.objects.get(headline="发挥资源优势 推动转型发展")
    Article.objects.filter(pk=stale.pk).update(headline="静默修改", updated_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    out = StringIO()
    with pytest.raises(CommandError, match="differ"):
        call_command("check_index", stdout=out)
    assert f"1 missing from the index: {missing.pk}" in out.getvalue()
    assert f"1 stale in the index: {stale.pk}" in out.getvalue()
    out = StringIO()
    call_command("check_index", "--fix", stdout=out)
    assert "index and database agree" in out.getvalue()
    assert ids("静默修改") == {stale.pk} and ids("京都大学") == {missing.pk}


def test_rebuild_and_update_index_show_progress(cases):
    out = StringIO()
    call_command("rebuild_index", "--noinput", stdout=out)
    assert "indexed 4 of 4 articles (100%)" in out.getvalue()
    assert check_index().consistent and ids("京都大学")
    out = StringIO()
    call_command("update_index", stdout=out, verbosity=0)
    assert out.getvalue() == ""


def test_search_command_uses_the_query_language(cases):
    out = StringIO()
    call_command("search", "京都大学 OR 优势", "--json", "--limit", "2", stdout=out)
    body = json.loads(out.getvalue())
    assert body["total"] == 3 and len(body["results"]) == 2
    out = StringIO()
    call_command("search", "作者:王丽", "--sort", "oldest", stdout=out)
    assert out.getvalue().startswith("2 hits")
    with pytest.raises(CommandError, match="page_size"):
        call_command("search", "太原", "--limit", "5000", stdout=StringIO())


def test_a_rebuild_by_another_process_is_seen_by_an_open_searcher(cases):
    assert len(ids("京都大学")) == 1  # this process now holds a searcher open
    other = search_backend.ArchiveWhooshBackend("default", **connections["default"].options)
    other.clear()  # another process rebuilds: the generations restart from the beginning
    assert ids("京都大学") == set()
    index = connections["default"].get_unified_index().get_index(Article)
    other.update(index, list(index.index_queryset()))
    assert len(ids("京都大学")) == 1


def test_a_bulk_load_can_leave_indexing_to_update_index(settings):
    settings.SEARCH_INDEX_ON_COMMIT = False
    clear_search_index()
    ingest_paths(paths=[FIXTURES / "search_cases.txt"], date=dt.date(2024, 1, 2))
    assert ids("京都大学") == set() and IndexQueueEntry.objects.count() == 4
    deleted = Article.objects.get(headline="警惕网页代码带来的风险")
    deleted.delete()  # queued too: its (absent) document must not be resurrected or kept
    call_command("update_index", stdout=StringIO(), verbosity=0)
    assert len(ids("京都大学")) == 1
    assert not IndexQueueEntry.objects.exists()
    assert check_index().consistent
    clear_search_index()


def _segment_sizes() -> list[int]:
    backend = connections["default"].get_backend()
    backend.index = backend.index.refresh()
    return [segment.doc_count() for segment in backend.index._segments()]


def test_a_full_update_writes_segments_in_worker_processes_and_removes_strays(cases):
    backend = connections["default"].get_backend()
    index = connections["default"].get_unified_index().get_index(Article)
    stray = {**next(iter(backend.documents(index, index.index_queryset()[:1]))), "id": "articles.article.999999",
             "django_id": "999999"}
    writer = backend._writer()
    writer.add_document(**stray)
    writer.commit()
    out = StringIO()
    call_command("update_index", "--workers", "2", "--batch-size", "2", stdout=out)
    assert "indexed 4 articles in 2 process(es)" in out.getvalue()
    # two new segments of two articles; of the old one only the stray is left
    assert sorted(_segment_sizes()) == [1, 2, 2]
    assert check_index().extra == ["articles.article.999999"]
    out = StringIO()
    call_command("update_index", "--remove", stdout=out)
    assert "removed 1 documents no longer in the database" in out.getvalue()
    assert check_index().consistent and len(ids("京都大学")) == 1


def _answers(queries: list[str]) -> list[tuple[int, list[tuple[int, float]], dict]]:
    pages = [search_articles(plan=SearchPlan(parse(query)), page_size=50) for query in queries]
    return [(page.total, [(hit.article.pk, round(hit.score, 9)) for hit in page.hits], page.facets) for page in pages]


def test_a_full_update_merges_the_workers_segments_into_one_a_worker(seeds):
    backend = connections["default"].get_backend()
    queries = ["发展", "太原 经济", '"全力筑牢"', "太原 OR 京都", "-发展 建设"]
    out = StringIO()
    call_command("update_index", "--workers", "2", "--batch-size", "5", "--keep-segments", stdout=out)
    written = len(_segment_sizes())
    assert written >= 9 and "merging" not in out.getvalue()
    kept = _answers(queries)
    out = StringIO()
    call_command("update_index", "--workers", "2", "--batch-size", "5", stdout=out)
    assert f"merging the {written} segments written into 2" in out.getvalue()
    sizes = _segment_sizes()
    assert len(sizes) == 2 and sum(sizes) == Article.objects.count() and max(sizes) - min(sizes) <= 5
    # The same articles, scores, counts and facets: the merged segments carry their fields' exact
    # length totals (BM25's average length), not Whoosh's sum of the one-byte lengths.
    assert _answers(queries) == kept and all(total for total, _, _ in kept)
    segment_files = [name for name in os.listdir(backend.path) if name.endswith(".seg")]
    assert len(segment_files) == 2  # the segments merged away are gone from the folder too
    assert check_index().consistent


def _raw_levels(segments=None) -> list[tuple[int, int]]:
    """For each segment (the index's unless given): (its terms whose first block is written as it
    is (zlib level 0), its terms whose first block is long enough to be deflated: a block of
    one-block record of more than _MIN_COMPRESSED_BYTES, or the first of many, of a thousand
    postings)."""
    from whoosh.reading import SegmentReader

    from search.engine import codec

    backend = connections["default"].get_backend()
    backend.index = backend.index.refresh()
    found = []
    for segment in backend.index._segments() if segments is None else segments:
        with SegmentReader(backend.index.storage, backend.index.schema, segment) as reader:
            raw = long = 0
            for level, length, one_block in first_blocks(reader._terms):
                if not one_block or length > 1 + codec._MIN_COMPRESSED_BYTES:
                    long += 1
                    raw += not level
            found.append((raw, long))
    return found


def test_a_builds_segments_are_merged_deflated_a_run_of_one_too(seeds):
    # 46 articles in segments of 16: three segments, the first a run of its own for two workers
    # ([[0], [1, 2]]); the workers write them without deflating, and every one is merged
    out = StringIO()
    call_command("update_index", "--workers", "2", "--batch-size", "5", "--keep-segments", stdout=out)
    kept = _answers(["发展", '"全力筑牢"', "太原 经济"])
    levels = _raw_levels()
    assert not any(raw for raw, _ in levels) and sum(long for _, long in levels)
    call_command("update_index", "--workers", "2", "--batch-size", "16", stdout=out)
    assert "merging the 3 segments written into 2" in out.getvalue()
    assert len(_raw_levels()) == 2 and all(long and not raw for raw, long in _raw_levels())
    assert _answers(["发展", '"全力筑牢"', "太原 经济"]) == kept and check_index().consistent


def test_the_segments_a_build_merges_are_written_without_deflating(seeds, monkeypatch):
    merged = []
    merge_run = search_backend._merge_run

    def recording(task):  # one worker: the build runs in this process
        merged.append(_raw_levels(task[3]))
        return merge_run(task)

    monkeypatch.setattr(search_backend, "_merge_run", recording)
    call_command("update_index", "--workers", "1", "--batch-size", "16", stdout=StringIO(), verbosity=0)
    [levels] = merged  # three segments, one run
    assert len(levels) == 3 and all(raw == long > 0 for raw, long in levels)
    assert not any(raw for raw, _ in _raw_levels()) and len(_raw_levels()) == 1


def _merge_on_a_full_disk(task):  # module-level: the build's forked workers are handed it by name
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_merge_that_fails_leaves_the_index_as_it_was(seeds, monkeypatch):
    backend = connections["default"].get_backend()
    call_command("update_index", "--workers", "2", "--batch-size", "5", "--keep-segments", stdout=StringIO(), verbosity=0)
    before = (sorted(_segment_sizes()), _answers(["发展", '"全力筑牢"']))
    monkeypatch.setattr(search_backend, "_merge_run", _merge_on_a_full_disk)
    with pytest.raises(OSError, match="No space left on device"):
        call_command("update_index", "--workers", "2", "--batch-size", "5", stdout=StringIO(), verbosity=0)
    assert (sorted(_segment_sizes()), _answers(["发展", '"全力筑牢"'])) == before and check_index().consistent
    monkeypatch.undo()
    call_command("update_index", "--workers", "2", "--batch-size", "5", stdout=StringIO(), verbosity=0)  # the lock was let go
    assert len(_segment_sizes()) == 2 and check_index().consistent
    # the failed build's segments, never committed, are gone with the next commit
    assert len([name for name in os.listdir(backend.path) if name.endswith(".seg")]) == 2


def test_a_builds_segments_merge_in_consecutive_runs_of_about_equal_size(monkeypatch):
    from types import SimpleNamespace

    def segments(*sizes):
        return [SimpleNamespace(name=i, doc_count_all=lambda size=size: size) for i, size in enumerate(sizes)]

    def names(runs):
        return [[segment.name for segment in run] for run in runs]

    assert names(search_backend.merge_runs(segments(5, 5, 5, 5, 5, 2), workers=2)) == [[0, 1, 2], [3, 4, 5]]
    assert names(search_backend.merge_runs(segments(5, 5), workers=4)) == [[0], [1]]  # never more runs than segments
    assert names(search_backend.merge_runs(segments(5), workers=1)) == [[0]]
    assert names(search_backend.merge_runs(segments(0, 0), workers=2)) == [[0], [1]]  # emptied meanwhile
    assert names(search_backend.merge_runs(segments(0, 5, 5, 0), workers=1)) == [[0, 1, 2, 3]]
    assert names(search_backend.merge_runs(segments(*[5000] * 30), workers=2)) == [list(range(15)), list(range(15, 30))]
    monkeypatch.setattr(search_backend, "BULK_MERGED_DOCS", 10)  # runs of at most this many
    assert names(search_backend.merge_runs(segments(*[5] * 8), workers=2)) == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert names(search_backend.merge_runs(segments(6, 6, 6), workers=1)) == [[0], [1], [2]]
    assert names(search_backend.merge_runs(segments(3, 4, 3, 9, 1, 1), workers=1)) == [[0, 1], [2], [3, 4], [5]]


def test_edits_merge_a_tier_of_small_segments_once_it_is_full(cases, monkeypatch):
    call_command("update_index", "--batch-size", "1", "--keep-segments", stdout=StringIO(), verbosity=0)
    assert _segment_sizes() == [1, 1, 1, 1]
    article = Article.objects.get(headline="日本京都大学代表团来访我市")
    article.save()
    # four one-document segments are below a tier's ten: the edit merges nothing; the old
    # version's segment, emptied, is dropped and the new version written as a segment of its own
    assert _segment_sizes() == [1, 1, 1, 1]
    monkeypatch.setattr(search_backend, "MERGE_FACTOR", 4)
    article.save()
    # with the new one, four segments share the tier of 1-9 documents: they become one
    assert _segment_sizes() == [4]
    assert check_index().consistent and ids("京都大学") == {article.pk}
    article.save()  # the merged segment of 4 and the new one are 2 in the tier: no merge
    assert sorted(_segment_sizes()) == [1, 3]


def test_the_merge_policy_leaves_bulk_segments_and_drops_emptied_ones():
    from types import SimpleNamespace

    def segment(name, live, total=None):
        return SimpleNamespace(segment_id=lambda: name, doc_count=lambda: live,
                               doc_count_all=lambda: total if total is not None else live)

    bulk = [segment(f"bulk{i}", 5000) for i in range(12)]
    days = [segment(f"day{i}", 100 + i) for i in range(9)]
    edits = [segment(f"edit{i}", 1, 3) for i in range(9)]
    emptied = segment("emptied", 0, 3)
    assert search_backend.full_tiers(bulk + days + edits + [emptied]) == []  # bulk ones never count
    assert search_backend.keep_live_segments(None, bulk + days + [emptied]) == bulk + days
    merged = []
    writer = SimpleNamespace(storage=None, schema=None, add_reader=merged.append)
    with mock.patch.object(search_backend, "SegmentReader", lambda storage, schema, seg: SimpleNamespace(
            close=lambda: None, name=seg.segment_id())):
        kept = search_backend.merge_tiers(writer, bulk + days + [segment("day9", 95 + 10)] + edits + [emptied])
    assert kept == bulk + edits  # the ten days' tier (100-999 documents) is merged, the rest kept
    assert [reader.name for reader in merged] == [f"day{i}" for i in range(10)]


@pytest.mark.parametrize("written_by", ["whoosh", "wide positions"])
def test_an_index_of_an_older_layout_is_read_as_it_was_written_and_rebuilt_by_fix(cases, written_by):
    from whoosh.codec.whoosh3 import W3Codec
    from whoosh.formats import Positions

    from search.engine.codec import ArchiveCodec, CompactPositions, NarrowPositions, WordCounts

    backend = connections["default"].get_backend()
    index = connections["default"].get_unified_index().get_index(Article)
    documents = list(backend.documents(index, index.index_queryset()))
    _, schema = backend.build_schema(connections["default"].get_unified_index().all_searchfields())
    for field in schema:
        if written_by == "whoosh" and isinstance(field.format, (Positions, WordCounts)):
            # Whoosh's pickled positions and blocks (words too had positions then)
            field.format = Positions(field_boost=field.format.field_boost)
        elif isinstance(field.format, NarrowPositions):  # our blocks, with 32-bit positions and their lengths
            field.format = CompactPositions(field_boost=field.format.field_boost)
    reopened = reopen_index_written_with(schema, documents,
                                         codec=W3Codec() if written_by == "whoosh" else ArchiveCodec())
    assert reopened.layout_outdated
    # Whoosh's own blocks are answered by Whoosh; our wide blocks still by the columnar reader
    assert (reopened._searcher_and_view()[1] is None) == (written_by == "whoosh")
    assert len(ids('"京都大学"')) == 1 and len(ids("京都大学")) == 1  # answered correctly
    out = StringIO()
    with pytest.raises(CommandError, match="differ"):
        call_command("check_index", stdout=out)
    assert "older version" in out.getvalue()
    call_command("check_index", "--fix", stdout=out)
    assert "index and database agree" in out.getvalue()
    assert not reopened.layout_outdated and reopened._searcher_and_view()[1] is not None
    assert len(ids('"京都大学"')) == 1


def test_a_bulk_ingest_is_indexed_once_at_its_end_not_after_each_page(monkeypatch):
    from search import services

    clear_search_index()
    drains = []
    monkeypatch.setattr(services, "drain_after_commit", lambda: drains.append(1))
    out = StringIO()
    call_command("ingest", str(SEEDS), stdout=out, stderr=StringIO())
    assert drains == []  # no page's commit drained the queue
    check = check_index()
    assert check.consistent and check.index_count == Article.objects.count() == 46, check
    assert not IndexQueueEntry.objects.exists() and "wait in the index queue" not in out.getvalue()
    # outside a bulk load, a commit drains as before
    article = Article.objects.first()
    article.headline = "单独一次修改"
    article.save()
    assert drains == [1]


def test_a_bulk_ingest_whose_indexer_fails_leaves_its_articles_queued(monkeypatch, caplog):
    from search import services

    clear_search_index()

    def broken():
        raise OSError("jieba's dictionary is unreadable")

    monkeypatch.setattr(services, "_prepare_indexing", broken)  # the forked indexer inherits it
    with caplog.at_level("ERROR", logger="search.services"):
        call_command("ingest", str(SEEDS), stdout=StringIO(), stderr=StringIO())
    assert Article.objects.count() == 46  # the load is stored,
    assert IndexQueueEntry.objects.count() == 46  # and waits to be indexed
    assert check_index().index_count == 0
    assert "stay queued" in caplog.text
    call_command("drain_index", stdout=StringIO())
    assert check_index().consistent


def test_a_bulk_load_that_fails_indexes_nothing_of_it(monkeypatch, tmp_path):
    from search import services

    drained = tmp_path / "drained"  # a file: the drain would run in the forked indexer
    monkeypatch.setattr(services, "drain_index_queue", lambda **kwargs: drained.write_text("drained"))
    with pytest.raises(KeyboardInterrupt), services.deferred_indexing():
        raise KeyboardInterrupt
    assert not drained.exists()
    with services.deferred_indexing():
        pass
    assert drained.exists()  # while a load that ends well is indexed

"""Writes to the search index: draining the queue of edited articles, checking and repairing."""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from haystack import connections
from haystack.utils import get_identifier
from whoosh.index import LockError

from articles.models import Article

from .models import IndexQueueEntry

log = logging.getLogger(__name__)

# Only one process drains the queue at a time, so an older version of an article can never be
# written after a newer one. The number is arbitrary; it only has to be the archive's own.
_DRAIN_LOCK = 7_310_001
_DRAIN_LOCK_WAIT_SECONDS = 5.0
_BATCH = 500
# From this many articles to index, worker processes beat draining the queue in one process.
_PARALLEL_FROM = 1000


def enqueue_articles(*, article_ids: list[int]) -> None:
    """Record that these articles changed; the index picks them up after the commit."""
    if not article_ids:
        return
    IndexQueueEntry.objects.bulk_create([IndexQueueEntry(article_id=pk) for pk in article_ids])
    if settings.SEARCH_INDEX_ON_COMMIT:
        transaction.on_commit(drain_index_queue_quietly)


def _backend_and_index():
    handler = connections["default"]
    index = handler.get_unified_index().get_index(Article)
    return handler.get_backend(), index


def _try_lock() -> bool:
    deadline = time.monotonic() + _DRAIN_LOCK_WAIT_SECONDS
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_DRAIN_LOCK])
            if cursor.fetchone()[0]:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)


def _unlock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [_DRAIN_LOCK])


def drain_index_queue() -> int:
    """Index every queued article (or remove it if deleted); returns how many were processed.

    Raises whoosh's LockError if the index stays locked; the queue then keeps the rows.
    """
    if not _try_lock():
        log.warning("search index queue: another process is draining it; leaving the rows queued")
        return 0
    processed = 0
    try:
        backend, index = _backend_and_index()
        while True:
            rows = list(IndexQueueEntry.objects.order_by("pk").values_list("pk", "article_id")[:_BATCH])
            if not rows:
                return processed
            ids = sorted({article_id for _, article_id in rows})
            articles = list(index.index_queryset().filter(pk__in=ids))
            present = {article.pk for article in articles}
            backend.update(index, articles)
            backend.remove_many([f"articles.article.{pk}" for pk in ids if pk not in present])
            IndexQueueEntry.objects.filter(pk__lte=rows[-1][0], article_id__in=ids).delete()
            processed += len(ids)
    finally:
        _unlock()


def forget_queued_before(*, last_pk: int) -> int:
    """Drop queue rows up to ``last_pk`` of articles that still exist: a full reindex that started
    after them covered them. Rows of deleted articles stay, so their documents are removed."""
    covered = IndexQueueEntry.objects.filter(pk__lte=last_pk, article_id__in=Article.objects.values("pk"))
    return covered.delete()[0]


def last_queued_pk() -> int:
    return IndexQueueEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def drain_index_queue_quietly() -> None:
    """Drain after a commit; a locked index leaves the work queued instead of failing the request."""
    try:
        drain_index_queue()
    except LockError:
        log.warning("search index locked; %d update(s) stay queued", IndexQueueEntry.objects.count())


@dataclass
class IndexCheck:
    database_count: int
    index_count: int
    missing: list[int] = field(default_factory=list)  # in the database, not in the index
    extra: list[str] = field(default_factory=list)  # in the index, not in the database
    stale: list[int] = field(default_factory=list)  # indexed from an older version
    queued: int = 0
    outdated_layout: bool = False  # written by an older version of the archive: rebuild it

    @property
    def consistent(self) -> bool:
        return not (self.missing or self.extra or self.stale or self.queued or self.outdated_layout)


def check_index() -> IndexCheck:
    """Compare the database's articles with the index's documents, id by id and version by version."""
    from .search_indexes import index_stamp

    backend, _index = _backend_and_index()
    indexed = backend.indexed_ids()
    check = IndexCheck(database_count=0, index_count=len(indexed), queued=IndexQueueEntry.objects.count(),
                       outdated_layout=getattr(backend, "layout_outdated", False))
    seen: set[str] = set()
    last_pk = 0
    while True:
        batch = list(Article.objects.filter(pk__gt=last_pk).order_by("pk").only("pk", "updated_at")[:5000])
        if not batch:
            break
        for article in batch:
            identifier = get_identifier(article)
            seen.add(identifier)
            if identifier not in indexed:
                check.missing.append(article.pk)
            elif indexed[identifier] != index_stamp(article):
                check.stale.append(article.pk)
        check.database_count += len(batch)
        last_pk = batch[-1].pk
    check.extra = sorted(set(indexed) - seen)
    return check


def repair_index(check: IndexCheck) -> int:
    """Bring the index in step with what the check found; returns the documents fixed.

    An index of an older layout is rebuilt; many missing or stale articles are indexed by the
    backend's parallel build; the rest (and the extra documents) go through the queue.
    """
    backend, index = _backend_and_index()
    parallel = getattr(backend, "update_in_parallel", None)
    if check.outdated_layout and parallel is not None:
        backend.clear()
        pks = list(Article.objects.order_by("pk").values_list("pk", flat=True))
        fixed = parallel(index, pks=pks, workers=os.cpu_count() or 1)
        drain_index_queue()
        return fixed
    to_queue = check.missing + check.stale
    fixed = 0
    if len(to_queue) >= _PARALLEL_FROM and parallel is not None:
        fixed = parallel(index, pks=to_queue, workers=os.cpu_count() or 1)
        to_queue = []
    ids = to_queue + [int(identifier.rsplit(".", 1)[1]) for identifier in check.extra]
    with transaction.atomic():
        IndexQueueEntry.objects.bulk_create([IndexQueueEntry(article_id=pk) for pk in ids])
    drain_index_queue()
    return fixed + len(ids)

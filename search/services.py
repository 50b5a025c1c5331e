"""Writes to the search index: draining the queue of edited articles, checking and repairing."""
from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from haystack import connections
from haystack.utils import get_identifier
from whoosh.index import LockError

from archive.processes import start_prepared
from articles.models import Article

from . import analysis
from .models import IndexQueueEntry

log = logging.getLogger(__name__)

# Only one process drains the queue at a time, so an older version of an article can never be
# written after a newer one. The number is arbitrary; it only has to be the archive's own.
_DRAIN_LOCK = 7_310_001
_DRAIN_LOCK_WAIT_SECONDS = 5.0
_BATCH = 500
# A bounded drain commits every this many articles, so that its time budget is checked often.
_BOUNDED_BATCH = 50
# From this many articles to index, worker processes beat draining the queue in one process.
_PARALLEL_FROM = 1000


def queue_articles(*, article_ids: Iterable[int] | None = None, issue_ids: Iterable[int] | None = None,
                   articles: QuerySet | None = None) -> int:
    """Record that these articles' documents changed, in the caller's transaction; the index
    picks them up after the commit (a bounded drain) or from ``drain_index``/``update_index``.

    ``article_ids``: articles by id; ``issue_ids``: every article of these issues; ``articles``:
    any queryset of articles (``Article.objects.filter(page=page)``). Returns how many were queued.
    """
    ids: set[int] = set(article_ids or ())
    if issue_ids:
        ids.update(Article.objects.filter(issue_id__in=list(issue_ids)).values_list("pk", flat=True))
    if articles is not None:
        ids.update(articles.values_list("pk", flat=True))
    if not ids:
        return 0
    IndexQueueEntry.objects.bulk_create([IndexQueueEntry(article_id=pk) for pk in sorted(ids)], batch_size=5000)
    if settings.SEARCH_INDEX_ON_COMMIT and not _drains_deferred and not _drain_pending():
        transaction.on_commit(drain_after_commit)
    return len(ids)


# Set inside ``deferred_indexing`` (and inherited by the worker processes it forks).
_drains_deferred = False


@contextmanager
def deferred_indexing() -> Iterator[None]:
    """A bulk load: inside, writes queue their articles but no commit drains them; on leaving,
    the whole queue is indexed in one go. Hundreds of pages drained one commit at a time merged
    the index's small segments again and again, and the ingest's workers took turns at the one
    drain lock (a month of real pages: 41 minutes).

    The indexing runs in a process forked on entering, which loads jieba's dictionary and the
    index while this one stores the pages: a day of 19 pages is searchable half a second sooner."""
    global _drains_deferred
    previous, _drains_deferred = _drains_deferred, True
    indexes = not previous and settings.SEARCH_INDEX_ON_COMMIT
    indexer = start_prepared(prepare=_prepare_indexing, work=_index_load) if indexes else None
    try:
        yield
    except BaseException:
        if indexer is not None:
            indexer.cancel()
        raise
    finally:
        _drains_deferred = previous
    if indexer is not None:
        if not indexer.run():  # the indexer died before it could drain (a failed drain logs itself)
            log.error("search index: the indexing process failed; the load's articles stay queued for "
                      "`manage.py drain_index`")
    elif indexes:
        _index_load()


def _prepare_indexing() -> None:
    analysis.warm_up()
    _backend_and_index()


def _index_load() -> None:
    try:
        drain_index_queue(batch_size=_PARALLEL_FROM)
    except Exception:
        # what was stored stays stored and queued: the load succeeded, its indexing did not yet
        log.error("search index: indexing the load failed; its articles stay queued for "
                  "`manage.py drain_index`", exc_info=True)


def _drain_pending() -> bool:
    """Is a drain already registered to run after this transaction commits? One is enough: the
    bound applies to the commit, not to each save inside it."""
    if not connection.in_atomic_block:
        return False
    return any(getattr(entry[1], "__name__", "") == "drain_after_commit"
               for entry in connection.run_on_commit if len(entry) >= 2)


def _backend_and_index():
    handler = connections["default"]
    index = handler.get_unified_index().get_index(Article)
    return handler.get_backend(), index


def _try_lock(wait: float = _DRAIN_LOCK_WAIT_SECONDS) -> bool:
    deadline = time.monotonic() + wait
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


def drain_index_queue(*, max_articles: int | None = None, seconds: float | None = None,
                      lock_wait: float = _DRAIN_LOCK_WAIT_SECONDS, batch_size: int | None = None) -> int:
    """Index queued articles (or remove the deleted ones), oldest first; returns how many.

    Unbounded by default (``update_index``, ``drain_index``, ``check_index --fix``). With
    ``max_articles``/``seconds`` it stops once either is reached, between batches, and waits for
    locks no longer than the time left: what it leaves stays queued. A row is deleted only after
    its article's document is written, so an error (a locked index, a full disk, a read-only
    folder) raises with every unwritten row still queued.
    """
    started = time.monotonic()
    deadline = None if seconds is None else started + seconds
    if not _try_lock(lock_wait if deadline is None else min(lock_wait, seconds)):
        log.info("search index queue: another process is draining it; leaving the rows queued")
        return 0
    processed = 0
    backend, index = _backend_and_index()
    saved_timeout = backend.lock_timeout
    try:
        while True:
            batch = batch_size or (_BOUNDED_BATCH if seconds is not None else _BATCH)
            if max_articles is not None:
                batch = min(batch, max_articles - processed)
            if batch <= 0:
                return processed
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return processed
                backend.lock_timeout = max(0.1, left)
            rows = list(IndexQueueEntry.objects.order_by("pk").values_list("pk", "article_id")[:batch])
            if not rows:
                return processed
            ids = sorted({article_id for _, article_id in rows})
            articles = list(index.index_queryset().filter(pk__in=ids))
            present = {article.pk for article in articles}
            backend.apply(index, articles, removed=[f"articles.article.{pk}" for pk in ids if pk not in present])
            IndexQueueEntry.objects.filter(pk__lte=rows[-1][0], article_id__in=ids).delete()
            processed += len(ids)
    finally:
        backend.lock_timeout = saved_timeout
        _unlock()


def forget_queued_before(*, last_pk: int) -> int:
    """Drop queue rows up to ``last_pk`` of articles that still exist: a full reindex that started
    after them covered them. Rows of deleted articles stay, so their documents are removed."""
    covered = IndexQueueEntry.objects.filter(pk__lte=last_pk, article_id__in=Article.objects.values("pk"))
    return covered.delete()[0]


def last_queued_pk() -> int:
    return IndexQueueEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@dataclass
class QueueStatus:
    length: int
    oldest: dt.datetime | None


def queue_status() -> QueueStatus:
    oldest = IndexQueueEntry.objects.order_by("pk").values_list("queued_at", flat=True).first()
    return QueueStatus(length=IndexQueueEntry.objects.count(), oldest=oldest)


def drain_after_commit() -> None:
    """Drain after a commit, within ``SEARCH_DRAIN_MAX_ARTICLES`` and ``SEARCH_DRAIN_SECONDS``.

    Runs inside the request or command that saved the data, so it never raises: an index error
    is logged (with its traceback) and the rows stay queued for the next drain, ``drain_index``
    or ``update_index``. The saved data is already committed either way.
    """
    try:
        drained = drain_index_queue(max_articles=settings.SEARCH_DRAIN_MAX_ARTICLES,
                                    seconds=settings.SEARCH_DRAIN_SECONDS)
    except LockError:
        log.warning("search index locked by another writer; %s update(s) stay queued for "
                    "`manage.py drain_index`", _queued_count())
        return
    except Exception:
        log.error("search index update failed; %s update(s) stay queued for `manage.py drain_index`",
                  _queued_count(), exc_info=True)
        return
    if drained >= settings.SEARCH_DRAIN_MAX_ARTICLES:
        left = _queued_count()
        if left:
            log.info("search index: drained %d article(s); %s stay queued for `manage.py drain_index`",
                     drained, left)



def _queued_count() -> str:
    try:
        return str(IndexQueueEntry.objects.count())
    except Exception:  # the database itself may be what failed
        return "some"


def rebuild_index(*, workers: int | None = None, segment_size: int | None = None, merge: bool = True,
                  on_indexed: Callable[[int], None] | None = None,
                  on_merging: Callable[[int, int], None] | None = None) -> int:
    """Index every article into a new index beside the old one and swap it in when complete.

    The live index's write lock is held from before the database is read until the swap, so
    edits saved meanwhile stay queued (drains wait, then give up) and are indexed right after.
    Killed at any point before the swap, the old index still serves, whole.
    """
    backend, index = _backend_and_index()
    options = {"segment_size": segment_size} if segment_size else {}
    with backend.locked():
        queued_before = last_queued_pk()
        pks = list(index.build_queryset().order_by("pk").values_list("pk", flat=True))
        count = backend.rebuild_beside(index, pks=pks, workers=workers or os.cpu_count() or 1,
                                       merge=merge, on_indexed=on_indexed, on_merging=on_merging, **options)
    forget_queued_before(last_pk=queued_before)
    drain_index_queue()
    return count


def index_health() -> dict:
    """Whether a write can reach the index now, for /healthz."""
    backend, _ = _backend_and_index()
    try:
        writable, detail = backend.writable()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        writable, detail = False, f"{exc.__class__.__name__}: {exc}"
    return {"writable": writable, "detail": detail}


@dataclass
class IndexCheck:
    database_count: int
    index_count: int
    missing: list[int] = field(default_factory=list)  # in the database, not in the index
    extra: list[str] = field(default_factory=list)  # in the index, not in the database
    stale: list[int] = field(default_factory=list)  # the document differs from what would be written now
    queued: int = 0
    oldest_queued: dt.datetime | None = None
    outdated_layout: bool = False  # written by an older version of the archive: rebuild it
    # for the first stale articles: the fields whose indexed value differs, by article id
    differences: dict[int, list[str]] = field(default_factory=dict)

    @property
    def consistent(self) -> bool:
        return not (self.missing or self.extra or self.stale or self.queued or self.outdated_layout)


_EXPLAINED = 20


def check_index() -> IndexCheck:
    """Compare every article with its document: is it there, and does it hold what the
    SearchIndex would prepare from the article now?

    Each document stores a digest of all its prepared fields (backend.DIGEST), so a change to
    any of them (the date, the section, the contributors, the text, the newspaper, a field added
    later such as a page) that was never queued shows as stale, not only a changed stamp. For
    the first stale ones the fields that can be read back from the index are compared one by
    one to say which differ.
    """
    from .engine.backend import DIGEST, document_digest

    backend, index = _backend_and_index()
    indexed = backend.indexed_digests()
    status = queue_status()
    check = IndexCheck(database_count=0, index_count=len(indexed), queued=status.length,
                       oldest_queued=status.oldest, outdated_layout=getattr(backend, "layout_outdated", False))
    seen: set[str] = set()
    prepared: dict[str, dict] = {}
    last_pk = 0
    while True:
        batch = list(index.index_queryset().filter(pk__gt=last_pk).order_by("pk")[:2000])
        if not batch:
            break
        for article in batch:
            identifier = get_identifier(article)
            seen.add(identifier)
            if identifier not in indexed:
                check.missing.append(article.pk)
                continue
            document = backend.prepare_document(index, article)
            if indexed[identifier] != document_digest(document):
                check.stale.append(article.pk)
                if len(prepared) < _EXPLAINED:
                    prepared[identifier] = document
        check.database_count += len(batch)
        last_pk = batch[-1].pk
    check.extra = sorted(set(indexed) - seen)
    if prepared and not check.outdated_layout:
        held = backend.indexed_values(prepared)
        for identifier, document in prepared.items():
            stored = held.get(identifier, {})
            fields = sorted(name for name, value in stored.items()
                            if name in document and name != DIGEST and _normal(value) != _normal(document[name]))
            check.differences[int(identifier.rsplit(".", 1)[1])] = fields or ["text"]
    return check


def _normal(value) -> str:
    if isinstance(value, str) and "," in value:
        return ",".join(sorted(value.split(",")))
    return str(value)


def repair_index(check: IndexCheck) -> int:
    """Bring the index in step with what the check found; returns the documents fixed.

    An index of an older layout is rebuilt beside the old one and swapped in; many missing or
    stale articles are indexed by the backend's parallel build; the rest (and the extra
    documents) go through the queue, which is then drained whole.
    """
    backend, index = _backend_and_index()
    parallel = getattr(backend, "update_in_parallel", None)
    if check.outdated_layout and hasattr(backend, "rebuild_beside"):
        return rebuild_index()
    to_queue = check.missing + check.stale
    fixed = 0
    if len(to_queue) >= _PARALLEL_FROM and parallel is not None:
        fixed = parallel(index, pks=to_queue, workers=os.cpu_count() or 1)
        to_queue = []
    ids = to_queue + [int(identifier.rsplit(".", 1)[1]) for identifier in check.extra]
    with transaction.atomic():
        IndexQueueEntry.objects.bulk_create([IndexQueueEntry(article_id=pk) for pk in ids])
    drained = drain_index_queue()
    return fixed + max(len(ids), drained)

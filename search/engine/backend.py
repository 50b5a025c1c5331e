"""haystack's Whoosh backend, adapted to Chinese text and to an archive's edits.

What changes from the stock backend, and why:

* The schema: our jieba word analysis and character grams instead of the stemming analyser,
  no stored copies of the text (the database has it), sortable columns for dates and facets.
* Queries arrive as a ``SearchPlan`` (a parsed query plus filters, owned by no engine), so user
  text never passes through a query-string parser. The plan is evaluated column-wise over
  whole posting lists (columnar.py); Whoosh's own evaluation of the same plan
  (``compile_plan``) answers for an index written in another layout. Another engine's backend
  would take the same plan; the views do not change.
* Postings are written in packed blocks (codec.py) from a pool keyed by term, and a full
  build runs in one worker process per core, each writing whole segments.
* Writers wait for Whoosh's single-writer lock for a while instead of failing at once, and a
  lock that cannot be had raises, so the caller keeps the update queued rather than losing it.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import logging
import math
import io
import os
import pickle
import shutil
import time
import uuid
from array import array
from collections import defaultdict
from types import SimpleNamespace
from unittest import mock
from collections.abc import Callable, Iterable

import numpy as np
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from haystack import connections
from haystack.backends import BaseEngine
from haystack.backends.whoosh_backend import WhooshSearchBackend, WhooshSearchQuery
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.models import SearchResult
from haystack.utils import get_identifier
from haystack.utils import log as haystack_log
from whoosh import query as wq
from whoosh import sorting
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, KEYWORD, NUMERIC, STORED, Schema
from whoosh.fields import ID as WHOOSH_ID
from whoosh.filedb.filestore import FileStorage
from whoosh.index import _DEF_INDEX_NAME, TOC, EmptyIndexError, LockError
from whoosh.qparser import FuzzyTermPlugin, QueryParser
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from archive.processes import map_in_processes

from .. import analysis
from . import columnar
from .codec import ArchiveCodec
from .columnar import (
    BYLINE_GRAMS,
    GRAMS,
    HEADLINE_BOOST,
    HEADLINE_GRAMS,
    HEADLINE_WORDS,
    MULTI_VALUED_FACETS,
    NO_PK,
    PK_COLUMN,
    SECTION_GRAMS,
    WORD_BOOST,
    WORDS,
)
from ..query import Filters, SearchPlan, Term
from .pool import ArchiveSegmentWriter, TermPool
from .whoosh_analysis import CharGramTokenizer, JiebaWordTokenizer, PairsTEXT

log = logging.getLogger(__name__)
# haystack's facade over its logger (it honours HAYSTACK_LOGGING), made once rather than once a result
_HAYSTACK_LOG = haystack_log.getLogger("haystack")

LOCK_TIMEOUT_SECONDS = 10.0
# A stored digest of everything the document was made from (every prepared field): the check
# compares it with what the SearchIndex would prepare now, so any field (a page added later
# included) that changed without its article being queued shows up as stale.
DIGEST = "digest"
# A full rebuild writes a folder beside the index, named from the index's, and swaps it in.
REBUILD_SUFFIX = ".rebuild-"
BULK_BATCH = 200
# Edits and daily loads write small segments; they are merged a tier at a time (see merge_tiers),
# when MERGE_FACTOR segments of one tier (1-9 documents, 10-99, 100-999 ...) have gathered.
# Segments of BULK_SEGMENT_DOCS or more, as a full build writes them, are left alone.
MERGE_FACTOR = 10
BULK_SEGMENT_DOCS = 5000
# A full build's segments are then merged into runs of at most this many documents, one a worker.
BULK_MERGED_DOCS = 100_000

# What queries read from each segment's files (columns, field lengths, facets), by index folder
# and segment id, for the whole process. haystack gives every thread a backend of its own, and a
# threaded server (runserver starts a thread per connection) would otherwise read it all again
# for each; the arrays are never changed once made, so threads can share them.
_SEGMENT_MEMOS: dict[str, dict[str, dict]] = {}


def _literal(fieldname: str, text: str, boost: float = 1.0) -> wq.Query:
    grams = [gram for _, gram in analysis.grams(text, for_query=True)]
    if not grams:
        return wq.NullQuery
    if len(grams) == 1 and len(grams[0]) == 1:
        # one character: the bigrams it starts, or itself at the end of a line
        return wq.Prefix(fieldname, grams[0], boost=boost)
    if len(grams) == 1:
        return wq.Term(fieldname, grams[0], boost=boost)
    return wq.Phrase(fieldname, grams, boost=boost)


def _words(fieldname: str, text: str, boost: float = 1.0) -> wq.Query:
    words = analysis.query_words(text)
    if not words:
        return wq.NullQuery
    return wq.And([wq.Term(fieldname, word, boost=boost) for word in words])


def compile_term(term: Term) -> wq.Query:
    if term.field == "words":
        return wq.AndMaybe(_words(WORDS, term.text, WORD_BOOST), _words(HEADLINE_WORDS, term.text, HEADLINE_BOOST))
    if term.field == "byline":
        return _literal(BYLINE_GRAMS, term.text)
    if term.field == "section":
        return _literal(SECTION_GRAMS, term.text)
    if term.field == "headline":
        parts = [_literal(HEADLINE_GRAMS, term.text, HEADLINE_BOOST)]
        if not term.exact:
            parts.append(_words(HEADLINE_WORDS, term.text, HEADLINE_BOOST))
        return wq.Or(parts)
    matches = [_literal(GRAMS, term.text)]
    if not term.exact:
        matches.append(_words(WORDS, term.text, WORD_BOOST))
    # The document holds the headline, so a headline match is already a match: it only adds to
    # the score, and is looked at only for the documents that match anyway.
    return wq.AndMaybe(wq.Or(matches), _literal(HEADLINE_GRAMS, term.text, HEADLINE_BOOST))


def compile_plan(plan: SearchPlan) -> wq.Query:
    required = [wq.Or([compile_term(t) for t in clause.terms]) for clause in plan.query.required]
    excluded = [wq.Or([compile_term(t) for t in clause.terms]) for clause in plan.query.excluded]
    positive: wq.Query = wq.And(required) if required else wq.Every()
    if excluded:
        return wq.AndNot(positive, wq.Or(excluded))
    return positive


def compile_filters(filters: Filters) -> wq.Query | None:
    parts: list[wq.Query] = []
    start, end = columnar.day_range(filters)
    if start is not None or end is not None:
        parts.append(wq.NumericRange("day", start, end))
    parts.extend(wq.Term(name, value) for name, value in columnar.keyword_filters(filters).items())
    if not parts:
        return None
    return wq.And(parts)


def _sorting(sort_by: list[str] | None):
    if not sort_by:
        return None
    facets = [sorting.FieldFacet(name.lstrip("-"), reverse=name.startswith("-")) for name in sort_by]
    return facets[0] if len(facets) == 1 else sorting.MultiFacet(facets)


def full_tiers(segments) -> list[list]:
    """The tiers of small segments due for a merge (see merge_tiers), each a list of segments."""
    tiers = defaultdict(list)
    for segment in segments:
        live = segment.doc_count()
        if live and segment.doc_count_all() < BULK_SEGMENT_DOCS:
            tiers[int(math.log10(live))].append(segment)
    return [members for members in tiers.values() if len(members) >= MERGE_FACTOR]


def merge_tiers(writer, segments):
    """Merge policy for edits and daily loads: a tier of small segments at a time.

    Whoosh's MERGE_SMALL sizes "small" against the whole index, so in an archive of bulk-built
    segments one edit would rewrite most of the index. Merging every small segment at every
    commit instead re-reads the day before's postings each day (most of a day's indexing time).
    Here a segment's tier is the order of magnitude of its live documents; once MERGE_FACTOR
    segments share a tier, they are merged into one, a tier up. Each document is rewritten
    once a tier (a few times in all), and a query visits fewer than MERGE_FACTOR segments a
    tier. Emptied segments are dropped.
    """
    merged = set()
    for members in full_tiers(segments):
        for segment in members:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
            merged.add(segment.segment_id())
    return [segment for segment in segments if segment.doc_count() and segment.segment_id() not in merged]


def keep_live_segments(writer, segments):
    """Merge policy of a commit that makes new documents searchable: merge nothing, drop the
    segments its deletions emptied (a tier's merge follows as a commit of its own)."""
    return [segment for segment in segments if segment.doc_count()]


def _open_writer(ix, *, lock: bool, timeout: float | None = None, deflated: bool = True) -> SegmentWriter:
    """A writer of the index; with ``deflated`` false, its segment's postings are written as they
    are (zlib level 0), for a segment that is to be merged at once (the merge deflates them)."""
    codec = ArchiveCodec() if deflated else ArchiveCodec(compression=0)
    if lock:
        timeout = LOCK_TIMEOUT_SECONDS if timeout is None else timeout
        writer = ArchiveSegmentWriter(ix, timeout=timeout, delay=0.05, codec=codec)
    else:  # a worker of a parallel build, whose parent holds the lock
        writer = ArchiveSegmentWriter(ix, _lk=False, codec=codec)
    writer.pool = TermPool()
    return writer


def _worker_backend(alias: str, path: str) -> ArchiveWhooshBackend:
    """In a worker process: the backend of the index folder being written (the configured one,
    or the folder a rebuild writes beside it)."""
    backend = connections[alias].get_backend()
    if backend.path != path:
        backend = type(backend)(alias, **{**connections.connections_info[alias], "PATH": path})
    if not backend.setup_complete:  # haystack's connections are per thread, and so new in a worker
        backend.setup()
    return backend


def _index_run(task: tuple[int, str, str, list[int], str, bool]) -> tuple[int, object, int]:
    """In a worker process: write the objects with these primary keys as one new segment, its
    postings deflated or not (not when it is to be merged).

    The segment is not yet part of the index; the parent, which holds the index's lock for the
    whole build, adds it when every worker is done.
    """
    number, alias, model_label, pks, path, deflated = task
    backend = _worker_backend(alias, path)
    index = connections[alias].get_unified_index().get_index(apps.get_model(model_label))
    objects = index.build_queryset(using=alias).filter(pk__in=pks).order_by("pk")
    writer = _open_writer(backend.index.refresh(), lock=False, deflated=deflated)
    count = 0
    for document in backend.documents(index, objects.iterator(chunk_size=500)):
        writer.add_document(**_fitted(document, writer.schema))
        count += 1
    return number, writer._finalize_segment(), count


def merge_runs(segments: list, *, workers: int) -> list[list]:
    """A full build's segments (in document order) as consecutive runs, each to be merged into
    one segment: one run a worker, so that every core merges, and more where a run would hold
    more than BULK_MERGED_DOCS documents (a merge holds the run's per-document columns and a
    term's postings from each segment), which no run passes unless one segment alone does."""
    total = sum(segment.doc_count_all() for segment in segments)
    if not total:  # (articles deleted while the build read them) nothing to merge
        return [[segment] for segment in segments]
    count = max(1, min(len(segments), max(workers, math.ceil(total / BULK_MERGED_DOCS))))
    share = total / count
    runs: list[list] = []
    target = held = before = 0
    for segment in segments:
        size = segment.doc_count_all()
        wanted = min(count - 1, int((before + size / 2) // share))  # the run its middle falls in
        if not runs or wanted > target or held + size > BULK_MERGED_DOCS:
            runs.append([])
            target, held = max(wanted, target), 0
        runs[-1].append(segment)
        held += size
        before += size
    return runs


def _merge_run(task: tuple[int, str, str, list]) -> tuple[int, object]:
    """In a worker process: merge a run of a build's new segments into one new segment (not yet
    part of the index, like _index_run's), read a term at a time (pool.TermPool.add_segment)."""
    number, alias, path, segments = task
    backend = _worker_backend(alias, path)
    writer = _open_writer(backend.index.refresh(), lock=False)
    try:
        for segment in segments:
            with SegmentReader(writer.storage, writer.schema, segment) as reader:
                writer.add_reader(reader)
        return number, writer._finalize_segment()
    finally:  # the readers the pool opened, closed even when the merge fails (in this process
        writer.pool.cleanup()  # when the build runs without workers)


def _abandon(writer) -> None:
    """Give up a writer whose work failed (a full disk, say): its lock must not outlive it, or
    every later write in this process would wait for it in vain."""
    try:
        writer.cancel()
    except Exception:  # the failure may have left it half closed; the lock is what matters
        lock = getattr(writer, "writelock", None)
        if lock is not None:
            try:
                lock.release()
            except Exception:
                pass


def _commit(writer, **options) -> None:
    try:
        writer.commit(**options)
    except BaseException:
        _abandon(writer)
        raise


def _exchange(first: str, second: str) -> None:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE): at every moment each name
    holds a complete index. Where the call is missing, two renames leave a moment without one."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        at_fdcwd, rename_exchange = -100, 2
        if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL):
            raise OSError(code, os.strerror(code), first)
    aside = f"{second}.old-{uuid.uuid4().hex[:8]}"
    os.rename(second, aside)
    os.rename(first, second)
    os.rename(aside, first)


def document_digest(document: dict) -> str:
    """The digest of a prepared document (as written: after ``_from_python``)."""
    parts = [f"{key}={document[key]!r}" for key in sorted(document) if key not in (ID, DJANGO_CT, DJANGO_ID, DIGEST)]
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


# Whoosh pickles the codec's segment class and the analysers into an index's table of contents.
# Until 2026-11 the engine's modules sat directly in search/; an index written then names them
# there. Its table of contents is read once with the names moved and written again as the next
# generation (the segment files are not touched).
_MOVED_MODULES = {"search.codec": "search.engine.codec", "search.whoosh_analysis": "search.engine.whoosh_analysis"}


class _MovedNamesUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        return super().find_class(_MOVED_MODULES.get(module, module), name)


def _rewrite_toc_with_moved_names(storage, indexname: str) -> None:
    import whoosh.filedb.structfile as structfile
    import whoosh.index as whoosh_index

    mapped = SimpleNamespace(loads=lambda data: _MovedNamesUnpickler(io.BytesIO(data)).load(),
                             dumps=pickle.dumps, PicklingError=pickle.PicklingError)
    lock = storage.lock(f"{indexname}_WRITELOCK")
    deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
    while not lock.acquire(blocking=False):
        if time.monotonic() > deadline:
            raise LockError("the search index is locked by another writer")
        time.sleep(0.05)
    try:
        with mock.patch.object(whoosh_index, "pickle", mapped), \
                mock.patch.object(structfile, "load_pickle", lambda file: _MovedNamesUnpickler(file).load()):
            toc = TOC.read(storage, indexname)
        TOC(toc.schema, toc.segments, toc.generation + 1).write(storage, indexname)
    finally:
        lock.release()
    log.warning("search index: table of contents rewritten with the engine's modules under search.engine")


def _layout(schema) -> dict[str, tuple[str, str]]:
    """What must match for an index to be read as this version writes it. The primary-key column
    is left out: an index written before it is read as it is, its documents' ids coming from
    their stored fields until they are written again."""
    return {name: (type(field).__name__, type(field.format).__name__) for name, field in schema.items()
            if name != PK_COLUMN}


def _column_pk(identifier) -> int | None:
    """A document identifier the primary-key column can hold and give back as it was written (ASCII
    digits without a leading zero, at most 18 of them: within int64), else None."""
    if (isinstance(identifier, str) and identifier.isascii() and identifier.isdigit() and len(identifier) <= 18
            and str(int(identifier)) == identifier):
        return int(identifier)
    return None


def _fitted(document: dict, schema) -> dict:
    """The document as a writer of this schema takes it: an index of an older layout, written with
    its own schema until it is rebuilt, has no primary-key column."""
    if PK_COLUMN in document and PK_COLUMN not in schema:
        return {name: value for name, value in document.items() if name != PK_COLUMN}
    return document


class ArchiveSearchResult(SearchResult):
    """haystack's result, without asking ``logging`` for its logger once per result, and made
    with its attributes in one dictionary (haystack's ``__init__`` cost more than a rare word's
    postings for a page of 20).

    The attributes haystack sets to None in every result are the class's: a result made here
    holds only its own (haystack's ``__getattr__`` answers None for any other name, so reading
    them gives the same; setting one, as ``object`` and ``model`` do when loaded, sets the
    result's own)."""

    _object = _model = _verbose_name = _point_of_origin = _distance = stored_fields = None

    def __init__(self, app_label, model_name, pk, score, **kwargs):
        if kwargs:  # extra fields, distances: haystack's own way
            super().__init__(app_label, model_name, pk, score, **kwargs)
            return
        self.__dict__ = _own_attributes([(app_label, model_name)], [(0, pk, score)])[0]

    @classmethod
    def page(cls, models: list[tuple[str, str]], rows: list[tuple[int, str, float]]) -> list[ArchiveSearchResult]:
        """A result for each (model number, primary key, score) of ``rows``, the number indexing
        ``models``' (app label, model name): what ``cls(app_label, model_name, pk, score)`` makes,
        without a call a result (a page of 20 took a quarter of a rare word's search)."""
        results = [_new_object(cls) for _ in range(len(rows))]
        for result, attributes in zip(results, _own_attributes(models, rows)):
            result.__dict__ = attributes
        return results

    def _get_log(self):
        return _HAYSTACK_LOG


def _own_attributes(models: list[tuple[str, str]], rows: list[tuple[int, str, float]]) -> list[dict]:
    # haystack's log stays among a result's own attributes: its __getstate__ deletes it from them
    return [{"app_label": models[label][0], "model_name": models[label][1], "pk": pk, "score": score,
             "_additional_fields": [], "log": _HAYSTACK_LOG} for label, pk, score in rows]


_new_object = object.__new__


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run_tasks(function: Callable, tasks: list, workers: int):
    """The results of _index_run or _merge_run for each task, from worker processes when they can
    help (forking costs more than one segment's work)."""
    yield from map_in_processes(function, tasks, workers=min(workers, len(tasks)), ordered=False)


class ArchiveWhooshBackend(WhooshSearchBackend):
    on_indexed = None  # a callable told how many documents each update wrote (progress displays)
    # True when the index on disk was written with another schema or posting format (an older
    # version of the archive): it is then read with its own schema, by Whoosh, until rebuilt.
    layout_outdated = False

    lock_timeout: float | None = None  # None: LOCK_TIMEOUT_SECONDS; a bounded drain sets less

    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        # HAYSTACK_CONNECTIONS' DECODE_THREADS, else settings.SEARCH_DECODE_THREADS: what a
        # query's long posting lists are decoded on
        threads = connection_options.get("DECODE_THREADS", getattr(settings, "SEARCH_DECODE_THREADS", 1))
        if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
            raise ImproperlyConfigured(f"HAYSTACK_CONNECTIONS[{connection_alias!r}]['DECODE_THREADS'] = {threads!r}: "
                                       "not a number of threads (1 or more)")
        self.decode_threads = threads

    def setup(self):
        """haystack's setup, except that an index folder this process cannot write is still
        opened for reading: searches go on while the index is read-only (or its disk full), and
        writes fail, are logged and stay queued (search/services.py)."""
        self.layout_outdated = False
        new_index = False
        if not os.path.exists(self.path):
            try:
                os.makedirs(self.path)
            except OSError as exc:
                raise OSError(f"cannot create the search index folder {self.path}: {exc.strerror}") from exc
            new_index = True
        self.storage = FileStorage(self.path)
        self.content_field_name, self.schema = self.build_schema(
            connections[self.connection_alias].get_unified_index().all_searchfields())
        self.parser = QueryParser(self.content_field_name, schema=self.schema)
        self.parser.add_plugins([FuzzyTermPlugin])
        if new_index:
            self.index = self.storage.create_index(self.schema)
        else:
            try:
                self.index = self.storage.open_index(schema=self.schema)
            except EmptyIndexError:
                self.index = self.storage.create_index(self.schema)
            except ModuleNotFoundError as exc:
                if exc.name not in _MOVED_MODULES:
                    raise
                _rewrite_toc_with_moved_names(self.storage, _DEF_INDEX_NAME)
                self.index = self.storage.open_index(schema=self.schema)
        self.setup_complete = True
        if self.index.is_empty() and not self.index.latest_generation():
            return
        stored = TOC.read(self.storage, self.index.indexname).schema  # the index's own, not the one passed in
        self.layout_outdated = _layout(stored) != _layout(self.schema)
        if self.layout_outdated:
            log.warning("search index at %s was built by an older version; run `manage.py check_index --fix`",
                        self.path)
            self.index = self.storage.open_index(schema=stored)

    def build_schema(self, fields):
        content_field_name = next((f.index_fieldname for f in fields.values() if f.document), "")
        schema_fields = {
            ID: WHOOSH_ID(stored=True, unique=True),
            DJANGO_CT: WHOOSH_ID(stored=True),
            DJANGO_ID: WHOOSH_ID(stored=True),
            DIGEST: STORED(),
            PK_COLUMN: COLUMN(NumericColumn("q", default=NO_PK)),
        }
        for field in fields.values():
            name = field.index_fieldname
            kind = getattr(field, "whoosh_kind", None)
            if kind == "words":
                schema_fields[name] = PairsTEXT(JiebaWordTokenizer(), positions=False)
            elif kind == "grams":
                schema_fields[name] = PairsTEXT(CharGramTokenizer())
            elif kind == "facet":
                schema_fields[name] = KEYWORD(
                    stored=False, commas=True, scorable=False, sortable=not field.is_multivalued
                )
            elif kind == "sort":
                schema_fields[name] = NUMERIC(int, bits=32, stored=False, sortable=True, signed=False)
            elif kind == "stored":
                schema_fields[name] = STORED()
            else:
                raise ValueError(f"search field {name!r} has no whoosh_kind")
        return content_field_name, Schema(**schema_fields)

    def _writer(self) -> SegmentWriter:
        """A writer holding the index's lock, with the schema of the index as it is on disk: an
        index of an older layout may have been rebuilt by another process since this one opened
        it, and a writer of the old schema would write it back into the new index's table of
        contents."""
        if not self.setup_complete or self.layout_outdated:
            self.setup()
        self.index = self.index.refresh()
        writer = _open_writer(self.index, lock=True, timeout=self.lock_timeout)
        if self.layout_outdated:  # else the writer's schema is this version's own
            on_disk = TOC.read(self.storage, self.index.indexname).schema  # under the lock: as it stays
            if _layout(on_disk) != _layout(writer.schema):
                _abandon(writer)
                self.reset()
                raise LockError("the search index was rebuilt in another layout while this process wrote to it; "
                                "the write stays queued and is retried")
        return writer

    def documents(self, index, objects: Iterable) -> Iterable[dict]:
        for obj in objects:
            document = self.prepare_document(index, obj)
            document[DIGEST] = document_digest(document)
            pk = _column_pk(document.get(DJANGO_ID))  # after the digest, which covers the id already
            if pk is not None:
                document[PK_COLUMN] = pk
            yield document

    def prepare_document(self, index, obj) -> dict:
        """The document as it would be written now, without its digest."""
        document = index.full_prepare(obj)
        document.pop("boost", None)
        return {key: self._from_python(value) for key, value in document.items()}

    def update(self, index, iterable, commit=True):
        self.apply(index, iterable, commit=commit)

    def apply(self, index, objects: Iterable, *, removed: Iterable[str] = (), commit: bool = True) -> None:
        """Write these objects' documents and delete the ``removed`` identifiers, in one commit.

        A drain both re-indexes and removes (a continuation linked to its start loses its own
        document); two commits wrote and merged the same small segment twice."""
        documents = list(self.documents(index, objects)) if index is not None else []
        removed = list(removed)
        if not documents and not removed:
            return
        writer = self._writer()  # LockError propagates: the caller keeps the work queued
        try:
            # Whoosh's update_document opens a new searcher for each document to delete its old
            # version; one searcher for the whole batch is what makes bulk indexing affordable.
            self._delete(writer, [doc[ID] for doc in documents] + removed)
            for doc in documents:
                writer.add_document(**_fitted(doc, writer.schema))
        except BaseException:
            _abandon(writer)
            raise
        if not commit:  # update_index --nocommit: analyse everything, keep nothing
            writer.cancel()
            return
        # The new documents are searchable as soon as this commit is: it merges nothing. A bulk
        # batch stays a segment of its own (merging it into the earlier ones would rewrite their
        # postings at every batch); after a smaller commit, a full tier is merged on its own.
        _commit(writer, mergetype=keep_live_segments, merge=False)
        if documents and self.on_indexed is not None:
            self.on_indexed(len(documents))
        if len(documents) < BULK_BATCH:
            self.merge_full_tiers()

    def optimize(self) -> None:
        """Merge every segment into one."""
        writer = self._writer()
        _commit(writer, optimize=True)

    def merge_full_tiers(self) -> bool:
        """Merge the tiers of small segments that are full (merge_tiers); True if one was. The
        index lock busy means another writer is at work: its own commit will merge."""
        self.index = self.index.refresh()
        if not full_tiers(self.index._segments()):
            return False
        try:
            writer = self._writer()
        except LockError:
            return False
        _commit(writer, mergetype=merge_tiers, merge=False)
        return True

    def update_in_parallel(self, index, *, pks: list[int], workers: int, segment_size: int = BULK_SEGMENT_DOCS,
                           merge: bool = True, on_indexed: Callable[[int], None] | None = None,
                           on_merging: Callable[[int, int], None] | None = None) -> int:
        """Index the index's objects with these primary keys in ``workers`` processes; returns how
        many were indexed.

        Each worker writes whole segments of ``segment_size`` objects (consecutive keys); then,
        unless ``merge`` is false, the workers merge them into a few (``_merged``: one a worker,
        of at most BULK_MERGED_DOCS documents; ``on_merging`` is told how many into how many
        first). This process holds the index's lock from start to end, so no other writer can
        commit meanwhile (and in doing so delete the workers' segment files, which are not yet in
        the index); edits made during the build stay queued and are indexed after it. The old
        versions of the documents are deleted and the new segments added in one commit: a build
        that fails leaves the index as it was.
        """
        pks = sorted(pks)
        if not pks:
            return 0
        writer = self._writer()
        try:
            model = index.get_model()
            runs = [pks[i:i + segment_size] for i in range(0, len(pks), segment_size)]
            # segments that will be merged are written without deflating their postings: the
            # merge deflates what it writes, and reads them without inflating (together a fifth
            # of a 150k build's CPU); every segment then goes through a merge (_merged)
            merged = merge and len(runs) > workers
            tasks = [(number, self.connection_alias, model._meta.label, run, self.path, not merged)
                     for number, run in enumerate(runs)]
            segments, count = {}, 0
            for number, segment, indexed in _run_tasks(_index_run, tasks, workers):
                segments[number] = segment
                count += indexed
                if on_indexed is not None:
                    on_indexed(indexed)
            new = [segments[number] for number in sorted(segments)]
            if merged:
                new = self._merged(new, workers=workers, on_merging=on_merging)
            self._delete(writer, [f"{model._meta.app_label}.{model._meta.model_name}.{pk}" for pk in pks])
            kept = [s for s in writer.segments if s.deleted_count() < s.doc_count_all()]
            writer._close_segment()  # this process added no documents of its own
            writer._commit_toc(kept + new)
        except BaseException:
            _abandon(writer)
            raise
        writer._finish()
        return count

    def _merged(self, segments: list, *, workers: int, on_merging: Callable[[int, int], None] | None = None) -> list:
        """A build's new segments, written without deflating, merged into a few (merge_runs), in
        worker processes; a run of one segment is written again alone, deflated.

        A query looks up each term in every segment and reads a piece of its list from each: at
        150k articles, thirty segments of 5,000 made a rare word's query mostly look-ups and
        inflating short pieces. Merged, they are read once. The segments merged away are not in
        the index; the commit that adds the merged ones deletes their files."""
        runs = merge_runs(segments, workers=workers)
        tasks = [(number, self.connection_alias, self.path, run) for number, run in enumerate(runs)
                 if any(segment.doc_count_all() for segment in run)]
        if tasks and on_merging is not None:
            on_merging(len(segments), len(runs))
        merged = dict(_run_tasks(_merge_run, tasks, workers))
        return [merged.get(number, run[0]) for number, run in enumerate(runs)]

    def rebuild_beside(self, index, *, pks: list[int], workers: int, segment_size: int = BULK_SEGMENT_DOCS,
                       merge: bool = True, on_indexed: Callable[[int], None] | None = None,
                       on_merging: Callable[[int, int], None] | None = None) -> int:
        """Build a whole new index of these objects in a folder beside this one, then swap it in.

        Until the swap the old index serves every search unchanged; a build that fails or is
        killed (even with SIGKILL) leaves it so, and only a stray ``<index>.rebuild-<pid>-…``
        folder, removed by the next rebuild. The swap exchanges the two folders in one rename,
        so a reader sees the old index or the new one, never none; searchers open in other
        processes notice the new table of contents at their next query (``_version``). The
        caller keeps other writers out for the duration (search/services.py holds the drain lock).
        """
        self.remove_stray_builds()
        parent, name = os.path.split(os.path.abspath(self.path))
        building = os.path.join(parent, f"{name}{REBUILD_SUFFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            fresh = type(self)(self.connection_alias, **{**self._options(), "PATH": building})
            fresh.setup()
            count = fresh.update_in_parallel(index, pks=pks, workers=workers, segment_size=segment_size,
                                             merge=merge, on_indexed=on_indexed, on_merging=on_merging)
            fresh.index = fresh.index.refresh()
            if not os.path.exists(self.path):
                os.rename(building, self.path)
            else:
                _exchange(building, self.path)
        finally:
            shutil.rmtree(building, ignore_errors=True)  # the old index, or a failed build
        self.reset()
        return count

    @contextlib.contextmanager
    def locked(self, timeout: float | None = None):
        """Hold this index's write lock (Whoosh's) for a while: writers wait, then leave their
        work queued. A rebuild holds it from before it reads the database until the swap."""
        if not self.setup_complete:
            self.setup()
        lock = self.storage.lock(f"{self.index.indexname}_WRITELOCK")
        deadline = time.monotonic() + (LOCK_TIMEOUT_SECONDS if timeout is None else timeout)
        while not lock.acquire(blocking=False):
            if time.monotonic() > deadline:
                raise LockError("the search index is locked by another writer")
            time.sleep(0.05)
        try:
            yield
        finally:
            lock.release()

    def _options(self) -> dict:
        return dict(connections.connections_info[self.connection_alias])

    def remove_stray_builds(self) -> list[str]:
        """Remove the folders of rebuilds whose process is gone (killed before the swap)."""
        parent, name = os.path.split(os.path.abspath(self.path))
        removed = []
        try:
            entries = os.listdir(parent)
        except OSError:
            return removed
        for entry in entries:
            if not entry.startswith(name + REBUILD_SUFFIX):
                continue
            pid = entry[len(name + REBUILD_SUFFIX):].split("-", 1)[0]
            if pid.isdigit() and _pid_alive(int(pid)) and int(pid) != os.getpid():
                continue
            shutil.rmtree(os.path.join(parent, entry), ignore_errors=True)
            removed.append(entry)
        if removed:
            log.warning("removed %d unfinished index build(s) beside %s: %s", len(removed), self.path,
                        ", ".join(removed))
        return removed

    def reset(self) -> None:
        """Forget the open index and searcher: the next use opens what the folder holds now."""
        self._forget_searcher()
        self.setup_complete = False

    def _forget_searcher(self) -> None:
        """Close the searcher kept between queries and forget the version it was opened on."""
        if self._cached_searcher is not None:
            try:
                self._cached_searcher.close()
            except Exception:
                pass
        self._cached_searcher, self._cached_view, self._cached_version = None, None, None
        self._seen_version = self._seen_paths = None
        self._let_go_of_toc()

    def writable(self) -> tuple[bool, str]:
        """Can a write reach the index now? A probe file is written, flushed and removed (which
        a read-only folder or a full disk refuses), and Whoosh's lock is tried without waiting."""
        probe = os.path.join(self.path, f".probe-{os.getpid()}-{uuid.uuid4().hex[:6]}")
        try:
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, b"\0" * 4096)
                os.fsync(fd)
            finally:
                os.close(fd)
                os.unlink(probe)
        except OSError as exc:
            return False, f"{exc.strerror or exc.__class__.__name__} ({self.path})"
        if not self.setup_complete:
            self.setup()
        lock = self.storage.lock(f"{self.index.indexname}_WRITELOCK")
        try:
            if not lock.acquire(blocking=False):
                return True, "locked by a writer"
            lock.release()
        except OSError as exc:
            return False, f"{exc.strerror or exc.__class__.__name__} ({self.path})"
        return True, "ok"

    @staticmethod
    def _delete(writer, identifiers: list[str]) -> None:
        searcher = writer.searcher()
        try:
            for identifier in identifiers:
                writer.delete_by_term(ID, identifier, searcher=searcher)
        finally:
            searcher.close()

    def remove(self, obj_or_string, commit=True):
        self.remove_many([get_identifier(obj_or_string)])

    def remove_many(self, identifiers: list[str]) -> None:
        self.apply(None, (), removed=identifiers)

    def search(self, query_string, sort_by=None, start_offset=0, end_offset=None, facets=None, **kwargs):
        if not isinstance(query_string, SearchPlan):
            return super().search(query_string, sort_by=sort_by, start_offset=start_offset,
                                  end_offset=end_offset, facets=facets, **kwargs)
        if not self.setup_complete:
            self.setup()
        searcher, view = self._searcher_and_view()
        if view is None:
            return self._search_with_whoosh(searcher, query_string, sort_by, start_offset, end_offset, facets)
        matches = columnar.evaluate_plan(view, query_string)
        ordered = columnar.order(view, matches, sort_by, limit=end_offset)
        page = ordered[start_offset:end_offset]
        scores = matches.scores[np.searchsorted(matches.docs, page)]
        labels, label_of = view.facet(DJANGO_CT)
        models = [tuple(label.split(".")) for label in labels]
        page_labels, page_pks = label_of[page].tolist(), view.primary_keys()[page].tolist()
        # haystack's ids are strings, as Whoosh stored them
        rows = list(zip(page_labels, map(str, page_pks), scores.tolist(), strict=True))
        if NO_PK in page_pks or (page_labels and min(page_labels) < 0):
            results = self._results_from_stored(view, page, page_pks, rows, models)
        else:
            results = ArchiveSearchResult.page(models, rows)
        answer = {"results": results, "hits": len(matches.docs), "spelling_suggestion": None}
        if facets:
            answer["facets"] = {"fields": columnar.facet_counts(view, matches, facets), "dates": {}, "queries": {}}
        return answer

    @staticmethod
    def _results_from_stored(view, page: np.ndarray, pks: list[int], rows: list, models: list[tuple[str, str]]) -> list:
        """The page's results where some were written before the primary-key and model columns:
        those documents' stored fields name them."""
        results = []
        for docnum, column_pk, (label, pk, score) in zip(page.tolist(), pks, rows, strict=True):
            if column_pk == NO_PK or label < 0:
                segment, local = columnar.locate(view, docnum)
                stored = segment.reader.stored_fields(local)
                app_label, model_name = stored[DJANGO_CT].split(".")
                results.append(ArchiveSearchResult(app_label, model_name, stored[DJANGO_ID], score))
            else:
                results.extend(ArchiveSearchResult.page(models, [(label, pk, score)]))
        return results

    def _search_with_whoosh(self, searcher, plan, sort_by, start_offset, end_offset, facets):
        """Whoosh's own evaluation of a plan: for segments our codec did not write."""
        page_num, page_length = self.calculate_page(start_offset, end_offset)
        group_by = [
            sorting.FieldFacet(name, allow_overlap=name in MULTI_VALUED_FACETS, maptype=sorting.Count)
            for name in facets or ()
        ]
        raw_page = searcher.search_page(
            compile_plan(plan),
            page_num,
            pagelen=page_length,
            filter=compile_filters(plan.filters),
            sortedby=_sorting(sort_by),
            groupedby=group_by or None,
        )
        results = self._process_results(raw_page, facet_types=dict.fromkeys(facets or (), "fields"))
        if raw_page.pagenum < page_num:  # Whoosh answers a page past the end with the last page
            results["results"] = []
        return results

    _cached_searcher = None
    _cached_view = None
    _cached_version = None
    _seen_version = None  # what _version read last
    _seen_paths = None  # (generation, its table of contents' path, the next one's)
    _held_toc = None  # that version's table of contents, open (_read_version)

    def _version(self) -> tuple[int, int, int]:
        """The index's version, read again only when it may have changed. Whoosh numbers its
        tables of contents one after another (a commit, under the write lock, writes the next),
        so while the path of the version's own table of contents still names the same file and
        the next one is absent, the index is the version last read: two ``stat`` calls, where
        listing the folder to find the latest generation cost 40 µs a query at 150,000 articles,
        more than a rare word's postings. A rebuild swapped in, or an index cleared and begun
        again, no longer holds that file. No file's time is compared, so a file system's coarse
        timestamps (whole seconds on some) cannot hide a commit."""
        seen, paths = self._seen_version, self._seen_paths
        if seen is not None:
            generation, device, inode = seen
            if paths is None or paths[0] != generation:
                paths = self._seen_paths = (generation, self._toc_path(generation), self._toc_path(generation + 1))
            try:
                info = os.stat(paths[1])
                unchanged = (info.st_dev, info.st_ino) == (device, inode)
            except OSError:
                unchanged = False
            if unchanged and not os.path.exists(paths[2]):
                return seen
        self._seen_version = self._read_version()
        return self._seen_version

    def _toc_path(self, generation: int) -> str:
        return os.path.join(self.path, f"_{self.index.indexname}_{generation}.toc")

    def _read_version(self) -> tuple[int, int, int]:
        """The index's generation and its table of contents' identity (device and inode). The
        file is held open until the next version is read, so that no other file can be given its
        inode number meanwhile: an index cleared and begun again reaches the same generation, and
        a file system may hand a freed inode out again at once (ext4 does)."""
        self._let_go_of_toc()
        generation = self.index.latest_generation()
        try:
            held = open(self._toc_path(generation), "rb")
        except OSError:
            return generation, 0, 0
        self._held_toc = held
        info = os.fstat(held.fileno())
        return generation, info.st_dev, info.st_ino

    def _let_go_of_toc(self) -> None:
        held, self._held_toc = self._held_toc, None
        if held is not None:
            held.close()

    def _searcher_and_view(self):
        """A searcher kept open between queries (opening the index's files costs more than many a
        query), replaced when any process has written to the index since; with its columnar view,
        or None when a segment was written by another codec."""
        version = self._version()
        if self._cached_searcher is None or version != self._cached_version:
            if self._cached_searcher is not None:
                self._cached_searcher.close()
            self._cached_searcher, self._cached_view, self._cached_version = None, None, None
            if self.layout_outdated:  # opened with the old index's own schema: the new one may be rebuilt
                self.setup()
            self.index = self.index.refresh()
            searcher = self.index.searcher()
            try:
                view = columnar.IndexView(searcher, _SEGMENT_MEMOS.setdefault(self.path, {}),
                                          threads=self.decode_threads)
            except columnar.NotColumnar:
                view = None
            except BaseException:
                searcher.close()
                raise
            # all three together: a view that failed to open must not leave the last one in place
            self._cached_searcher, self._cached_view, self._cached_version = searcher, view, version
        return self._cached_searcher, self._cached_view

    def _searcher(self):
        return self._searcher_and_view()[0]

    def warm_up(self, *, facets: Iterable[str], columns: Iterable[str]) -> None:
        """Open the index and read what every query shares, before any reader asks."""
        if not self.setup_complete:
            self.setup()
        _, view = self._searcher_and_view()
        if view is not None:
            view.warm(facets=[*facets, DJANGO_CT], columns=columns)  # DJANGO_CT: each result's model

    def clear(self, models=None, commit=True):
        self._forget_searcher()
        super().clear(models=models, commit=commit)

    def indexed_ids(self) -> dict[str, str]:
        """Every document's identifier with its stored ``updated`` stamp."""
        if not self.setup_complete:
            self.setup()
        self.index = self.index.refresh()
        with self.index.searcher() as searcher:
            return {fields[ID]: fields.get("updated", "") for fields in searcher.all_stored_fields()}

    def indexed_digests(self) -> dict[str, str]:
        """Every document's identifier with its stored digest ("" for a document without one)."""
        if not self.setup_complete:
            self.setup()
        self.index = self.index.refresh()
        with self.index.searcher() as searcher:
            return {fields[ID]: fields.get(DIGEST, "") for fields in searcher.all_stored_fields()}

    def indexed_values(self, identifiers: Iterable[str]) -> dict[str, dict[str, object]]:
        """What the index holds for these documents in the fields that can be read back: stored
        fields, sortable columns and keyword terms (facets), by field name. Text fields keep no
        copy; the digest covers them."""
        if not self.setup_complete:
            self.setup()
        self.index = self.index.refresh()
        wanted = list(identifiers)
        values: dict[str, dict[str, object]] = {}
        with self.index.searcher() as searcher:
            reader = searcher.reader()
            docnums = {}
            for identifier in wanted:
                docnum = searcher.document_number(**{ID: identifier})
                if docnum is not None:
                    docnums[docnum] = identifier
                    values[identifier] = {k: v for k, v in searcher.stored_fields(docnum).items()}
            schema = self.index.schema
            for name, field in schema.items():
                if name in (ID, DJANGO_CT, DJANGO_ID):
                    continue
                if isinstance(field, NUMERIC) and reader.has_column(name):
                    column = reader.column_reader(name, translate=True)
                    for docnum, identifier in docnums.items():
                        values[identifier][name] = column[docnum]
                elif isinstance(field, KEYWORD):
                    found: dict[int, list[str]] = {}
                    for term in reader.field_terms(name):
                        for docnum in reader.postings(name, term).all_ids():
                            if docnum in docnums:
                                found.setdefault(docnum, []).append(term if isinstance(term, str) else term.decode())
                    for docnum, identifier in docnums.items():
                        values[identifier][name] = ",".join(sorted(found.get(docnum, [])))
        return values


class ArchiveWhooshEngine(BaseEngine):
    backend = ArchiveWhooshBackend
    query = WhooshSearchQuery

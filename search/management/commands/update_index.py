"""haystack's update_index, indexing with every core, with a progress display and the edit
queue drained at the end.

A run over everything (no --age, --minutes, --start or --end) goes to the backend's
``update_in_parallel``: ``--workers`` processes (0, the default, means one per core) each write
whole segments of ``--batch-size`` articles, then merge them into one a worker (unless
``--keep-segments``). Dated runs, and engines without that method, take
haystack's own path. ``rebuild_index`` calls this command too, so both show progress.
"""
from __future__ import annotations

import os
import sys

from haystack import connections
from haystack.exceptions import NotHandled
from haystack.management.commands.update_index import Command as HaystackUpdateIndex
from haystack.utils.app_loading import haystack_get_models
from tqdm import tqdm

from articles.models import Article
from search.services import drain_index_queue, forget_queued_before, last_queued_pk


def add_keep_segments(parser) -> None:
    """``--keep-segments``, of this command and ``rebuild_index``."""
    parser.add_argument("--keep-segments", action="store_false", dest="merge", default=True,
                        help="leave a full run's segments as the workers wrote them (by default they are merged "
                             "into one a worker, of at most 100,000 articles: fewer segments, faster queries)")


class _Progress:
    """A bar on a terminal; elsewhere (logs, CI) a line at every tenth of the way."""

    def __init__(self, stdout, total: int, *, enabled: bool):
        self.stdout, self.total, self.done, self.next_report = stdout, total, 0, 0.1
        self.bar = tqdm(total=total, unit="篇", file=sys.stderr) if enabled and sys.stderr.isatty() else None
        self.enabled = enabled

    def advance(self, count: int) -> None:
        self.done += count
        if self.bar is not None:
            self.bar.update(count)
        elif self.enabled and self.total and self.done / self.total >= self.next_report:
            self.stdout.write(f"  indexed {self.done:,} of {self.total:,} articles ({self.done / self.total:.0%})")
            while self.next_report <= self.done / self.total:
                self.next_report += 0.1

    def merging(self, segments: int, into: int) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self.enabled:
            self.stdout.write(f"  merging the {segments:,} segments written into {into:,}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Command(HaystackUpdateIndex):
    _progress = None  # the progress display, set for the length of a run
    merge = True  # a full run merges the workers' segments (--keep-segments: not)
    help = (HaystackUpdateIndex.help + " A full run indexes in --workers processes (0: one per core), "
            "--batch-size articles a segment. Shows progress, then indexes edits still queued.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        add_keep_segments(parser)

    def handle(self, **options):
        self.merge = options.get("merge", True)
        backend = connections["default"].get_backend()
        progress = _Progress(self.stdout, Article.objects.count(), enabled=int(options.get("verbosity", 1)) >= 1)
        self._progress = progress
        backend.on_indexed = progress.advance
        queued_before = last_queued_pk()
        full = not any(options.get(name) for name in ("age", "minutes", "start_date", "end_date"))
        try:
            super().handle(**options)
        finally:
            backend.on_indexed = None
            progress.close()
        if full:  # every article was just indexed from the database: older queued edits are done
            forget_queued_before(last_pk=queued_before)
        drained = drain_index_queue()
        if drained and int(options.get("verbosity", 1)) >= 1:
            self.stdout.write(f"  indexed {drained} queued edit(s)")

    def update_backend(self, label, using):
        backend = connections[using].get_backend()
        dated = self.start_date is not None or self.end_date is not None
        if dated or not self.commit or not hasattr(backend, "update_in_parallel"):
            return super().update_backend(label, using)
        unified_index = connections[using].get_unified_index()
        workers = self.workers or os.cpu_count() or 1
        for model in haystack_get_models(label):
            try:
                index = unified_index.get_index(model)
            except NotHandled:
                continue
            pks = list(index.build_queryset(using=using).order_by("pk").values_list("pk", flat=True))
            options = {"segment_size": self.batchsize} if self.batchsize else {}
            progress = self._progress
            count = backend.update_in_parallel(index, pks=pks, workers=workers, merge=self.merge,
                                               on_indexed=progress.advance if progress else None,
                                               on_merging=progress.merging if progress else None, **options)
            if self.verbosity >= 1:
                self.stdout.write(f"  indexed {count:,} {model._meta.model_name}s in {workers} process(es)")
            if self.remove:
                label_prefix = f"{model._meta.app_label}.{model._meta.model_name}."
                wanted = {f"{label_prefix}{pk}" for pk in pks}
                gone = [i for i in backend.indexed_ids() if i.startswith(label_prefix) and i not in wanted]
                backend.remove_many(gone)
                if self.verbosity >= 1 and gone:
                    self.stdout.write(f"  removed {len(gone):,} documents no longer in the database")

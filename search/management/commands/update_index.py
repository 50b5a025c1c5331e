"""haystack's update_index with a progress display, and the edit queue drained at the end.

``rebuild_index`` calls this command too, so both show progress.
"""
from __future__ import annotations

import sys

from haystack import connections
from haystack.management.commands.update_index import Command as HaystackUpdateIndex
from tqdm import tqdm

from articles.models import Article
from search.services import drain_index_queue, forget_queued_before, last_queued_pk


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

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Command(HaystackUpdateIndex):
    help = HaystackUpdateIndex.help + " Shows progress, then indexes edits still queued."

    def handle(self, **options):
        backend = connections["default"].get_backend()
        progress = _Progress(self.stdout, Article.objects.count(), enabled=int(options.get("verbosity", 1)) >= 1)
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

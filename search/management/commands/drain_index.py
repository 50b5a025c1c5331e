"""Index the edits waiting in the queue: once (until the queue is empty), or for ever with --watch.

A request or an ingest drains only a small batch after its commit (SEARCH_DRAIN_MAX_ARTICLES,
SEARCH_DRAIN_SECONDS); a long backlog (a bulk load with SEARCH_INDEX_ON_COMMIT=0, a rename of a
large section, a period when the index could not be written) is this command's work. With
--watch it runs as a service (docs/operations.md has a systemd unit): an index error is logged
and retried after the interval, and the rows stay queued meanwhile.
"""
from __future__ import annotations

import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from whoosh.index import LockError

from search.services import drain_index_queue, queue_status

log = logging.getLogger("search.drain")


class Command(BaseCommand):
    help = "Index the articles waiting in the index queue; --watch keeps doing so as edits arrive."

    def add_arguments(self, parser):
        parser.add_argument("--watch", action="store_true", help="keep running, draining as rows arrive")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between looks at the queue (--watch)")
        parser.add_argument("--batch", type=int, default=500,
                            help="at most this many articles per pass, so a watcher stops promptly (default 500)")

    def handle(self, *args, watch: bool = False, interval: float = 2.0, batch: int = 500, **options):
        verbosity = int(options["verbosity"])
        self._stopping = False
        if watch:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, self._stop)
        total = 0
        while True:
            try:
                drained = drain_index_queue(max_articles=batch)
            except (LockError, OSError) as exc:
                if not watch:
                    raise CommandError(f"the search index cannot be written ({exc.__class__.__name__}: {exc}); "
                                       f"{queue_status().length} article(s) stay queued") from exc
                log.error("drain_index: the search index cannot be written; retrying in %.0f s", interval,
                          exc_info=verbosity >= 2)
                drained = 0
            total += drained
            if drained and verbosity >= 2:
                self.stdout.write(f"indexed {drained} article(s)")
            if self._stopping:
                break
            if drained:
                continue
            if not watch:
                break
            close_old_connections()
            self._sleep(interval)
            if self._stopping:
                break
        left = queue_status().length
        if verbosity >= 1:
            self.stdout.write(f"indexed {total} queued article(s); {left} queued")

    def _stop(self, signum, frame):
        self._stopping = True

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, seconds))

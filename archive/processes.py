"""Work spread over forked worker processes that each open their own database connection.

Used by the ingest (issue files) and by the index build (segments). Forking keeps what the parent
already loaded (Django, the segmenter, jieba's dictionary) without loading it again per worker.
"""
from __future__ import annotations

import logging
import multiprocessing
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from django import db

log = logging.getLogger(__name__)

Task = TypeVar("Task")
Result = TypeVar("Result")


def in_transaction() -> bool:
    return any(c.in_atomic_block for c in db.connections.all(initialized_only=True))


def forget_inherited_connections() -> None:
    """In a new worker: drop any database connection inherited from the parent, unclosed (closing
    it would end the parent's session), so that the worker opens its own."""
    for connection in db.connections.all(initialized_only=True):
        connection.connection = None


def map_in_processes(function: Callable[[Task], Result], tasks: Iterable[Task], *, workers: int,
                     ordered: bool = True, initializer: Callable[[], None] | None = None) -> Iterator[Result]:
    """``function`` over ``tasks``, in ``workers`` forked processes when that can help.

    Runs in this process when one worker is asked for or when a transaction is open here: a
    worker could not see this transaction's rows, and what it wrote would escape a rollback.
    """
    if workers <= 1 or in_transaction():
        if initializer is not None:
            initializer()
        yield from map(function, tasks)
        return

    def start() -> None:
        forget_inherited_connections()
        if initializer is not None:
            initializer()

    db.connections.close_all()  # a forked worker must open its own database connection
    with multiprocessing.get_context("fork").Pool(workers, initializer=start) as pool:
        mapping = pool.imap if ordered else pool.imap_unordered
        yield from mapping(function, tasks)


class PreparedProcess:
    """A forked process that has prepared its work and waits to be told to do it (``run``) or to
    leave without doing it (``cancel``). See ``start_prepared``."""

    def __init__(self, process, channel):
        self._process = process
        self._channel = channel

    def run(self) -> bool:
        """Do the work now and wait for it; True when it succeeded (a failure is logged by the child)."""
        return self._finish(go=True)

    def cancel(self, *, wait: float = 5.0) -> None:
        """Tell the child to leave without working; one still preparing after ``wait`` seconds
        (an index on a hung disk, say) is terminated, so a failing command never hangs on it."""
        self._finish(go=False, wait=wait)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()

    def _finish(self, *, go: bool, wait: float | None = None) -> bool:
        try:
            self._channel.send(go)
        except OSError:  # the child has already died (and its death is its exit code)
            pass
        self._channel.close()
        self._process.join(wait)
        return go and self._process.exitcode == 0


def start_prepared(*, prepare: Callable[[], None], work: Callable[[], None]) -> PreparedProcess | None:
    """Fork a process that runs ``prepare`` at once, on the other core, while this one goes on,
    and ``work`` once told to: the ingest's indexer loads jieba's dictionary (half a second)
    while the pages are segmented and stored. None where a fork cannot help: inside a transaction
    (the child could not see its rows)."""
    if in_transaction():
        return None
    db.connections.close_all()  # the child must open its own database connection
    context = multiprocessing.get_context("fork")
    child_reads, parent_writes = context.Pipe(duplex=False)
    # not a daemon: its work may fork workers of its own
    process = context.Process(target=_prepared_main, args=(child_reads, parent_writes, prepare, work))
    process.start()
    child_reads.close()
    return PreparedProcess(process, parent_writes)


def _prepared_main(channel, parents_end, prepare: Callable[[], None], work: Callable[[], None]) -> None:
    # The parent's end must be closed here too, or a parent killed without a word would never
    # be seen to end (no end-of-file) and this process would wait for ever.
    parents_end.close()
    # Ctrl-C is the parent's to handle: it cancels this process, or waits for its work to end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    forget_inherited_connections()
    try:
        try:
            prepare()
        except Exception:
            log.exception("a prepared process failed to prepare; it leaves without working")
            raise SystemExit(1) from None
        try:
            go = channel.recv()
        except EOFError:  # the parent ended without a word
            return
        if go:
            work()
    finally:
        db.connections.close_all()

"""Work spread over forked worker processes that each open their own database connection.

Used by the ingest (issue files) and by the index build (segments). Forking keeps what the parent
already loaded (Django, the segmenter, jieba's dictionary) without loading it again per worker.
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from django import db

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

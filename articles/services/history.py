"""New rows with their history rows, the history copied by the database.

django-simple-history's ``bulk_create_with_history`` builds a historical model instance in
Python for every row inserted and sends each one's values to the database a second time; for
an article that is its whole text. An ingest writes every article this way, so the copy is
made here by one ``INSERT … SELECT`` from the rows just inserted: the same columns, the same
``+`` rows, none of the text sent twice. The sections and contributors a page names are made the
same way, all the new ones in one statement.
"""
from __future__ import annotations

from functools import cache
from typing import TypeVar

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


def bulk_create_with_history(objs: list[M], model: type[M]) -> list[M]:
    """Insert ``objs`` (their keys set, as on PostgreSQL) and one creation row each in the model's
    history, in the caller's transaction: what simple_history's function of the same name writes,
    with one history date for the batch."""
    created = model._default_manager.bulk_create(objs)
    if created:
        _copy_to_history(model, [obj.pk for obj in created], example=created[0])
    return created


def insert_missing_names(model: type[M], names: list[str]) -> None:
    """Insert a row for each of these names that has none (a uniquely named model: sections,
    contributors), each with its creation row in history, in one statement whatever their number.

    The rows are inserted in the order of their names, and a name another transaction is
    inserting waits for that one to end (``ON CONFLICT DO NOTHING``): two loads of overlapping
    names take the rows' locks in the same order and cannot deadlock."""
    if not names:
        return
    quote = connection.ops.quote_name
    name = quote(model._meta.get_field("name").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({name}) SELECT n FROM unnest(%s::text[]) AS n "
            f"ORDER BY n ON CONFLICT ({name}) DO NOTHING RETURNING {quote(model._meta.pk.column)}",
            [list(names)],
        )
        inserted = [pk for (pk,) in cursor.fetchall()]
    if inserted:
        _copy_to_history(model, inserted, example=model(name=names[0]))


def _copy_to_history(model: type[M], pks: list[int], *, example: M) -> None:
    """One creation row in the model's history for each of these rows, copied by the database."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history = _history_model(model)
    user = history.get_default_history_user(example)
    quote = connection.ops.quote_name
    tracked = history.tracked_fields
    target = [quote(f.column) for f in tracked] + [
        quote(history._meta.get_field(name).column)
        for name in ("history_date", "history_change_reason", "history_type", "history_user")]
    source = [quote(model._meta.get_field(f.name).column) for f in tracked]
    key = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(target)}) "
            f"SELECT {', '.join(source)}, %s, NULL, '+', %s FROM {quote(model._meta.db_table)} "
            f"WHERE {key} = ANY(%s) ORDER BY {key}",
            [timezone.now(), getattr(user, "pk", None), pks],
        )


@cache
def _history_model(model: type[models.Model]) -> type[models.Model]:
    # simple_history's descriptor makes a new manager class at each ``model.history``
    return model.history.model

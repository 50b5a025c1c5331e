"""/healthz: can this process reach the database and write the search index, and how long is the
index queue? For load balancers and monitoring: 200 when both work, 503 otherwise, JSON either way."""
from __future__ import annotations

import time

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def _database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return {"ok": False, "error": _one_line(exc)}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _queue() -> dict:
    from search.services import queue_status

    status = queue_status()
    oldest = None if status.oldest is None else round((timezone.now() - status.oldest).total_seconds())
    return {"length": status.length, "oldest_seconds": oldest}


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{exc.__class__.__name__}: {text}"[:300]


@never_cache
@require_safe
def healthz(request):
    from search.services import index_health

    database = _database()
    body = {"database": database}
    if database["ok"]:
        try:
            body["queue"] = _queue()
        except Exception as exc:  # noqa: BLE001
            body["queue"] = {"length": None, "error": _one_line(exc)}
    else:
        body["queue"] = {"length": None}
    body["index"] = index_health()
    body["ok"] = database["ok"] and body["index"]["writable"]
    return JsonResponse(body, status=200 if body["ok"] else 503, json_dumps_params={"ensure_ascii": False})

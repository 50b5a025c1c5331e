"""Run manage.py in a real child process against the test database and the test's index."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def database_url() -> str:
    """The URL of the database this test process uses (the test database)."""
    params = connection.get_connection_params()
    host = quote(str(params.get("host") or "127.0.0.1"), safe="")
    user = params.get("user") or "postgres"
    password = f":{quote(params['password'], safe='')}" if params.get("password") else ""
    name = params.get("database") or params.get("dbname") or connection.settings_dict["NAME"]
    return f"postgres://{user}{password}@{host}:{params.get('port') or 5432}/{name}"


def child_env(*, index_dir: str | None = None, **extra: str) -> dict[str, str]:
    from haystack import connections

    env = dict(os.environ)
    # the browser tests relax async safety for this process only; a real command runs without it
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(DATABASE_URL=database_url(),
               SEARCH_INDEX_DIR=index_dir or connections["default"].options["PATH"],
               DJANGO_SETTINGS_MODULE="archive.settings", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str] | None = None, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*MANAGE, *args], cwd=ROOT, env=env or child_env(), capture_output=True, text=True,
                          timeout=timeout, **kwargs)

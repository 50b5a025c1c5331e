"""Operators see failures and production settings hold: /healthz, a database outage answers 503
and is logged, commands report an unreachable database in one line (exit 2), request errors are
logged with traceback and URL, `check --deploy` is clean with DJANGO_SECURE=1."""
from __future__ import annotations

import logging
import secrets
import socket
import subprocess

import pytest
from django.test import Client

from search.models import IndexQueueEntry
from tests.archive.processes import MANAGE, ROOT, child_env


def _closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    return f"postgres://postgres:not-shown@127.0.0.1:{port}/archive"


@pytest.mark.django_db
def test_healthz_reports_database_index_and_queue(client):
    IndexQueueEntry.objects.create(article_id=123)
    response = client.get("/healthz")
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["ok"] is True and body["database"]["ok"] is True
    assert body["index"] == {"writable": True, "detail": "ok"}
    assert body["queue"]["length"] == 1 and body["queue"]["oldest_seconds"] >= 0


def _python_in_child(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([MANAGE[0], "-c", code], cwd=ROOT, env=child_env(**env), capture_output=True,
                          text=True, timeout=120)


_REQUESTS = """
import django, json
django.setup()
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
pages = {path: client.get(path) for path in ("/", "/healthz")}
print(json.dumps({path: [r.status_code, r.content.decode()] for path, r in pages.items()}))
"""


def test_a_database_outage_answers_503_pages_and_is_logged():
    import json

    result = _python_in_child(_REQUESTS, DATABASE_URL=_closed_port_url())
    assert result.returncode == 0, result.stderr[-2000:]
    pages = json.loads(result.stdout.strip().splitlines()[-1])
    status, html = pages["/"]
    assert status == 503 and "数据库暂时无法连接" in html
    status, body = pages["/healthz"]
    health = json.loads(body)
    assert status == 503 and health["database"]["ok"] is False and "Connection refused" in health["database"]["error"]
    # logged to stderr, with the URL and the traceback
    assert "ERROR archive.database" in result.stderr and "Database unavailable: GET /" in result.stderr
    assert "[GET http://127.0.0.1/]" in result.stderr and "Traceback (most recent call last)" in result.stderr
    assert "not-shown" not in result.stderr


@pytest.mark.parametrize("name, value, said", [
    ("SEARCH_DECODE_THREADS", "two", "SEARCH_DECODE_THREADS='two' is not a whole number"),
    ("SEARCH_DRAIN_SECONDS", "2s", "SEARCH_DRAIN_SECONDS='2s' is not a number"),
    ("SEARCH_DECODE_THREADS", "3000000000", "SEARCH_DECODE_THREADS=3000000000 is not 1 or 2 (0 or unset: 2 where "
                                            "this process may use two cores)"),
    ("SEARCH_DECODE_THREADS", "-1", "SEARCH_DECODE_THREADS=-1 is not 1 or 2 (0 or unset: 2 where this process may "
                                    "use two cores)"),
])
def test_a_setting_that_is_not_a_usable_number_is_reported_in_one_line_naming_it(name, value, said):
    result = subprocess.run([*MANAGE, "check"], cwd=ROOT, env=child_env(**{name: value}), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"manage.py check: {said}"]


def test_a_command_reports_an_unreachable_database_in_one_line_with_exit_status_2():
    url = _closed_port_url()
    env = child_env(DATABASE_URL=url)
    result = subprocess.run([*MANAGE, "check_index"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("manage.py check_index: cannot reach the database at DATABASE_URL=postgres://postgres:***@")
    assert "Connection refused" in lines[0] and "not-shown" not in lines[0]
    verbose = subprocess.run([*MANAGE, "check_index", "-v", "3"], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=120)
    assert verbose.returncode == 2 and "Traceback (most recent call last)" in verbose.stderr
    assert verbose.stderr.strip().splitlines()[-1] == lines[0]


def test_check_deploy_is_clean_with_django_secure():
    key = secrets.token_urlsafe(64)[:50]
    env = child_env(DJANGO_SECURE="1", DJANGO_SECRET_KEY=key, DJANGO_ALLOWED_HOSTS="example.org")
    result = subprocess.run([*MANAGE, "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)." and not result.stderr.strip()
    # and without it, the same warnings that used to be there: the flag is what turns them off
    env.pop("DJANGO_SECURE")
    plain = subprocess.run([*MANAGE, "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=120)
    assert "security.W004" in plain.stderr and "security.W012" in plain.stderr


def test_secure_settings_send_hsts_secure_cookies_and_redirect(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    client = Client()
    response = client.get("/admin/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    response = client.get("/admin/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_a_request_error_is_logged_with_traceback_and_url(client, caplog, monkeypatch):
    from archive import views

    def broken(request):
        raise RuntimeError("the home page broke")

    monkeypatch.setattr(views, "home", broken)
    from django.urls import clear_url_caches

    import archive.urls
    import importlib
    importlib.reload(archive.urls)
    clear_url_caches()
    client.raise_request_exception = False
    try:
        with caplog.at_level(logging.ERROR, logger="django.request"):
            response = client.get("/?q=1")
    finally:
        monkeypatch.undo()
        importlib.reload(archive.urls)
        clear_url_caches()
    assert response.status_code == 500
    assert "我们会查看日志" not in response.content.decode() and "写入服务器日志" in response.content.decode()
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.exc_info and "the home page broke" in str(record.exc_info[1])
    from archive.log import RequestURLFilter

    RequestURLFilter().filter(record)
    assert record.request_url == " [GET http://testserver/?q=1]"

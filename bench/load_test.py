"""Load: concurrent searches against gunicorn on both cores while an editor saves corrections.

    python bench/load_test.py [--var DIR] [--articles 10000] [--duration 60] [--connections 8]

Serves an archive (the one in --var, or a fresh synthetic one of --articles articles built there
with generate_corpus, ingest and update_index) with gunicorn, one worker per core. From other
processes on loopback, `wrk` requests the scale benchmark's query mix for --duration seconds
while an editor, logged in to the admin, corrects a headline through the change form about once
a second. Afterwards every correction must be in the database and findable by its new headline,
here and through the server's own workers (their open searchers must notice the edits), and
`check_index` must find the index and the database in agreement. Writes bench/results/load.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scale_bench import QUERY_MIX, percentile, run, stop_database

PY = sys.executable
EDITOR, PASSWORD = "load-editor", "load-editor-password"


class _FormFields(HTMLParser):
    """The fields a browser would submit from the form with the given id."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type", "text") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value") or ("on" if a.get("type") == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # the parser has already unescaped the text; drop the newline HTML allows after <textarea>
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None


class Editor:
    """An editor in the admin: logs in, then corrects headlines through the change form."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def _post(self, path: str, fields: list[tuple[str, str]]):
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(self.base + path, data=data, headers={"Referer": self.base + path})
        return self.opener.open(request, timeout=30)

    def login(self) -> None:
        self.opener.open(self.base + "/admin/login/", timeout=30).read()
        response = self._post("/admin/login/?next=/admin/", [
            ("csrfmiddlewaretoken", self._csrf()), ("username", EDITOR), ("password", PASSWORD),
            ("next", "/admin/")])
        if not response.url.endswith("/admin/"):
            raise SystemExit("load test: the editor could not log in to the admin")

    def correct_headline(self, pk: int, headline: str) -> float:
        """Save a new headline through the change form; returns the seconds the save took."""
        path = f"/admin/articles/article/{pk}/change/"
        page = self.opener.open(self.base + path, timeout=30).read().decode()
        form = _FormFields("article_form")
        form.feed(page)
        fields = [(name, headline if name == "headline" else value) for name, value in form.fields]
        fields.append(("_save", "Save"))
        started = time.perf_counter()
        response = self._post(path, fields)
        body = response.read().decode()
        if "errornote" in body or not response.url.rstrip("/").endswith("/admin/articles/article"):
            errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', body, re.DOTALL)
            raise RuntimeError(f"article {pk}: the admin refused the save: {errors[:3]}")
        return time.perf_counter() - started


def _edit_continuously(base: str, pks: list[int], stop: threading.Event, log: list, failures: list) -> None:
    editor = Editor(base)
    editor.login()
    rng = random.Random(5)
    run_tag = int(time.time()) % 100_000  # markers stay unique when the test runs again on one archive
    number = 0
    while not stop.is_set():
        pk = rng.choice(pks)
        number += 1
        headline = f"负载校订{run_tag:05d}{number:04d} 号稿"
        try:
            log.append({"pk": pk, "headline": headline, "seconds": editor.correct_headline(pk, headline)})
        except (RuntimeError, urllib.error.URLError, TimeoutError) as exc:
            failures.append(str(exc))
        stop.wait(1.0)


def _wait_for_server(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("load test: gunicorn exited at start")
        try:
            urllib.request.urlopen(base + "/", timeout=5).read()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):  # still warming up (a large index)
            time.sleep(0.3)
    raise SystemExit("load test: gunicorn did not answer within 60 s")


def _archive(var: Path, articles: int, env: dict) -> dict:
    """The archive in var, built there first if it has no articles."""
    manage = [PY, "manage.py"]
    run(manage + ["migrate", "-v", "0"], env)
    count = subprocess.run(manage + ["shell", "-c", "from articles.models import Article; print(Article.objects.count())"],
                           env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()[-1]
    run(manage + ["collectstatic", "--noinput", "-v", "0"], env)
    built = {}
    if int(count) == 0:
        corpus = var / "corpus"
        run(manage + ["generate_corpus", "--articles", str(articles), "--seed", "1", "--out", str(corpus)], env)
        built["ingest"] = run(manage + ["ingest", str(corpus), "-v", "0"], {**env, "SEARCH_INDEX_ON_COMMIT": "0"})
        built["index"] = run(manage + ["update_index", "-v", "0"], env)
        shutil.rmtree(corpus, ignore_errors=True)
    return built


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var", type=Path, help="archive folder (ARCHIVE_VAR_DIR); default: a new one in /tmp")
    parser.add_argument("--articles", type=int, default=10_000, help="size of the archive to build if --var is empty")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent wrk connections (default 8)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "load.json",
                        help="where to write the results (default bench/results/load.json)")
    args = parser.parse_args()
    if args.duration < 5 or args.connections < 1 or args.articles < 100:
        parser.error("--duration must be at least 5, --connections at least 1, --articles at least 100")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (make bench installs it: apt-get install wrk)")
    var = args.var or Path(f"/tmp/archive-load-{args.articles}")
    var.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{args.port}"
    env = {**os.environ, "ARCHIVE_VAR_DIR": str(var), "SEARCH_INDEX_DIR": str(var / "whoosh"),
           "DJANGO_SETTINGS_MODULE": "archive.settings", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
           "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    os.environ.update({k: env[k] for k in ("ARCHIVE_VAR_DIR", "SEARCH_INDEX_DIR", "DJANGO_SETTINGS_MODULE",
                                           "DJANGO_ALLOWED_HOSTS")})
    os.environ.pop("DATABASE_URL", None)
    server = None
    try:
        built = _archive(var, args.articles, env)
        import django

        django.setup()
        from django.contrib.auth.models import User
        from django.core.management import CommandError, call_command

        from articles.models import Article

        User.objects.filter(username=EDITOR).delete()
        User.objects.create_superuser(EDITOR, "editor@example.org", PASSWORD)
        pks = list(Article.objects.order_by("?").values_list("pk", flat=True)[:200])
        total_articles = Article.objects.count()
        from django.db import connections as db_connections

        db_connections.close_all()

        workers = os.cpu_count() or 2
        server = subprocess.Popen(
            [PY, "-m", "gunicorn", "archive.wsgi", "--workers", str(workers), "--bind", f"127.0.0.1:{args.port}",
             "--timeout", "60", "--log-level", "warning"],
            env=env, cwd=ROOT)
        _wait_for_server(base, server)
        paths = []
        for params in QUERY_MIX.values():
            paths.append("/search/?" + urllib.parse.urlencode({k: str(v) for k, v in params.items()}))
        for path in paths:  # every worker opens its searcher and reads its columns once, as in use
            for _ in range(workers):
                urllib.request.urlopen(base + path, timeout=60).read()

        stop, edits, failures = threading.Event(), [], []
        editor = threading.Thread(target=_edit_continuously, args=(base, pks, stop, edits, failures))
        editor.start()
        wrk = subprocess.run(
            ["wrk", "--threads", "2", "--connections", str(args.connections), "--duration", f"{args.duration}s",
             "--timeout", "10s", "--script", str(ROOT / "bench" / "load.lua"), base, "--", *paths],
            capture_output=True, text=True, check=True)
        stop.set()
        editor.join()
        load = json.loads(wrk.stdout.strip().splitlines()[-1])

        # every correction must have landed, in the database and in the index
        time.sleep(1.0)
        from search.query import Filters, SearchPlan, parse
        from search.selectors import search_articles

        last = {}
        for edit in edits:
            last[edit["pk"]] = edit["headline"]
        lost = [pk for pk, headline in last.items() if Article.objects.get(pk=pk).headline != headline]
        unfound, stale = [], []
        for pk, headline in last.items():
            marker = headline.split()[0]
            page = search_articles(plan=SearchPlan(parse(f'headline:"{marker}"'), Filters()), with_facets=False)
            if [hit.article.pk for hit in page.hits] != [pk]:
                unfound.append(pk)
            # and by the server's workers, whose searchers were opened before the edits: each
            # must notice the index has changed (asked four times, which most often reaches both
            # workers; nothing makes gunicorn's workers take turns)
            query = urllib.parse.urlencode({"q": f'headline:"{marker}"', "page_size": 5})
            for _ in range(4):
                with urllib.request.urlopen(f"{base}/api/search?{query}", timeout=30) as response:
                    answer = json.loads(response.read())
                if [row["id"] for row in answer["results"]] != [pk]:
                    stale.append(pk)
                    break
        from io import StringIO

        out = StringIO()
        try:
            call_command("check_index", stdout=out)
            consistent = True
        except CommandError as exc:  # the index differs
            consistent = False
            out.write(str(exc))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        stop_database(var)

    saves = [e["seconds"] * 1000 for e in edits]
    report = {
        "benchmark": "load", "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "archive_articles": total_articles, "built": built,
        "server": f"gunicorn, {workers} sync workers", "client": f"wrk, 2 threads, {args.connections} connections",
        "duration_seconds": args.duration, "query_mix": list(QUERY_MIX), "load": load,
        "edits": {"saved": len(edits), "failed": len(failures), "failures": failures[:5],
                  "articles": len(last), "lost_in_database": lost, "not_found_by_new_headline": unfound,
                  "not_found_by_the_server": stale,
                  "save_p50_ms": percentile(saves, 0.5) if saves else None,
                  "save_p95_ms": percentile(saves, 0.95) if saves else None},
        "check_index": {"consistent": consistent, "output": out.getvalue().strip().splitlines()[-2:]},
    }
    out_path = args.out
    out_path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    errors = sum(load["errors"].values())
    print(f"{load['requests'] / load['seconds']:.1f} requests/s, p50 {load['latency_ms']['p50']} ms, "
          f"p95 {load['latency_ms']['p95']} ms, {errors} errors; {len(edits)} edits saved, {len(failures)} failed, "
          f"{len(lost)} lost, {len(unfound)} not found ({len(stale)} by the server); index consistent: {consistent}")
    print(f"written to {out_path}")
    return 0 if consistent and not (errors or failures or lost or unfound or stale) else 1


if __name__ == "__main__":
    raise SystemExit(main())

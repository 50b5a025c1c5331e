"""drain_index --watch runs as a service: it indexes rows as they are queued by other processes
and stops cleanly on SIGTERM."""
from __future__ import annotations

import datetime as dt
import signal
import subprocess
import time

import pytest
from django.db import transaction

from articles.models import Article
from articles.services import ingest_paths
from search.models import IndexQueueEntry
from search.query import SearchPlan, parse
from search.selectors import search_articles
from search.services import check_index
from tests.archive.processes import MANAGE, ROOT, child_env
from tests.conftest import FIXTURES, clear_search_index

pytestmark = pytest.mark.django_db(transaction=True)


def test_drain_index_watch_indexes_what_others_queue_and_stops_on_sigterm(settings):
    settings.SEARCH_INDEX_ON_COMMIT = False  # this process only queues, as a bulk load would
    clear_search_index()
    ingest_paths(paths=[FIXTURES / "search_cases.txt"], date=dt.date(2024, 1, 2))
    assert IndexQueueEntry.objects.count() == 4
    watcher = subprocess.Popen([*MANAGE, "drain_index", "--watch", "--interval", "0.2", "-v", "2"], cwd=ROOT,
                               env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while IndexQueueEntry.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not IndexQueueEntry.objects.exists()
        article = Article.objects.get(headline="日本京都大学代表团来访我市")
        with transaction.atomic():
            article.headline = "守护进程索引的标题"
            article.save()
        deadline = time.monotonic() + 30
        while IndexQueueEntry.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        found = {h.article.pk for h in search_articles(plan=SearchPlan(parse('"守护进程索引的标题"'))).hits}
        assert found == {article.pk}
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=30)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.communicate()
    assert watcher.returncode == 0, err
    assert "indexed 4 article(s)" in out and out.strip().endswith("indexed 5 queued article(s); 0 queued")
    assert check_index().consistent
    clear_search_index()

"""The index survives real processes dying and real disks refusing writes: a rebuild killed with
SIGKILL leaves the old index serving; a full disk (a small tmpfs) or a read-only index folder lets
saves, ingests and searches go on, with the edits kept queued and /healthz saying why."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import textwrap
import time
from pathlib import Path

import pytest
from haystack import connections

from articles.models import Article
from articles.services import ingest_paths
from search.engine import backend as search_backend
from search.models import IndexQueueEntry
from search.query import SearchPlan, parse
from search.selectors import search_articles
from search.services import check_index
from tests.archive.processes import MANAGE, ROOT, child_env
from tests.conftest import FIXTURES, SEEDS, clear_search_index

pytestmark = pytest.mark.django_db(transaction=True)


def hits(query: str) -> int:
    return search_articles(plan=SearchPlan(parse(query)), page_size=1).total


def _builds_beside(path: str) -> list[str]:
    parent, name = os.path.split(path.rstrip("/"))
    return [e for e in os.listdir(parent) if e.startswith(name + search_backend.REBUILD_SUFFIX)]


@pytest.fixture
def seeded():
    clear_search_index()
    report = ingest_paths(paths=[SEEDS])
    assert not report.failed
    yield
    clear_search_index()


def test_a_rebuild_killed_with_sigkill_leaves_the_old_index_serving(seeded):
    path = connections["default"].get_backend().path
    before = hits("太原")
    assert before > 0 and check_index().consistent
    child = subprocess.Popen([*MANAGE, "rebuild_index", "--noinput", "--workers", "2", "--batch-size", "20"],
                             cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _builds_beside(path) and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert child.poll() is None, "the rebuild finished before it could be killed: " + child.stdout.read().decode()
        time.sleep(0.3)  # let the workers write part of the new index
        os.killpg(child.pid, signal.SIGKILL)  # the command and its workers
        child.wait(10)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    assert _builds_beside(path), "the killed build should have left its folder"
    # the old index still serves, whole, to this process and to a new one
    assert hits("太原") == before
    assert check_index().consistent
    result = subprocess.run([*MANAGE, "search", "太原", "--limit", "1"], cwd=ROOT, env=child_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.startswith(f"{before} hits"), result.stdout + result.stderr
    # the next rebuild clears the stray folder and swaps in a complete index
    result = subprocess.run([*MANAGE, "rebuild_index", "--noinput", "--workers", "1"], cwd=ROOT, env=child_env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "removed 1 unfinished index build" in result.stderr
    assert not _builds_beside(path)
    assert hits("太原") == before and check_index().consistent


# A mount namespace of its own, so that the mounts below are seen by the child alone. As root
# no user namespace is needed (one would hide the database socket's folder, owned by another user).
UNSHARE = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]


def _unshare_available() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run([*UNSHARE, "sh", "-c", 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d"'],
                           capture_output=True)
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(not _unshare_available(),
                                  reason="needs unshare -rm to mount a tmpfs or a read-only bind mount")

# Run in the child, in its own mount namespace, with the index folder on the mount under test:
# save an edit, ingest one more issue, search, and ask /healthz.
_CHILD = textwrap.dedent("""
    import datetime as dt, json, os, sys
    from pathlib import Path
    import django
    django.setup()
    from django.test import Client
    from articles.models import Article
    from articles.services import ingest_paths
    from search.query import SearchPlan, parse
    from search.selectors import search_articles
    article = Article.objects.get(pk=int(sys.argv[1]))
    article.headline = sys.argv[2]
    article.save()  # the drain after the commit cannot write: logged, not raised
    report = ingest_paths(paths=[Path(sys.argv[3])], date=dt.date(2024, 3, 4))
    found = search_articles(plan=SearchPlan(parse("京都大学")), page_size=5).total
    health = Client(HTTP_HOST="127.0.0.1").get("/healthz")
    failed = report.failed if isinstance(report.failed, int) else len(report.failed)
    print(json.dumps({"ingest_failed": failed, "found": found,
                      "health_status": health.status_code, "health": health.json()}))
""")


def _run_on_mount(mount_setup: str, index_copy: Path, article: Article, headline: str, issue: Path):
    script = f"{mount_setup} && exec {' '.join(MANAGE[:1])} -c \"$CHILD_CODE\" {article.pk} {headline} {issue}"
    env = child_env(index_dir=str(index_copy), CHILD_CODE=_CHILD, SEARCH_DRAIN_SECONDS="1")
    return subprocess.run([*UNSHARE, "sh", "-c", script], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def cases_index(tmp_path):
    """The search cases ingested and indexed, the index copied to a folder a mount can cover."""
    clear_search_index()
    assert not ingest_paths(paths=[FIXTURES / "search_cases.txt"], date=dt_date(2024, 1, 2)).failed
    source = Path(connections["default"].get_backend().path)
    mount_point = tmp_path / "mnt"
    mount_point.mkdir()
    extra = tmp_path / "more"
    extra.mkdir()
    issue = extra / "issue.txt"
    issue.write_text("太原新开一座图书馆\n\n本报讯（记者 张晓明）新的图书馆今天开放，藏书三十万册。\n", encoding="utf-8")
    yield source, mount_point, issue
    clear_search_index()


def dt_date(*args):
    import datetime

    return datetime.date(*args)


@needs_mounts
def test_a_full_disk_keeps_saves_ingests_and_searches_going(cases_index):
    import json

    source, mount_point, issue = cases_index
    article = Article.objects.get(headline="日本京都大学代表团来访我市")
    index_copy = mount_point / "whoosh"
    # a 4 MB tmpfs holding a copy of the index, then filled to the last byte
    setup = (f"mount -t tmpfs -o size=4m tmpfs {mount_point} && cp -r {source} {index_copy} && "
             f"(dd if=/dev/zero of={mount_point}/filler bs=4k 2>/dev/null; true)")
    result = _run_on_mount(setup, index_copy, article, "磁盘满时改的标题", issue)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["ingest_failed"] == 0 and outcome["found"] == 1
    assert outcome["health_status"] == 503
    assert outcome["health"]["index"]["writable"] is False
    assert "No space left on device" in outcome["health"]["index"]["detail"]
    assert "search index update failed" in result.stderr and "No space left on device" in result.stderr
    # the data was saved and every unindexed article is still queued
    assert Article.objects.get(pk=article.pk).headline == "磁盘满时改的标题"
    new = Article.objects.filter(issue__date=dt_date(2024, 3, 4))
    assert new.exists()
    queued = set(IndexQueueEntry.objects.values_list("article_id", flat=True))
    assert {article.pk, *new.values_list("pk", flat=True)} <= queued


@needs_mounts
def test_a_read_only_index_keeps_saves_and_searches_going(cases_index):
    import json

    source, mount_point, issue = cases_index
    article = Article.objects.get(headline="日本京都大学代表团来访我市")
    index_copy = mount_point / "whoosh"
    shutil.copytree(source, index_copy)
    setup = f"mount --bind {index_copy} {index_copy} && mount -o remount,ro,bind {index_copy}"
    result = _run_on_mount(setup, index_copy, article, "只读时改的标题", issue)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["ingest_failed"] == 0 and outcome["found"] == 1
    assert outcome["health_status"] == 503 and "Read-only file system" in outcome["health"]["index"]["detail"]
    assert "search index update failed" in result.stderr
    assert Article.objects.get(pk=article.pk).headline == "只读时改的标题"
    assert IndexQueueEntry.objects.filter(article_id=article.pk).exists()

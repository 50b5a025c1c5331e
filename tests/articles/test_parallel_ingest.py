"""The ingest spread over worker processes: the same archive as one process, nothing lost.

Workers open their own database connections and cannot see a test's transaction, so these
tests commit for real (``transaction=True``) and the database is flushed after each.
"""
from __future__ import annotations

import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles import services
from articles.services import ingest as ingest_module
from articles.models import Article, Contributor, Issue, Section
from search.services import check_index
from tests.conftest import SEEDS, clear_search_index, seed_file

pytestmark = pytest.mark.django_db(transaction=True)


def ingest(*args) -> str:
    out = StringIO()
    call_command("ingest", *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


def archive_snapshot() -> list[tuple]:
    return [
        (a.issue.date, a.page.number, a.position, a.full_headline, a.section.name if a.section else None, a.kind, a.body,
         tuple((c.contributor.name, c.role) for c in a.credits.order_by("position")))
        for a in Article.objects.select_related("issue", "page", "section").order_by("issue__date", "page__number",
                                                                                  "position")
    ]


def forget_the_archive() -> None:
    Issue.objects.all().delete()
    Section.objects.all().delete()
    Contributor.objects.all().delete()


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    folder = tmp_path / "issues"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def store_pids(tmp_path, monkeypatch) -> Path:
    """A file each process that stores an issue appends its pid to (forked workers inherit the patch)."""
    log = tmp_path / "pids"
    store = ingest_module._store

    def recording_store(plan, **kwargs):
        with log.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        return store(plan, **kwargs)

    monkeypatch.setattr(ingest_module, "_store", recording_store)
    return log


def test_two_processes_store_the_same_archive_as_one_and_report_in_file_order(seed_copy, store_pids, settings):
    settings.SEARCH_INDEX_ON_COMMIT = False
    ingest(seed_copy, "--jobs", "1")
    alone = archive_snapshot()
    forget_the_archive()
    store_pids.unlink()

    out = ingest(seed_copy, "--jobs", "2")

    assert archive_snapshot() == alone
    pids = set(store_pids.read_text().split())
    assert len(pids) == 2 and str(os.getpid()) not in pids
    reported = [line.split()[0] for line in out.splitlines() if "  created" in line]
    assert reported == sorted(path.name for path in SEEDS.glob("*.txt"))
    assert "5 created; 46 articles" in out


def test_workers_indexing_on_commit_leave_the_index_consistent(seed_copy):
    clear_search_index()
    ingest(seed_copy, "--jobs", "2")
    check = check_index()
    assert check.consistent, check
    assert check.index_count == Article.objects.count() == 46


def test_two_pages_of_one_day_at_once_make_one_issue(tmp_path, settings):
    settings.SEARCH_INDEX_ON_COMMIT = False
    for page, prefix in ((1, "000"), (2, "001")):  # two pages of one day, stored side by side
        (tmp_path / f"2021-10-28-p0{page}.txt").write_bytes(seed_file(prefix).read_bytes())

    out = ingest(tmp_path, "--jobs", "2")

    issue = Issue.objects.get()
    assert "2 created" in out and issue.date.isoformat() == "2021-10-28"
    assert sorted(issue.pages.values_list("number", flat=True)) == [1, 2]
    for page in issue.pages.all():
        positions = sorted(page.articles.values_list("position", flat=True))
        assert positions == list(range(1, len(positions) + 1)) and len(positions) > 1


def test_reparse_in_two_processes_updates_every_issue(seed_copy, settings):
    settings.SEARCH_INDEX_ON_COMMIT = False
    ingest(seed_copy, "--jobs", "1")
    stale = Article.objects.get(page__source_file=seed_file("000").name, position=6)
    Article.objects.filter(pk=stale.pk).update(headline="旧标题", segmented={**stale.segmented, "headline": "旧标题"})

    out = ingest("--reparse", "--jobs", "2")

    stale.refresh_from_db()
    assert stale.full_headline == "“核酸检测地图”上线 动动手指即可查找"
    assert "1 updated; 4 unchanged (nothing to do); 46 articles" in out


@pytest.mark.parametrize("bad", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_number(bad, seed_copy):
    with pytest.raises(CommandError, match="--jobs"):
        call_command("ingest", str(seed_copy), "--jobs", bad, stdout=StringIO(), stderr=StringIO())
    assert not Issue.objects.exists()


def test_a_large_load_uses_every_core_and_a_small_one_a_single_process():
    assert services.default_jobs(services.PARALLEL_FROM_FILES - 1) == 1
    assert services.default_jobs(services.PARALLEL_FROM_FILES) == (os.cpu_count() or 1)

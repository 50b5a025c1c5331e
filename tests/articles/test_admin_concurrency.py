"""Admin saves while ``ingest --reparse`` runs in a real process: no error, no deadlock, no lost
correction. Both follow one lock order (the page row FOR NO KEY UPDATE, then its article rows;
services/editing.py), and the admin saves each article once."""
from __future__ import annotations

import threading
import time
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection, transaction

from articles.models import Article, Page
from articles.services import EDITORS_GROUP
from tests.archive.processes import child_env, manage
from tests.articles.test_admin import change_form_data
from tests.conftest import SEEDS


def make_every_page_look_resegmented() -> None:
    """Change what the stored segmentation says, page by page in the lock order, so the next
    reparse rewrites every article of every page (and so takes every lock a real change does)."""
    for page_id in Page.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            list(Page.objects.select_for_update(no_key=True).filter(pk=page_id).values_list("pk", flat=True))
            for article in Article.objects.select_for_update(no_key=True).filter(page_id=page_id).order_by("pk"):
                Article.objects.filter(pk=article.pk).update(
                    segmented={**article.segmented, "subheadline": "（旧的分割）"})


@pytest.mark.django_db(transaction=True)
def test_admin_saves_during_a_reparse_in_another_process_all_succeed_and_nothing_is_lost(client, settings):
    settings.SEARCH_INDEX_ON_COMMIT = False  # the index is not what this test is about
    call_command("ingest", str(SEEDS), stdout=StringIO(), stderr=StringIO())
    user = User.objects.create_user("editor", password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    client.force_login(user)
    env = child_env(SEARCH_INDEX_ON_COMMIT="0")
    runs, errors = [], []

    def reparse_repeatedly():
        try:
            for _ in range(3):
                make_every_page_look_resegmented()
                runs.append(manage("ingest", "--reparse", "--jobs", "1", "-v", "1", env=env, timeout=300))
        except Exception as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    reparser = threading.Thread(target=reparse_repeatedly)
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    expected: dict[int, str] = {}
    statuses = []
    durations = []
    reparser.start()
    n = 0
    while reparser.is_alive() or n < 20:
        pk = ids[n % len(ids)]
        article = Article.objects.get(pk=pk)
        headline = f"编辑第{n}次校订"
        started = time.monotonic()
        response = client.post(f"/admin/articles/article/{pk}/change/", change_form_data(article, headline=headline))
        durations.append(time.monotonic() - started)
        statuses.append(response.status_code)
        if response.status_code != 302:
            print(response.context["adminform"].form.errors if response.context else response.content[:500],
                  [f.errors for f in response.context["inline_admin_formsets"][0].formset.forms]
                  if response.context else "")
        expected[pk] = headline
        n += 1
    reparser.join()
    assert not errors, errors
    assert [r.returncode for r in runs] == [0, 0, 0], [r.stdout[-2000:] + r.stderr[-2000:] for r in runs]
    assert all("deadlock" not in (r.stdout + r.stderr).lower() for r in runs)
    assert all(" updated" in r.stdout for r in runs), [r.stdout[-1000:] for r in runs]  # real rewrites
    assert statuses and set(statuses) == {302}, statuses
    lost = {pk: (h, Article.objects.get(pk=pk).headline) for pk, h in expected.items()
            if Article.objects.get(pk=pk).headline != h}
    assert not lost, lost
    assert all("headline" in Article.objects.get(pk=pk).corrected_fields for pk in expected)
    print(f"{len(statuses)} saves during 3 reparses; slowest {max(durations):.2f} s")

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"


def seed_file(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def seed_excerpt(prefix: str, first: int, last: int) -> str:
    """Lines first..last (1-based, inclusive) of a real seed issue: a small real fixture."""
    lines = seed_file(prefix).read_text(encoding="utf-8").split("\n")
    return "\n".join(lines[first - 1: last]) + "\n"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """A test database of this run's own: two runs on one server (CI and a developer, or two
    developers) never create or drop each other's."""
    from django.conf import settings

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_archive_{os.getpid()}"


@pytest.fixture
def seeded():
    """The five seed issues ingested through the command, in the test's own transaction."""
    from io import StringIO

    from django.core.management import call_command

    call_command("ingest", str(SEEDS), stdout=StringIO(), stderr=StringIO())


@pytest.fixture
def editor(client):
    """A staff member of the editors' group, logged in."""
    from django.contrib.auth.models import Group, User

    from articles.services import EDITORS_GROUP

    user = User.objects.create_user("editor", password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    client.force_login(user)
    return user


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(autouse=True, scope="session")
def search_index_dir(tmp_path_factory):
    """Every test run gets its own Whoosh index: tests never touch the one in var/whoosh."""
    from haystack import connections

    path = tmp_path_factory.mktemp("whoosh")
    connections.connections_info["default"]["PATH"] = str(path)
    connections.reload("default")
    return path


def clear_search_index() -> None:
    from haystack import connections

    connections["default"].get_backend().clear()


def reopen_index_written_with(schema, documents, *, codec):
    """The search index written anew with this schema and codec, as an older version of the
    archive wrote it, and opened by a backend of its own, as a restarted process would open it."""
    from haystack import connections
    from whoosh import index as whoosh_index

    from search.engine import backend as search_backend

    path = connections["default"].get_backend().path
    clear_search_index()
    writer = whoosh_index.create_in(path, schema, indexname="MAIN").writer(codec=codec)
    for document in documents:
        writer.add_document(**document)
    writer.commit()
    reopened = search_backend.ArchiveWhooshBackend("default", **connections["default"].options)
    connections["default"]._backend = reopened
    reopened.setup()
    return reopened


@pytest.fixture(scope="module")
def seeded_archive(django_db_setup, django_db_blocker):
    """The five seed issues, and an issue of search edge cases (tests/fixtures/search_cases.txt),
    ingested and indexed once for a module of read-only tests."""
    from django.apps import apps

    from articles.models import Contributor, Issue, Newspaper, Section
    from articles.services import ingest_paths

    with django_db_blocker.unblock():
        clear_search_index()
        report = ingest_paths(paths=[SEEDS])
        cases = ingest_paths(paths=[FIXTURES / "search_cases.txt"], date=dt.date(2024, 1, 2))
        assert not report.failed and not cases.failed, (report, cases)
        # one segment: Whoosh's own evaluation, which the columnar tests compare answers with,
        # mis-answers exclusions over several (test_columnar's many-segment tests make their own)
        from haystack import connections
        connections["default"].get_backend().optimize()
        yield report
        Issue.objects.all().delete()
        for model in (Section, Contributor, Newspaper, *apps.get_app_config("articles").get_models(),
                      *apps.get_app_config("search").get_models()):
            model.objects.all().delete()  # the rest, history included
        clear_search_index()

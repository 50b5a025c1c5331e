"""The public home page: read-only, escaped, constant SQL cost."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Newspaper
from tests.conftest import SEEDS, seed_file

pytestmark = pytest.mark.django_db


def test_home_lists_the_issues_newest_first(client):
    call_command("ingest", str(SEEDS), stdout=StringIO())
    page = client.get("/").content.decode()
    html = page[page.index('id="latest-heading"'):]
    dates = ["2023-01-05", "2022-04-19", "2022-03-25", "2022-03-04", "2021-10-28"]
    assert [html.index(d) for d in dates] == sorted(html.index(d) for d in dates)
    assert 'lang="zh-CN"' in page


def test_home_is_read_only(client):
    assert client.post("/").status_code == 405


def test_home_escapes_names_and_runs_a_fixed_number_of_queries(client):
    call_command("ingest", str(seed_file("000")), "--date", "2021-10-28", stdout=StringIO())
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    Newspaper.objects.update(name="<b>太原日报</b>")
    call_command("ingest", str(SEEDS), stdout=StringIO())
    with CaptureQueriesContext(connection) as many:
        html = client.get("/").content.decode()
    assert len(many.captured_queries) == len(one.captured_queries)
    assert "&lt;b&gt;太原日报&lt;/b&gt;" in html

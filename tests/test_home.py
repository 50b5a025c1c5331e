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
    assert 'lang="zh-Hans"' in page


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


def test_home_has_one_search_box_and_the_latest_issues_month(client):
    """Defect 5: one styled search box (no second one in the header) and a single month's calendar,
    the month of the latest issue, not twelve months holding one issue."""
    call_command("ingest", str(SEEDS), stdout=StringIO())
    html = client.get("/").content.decode()
    assert html.count('type="search"') == 1 and 'class="search home-search"' in html
    assert html.count('<table class="month">') == 1
    assert "2023年1月" in html  # the newest seed issue is of 2023-01-05
    assert 'href="/taiyuan-daily/2023-01-05/"' in html
    assert 'href="/taiyuan-daily/2023/"' in html  # the whole year is one click away


def test_home_in_english_when_chosen_and_chinese_by_default(client):
    call_command("ingest", str(SEEDS), stdout=StringIO())
    # an English-language browser still gets the Chinese interface: the switch alone changes it
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-Hans"' in html and "最新各期" in html and 'value="en"' in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html and "Latest issues" in html and "最新各期" not in html
    assert "January 2023" in html and 'value="zh-hans"' in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "最新各期" in client.get("/").content.decode()

"""The term chart: y-axis values, labelled periods, count or share, up to four terms."""
from __future__ import annotations

import re
from html import unescape

import pytest

from search import charts

pytestmark = pytest.mark.django_db


def test_ticks_are_round_and_reach_the_peak():
    assert charts.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(3) == [0, 1, 2, 3]
    assert charts.nice_ticks(0.37)[-1] >= 0.37
    assert charts.nice_ticks(1000) == [0, 200, 400, 600, 800, 1000]


def test_share_divides_by_all_articles_of_the_period():
    chart = charts.build([("a", [("2021-01", 1), ("2021-02", 3)])], mode="share",
                         totals=[("2021-01", 4), ("2021-02", 6)])
    assert chart["mode"] == "share"
    assert [g["bars"][0]["text"] for g in chart["groups"]] == ["25.0%", "50.0%"]


def test_every_period_is_labelled_up_to_twelve_and_evenly_after():
    months = [(f"2021-{m:02d}", 1) for m in range(1, 13)] + [(f"2022-{m:02d}", 1) for m in range(1, 13)]
    chart = charts.build([("a", months)])
    labelled = [g["period"] for g in chart["groups"] if g["labelled"]]
    assert labelled[0] == "2021-01" and len(labelled) == 12
    small = charts.build([("a", months[:6])])
    assert all(g["labelled"] for g in small["groups"])


@pytest.fixture
def _archive(seeded_archive):
    return seeded_archive


def test_two_terms_are_compared_each_in_its_colour_with_a_legend(client, _archive):
    html = client.get("/search/", {"terms": "太原,疫情"}).content.decode()
    values = {}
    for term, period, value in re.findall(r'data-term="([^"]+)" data-period="([^"]+)" data-value="([^"]+)"', html):
        values.setdefault(term, {})[period] = int(value)
    assert set(values) == {"太原", "疫情"}
    for term in values:
        months = client.get("/api/search", {"q": term}).json()["facets"]["month"]
        assert {m["value"]: m["count"] for m in months} == {k: v for k, v in values[term].items() if v}
    assert 'class="s0"' in html and 'class="s1"' in html
    assert 'class="swatch s0"' in html and 'class="swatch s1"' in html
    assert re.search(r'<text class="tick"[^>]*>\d+</text>', html)  # y-axis values
    assert html.count('<text class="period"') >= 2


def test_share_toggle_works_without_javascript(client, _archive):
    html = unescape(client.get("/search/", {"q": "疫情"}).content.decode())
    share_link = re.search(r'<a href="\?([^"]*chart=share[^"]*)">占比</a>', html).group(1)
    shared = client.get("/search/?" + share_link).content.decode()
    assert 'data-mode="share"' in shared and "%</text>" in shared
    values = [float(v.rstrip("%")) for v in re.findall(r'data-value="([\d.]+%)"', shared)]
    assert values and all(0 <= v <= 100 for v in values) and max(values) > 0


def test_more_than_four_terms_is_refused(client, _archive):
    response = client.get("/search/", {"terms": "a,b,c,d,e"})
    assert response.status_code == 400 and "最多比较 4 个词" in response.content.decode()

"""The search page's result list, made by ``search_tags.result_items`` instead of a template loop:
the same markup the loop made, every value escaped."""
from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from search.forms import SearchForm
from search.selectors import search_articles
from search.templatetags.search_tags import result_items, trend_bars

pytestmark = pytest.mark.django_db

# The loop search.html rendered the hits with until the tag replaced it.
LOOP = """{% load i18n archive_tags %}{% for hit in hits %}
      <li>
        <h3><a href="{{ hit.article.get_absolute_url }}?{{ reading_query }}&amp;hit={{ forloop.counter0|add:first_number }}" lang="zh-Hans">{% if hit.headline_html %}{{ hit.headline_html|safe }}{% else %}{% article_title hit.article %}{% endif %}</a></h3>
        <p class="meta">{{ hit.article.issue.date|date:"Y-m-d" }} · {{ hit.article.issue.newspaper.name }}{% if hit.article.section %} · {{ hit.article.section.name }}{% endif %}{% if hit.bylines %} · {{ hit.bylines|join:"、" }}{% endif %} · {{ hit.kind_label }} · <a class="cite" href="{% url 'search:cite' hit.article.pk 'ris' %}" download aria-label="{% translate '引文 RIS：' %}{% article_title hit.article %}">RIS</a></p>
        {% for snippet in hit.snippets %}<p class="snippet" lang="zh-Hans">{{ snippet|safe }}</p>{% endfor %}
      </li>
      {% endfor %}"""


def _hits(query: str, page: int = 1):
    form = SearchForm({"q": query, "page": str(page)})
    assert form.is_valid(), form.errors
    return search_articles(plan=form.plan(), page=page, page_size=20).hits


@pytest.mark.parametrize("query,page", [("太原", 1), ("太原", 2), ("记者", 1), ("headline:发展", 1), ("摄", 1)])
def test_the_tag_makes_the_markup_the_template_loop_made(seeded_archive, query, page):
    hits = _hits(query, page)
    assert hits
    first_number, reading_query = (page - 1) * 20 + 1, f"q={query}&sort=date"
    looped = Template(LOOP).render(Context({"hits": hits, "first_number": first_number,
                                            "reading_query": reading_query}))
    made = result_items(hits, first_number=first_number, reading_query=reading_query)
    assert made.strip() == looped.strip()


def test_every_value_is_escaped(seeded_archive):
    hit = _hits("太原")[0]
    hit.headline_html = ""
    hit.article.headline = '<script>alert("标题")</script>'
    hit.article.issue.newspaper.name = "<b>报</b>"
    made = result_items([hit], first_number=1, reading_query='q="><img src=x>')
    assert "<script>" not in made and "<b>" not in made and "<img" not in made
    assert "&lt;script&gt;alert(&quot;标题&quot;)&lt;/script&gt;" in made and "&lt;b&gt;报&lt;/b&gt;" in made


# The loop search.html drew the chart's bars with until the tag replaced it.
BARS = """{% load i18n %}{% for group in trend.groups %}{% for bar in group.bars %}<a href="?{{ bar.url }}" aria-label="{{ group.period }}：{{ bar.text }}{% if trend.mode == 'count' %} {% translate '篇' %}{% endif %}（{{ bar.term }}）"><rect class="{{ bar.css }}" x="{{ bar.x }}" y="{{ bar.y }}" width="{{ bar.width }}" height="{{ bar.height }}" data-term="{{ bar.term }}" data-period="{{ group.period }}" data-value="{{ bar.text }}"><title>{{ bar.term }} {{ group.period }}：{{ bar.text }}</title></rect></a>{% endfor %}{% if group.labelled %}<text class="period" x="{{ group.label_x }}" y="{{ trend.label_y }}" text-anchor="middle">{{ group.period }}</text>{% endif %}{% endfor %}"""


@pytest.mark.parametrize("params", [{"q": "太原"}, {"q": "太原", "chart": "share"}, {"q": "记者", "terms": "太原,记者,发展"},
                                    {"q": "太原", "language": "en"}], ids=["count", "share", "terms", "english"])
def test_the_bars_are_the_markup_the_template_loop_made(seeded_archive, client, params):
    params = dict(params)
    language = params.pop("language", "zh-hans")
    client.cookies["django_language"] = language
    trend = client.get("/search/", params).context["trend"]
    assert trend and sum(len(group["bars"]) for group in trend["groups"]) > 1
    with translation.override(language):
        assert trend_bars(trend) == Template(BARS).render(Context({"trend": trend}))


def test_the_bars_escape_every_value(seeded_archive, client):
    trend = client.get("/search/", {"q": "太原"}).context["trend"]
    group = trend["groups"][0]
    group["period"], group["labelled"] = "<i>2021</i>", True
    group["bars"][0].update(term='"><script>', url="q=<b>", text="<u>1</u>")
    made = trend_bars(trend)
    assert "<script>" not in made and "<i>" not in made and "<b>" not in made and "<u>" not in made
    assert made == Template(BARS).render(Context({"trend": trend}))

"""Lists of articles (an issue, a page, a contributor, a section, 历史上的今天), made by
``archive_tags.article_items`` instead of an included template for each: the same markup the
include made, in both languages, every value escaped."""
from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from articles import selectors
from articles.models import Article, Contributor, Issue
from articles.templatetags.archive_tags import article_items
from tests.articles.test_reading import continued_story

pytestmark = pytest.mark.django_db

# articles/_article_item.html, which each list included for each article until the tag replaced it
ITEM = """{% load archive_tags i18n %}<li{% if article.number %} value="{{ article.number }}"{% endif %}>
  {% if article.kicker %}<span class="kicker" lang="zh-Hans">{{ article.kicker }}</span>{% endif %}
  <a href="{{ article.get_absolute_url }}" lang="zh-Hans">{% article_title article %}</a>
  {% if article.subheadline %}<span class="sub" lang="zh-Hans">——{{ article.subheadline }}</span>{% endif %}
  <span class="meta">{% if show_date %}{{ article.issue.date|date:"Y-m-d" }} {% blocktranslate with page=article.page.number %}第{{ page }}版{% endblocktranslate %} · {% endif %}{% for credit in article.credits.all %}{{ credit.contributor.name }}{% if not forloop.last %}{% translate "、" %}{% endif %}{% empty %}{% endfor %}{% if article.credits.all %} · {% endif %}{% kind_label article.kind %}{% if article.continues_id %} · <a href="{% url 'articles:article' article.issue.newspaper.slug article.issue.date article.continues.page.number article.continues.position %}">{% blocktranslate with page=article.continues.page.number %}上接第 {{ page }} 版{% endblocktranslate %}</a>{% endif %}</span>
</li>
"""


def _included(articles, show_date: bool) -> str:
    item = Template(ITEM)
    return "".join(item.render(Context({"article": a, "show_date": show_date})) for a in articles)


@pytest.fixture
def lists(seeded_archive) -> list[list[Article]]:
    continued_story()  # a part that links to the story it continues
    lists = [selectors.issue_articles(issue=issue) for issue in Issue.objects.all()]
    for number, article in enumerate(lists[0], start=1):  # the issue page numbers its items
        article.number = number
    contributor = Contributor.objects.filter(credits__isnull=False).first()
    lists.append(list(selectors.contributor_articles(contributor=contributor)))
    return lists


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("show_date", [False, True])
def test_the_tag_makes_the_markup_each_include_made(lists, language, show_date):
    assert any(a.continues_id for found in lists for a in found) and any(a.kicker for found in lists for a in found)
    with translation.override(language):
        for articles in lists:
            assert article_items(articles, show_date=show_date) == _included(articles, show_date)


def test_every_value_is_escaped(lists):
    article = lists[0][0]
    article.kicker, article.headline, article.subheadline = "<i>引</i>", '"><script>', "<b>副</b>"
    article.issue.newspaper.name = "<u>报</u>"
    made = article_items([article], show_date=True)
    assert "<script>" not in made and "<i>" not in made and "<b>" not in made
    assert made == _included([article], True)

"""Template helpers for the search page.

The result list and the chart's bars are made here rather than by the template engine: a page
of 20 hits was some 400 template nodes (a variable, a filter or a tag each), a third of the
page's rendering at 150,000 articles. Every value is escaped here (``html.escape``, which Django's ``escape`` calls
too); the highlighted headline and the snippets come escaped from ``search.snippets``.
"""
from html import escape

from django import template
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from articles.templatetags.archive_tags import article_title

register = template.Library()

_SOME_PK = 987654321  # stands for an article's id in the citation link's address, made once a page


@register.simple_tag
def result_items(hits, *, first_number: int, reading_query: str) -> SafeString:
    """The ``<li>`` of each hit: its headline linked to the article (carrying the search, so the
    article page offers the previous and next hit), where and by whom it was printed, its kind,
    a link to its RIS citation, and its snippets."""
    cite_label = escape(gettext("引文 RIS："))
    cite_before, cite_after = reverse("search:cite", args=[_SOME_PK, "ris"]).split(str(_SOME_PK))
    query = escape(reading_query)
    items = []
    for number, hit in enumerate(hits, start=first_number):
        article = hit.article
        issue = article.issue
        title = escape(article_title(article))
        meta = [issue.date.isoformat(), escape(issue.newspaper.name)]
        if article.section:
            meta.append(escape(article.section.name))
        bylines = hit.bylines
        if bylines:
            meta.append(escape("、".join(bylines)))
        meta.append(escape(hit.kind_label))
        cite_url = escape(f"{cite_before}{article.pk}{cite_after}")
        snippets = "".join(f'<p class="snippet" lang="zh-Hans">{snippet}</p>' for snippet in hit.snippets)
        items.append(
            f'\n      <li>\n        <h3><a href="{escape(article.get_absolute_url())}?{query}&amp;hit={number}"'
            f' lang="zh-Hans">{hit.headline_html or title}</a></h3>\n'
            f'        <p class="meta">{" · ".join(meta)} · <a class="cite" href="{cite_url}" download'
            f' aria-label="{cite_label}{title}">RIS</a></p>\n        {snippets}\n      </li>\n      ')
    return mark_safe("".join(items))  # noqa: S308 (every value escaped above)


@register.simple_tag
def trend_bars(trend: dict) -> SafeString:
    """The chart's bars, each a link that narrows the search to its period, and the periods'
    labels (a decade by month is 120 groups of up to four bars: a template loop of thousands
    of nodes)."""
    unit = f" {escape(gettext('篇'))}" if trend["mode"] == "count" else ""
    label_y = localize(trend["label_y"])
    parts = []
    for group in trend["groups"]:
        period = escape(group["period"])
        for bar in group["bars"]:
            term, text = escape(bar["term"]), escape(bar["text"])
            parts.append(
                f'<a href="?{escape(bar["url"])}" aria-label="{period}：{text}{unit}（{term}）"><rect'
                f' class="{escape(bar["css"])}" x="{localize(bar["x"])}" y="{localize(bar["y"])}"'
                f' width="{localize(bar["width"])}" height="{localize(bar["height"])}" data-term="{term}"'
                f' data-period="{period}" data-value="{text}"><title>{term} {period}：{text}</title></rect></a>')
        if group["labelled"]:
            parts.append(f'<text class="period" x="{localize(group["label_x"])}" y="{label_y}"'
                         f' text-anchor="middle">{period}</text>')
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)

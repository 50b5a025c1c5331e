"""Template helpers for the reader's pages."""
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from ..citation import title
from ..models import Article

register = template.Library()


@register.simple_tag
def article_title(article: Article) -> str:
    """The main headline of a listed article (its 引题 is shown apart), or the descriptive title of an
    item printed without one."""
    return article.headline or title(article)


@register.simple_tag
def kind_label(value: str) -> str:
    """An article's kind in the interface's language (消息 / news …)."""
    from search.selectors import kind_label as label

    return label(value)


# The credit roles' labels (articles.models.ArticleContributor.Role), for the interface's translations.
_ROLE_LABELS = [gettext_noop("记者"), gettext_noop("通讯员"), gettext_noop("摄影"), gettext_noop("评论员"),
                gettext_noop("供稿"), gettext_noop("署名"), gettext_noop("图片提供")]


@register.simple_tag
def role_label(credit) -> str:
    """A credit's role in the interface's language (记者 / reporter …)."""
    return gettext(str(credit.get_role_display()))


@register.simple_tag
def facet_items(values: list[dict]) -> SafeString:
    """A search facet's values as the items of its list: a link that narrows the search to the
    value, or the chosen value with a link that drops it, and its count. Made here rather than by
    the template engine: at 150k a search page's eighty facet values were a third of its template
    nodes. Every value escaped with ``html.escape`` (as ``format_html`` would, without its cost
    for each argument)."""
    cancel = escape(gettext("取消"))
    items = []
    for value in values:
        label, url, count = escape(str(value["label"])), escape(str(value["url"])), escape(str(value["count"]))
        if value["selected"]:
            items.append(f'<li><strong>{label}</strong> <a href="?{url}" aria-label="{cancel} {label}">×</a>'
                         f' <span class="count">{count}</span></li>')
        else:
            items.append(f'<li><a href="?{url}">{label}</a> <span class="count">{count}</span></li>')
    return mark_safe("".join(items))  # noqa: S308 (every value escaped above)


@register.simple_tag
def article_items(articles, *, show_date: bool = False) -> SafeString:
    """The ``<li>`` of each listed article (what the included ``articles/_article_item.html`` made,
    kept in ``tests/articles/test_archive_tags.py`` as the reference):
    its 引题, its title linked to it, its 副题, then (with ``show_date``) its date and page, its
    bylines, its kind and, for a part, a link to the story it continues. Made here rather than by
    including the template for each: an issue of 35 articles was 35 includes and some 500 nodes,
    a third of its page's time at 150k. Every value escaped with ``html.escape``."""
    from search.selectors import kind_label as label

    comma, items = escape(gettext("、")), []
    for article in articles:
        number = getattr(article, "number", None)
        parts = [f'<li value="{escape(str(number))}">' if number else "<li>", "\n  "]
        if article.kicker:
            parts.append(f'<span class="kicker" lang="zh-Hans">{escape(article.kicker)}</span>')
        parts.append(f'\n  <a href="{escape(article.get_absolute_url())}" lang="zh-Hans">'
                     f"{escape(article_title(article))}</a>\n  ")
        if article.subheadline:
            parts.append(f'<span class="sub" lang="zh-Hans">——{escape(article.subheadline)}</span>')
        parts.append('\n  <span class="meta">')
        issue = article.issue
        if show_date:
            page = escape(gettext("第%(page)s版") % {"page": article.page.number})
            parts.append(f"{issue.date.isoformat()} {page} · ")
        credits = article.credits.all()
        if credits:
            parts.append(comma.join(escape(credit.contributor.name) for credit in credits) + " · ")
        parts.append(escape(label(article.kind)))
        if article.continues_id:
            start = article.continues
            url = reverse("articles:article", args=[issue.newspaper.slug, issue.date, start.page.number, start.position])
            parts.append(f' · <a href="{escape(url)}">'
                         f'{escape(gettext("上接第 %(page)s 版") % {"page": start.page.number})}</a>')
        parts.append("</span>\n</li>\n")
        items.append("".join(parts))
    return mark_safe("".join(items))  # noqa: S308 (every value escaped above)

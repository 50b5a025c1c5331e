"""Template helpers for the reader's pages."""
from django import template
from django.utils.html import format_html, format_html_join
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
def facet_items(values: list[dict]) -> str:
    """A search facet's values as the items of its list: a link that narrows the search to the
    value, or the chosen value with a link that drops it, and its count. Made here rather than by
    the template engine: at 150k a search page's eighty facet values were a third of its template
    nodes."""
    cancel = gettext("取消")
    return format_html_join("", "<li>{}</li>", ((_facet_item(value, cancel),) for value in values))


def _facet_item(value: dict, cancel: str) -> str:
    if value["selected"]:
        return format_html('<strong>{}</strong> <a href="?{}" aria-label="{} {}">×</a> <span class="count">{}</span>',
                           value["label"], value["url"], cancel, value["label"], value["count"])
    return format_html('<a href="?{}">{}</a> <span class="count">{}</span>', value["url"], value["label"],
                       value["count"])

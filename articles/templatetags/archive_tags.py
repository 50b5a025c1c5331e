"""Template helpers for the reader's pages."""
from django import template

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

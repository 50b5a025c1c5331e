"""Template helpers for the reader's pages."""
from django import template
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

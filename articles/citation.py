"""Titles and citations of articles (GB/T 7714-2015, newspaper articles: [N])."""
from __future__ import annotations

import re

from .models import Article, ArticleContributor

# Credits that are not authorship: a photo agency, an office that supplied the text.
_NOT_AUTHORS = {ArticleContributor.Role.PHOTO_SOURCE, ArticleContributor.Role.SUPPLIER}
# Where a caption's or a note's first phrase ends.
_CLAUSE_END = re.compile(r"[。！？；;!?\n]|[，,：:](?=.{8,})")
_TITLE_FROM_TEXT = 24


def authors(article: Article) -> list[str]:
    return [c.contributor.name for c in article.credits.all() if c.role not in _NOT_AUTHORS]


def _first_phrase(text: str) -> str:
    """The text's first phrase, whole: cut at a sentence or clause end, never mid-word; an ellipsis
    where even the first phrase is long."""
    text = text.strip()
    m = _CLAUSE_END.search(text)
    phrase = text[: m.start()] if m else text
    return phrase if len(phrase) <= _TITLE_FROM_TEXT else phrase[: _TITLE_FROM_TEXT - 1] + "…"


def title(article: Article) -> str:
    """What an article is called in lists and citations: its headline (引题 and 主题); for an item
    printed without one, a title that says what it is: the story a continuation carries on, a
    photo's caption, a notice's first phrase."""
    if article.full_headline:
        return article.full_headline
    start = article.continues if article.continues_id else None
    if start is not None and start.full_headline:
        return f"{start.full_headline}（续）"
    # a list reads only the opening of each body (``ArticleQuerySet.for_reading(body=False)``)
    text = getattr(article, "opening", "") if "body" in article.get_deferred_fields() else article.body
    phrase = _first_phrase(text) if text.strip() else ""
    if article.kind == Article.Kind.PHOTO:
        return f"图片：{phrase}" if phrase else "图片"
    if article.kind == Article.Kind.CONTINUATION:
        return f"转版：{phrase}" if phrase else "转版"
    return phrase or "（无标题）"


def gbt7714(article: Article) -> str:
    """E.g. ``刘涛. 全力筑牢疫情防控安全防线[N]. 太原日报, 2021-10-28(1).`` (three authors at most,
    then 等; the page in brackets)."""
    names = authors(article)
    who = ", ".join(names[:3]) + (", 等" if len(names) > 3 else "")
    prefix = f"{who}. " if who else ""
    return (f"{prefix}{title(article)}[N]. {article.issue.newspaper.name}, "
            f"{article.issue.date.isoformat()}({article.page.number}).")

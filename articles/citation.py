"""Citations of articles (GB/T 7714-2015, newspaper articles: [N])."""
from __future__ import annotations

from .models import Article, ArticleContributor

# Credits that are not authorship: a photo agency, an office that supplied the text.
_NOT_AUTHORS = {ArticleContributor.Role.PHOTO_SOURCE, ArticleContributor.Role.SUPPLIER}


def authors(article: Article) -> list[str]:
    return [c.contributor.name for c in article.credits.all() if c.role not in _NOT_AUTHORS]


def title(article: Article) -> str:
    return article.headline or article.body.strip()[:30] or "（无标题）"


def gbt7714(article: Article) -> str:
    """E.g. ``刘涛. 全力筑牢疫情防控安全防线[N]. 太原日报, 2021-10-28.`` (three authors at most, then 等)."""
    names = authors(article)
    who = ", ".join(names[:3]) + (", 等" if len(names) > 3 else "")
    prefix = f"{who}. " if who else ""
    return f"{prefix}{title(article)}[N]. {article.issue.newspaper.name}, {article.issue.date.isoformat()}."

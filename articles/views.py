"""Public pages of the articles app. They only read."""
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .selectors import article_detail


@require_safe
def article(request, paper: str, date, position: int):
    found = article_detail(newspaper_slug=paper, date=date, position=position)
    if found is None:
        raise Http404("没有这篇文章")
    return render(request, "articles/article.html", {
        "article": found,
        "paragraphs": [p for p in found.body.split("\n") if p.strip()],
        "credits": list(found.credits.all()),
    })

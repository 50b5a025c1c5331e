"""A story's parts across pages: an article marked （上接第1版） is linked to the article it continues."""
from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Q

from ..models import Article, Issue, Page
from ..signals import articles_changed

# Without a （下转第N版） mark to go by, a candidate must share this much of its headline's (or its
# text's) character pairs with the continuation to be taken for its story.
_MIN_LIKENESS = 0.2


def _grams(text: str) -> set[str]:
    text = re.sub(r"\W+", "", text or "")
    return {text[i: i + 2] for i in range(len(text) - 1)}


def _likeness(tail: Article, head: Article) -> float:
    """How much a continuation looks like the start of a story: its headline (a continuation often
    repeats a short form of it) against the story's, else its text against the story's text."""
    tail_title, head_title = _grams(tail.full_headline), _grams(head.full_headline)
    if tail_title and head_title:
        return len(tail_title & head_title) / len(tail_title)
    tail_text, head_text = _grams(tail.body[:400]), _grams(head.body)
    return len(tail_text & head_text) / len(tail_text) if tail_text else 0.0


def _assign(tails: list[Article], heads: list[Article]) -> dict[int, Article]:
    """Each continuation's story start, one continuation per start and page: pairs a （下转） mark
    names first, then by likeness, the likeliest pairs first; an unmarked pair must look alike."""
    pairs = []
    for tail in tails:
        for head in heads:
            if head.page.number != tail.continued_from_page or head.pk == tail.pk:
                continue
            marked = head.continued_to_page == tail.page.number
            likeness = _likeness(tail, head)
            if marked or likeness >= _MIN_LIKENESS:
                pairs.append((marked, likeness, -head.position, tail, head))
    pairs.sort(key=lambda pair: pair[:3], reverse=True)
    chosen: dict[int, Article] = {}
    taken: set[int] = set()
    for _marked, _likeness_, _position, tail, head in pairs:
        if tail.pk not in chosen and head.pk not in taken:
            chosen[tail.pk] = head
            taken.add(head.pk)
    return chosen


def link_continuations(*, issue: Issue, written: Page | None = None) -> list[int]:
    """Link every continuation of the issue that an editor has not linked or unlinked to the start
    of its story: on the page it names, an article marked （下转） to its page, else the likeliest
    by headline and text (``_assign``). Returns the articles whose search documents changed (the
    parts and the stories they join or leave), after queueing them for the index.

    ``written``: the page just written, when that is why the links are looked at. Only a
    continuation printed on it, or one that names it as its story's page, can then change its
    link (the other continuations' candidate starts are on pages it did not touch), so a page
    that is neither, most pages of a day, costs one read and no locks.

    Called after a page's own transaction has committed. It writes articles of other pages, so it
    first takes every page of the day, in key order (FOR NO KEY UPDATE): the lock order of ingest,
    reparse and the admin is a page, then its articles; two linkers of one day wait for each other
    instead of deadlocking, and the rows are read after the locks, so no one's save is overwritten.
    """
    # A linked article no longer marked as a continuation (re-segmented, or an editor cleared its
    # mark) is unlinked, unless an editor made the link.
    unmarked = Q(continued_from_page__isnull=True, continues__isnull=False, continues_set_by_editor=False)
    if written is not None and not Article.objects.filter(
            (Q(continued_from_page__isnull=False) & (Q(page=written) | Q(continued_from_page=written.number)))
            | (Q(page=written) & unmarked), issue=issue).exists():
        return []
    with transaction.atomic():
        list(Page.objects.select_for_update(no_key=True).filter(issue=issue).order_by("pk").values_list("pk"))
        # whole rows: saving a link writes the article's history row, which reads every field
        found = list(Article.objects.filter(Q(continued_from_page__isnull=False) | unmarked, issue=issue)
                     .select_related("page"))
        if not found:
            return []
        changed: set[int] = set()
        tails = []
        for article in found:
            if article.continued_from_page is not None:
                tails.append(article)
                continue
            changed.update((article.pk, article.continues_id))
            article.continues_id = None
            article.save(update_fields=["continues", "updated_at"])
        heads = list(Article.objects.filter(issue=issue, page__number__in={t.continued_from_page for t in tails})
                     .select_related("page").only("pk", "position", "kicker", "headline", "body",
                                                  "continued_to_page", "page__number"))
        chosen = _assign([t for t in tails if not t.continues_set_by_editor], heads)
        for tail in tails:
            if tail.continues_set_by_editor:
                if tail.continues_id:
                    changed.add(tail.continues_id)  # the story's document carries its parts' text
                continue
            head = chosen.get(tail.pk)
            new_id = head.pk if head else None
            if new_id != tail.continues_id:
                changed.update(pk for pk in (tail.pk, tail.continues_id) if pk)
                tail.continues_id = new_id
                tail.save(update_fields=["continues", "updated_at"])
            if new_id:
                changed.add(new_id)
        if changed:
            articles_changed.send(sender=Article, article_ids=sorted(changed))
        return sorted(changed)

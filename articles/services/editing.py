"""Editors' writes beyond a field's correction: merges (contributors, sections, two adjacent
articles), splits (an article at a paragraph), reverts (a field back to the segmenter's value or to
an earlier version), and the article's one history that shows them all.

Lock order, the same in ingest, reparse, the admin's saves and everything here: the page rows
first (``FOR NO KEY UPDATE``, in ascending key), then the article rows (``FOR NO KEY UPDATE``, in
ascending key); each article is saved once per transaction. The issue row is never locked. A
reparse holding a page therefore makes an editor's save of that page's article wait, never
deadlock, and the reverse.

Merges and splits of articles are stored as ``PageEdit`` rows against the segmenter's values, so
``ingest --reparse`` applies them again to a new segmentation (``apply_page_edits``) before it
pairs the new articles with the stored ones; one it cannot place is reported and set inactive.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re

from django.db import transaction
from django.db.models import F
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..models import Article, ArticleContributor, Contributor, Page, PageEdit, Section
from ..segmentation import SegmentedArticle
from ..signals import articles_changed
from .ingest import POSITION_SHIFT, SAME_ARTICLE_LIKENESS, bigrams, likeness

PARAGRAPH_BREAK = "\n\n"
TEXT_FIELDS = ("kicker", "headline", "subheadline", "body")


class EditError(ValueError):
    """An edit that cannot be made, with a message for the editor."""


def normalise_line_ends(value):
    """CRLF and lone CR as LF: what a browser submits from a textarea, stored as ingest stores it."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _with_user(obj, user, reason: str):
    if user is not None:
        obj._history_user = user
    obj._change_reason = reason or None
    return obj


# -- locks -----------------------------------------------------------------------------------
def lock_pages(page_ids) -> None:
    """The pages' rows, FOR NO KEY UPDATE, in ascending key: the first lock of every write."""
    list(Page.objects.select_for_update(no_key=True).filter(pk__in=list(page_ids)).order_by("pk")
         .values_list("pk", flat=True))


def lock_articles(article_ids) -> dict[int, Article]:
    """The articles' pages, then the articles (FOR NO KEY UPDATE, ascending key), fresh from the database."""
    ids = sorted(set(article_ids))
    lock_pages(Article.objects.filter(pk__in=ids).values_list("page_id", flat=True).distinct())
    return {a.pk: a for a in Article.objects.select_for_update(no_key=True, of=("self",)).filter(pk__in=ids)
            .select_related("page", "section").order_by("pk")}


def _shift_positions(page: Page, *, after: int, by: int) -> list[int]:
    """Renumber the page's articles after ``after`` by ``by`` (positions are unique per page, so
    through a shifted range). Returns their keys, queued for the search index."""
    moved = Article.objects.filter(page=page, position__gt=after)
    ids = list(moved.values_list("pk", flat=True))
    if ids:
        Article.objects.filter(pk__in=ids).update(position=F("position") + POSITION_SHIFT)
        Article.objects.filter(pk__in=ids).update(position=F("position") - POSITION_SHIFT + by)
    return ids


# -- the segmenter's values of merged and split articles ----------------------------------------
def _join(*bodies: str) -> str:
    return PARAGRAPH_BREAK.join(b for b in bodies if b)


def merge_values(first: dict, second: dict) -> dict:
    """What the segmenter would have produced had it made one article of two: the first's headline
    and metadata, both bodies, both articles' credits."""
    bylines = [list(b) for b in first.get("bylines") or []]
    bylines += [list(b) for b in second.get("bylines") or [] if list(b) not in bylines]
    return {**first, "body": _join(first.get("body") or "", second.get("body") or ""), "bylines": bylines}


def split_values(values: dict, at: int) -> tuple[dict, dict]:
    """The segmenter's values of an article cut before paragraph ``at``: the second part has the
    first's section and kind, no headline and no credits."""
    paragraphs = (values.get("body") or "").split(PARAGRAPH_BREAK)
    first = {**values, "body": _join(*paragraphs[:at])}
    second = {"kicker": None, "headline": None, "subheadline": None, "section": values.get("section"),
              "dateline": None, "kind": values.get("kind"), "continued_from_page": None,
              "body": _join(*paragraphs[at:]), "bylines": []}
    return first, second


def _merge_segs(a: SegmentedArticle, b: SegmentedArticle) -> SegmentedArticle:
    return dataclasses.replace(a, paragraphs=[*a.paragraphs, *b.paragraphs], credits=[*a.credits, *b.credits],
                               end_line=max(a.end_line, b.end_line),
                               continued_to_page=b.continued_to_page or a.continued_to_page)


def _split_seg(a: SegmentedArticle, at: int) -> tuple[SegmentedArticle, SegmentedArticle]:
    first = dataclasses.replace(a, paragraphs=a.paragraphs[:at], continued_to_page=None)
    second = SegmentedArticle(position=a.position + 1, section=a.section, kind=a.kind, paragraphs=a.paragraphs[at:],
                              continued_to_page=a.continued_to_page, start_line=a.start_line, end_line=a.end_line)
    return first, second


def _alike(a: str, b: str) -> bool:
    return a == b or likeness(bigrams(a), bigrams(b)) >= SAME_ARTICLE_LIKENESS


def _reapply_merge(segs: list[SegmentedArticle], details: dict) -> tuple[bool, str]:
    first_body, second_body = details["bodies"]
    merged = _join(first_body, second_body)
    if any(seg.body == merged for seg in segs):
        return True, ""  # the segmenter now makes one article of them itself
    for exact in (True, False):
        for i in range(len(segs) - 1):
            a, b = segs[i], segs[i + 1]
            if (a.body == first_body and b.body == second_body) if exact else \
                    (_alike(a.body, first_body) and _alike(b.body, second_body)):
                segs[i: i + 2] = [_merge_segs(a, b)]
                return True, ""
    return False, _("the two articles are no longer side by side in the new segmentation")


def _reapply_split(segs: list[SegmentedArticle], details: dict) -> tuple[bool, str]:
    body, paragraph = details["body"], details["paragraph"]
    for i, seg in enumerate(segs):
        if seg.paragraphs[:1] == [paragraph] and i and _alike(_join(segs[i - 1].body, seg.body), body):
            return True, ""  # the segmenter now starts an article there itself
    for exact in (True, False):
        for i, seg in enumerate(segs):
            if not ((seg.body == body) if exact else _alike(seg.body, body)):
                continue
            if paragraph in seg.paragraphs[1:]:
                at = seg.paragraphs.index(paragraph, 1)
                segs[i: i + 1] = list(_split_seg(seg, at))
                return True, ""
    return False, _("the paragraph the article was split at is no longer inside one article")


def apply_page_edits(page: Page, segs: list[SegmentedArticle]) -> tuple[list[SegmentedArticle], list[str]]:
    """A new segmentation of a page with the editors' merges and splits applied again, in the order
    they were made, renumbered; and a warning for each edit that could not be carried over (that
    edit is set inactive, with the reason, and is not tried again). Call with the page locked."""
    edits = list(page.edits.filter(active=True).order_by("created_at", "pk")) if page.pk else []
    if not edits:
        return segs, []
    segs = [dataclasses.replace(s) for s in segs]
    warnings = []
    for edit in edits:
        apply = _reapply_merge if edit.kind == PageEdit.Kind.MERGE else _reapply_split
        ok, why = apply(segs, edit.details)
        if not ok:
            edit.active, edit.note = False, why[:300]
            edit.save(update_fields=["active", "note"])
            warnings.append(f"could not carry over the editor's {edit.kind} of {edit.details.get('label', '')} "
                            f"(made {edit.created_at:%Y-%m-%d}): {why}")
    for i, seg in enumerate(segs, start=1):
        seg.position = i
    return segs, warnings


# -- merging and splitting articles ----------------------------------------------------------------
def _label(article: Article) -> str:
    return f"{article.position}「{(article.full_headline or article.body)[:20]}」"


@transaction.atomic
def merge_articles(*, first: Article, second: Article, user=None, reason: str = "") -> Article:
    """Merge ``second`` into ``first``, the article just before it on the same page: one article
    with the first's headline, both bodies and both articles' credits. The second's history stays
    (its last row records the merge); links to it move to the first."""
    locked = lock_articles([first.pk, second.pk])
    if len(locked) != 2:
        raise EditError(_("Choose two different articles."))
    first, second = sorted(locked.values(), key=lambda a: (a.page_id, a.position))
    if first.page_id != second.page_id or second.position != first.position + 1:
        raise EditError(_("Only two adjacent articles of one page can be merged."))
    details = {"bodies": [first.segmented.get("body") or "", second.segmented.get("body") or ""],
               "label": f"{_label(first)} + {_label(second)}"}
    taken = {(c.contributor_id, c.role) for c in first.credits.all()}
    next_position = len(taken)
    for credit in second.credits.order_by("position"):
        if (credit.contributor_id, credit.role) not in taken:
            taken.add((credit.contributor_id, credit.role))
            _with_user(ArticleContributor(article=first, contributor_id=credit.contributor_id, role=credit.role,
                                          position=next_position), user, reason).save()
            next_position += 1
    for tail in Article.objects.filter(continues=second).exclude(pk=first.pk):
        tail.continues = first
        _with_user(tail, user, reason).save(update_fields=["continues", "updated_at"])
    first.body = _join(first.body, second.body)
    first.continued_to_page = second.continued_to_page or first.continued_to_page
    first.source_end_line = max(first.source_end_line, second.source_end_line)
    first.segmented = merge_values(first.segmented, second.segmented)
    first.refresh_corrections(save=False)
    note = f"merged with article {_label(second)}" + (f": {reason}" if reason else "")
    _with_user(first, user, note).save()
    _with_user(second, user, f"merged into article {_label(first)}" + (f": {reason}" if reason else "")).delete()
    moved = _shift_positions(first.page, after=second.position, by=-1)
    PageEdit.objects.create(page=first.page, kind=PageEdit.Kind.MERGE, details=details, article=first,
                            other_article_id=second.pk, reason=reason[:200], user=user)
    if moved:
        articles_changed.send(sender=Article, article_ids=moved)
    return first


def _source_line_of(page: Page, paragraph: str, start: int, end: int) -> int:
    """The page's source line (numbered as the segmenter numbers them) where a paragraph begins."""
    probe = re.sub(r"\s+", "", paragraph)[:8]
    if probe:
        lines = page.raw_text.split("\n")
        for number in range(start, end + 1):
            for index in (number - 1, number):  # whichever base the segmenter counts from
                if 0 <= index < len(lines) and re.sub(r"\s+", "", lines[index]).startswith(probe):
                    return number
    return start


@transaction.atomic
def split_article(*, article: Article, at: int, user=None, reason: str = "") -> Article:
    """Split an article before its paragraph ``at`` (counted from 0; paragraphs are separated by a
    blank line): the first part keeps the headline, credits and history, the second is a new
    article right after it, with the same section and kind. Returns the new article."""
    article = lock_articles([article.pk])[article.pk]
    paragraphs = article.body.split(PARAGRAPH_BREAK)
    if not 1 <= at < len(paragraphs):
        raise EditError(_("Choose a paragraph after the first one to split at."))
    seg_paragraphs = (article.segmented.get("body") or "").split(PARAGRAPH_BREAK)
    if paragraphs[at] in seg_paragraphs[1:]:
        seg_at = seg_paragraphs.index(paragraphs[at], 1)
    elif at < len(seg_paragraphs):
        seg_at = at
    else:
        raise EditError(_("The body was corrected too much for the split to be placed in the segmenter's text."))
    details = {"body": article.segmented.get("body") or "", "paragraph": seg_paragraphs[seg_at], "at": seg_at,
               "label": _label(article)}
    first_values, second_values = split_values(article.segmented, seg_at)
    moved = _shift_positions(article.page, after=article.position, by=1)
    start = _source_line_of(article.page, paragraphs[at], article.source_start_line, article.source_end_line)
    new = Article(issue_id=article.issue_id, page=article.page, position=article.position + 1, kind=article.kind,
                  section=article.section, body=_join(*paragraphs[at:]), segmented=second_values,
                  continued_to_page=article.continued_to_page, source_start_line=start,
                  source_end_line=article.source_end_line)
    new.refresh_corrections(save=False)
    _with_user(new, user, f"split from article {_label(article)}" + (f": {reason}" if reason else "")).save()
    article.body = _join(*paragraphs[:at])
    article.continued_to_page = None
    article.source_end_line = max(article.source_start_line, start - 1)
    article.segmented = first_values
    article.refresh_corrections(save=False)
    _with_user(article, user, f"split before paragraph {at + 1}" + (f": {reason}" if reason else "")).save()
    PageEdit.objects.create(page=article.page, kind=PageEdit.Kind.SPLIT, details=details, article=article,
                            other_article_id=new.pk, reason=reason[:200], user=user)
    if moved:
        articles_changed.send(sender=Article, article_ids=moved)
    return new


# -- merging contributors and sections ------------------------------------------------------------
def _check_merge(survivor, merged: list) -> list:
    merged = [m for m in merged if m.pk != survivor.pk]
    if not merged:
        raise EditError(_("Choose at least two entries, and the one to keep."))
    if survivor.merged_into_id:
        raise EditError(_("The entry to keep was itself merged into another."))
    return merged


@transaction.atomic
def merge_contributors(*, survivor: Contributor, merged: list[Contributor], user=None, reason: str = "") -> int:
    """Move every credit of ``merged`` to ``survivor`` (a credit the survivor already has on that
    article in that role is removed instead), and mark them merged: their public pages redirect to
    the survivor's and ingest credits their names to it. Returns the number of credits moved."""
    merged = _check_merge(survivor, merged)
    ids = {m.pk for m in merged}
    article_ids = set(ArticleContributor.objects.filter(contributor_id__in=ids).values_list("article_id", flat=True))
    articles = lock_articles(article_ids)
    moved = 0
    note = f"contributor merged into {survivor.name}" + (f": {reason}" if reason else "")
    for credit in ArticleContributor.objects.filter(contributor_id__in=ids).order_by("article_id", "position"):
        if ArticleContributor.objects.filter(article_id=credit.article_id, contributor=survivor,
                                             role=credit.role).exists():
            _with_user(credit, user, note).delete()
        else:
            credit.contributor = survivor
            _with_user(credit, user, note).save()
            moved += 1
    for entity in merged:
        entity.merged_into = survivor
        _with_user(entity, user, f"merged into {survivor.name}" + (f": {reason}" if reason else "")).save()
    _settle_corrections(articles.values(), user, note)
    return moved


@transaction.atomic
def merge_sections(*, survivor: Section, merged: list[Section], user=None, reason: str = "") -> int:
    """Move every article of ``merged`` sections to ``survivor`` (one history row each) and mark
    them merged. Returns the number of articles moved."""
    merged = _check_merge(survivor, merged)
    ids = {m.pk for m in merged}
    articles = lock_articles(Article.objects.filter(section_id__in=ids).values_list("pk", flat=True))
    note = f"section merged into {survivor.name}" + (f": {reason}" if reason else "")
    for article in articles.values():
        article.section = survivor
        article.refresh_corrections(save=False)
        _with_user(article, user, note).save()
    for entity in merged:
        entity.merged_into = survivor
        _with_user(entity, user, f"merged into {survivor.name}" + (f": {reason}" if reason else "")).save()
    return len(articles)


def _settle_corrections(articles, user, reason: str) -> None:
    """Save the articles whose corrected fields changed (once each)."""
    for article in articles:
        before = list(article.corrected_fields)
        if article.refresh_corrections(save=False) != before:
            _with_user(article, user, reason).save(update_fields=["corrected_fields", "is_corrected", "updated_at"])


# -- reverting ---------------------------------------------------------------------------------
REVERTIBLE = ("kicker", "headline", "subheadline", "section", "dateline", "kind", "continued_from_page", "body",
              "bylines", "continues")


def _from_segmenter(article: Article, name: str):
    value = article.segmented.get(name)
    if name in TEXT_FIELDS:
        return value or ""
    if name == "section":
        return Section.objects.get_or_create(name=value)[0].survivor() if value else None
    if name == "dateline":
        return dt.date.fromisoformat(value) if value else None
    return value


def _set_bylines(article: Article, bylines: list, user, reason: str) -> None:
    contributors = {n: Contributor.objects.get_or_create(name=n)[0].survivor() for n, _role in bylines}
    wanted = []
    for name, role in bylines:
        key = (contributors[name].pk, role)
        if key not in wanted:
            wanted.append(key)
    existing = {(c.contributor_id, c.role): c for c in article.credits.all()}
    for key, credit in existing.items():
        if key not in wanted:
            _with_user(credit, user, reason).delete()
    for position, key in enumerate(wanted):
        credit = existing.get(key)
        if credit is None:
            _with_user(ArticleContributor(article=article, contributor_id=key[0], role=key[1], position=position),
                       user, reason).save()
        elif credit.position != position:
            credit.position = position
            _with_user(credit, user, reason).save()


@transaction.atomic
def revert_field(*, article: Article, field: str, history_id: int | None = None, user=None,
                 reason: str = "") -> Article:
    """Set one field back to the segmenter's value (``history_id`` None) or to its value in an
    earlier version of the article (a row of its history). Saved once, in the history with a reason."""
    if field not in REVERTIBLE:
        raise EditError(_("This field cannot be reverted."))
    article = lock_articles([article.pk])[article.pk]
    if history_id is None:
        if field == "continues":
            raise EditError(_("The segmenter links continuations itself; revert the link to an earlier version."))
        what = "the segmenter's value"
        if field == "bylines":
            _set_bylines(article, article.segmented.get("bylines") or [], user, reason)
        else:
            setattr(article, field, _from_segmenter(article, field))
    else:
        if field == "bylines":
            raise EditError(_("Credits are reverted to the segmenter's value, or changed in the credits table."))
        record = article.history.filter(history_id=history_id).first()
        if record is None:
            raise EditError(_("No such version of this article."))
        what = f"the version of {record.history_date:%Y-%m-%d %H:%M}"
        model_field = Article._meta.get_field(field)
        value = getattr(record, model_field.attname)
        if model_field.is_relation and value is not None:
            # history keeps the key of a section or story that may since have been merged or removed
            target = model_field.related_model.objects.filter(pk=value).first()
            if target is None:
                raise EditError(_("That version points to something no longer in the archive."))
            value = target.survivor().pk if hasattr(target, "survivor") else target.pk
        setattr(article, model_field.attname, value)
        if field == "continues":
            article.continues_set_by_editor = True
    article.refresh_corrections(save=False)
    note = f"{field} reverted to {what}" + (f": {reason}" if reason else "")
    _with_user(article, user, note).save()
    return article


# -- one history per article --------------------------------------------------------------------
SHOWN_FIELDS = ("kicker", "headline", "subheadline", "section", "dateline", "kind", "continued_from_page",
                "continues", "page", "position", "body")


def char_diff(old: str, new: str, *, context: int = 30):
    """HTML of a character diff: deletions in <del>, insertions in <ins>, long unchanged runs cut
    to ``context`` characters each side."""
    old, new = old or "", new or ""
    parts = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            same = old[i1:i2]
            if len(same) > 2 * context + 1:
                head = same[:context] if parts else ""
                tail = same[-context:] if i2 < len(old) or j2 < len(new) else ""
                same_html = escape(head) + '<span class="diff-gap">…</span>' + escape(tail)
            else:
                same_html = escape(same)
            parts.append(same_html)
            continue
        if i2 > i1:
            parts.append(f"<del>{escape(old[i1:i2])}</del>")
        if j2 > j1:
            parts.append(f"<ins>{escape(new[j1:j2])}</ins>")
    return mark_safe('<span class="char-diff">' + "".join(parts) + "</span>")


def _shown(name: str, value, names: dict) -> str:
    if value in (None, ""):
        return "—"
    if name == "section":
        return names["section"].get(value, f"#{value}")
    if name == "continues":
        return names["article"].get(value, f"#{value}")
    if name == "page":
        return names["page"].get(value, f"#{value}")
    if name == "kind":
        return str(dict(Article.Kind.choices).get(value, value))
    return str(value)


def article_history(article: Article) -> list[dict]:
    """Every change to an article, newest first: its fields (a character diff for the body), its
    credits (added, removed, role or order changed), its section, continuation link and page; each
    with who, when, and the reason when one was given. Each field change may be reverted to the
    value it had before (``revert_to``, a history row)."""
    records = list(Article.history.filter(id=article.pk).order_by("history_date", "history_id")
                   .select_related("history_user"))
    credit_records = list(ArticleContributor.history.filter(article_id=article.pk)
                          .order_by("history_date", "history_id").select_related("history_user"))
    names = {
        "section": dict(Section.objects.filter(pk__in={r.section_id for r in records if r.section_id})
                        .values_list("pk", "name")),
        "article": {a.pk: _label(a) for a in Article.objects.filter(
            pk__in={r.continues_id for r in records if r.continues_id})},
        "page": {p.pk: str(p.number) for p in Page.objects.filter(pk__in={r.page_id for r in records})},
        "contributor": dict(Contributor.objects.filter(pk__in={r.contributor_id for r in credit_records})
                            .values_list("pk", "name")),
    }
    labels = {name: str(Article._meta.get_field(name).verbose_name) for name in SHOWN_FIELDS}
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None and record.history_type == "~":
            for name in SHOWN_FIELDS:
                attname = Article._meta.get_field(name).attname
                old, new = getattr(previous, attname), getattr(record, attname)
                if old == new:
                    continue
                change = {"field": name, "label": labels[name], "old": _shown(name, old, names),
                          "new": _shown(name, new, names),
                          "revert_to": previous.history_id if name not in ("page", "position") else None}
                if name == "body":
                    change["diff"] = char_diff(old, new)
                changes.append(change)
        kind = {"+": "created", "-": "deleted"}.get(record.history_type, "changed")
        if changes or kind != "changed" or record.history_change_reason:
            entries.append({"date": record.history_date, "user": record.history_user, "kind": kind,
                            "reason": record.history_change_reason or "", "changes": changes,
                            "history_id": record.history_id})
        previous = record
    last_credit = {}
    roles = dict(ArticleContributor.Role.choices)
    for record in credit_records:
        if record.history_user_id is None and not record.history_change_reason:
            last_credit[record.id] = record
            continue  # ingest's own writing of the segmenter's credits, not a correction
        name = names["contributor"].get(record.contributor_id, f"#{record.contributor_id}")
        role = roles.get(record.role, record.role)
        before = last_credit.get(record.id)
        changes = []
        if record.history_type == "+":
            changes.append({"field": "credit", "label": str(_("credit added")), "old": "—", "new": f"{name} ({role})"})
        elif record.history_type == "-":
            changes.append({"field": "credit", "label": str(_("credit removed")), "old": f"{name} ({role})",
                            "new": "—"})
        elif before is not None:
            old_name = names["contributor"].get(before.contributor_id, f"#{before.contributor_id}")
            if before.contributor_id != record.contributor_id:
                changes.append({"field": "credit", "label": str(_("credit's contributor changed")),
                                "old": old_name, "new": name})
            if before.role != record.role:
                changes.append({"field": "credit", "label": str(_("credit's role changed")),
                                "old": f"{name} ({roles.get(before.role, before.role)})", "new": f"{name} ({role})"})
            if before.position != record.position:
                changes.append({"field": "credit", "label": str(_("credit's order changed")),
                                "old": f"{name} {before.position + 1}", "new": f"{name} {record.position + 1}"})
        last_credit[record.id] = record
        if changes:
            entries.append({"date": record.history_date, "user": record.history_user, "kind": "credits",
                            "reason": record.history_change_reason or "", "changes": changes, "history_id": None})
    entries.sort(key=lambda e: e["date"], reverse=True)
    return entries


"""Ingest: page files read, placed (newspaper, date, page number), segmented and stored as issues made
of pages made of articles.

The ingest command is a thin shell around ``ingest_paths``; everything here takes keyword-only
arguments and returns plain report objects the caller prints. Each page is written in its own
transaction; re-ingesting a page touches only that page's articles.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from archive.processes import map_in_processes

from ..locating import EARLIEST_DATE, LATEST_DATE, date_from_path, masthead_date, page_from_path, split_pages
from ..models import Article, ArticleContributor, Contributor, Issue, Newspaper, Page, Section
from ..segmentation import SEGMENTER_VERSION, SegmentationResult, SegmentedArticle, infer_issue_date, segment
from ..segmentation import bylines as credit_roles
from ..segmentation.interchange import interchange_file
from ..signals import articles_created
from ..sources import IssueFile, IssueFileError, ManifestEntry, collect_paths, read_issue_file, read_manifest
from .continuations import link_continuations
from .history import bulk_create_with_history, insert_missing_names

DEFAULT_NEWSPAPER_SLUG = "taiyuan-daily"
DEFAULT_NEWSPAPER_NAME = "太原日报"

ROLE_FROM_SEGMENTER = {
    credit_roles.ROLE_REPORTER: ArticleContributor.Role.REPORTER,
    credit_roles.ROLE_CORRESPONDENT: ArticleContributor.Role.CORRESPONDENT,
    credit_roles.ROLE_PHOTOGRAPHER: ArticleContributor.Role.PHOTOGRAPHER,
    credit_roles.ROLE_COMMENTATOR: ArticleContributor.Role.COMMENTATOR,
    credit_roles.ROLE_SUPPLIER: ArticleContributor.Role.SUPPLIER,
    credit_roles.ROLE_AUTHOR: ArticleContributor.Role.AUTHOR,
    credit_roles.ROLE_PHOTO_SOURCE: ArticleContributor.Role.PHOTO_SOURCE,
}
# Shifted out of the way while a page's articles are renumbered (positions are unique per page).
POSITION_SHIFT = 1_000_000
# Two texts whose character pairs overlap this much (Jaccard) are one article segmented again.
SAME_ARTICLE_LIKENESS = 0.5
_STATUS_ORDER = ("created", "updated", "unchanged")


@dataclass
class FileOutcome:
    file: str
    status: str  # "created" | "updated" | "unchanged" | "failed" | "dry-run"
    issue_date: dt.date | None = None
    pages: list[int] = field(default_factory=list)
    articles: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    interchange: list[dict] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def articles(self) -> int:
        return sum(o.articles for o in self.outcomes if o.status != "failed")


@dataclass
class _PagePlan:
    number: int
    name: str
    text: str
    sha256: str
    result: SegmentationResult


@dataclass
class _Plan:
    issue_file: IssueFile
    date: dt.date
    date_source: str
    date_note: str
    newspaper: str
    pages: list[_PagePlan]
    notes: list[str]

    @property
    def warnings(self) -> list[str]:
        return list(self.issue_file.notes) + self.notes + [w for p in self.pages for w in p.result.warnings]

    @property
    def articles(self) -> int:
        return sum(len(p.result.articles) for p in self.pages)


# -- interchange -------------------------------------------------------------------------
def credits_as_values(article: SegmentedArticle) -> list[list[str]]:
    return [[c.name, ROLE_FROM_SEGMENTER[c.role].value] for c in _unique_credits(article)]


def _unique_credits(article: SegmentedArticle):
    seen = set()
    for credit in article.credits:
        if (credit.name, credit.role) not in seen:
            seen.add((credit.name, credit.role))
            yield credit


def headline_parts(article: SegmentedArticle) -> tuple[str | None, str | None]:
    """(引题, 主题) of a segmented article."""
    return article.kicker, article.title


def segmented_values(article: SegmentedArticle) -> dict:
    """A segmented article in the form ``Article.current_values()`` uses."""
    kicker, title = headline_parts(article)
    return {
        "kicker": kicker,
        "headline": title,
        "subheadline": article.subheadline,
        "section": article.section,
        "dateline": article.dateline.isoformat() if article.dateline else None,
        "kind": article.kind,
        "continued_from_page": article.continued_from_page,
        "body": article.body,
        "bylines": credits_as_values(article),
    }


# -- planning (no database) ------------------------------------------------------------------
def _check_range(date: dt.date, where: str) -> dt.date:
    if not EARLIEST_DATE <= date <= LATEST_DATE:
        raise IssueFileError(f"{where} {date.isoformat()} is outside {EARLIEST_DATE.year}–{LATEST_DATE.year}")
    return date


def _issue_date(issue_file: IssueFile, *, date: dt.date | None,
                manifest: ManifestEntry | None) -> tuple[dt.date, str, str]:
    """The issue date, where it came from, and a note on how an inferred one was found. In order of
    trust: --date, the manifest, the file name or its folders, the masthead, the text's dates."""
    where = str(issue_file.path)
    if date is not None:
        return _check_range(date, f"{where}: --date"), Issue.DateSource.COMMAND_LINE, ""
    if manifest is not None and manifest.date is not None:
        return _check_range(manifest.date, f"{where}: manifest.csv date"), Issue.DateSource.MANIFEST, ""
    if found := date_from_path(issue_file.path):
        return found, Issue.DateSource.FILE_NAME, ""
    if found := masthead_date(issue_file.text):
        return found, Issue.DateSource.MASTHEAD, ""
    inferred, how = infer_issue_date(issue_file.text)
    if inferred is not None and EARLIEST_DATE <= inferred <= dt.date.today():
        return inferred, Issue.DateSource.INFERRED, f"inferred from {how}"
    why = how if inferred is None else f"the text's dates point to {inferred.isoformat()}, which cannot be right"
    raise IssueFileError(
        f"{where}: no issue date in --date, manifest.csv, the file name or a masthead, and none found in the text ({why})"
    )


def _segment_pages(issue_file: IssueFile, *, issue_date: dt.date,
                   manifest: ManifestEntry | None) -> tuple[list[_PagePlan], list[str]]:
    """The file's pages, each numbered and segmented. Page number, in order of trust: the manifest,
    the file name, the page furniture in the text; else 1, with a warning."""
    notes: list[str] = []
    parts = split_pages(issue_file.text)
    limit = settings.INGEST_MAX_ARTICLES_PER_PAGE
    plans: list[_PagePlan] = []
    if len(parts) > 1:
        notes.append(f"holds {len(parts)} pages ({', '.join(str(p.number) for p in parts)}), stored apart")
    for part in parts:
        if len(parts) == 1:
            number = ((manifest.page if manifest else None) or page_from_path(issue_file.path) or part.number)
            sha = issue_file.sha256
        else:
            number, sha = part.number, hashlib.sha256(part.text.encode("utf-8")).hexdigest()
        if number is None:
            number = 1
            notes.append("no page number in manifest.csv, the file name or the text; stored as page 1")
        name = (manifest.page_name if manifest and len(parts) == 1 else "") or part.name
        result = segment(part.text, issue_date=issue_date)
        notes.extend(_fit_headlines(result.articles, page=number))
        if len(result.articles) > limit:
            raise IssueFileError(
                f"{issue_file.path}: page {number} splits into {len(result.articles)} articles, more than the "
                f"{limit} a newspaper page holds; is it a newspaper page? (INGEST_MAX_ARTICLES_PER_PAGE)"
            )
        plans.append(_PagePlan(number=number, name=name, text=part.text, sha256=sha, result=result))
    numbers = [p.number for p in plans]
    if len(set(numbers)) != len(numbers):
        raise IssueFileError(f"{issue_file.path}: names page {max(numbers, key=numbers.count)} twice")
    return plans, notes


_HEADLINE_MAX = Article._meta.get_field("headline").max_length


def _fit_headlines(articles: list[SegmentedArticle], *, page: int | None) -> list[str]:
    """A headline part longer than a headline can be is a paragraph taken for one: it is cut to fit,
    and said so, rather than refused by the database with the whole page."""
    notes = []
    for article in articles:
        for part in ("kicker", "title", "subheadline"):
            value = getattr(article, part)
            if value and len(value) > _HEADLINE_MAX:
                setattr(article, part, value[: _HEADLINE_MAX - 1] + "…")
                notes.append(f"page {page or '?'}, article {article.position}: a {len(value)}-character {part} "
                             f"was cut to {_HEADLINE_MAX}; an editor should look at it")
    return notes


def _plan(issue_file: IssueFile, *, date: dt.date | None, manifest: ManifestEntry | None,
          newspaper: str | None) -> _Plan:
    issue_date, source, note = _issue_date(issue_file, date=date, manifest=manifest)
    paper = newspaper or (manifest.newspaper if manifest else None) or DEFAULT_NEWSPAPER_SLUG
    pages, notes = _segment_pages(issue_file, issue_date=issue_date, manifest=manifest)
    return _Plan(issue_file, issue_date, source, note, paper, pages, notes)


def _plan_file(path: Path, *, date: dt.date | None, newspaper: str | None,
               manifests: dict[Path, dict[str, ManifestEntry]]) -> _Plan:
    """Read and segment one page file; raises IssueFileError naming the file."""
    folder = path.parent
    if folder not in manifests:
        manifests[folder] = read_manifest(folder)
    issue_file = read_issue_file(path, max_bytes=settings.INGEST_MAX_BYTES)
    return _plan(issue_file, date=date, manifest=manifests[folder].get(path.name), newspaper=newspaper)


# -- writing ---------------------------------------------------------------------------------
def _resolve_newspaper(key: str) -> Newspaper:
    if key in _newspapers:
        return _newspapers[key]
    paper = Newspaper.objects.filter(slug=key).first() or Newspaper.objects.filter(name=key).first()
    if paper:
        _newspapers[key] = paper  # one that existed before this page's transaction: no rollback unmakes it
        return paper
    if key == DEFAULT_NEWSPAPER_SLUG:
        return Newspaper.objects.create(slug=DEFAULT_NEWSPAPER_SLUG, name=DEFAULT_NEWSPAPER_NAME)
    raise IssueFileError(f"unknown newspaper {key!r}: add it with `manage.py newspapers add {key} NAME`, "
                         "or name an existing slug with --newspaper (`manage.py newspapers` lists them)")


def _named(model: type[Section | Contributor], names: set[str]) -> dict[str, Section | Contributor]:
    """The sections or contributors of these names, the missing ones created.

    One query finds those that exist; the rest are inserted in one statement
    (``insert_missing_names``, which orders them so that two loads cannot deadlock, and waits for
    another load's commit of the same name), then read.

    An entry an editor merged into another gives the survivor: what the segmenter reads as the
    merged name is credited to the survivor, so a merge survives a reparse.
    """
    found = {entity.name: entity for entity in model.objects.filter(name__in=names)}
    if missing := names - found.keys():
        insert_missing_names(model, sorted(missing))
        found.update((entity.name, entity) for entity in model.objects.filter(name__in=missing))
    return {name: entity.survivor() if entity.merged_into_id else entity for name, entity in found.items()}


def _sections_of(segs: list[SegmentedArticle]) -> dict[str, Section]:
    return _named(Section, {seg.section for seg in segs if seg.section})


def _contributors_of(segs: list[SegmentedArticle]) -> dict[str, Contributor]:
    return _named(Contributor, {credit.name for seg in segs for credit in seg.credits})


def _article_fields(seg: SegmentedArticle, sections: dict[str, Section]) -> dict:
    """The editable model fields of a segmented article (credits apart). ``sections`` lacks a
    section only where an editor's correction keeps its own, and the value is not used."""
    kicker, title = headline_parts(seg)
    return {
        "kicker": kicker or "", "headline": title or "", "subheadline": seg.subheadline or "",
        "section": sections.get(seg.section) if seg.section else None, "dateline": seg.dateline, "kind": seg.kind,
        "continued_from_page": seg.continued_from_page, "body": seg.body,
    }


def _new_article(page: Page, seg: SegmentedArticle, sections: dict[str, Section]) -> Article:
    return Article(
        issue_id=page.issue_id, page=page, position=seg.position, continued_to_page=seg.continued_to_page,
        source_start_line=seg.start_line, source_end_line=seg.end_line, segmented=segmented_values(seg),
        **_article_fields(seg, sections),
    )


def _set_credits(article: Article, seg: SegmentedArticle, contributors: dict[str, Contributor]) -> list[ArticleContributor]:
    credits, seen = [], set()
    for c in _unique_credits(seg):
        # two names an editor merged into one contributor make one credit
        key = (contributors[c.name].pk, ROLE_FROM_SEGMENTER[c.role])
        if key not in seen:
            seen.add(key)
            credits.append(ArticleContributor(article=article, contributor=contributors[c.name],
                                              role=ROLE_FROM_SEGMENTER[c.role], position=len(credits)))
    return credits


def _create_articles(page: Page, segs: list[SegmentedArticle], *, sections: dict[str, Section] | None = None,
                     contributors: dict[str, Contributor] | None = None) -> None:
    if sections is None:
        sections = _sections_of(segs)
    if contributors is None:
        contributors = _contributors_of(segs)
    # PostgreSQL returns the new keys from a bulk insert, so the credits can point at them.
    articles = bulk_create_with_history([_new_article(page, s, sections) for s in segs], Article)
    credits = [c for a, s in zip(articles, segs, strict=True) for c in _set_credits(a, s, contributors)]
    if credits:
        bulk_create_with_history(credits, ArticleContributor)
    articles_created.send(sender=Article, article_ids=[a.pk for a in articles])


def bigrams(text: str) -> set[str]:
    text = re.sub(r"\s+", "", text or "")
    return {text[i: i + 2] for i in range(len(text) - 1)}


def likeness(a: set[str], b: set[str]) -> float:
    """The Jaccard overlap of two texts' character pairs."""
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def _match_articles(old: list[Article], new: list[SegmentedArticle]) -> dict[int, Article]:
    """Pair each new article with the stored article it re-segments (by the segmenter's old body)."""
    pairs: dict[int, Article] = {}
    used: set[int] = set()
    by_body = {}
    for art in old:
        by_body.setdefault(art.segmented.get("body") or art.body, art)
    for i, seg in enumerate(new):
        art = by_body.get(seg.body)
        if art is not None and art.pk not in used:
            pairs[i] = art
            used.add(art.pk)
    old_grams = {art.pk: bigrams(art.segmented.get("body") or art.body) for art in old}
    candidates = []
    for i, seg in enumerate(new):
        if i in pairs:
            continue
        grams = bigrams(seg.body)
        for art in old:
            if art.pk in used:
                continue
            score = likeness(grams, old_grams[art.pk])
            if score >= SAME_ARTICLE_LIKENESS:
                candidates.append((score, i, art))
    for _score, i, art in sorted(candidates, key=lambda t: -t[0]):
        if i not in pairs and art.pk not in used:
            pairs[i] = art
            used.add(art.pk)
    return pairs


def _label(article: Article) -> str:
    position = article.position - POSITION_SHIFT if article.position > POSITION_SHIFT else article.position
    return f"article {position} 「{(article.full_headline or article.body)[:20]}」"


def _changed_fields(article: Article, seg: SegmentedArticle) -> list[str]:
    """The segmenter's values that differ between its last segmentation of an article and this one."""
    new = segmented_values(seg)
    return [name for name in Article.EDITABLE_FIELDS if article.segmented.get(name) != new.get(name)]


def unchanged_segmentation(page: Page, segs: list[SegmentedArticle]) -> bool:
    """Whether a new segmentation of a page gives what the segmenter gave last time."""
    old = list(page.articles.order_by("position").values_list("segmented", flat=True))
    return old == [segmented_values(seg) for seg in segs]


def resegment_page(page: Page, segs: list[SegmentedArticle]) -> list[str]:
    """Replace a page's articles by a new segmentation, keeping every field an editor corrected.
    Articles are paired with the stored ones by text, so an article keeps its key, its history and
    its continuation links."""
    warnings: list[str] = []
    old = list(page.articles.select_related("section").prefetch_related("credits__contributor"))
    pairs = _match_articles(old, segs)
    page.articles.update(position=F("position") + POSITION_SHIFT)
    # names only of what will be written: a field an editor corrected keeps the editor's value
    corrected_of = {i: set(art.corrected_fields) for i, art in pairs.items()}
    sections = _sections_of([seg for i, seg in enumerate(segs) if "section" not in corrected_of.get(i, ())])
    contributors = _contributors_of([seg for i, seg in enumerate(segs) if "bylines" not in corrected_of.get(i, ())])
    matched_ids = {a.pk for a in pairs.values()}
    for art in old:
        if art.pk in matched_ids:
            continue
        if art.is_corrected:
            warnings.append(
                f"{_label(art)} had editor corrections ({', '.join(art.corrected_fields)}) that match no article "
                "of the new segmentation; it was removed and its last version is in the history"
            )
        else:
            warnings.append(f"removed {_label(art)}")
        art.delete()
    fresh = []
    carried = 0
    for i, seg in enumerate(segs):
        art = pairs.get(i)
        if art is None:
            fresh.append(seg)
            warnings.append(f"added article {seg.position} 「{(seg.headline or seg.body)[:20]}」")
            continue
        if changed := _changed_fields(art, seg):
            warnings.append(f"{_label(art)}: {', '.join(changed)} changed"
                            + (f" (now article {seg.position})" if art.position != seg.position else ""))
        corrected = corrected_of[i]
        carried += bool(corrected)
        for name, value in _article_fields(seg, sections).items():
            if name not in corrected:
                setattr(art, name, value)
        art.position = seg.position
        art.continued_to_page = seg.continued_to_page
        art.source_start_line, art.source_end_line = seg.start_line, seg.end_line
        art.segmented = segmented_values(seg)
        if "bylines" not in corrected:
            credits = _set_credits(art, seg, contributors)
            # the same credits keep their rows: an editor's open form still names them
            if [(c.contributor_id, c.role) for c in art.credits.all()] != [(c.contributor_id, c.role) for c in credits]:
                art.credits.all().delete()
                ArticleContributor.objects.bulk_create(credits)
        art.refresh_corrections(save=False)
        art.save()  # once per article (lock order: services/editing.py)
    if fresh:
        _create_articles(page, fresh, sections=sections, contributors=contributors)
    if carried:
        warnings.append(f"kept the corrections editors made to {carried} article(s)")
    return warnings


def _issue_for(plan: _Plan, newspaper: Newspaper) -> Issue:
    """The issue of the plan's day, made when this is its first page."""
    if (plan.date_source == Issue.DateSource.INFERRED and newspaper.first_year
            and plan.date.year < newspaper.first_year):
        raise IssueFileError(
            f"{plan.issue_file.path}: the text's dates point to {plan.date.isoformat()}, before {newspaper.name} "
            f"began ({newspaper.first_year}); give the date with --date or manifest.csv"
        )
    issue, created = Issue.objects.get_or_create(
        newspaper=newspaper, date=plan.date, defaults={"date_source": plan.date_source, "date_note": plan.date_note})
    if not created and issue.date_source == Issue.DateSource.INFERRED and plan.date_source != Issue.DateSource.INFERRED:
        issue.date_source, issue.date_note = plan.date_source, ""  # a page with a surer date confirms the day
        issue.save(update_fields=["date_source", "date_note"])
    return issue


def _store_page(plan: _Plan, page_plan: _PagePlan, *, reparse: bool) -> tuple[str, list[str], Issue, Page]:
    """Write one page in one transaction: its status, warnings, issue and page.

    Lock order, the same in ingest, reparse and the admin: the page row (FOR NO KEY UPDATE, which
    leaves the key-share locks that inserting articles takes on it free), then its articles. The
    issue row is never locked: pages of one day are written side by side.
    """
    issue_file = plan.issue_file
    now = timezone.now()
    with transaction.atomic():
        newspaper = _resolve_newspaper(plan.newspaper)
        issue = _issue_for(plan, newspaper)
        page = (Page.objects.select_for_update(no_key=True).filter(issue=issue, number=page_plan.number)
                .first())
        if page is not None and page.source_file != issue_file.name and page.sha256 != page_plan.sha256:
            raise IssueFileError(
                f"{issue_file.path}: page {page_plan.number} of {newspaper.slug} {plan.date.isoformat()} is already "
                f"stored from {page.source_file}; two files cannot be one page (check the page numbers)"
            )
        if page is not None and page.sha256 == page_plan.sha256 and not reparse:
            warnings = [] if page.segmenter_version == SEGMENTER_VERSION else [
                f"page {page.number} was segmented by an older segmenter; --reparse re-segments it"]
            return "unchanged", warnings, issue, page
        if page is None:
            # a new page changes no search document (it has no articles yet): no save signals needed
            (page,) = bulk_create_with_history([Page(
                issue=issue, number=page_plan.number, name=page_plan.name, source_file=issue_file.name,
                sha256=page_plan.sha256, encoding=issue_file.encoding, raw_text=page_plan.text,
                segmenter_version=SEGMENTER_VERSION, ingested_at=now, segmented_at=now,
            )], Page)
            _create_articles(page, page_plan.result.articles)
            return "created", [], issue, page
        from .editing import apply_page_edits  # editing builds on this module

        segs, edit_warnings = apply_page_edits(page, page_plan.result.articles)
        same = unchanged_segmentation(page, segs)
        page.source_file, page.sha256, page.encoding = issue_file.name, page_plan.sha256, issue_file.encoding
        page.raw_text, page.name = page_plan.text, page_plan.name or page.name
        page.segmenter_version, page.segmented_at = SEGMENTER_VERSION, now
        page.save()
        if same:
            return "unchanged", edit_warnings, issue, page
        warnings = edit_warnings + resegment_page(page, segs)
        return "updated", warnings, issue, page


def _store(plan: _Plan, *, reparse: bool) -> FileOutcome:
    outcome = FileOutcome(file=plan.issue_file.name, status="unchanged", issue_date=plan.date,
                          pages=[p.number for p in plan.pages], articles=plan.articles, warnings=plan.warnings)
    if plan.date_source == Issue.DateSource.INFERRED:
        outcome.warnings.append(f"issue date {plan.date.isoformat()} {plan.date_note}; an editor should confirm it")
    statuses = []
    for page_plan in plan.pages:
        status, warnings, issue, page = _store_page(plan, page_plan, reparse=reparse)
        statuses.append(status)
        outcome.warnings.extend(warnings)
        if status != "unchanged":
            # after the page's commit: it locks the day's pages itself
            link_continuations(issue=issue, written=page)
    outcome.status = next(s for s in _STATUS_ORDER if s in statuses)
    return outcome


@dataclass(frozen=True)
class _FileJob:
    """What each file's ingest needs besides its path; the same for every file of a run."""
    date: dt.date | None
    newspaper: str | None
    dry_run: bool
    reparse: bool
    interchange: bool


# Each folder's manifest, read once in each process that meets the folder (a worker's own copy),
# and each newspaper named, looked up once.
_manifests: dict[Path, dict[str, ManifestEntry]] = {}
_newspapers: dict[str, Newspaper] = {}


def _forget_run_state() -> None:
    # a run reads manifests and newspapers afresh: they may have changed since the last
    _manifests.clear()
    _newspapers.clear()


def _ingest_file(path: Path, job: _FileJob) -> tuple[FileOutcome, dict | None]:
    """Plan and store one file (in this process or a worker): its outcome and, when asked, its
    segmentation in the interchange format."""
    try:
        plan = _plan_file(path, date=job.date, newspaper=job.newspaper, manifests=_manifests)
    except IssueFileError as exc:
        return FileOutcome(file=path.name, status="failed", error=str(exc)), None
    exchanged = (interchange_file(file_name=path.name, issue_date=plan.date, pages=[p.number for p in plan.pages],
                                  articles=[a for p in plan.pages for a in p.result.articles])
                 if job.interchange else None)
    if job.dry_run:
        return FileOutcome(file=path.name, status="dry-run", issue_date=plan.date, pages=[p.number for p in plan.pages],
                           articles=plan.articles, warnings=plan.warnings), exchanged
    try:
        try:
            outcome = _store(plan, reparse=job.reparse)
        except IntegrityError:
            # Another process stored the same issue (or a newspaper, section or contributor of it)
            # between this one's look and its insert; storing again finds the row and updates it.
            _newspapers.clear()
            outcome = _store(plan, reparse=job.reparse)
    except IssueFileError as exc:
        outcome = FileOutcome(file=path.name, status="failed", error=str(exc))
    except DatabaseError as exc:
        if not connection.is_usable():
            raise  # the database itself is gone: no file's fault, and no later file would fare better
        # What the database refused of this file alone (a character it cannot store, a clash that a
        # retry did not resolve, a deadlock it broke): this file fails, with its name; the run goes on.
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        outcome = FileOutcome(file=path.name, status="failed", error=f"{path}: the database refused it ({reason})")
    return outcome, exchanged


# Below this many files a whole ingest takes a few seconds, less than starting workers would save.
PARALLEL_FROM_FILES = 50


def default_jobs(files: int) -> int:
    """Processes for an ingest of this many files: every core for a large load, else one."""
    return (os.cpu_count() or 1) if files >= PARALLEL_FROM_FILES else 1


def _workers(jobs: int | None, tasks: int) -> int:
    if jobs is not None and jobs < 1:
        raise ValueError(f"--jobs must be at least 1, not {jobs}")
    return min(jobs or default_jobs(tasks), tasks)


def ingest_paths(
    *,
    paths: list[Path],
    date: dt.date | None = None,
    newspaper: str | None = None,
    dry_run: bool = False,
    reparse: bool = False,
    interchange: bool = False,
    jobs: int | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest page files (or folders of them). One transaction per page; a failing file does not
    stop the others. With ``dry_run`` nothing touches the database. With ``interchange`` the
    report keeps every file's segmentation in the interchange format (in memory: a large load
    keeps it only when asked).

    ``jobs`` processes share the files (default: ``default_jobs``); outcomes are reported in the
    files' order whatever the number. Inside an open transaction everything runs in this process.
    """
    report = IngestReport()
    files, errors = collect_paths(paths)
    if on_start:
        on_start(len(files) + len(errors))
    for error in errors:
        outcome = FileOutcome(file=error.split(":")[0], status="failed", error=error)
        report.outcomes.append(outcome)
        if on_file:
            on_file(outcome)
    job = _FileJob(date=date, newspaper=newspaper, dry_run=dry_run, reparse=reparse, interchange=interchange)
    results = map_in_processes(partial(_ingest_file, job=job), files, workers=_workers(jobs, len(files)),
                               initializer=_forget_run_state)
    for outcome, exchanged in results:
        if exchanged is not None:
            report.interchange.append(exchanged)
        report.outcomes.append(outcome)
        if on_file:
            on_file(outcome)
    if not dry_run and report.count("created") + report.count("updated") >= ANALYZE_FROM_PAGES:
        refresh_planner_statistics()
    return report


# A load of this many new or changed files changes the tables' shape enough for the planner to
# need fresh statistics; fewer are left to autovacuum.
ANALYZE_FROM_PAGES = 20
_ANALYZED = [Issue, Page, Article, ArticleContributor, Contributor, Section]


def refresh_planner_statistics() -> None:
    """ANALYZE the archive's tables after a bulk load. Without it, a Postgres whose autovacuum has
    not yet run plans a page's credits as a scan of every article."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in _ANALYZED))

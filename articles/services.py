"""Writes: ingesting issue files, re-segmenting stored issues, the editors' group.

The ingest command is a thin shell around ``ingest_paths``; everything here takes keyword-only
arguments and returns plain report objects the caller prints.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from archive.processes import map_in_processes

from .models import Article, ArticleContributor, Contributor, Issue, Newspaper, Section
from .segmentation import SEGMENTER_VERSION, SegmentationResult, SegmentedArticle, infer_issue_date, segment
from .segmentation import bylines as credit_roles
from .signals import articles_created
from .sources import IssueFile, IssueFileError, ManifestEntry, collect_paths, read_issue_file, read_manifest

DEFAULT_NEWSPAPER_SLUG = "taiyuan-daily"
DEFAULT_NEWSPAPER_NAME = "太原日报"
EDITORS_GROUP = "editors"

ROLE_FROM_SEGMENTER = {
    credit_roles.ROLE_REPORTER: ArticleContributor.Role.REPORTER,
    credit_roles.ROLE_CORRESPONDENT: ArticleContributor.Role.CORRESPONDENT,
    credit_roles.ROLE_PHOTOGRAPHER: ArticleContributor.Role.PHOTOGRAPHER,
    credit_roles.ROLE_COMMENTATOR: ArticleContributor.Role.COMMENTATOR,
    credit_roles.ROLE_SUPPLIER: ArticleContributor.Role.SUPPLIER,
    credit_roles.ROLE_AUTHOR: ArticleContributor.Role.AUTHOR,
    credit_roles.ROLE_PHOTO_SOURCE: ArticleContributor.Role.PHOTO_SOURCE,
}
# Shifted out of the way while an issue's articles are renumbered (positions are unique per issue).
_POSITION_SHIFT = 1_000_000


@dataclass
class FileOutcome:
    file: str
    status: str  # "created" | "updated" | "unchanged" | "failed" | "dry-run"
    issue_date: dt.date | None = None
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
class _Plan:
    issue_file: IssueFile
    date: dt.date
    date_source: str
    date_note: str
    newspaper: str
    result: SegmentationResult

    @property
    def warnings(self) -> list[str]:
        return list(self.issue_file.notes) + list(self.result.warnings)


# -- interchange -------------------------------------------------------------------------
def credits_as_values(article: SegmentedArticle) -> list[list[str]]:
    return [[c.name, ROLE_FROM_SEGMENTER[c.role].value] for c in _unique_credits(article)]


def _unique_credits(article: SegmentedArticle):
    seen = set()
    for credit in article.credits:
        if (credit.name, credit.role) not in seen:
            seen.add((credit.name, credit.role))
            yield credit


def segmented_values(article: SegmentedArticle) -> dict:
    """A segmented article in the form ``Article.current_values()`` uses."""
    return {
        "headline": article.headline,
        "subheadline": article.subheadline,
        "section": article.section,
        "dateline": article.dateline.isoformat() if article.dateline else None,
        "kind": article.kind,
        "continued_from_page": article.continued_from_page,
        "body": article.body,
        "bylines": credits_as_values(article),
    }


def interchange_issue(*, file_name: str, issue_date: dt.date, result: SegmentationResult) -> dict:
    """One issue in the interchange format of ``shared/gold/README.md``."""
    return {
        "file": file_name,
        "issue_date": issue_date.isoformat(),
        "articles": [
            {
                "headline": a.headline,
                "subheadline": a.subheadline,
                "section": a.section,
                "bylines": a.bylines,
                "dateline": a.dateline.isoformat() if a.dateline else None,
                "kind": a.kind,
                "continued_from_page": a.continued_from_page,
                "body": a.body,
            }
            for a in result.articles
        ],
    }


# -- planning (no database) ------------------------------------------------------------------
def _plan(issue_file: IssueFile, *, date: dt.date | None, manifest: ManifestEntry | None,
          newspaper: str | None) -> _Plan:
    if date is not None:
        issue_date, source, note = date, Issue.DateSource.COMMAND_LINE, ""
    elif manifest is not None and manifest.date is not None:
        issue_date, source, note = manifest.date, Issue.DateSource.MANIFEST, ""
    else:
        inferred, how = infer_issue_date(issue_file.text)
        if inferred is None:
            raise IssueFileError(
                f"{issue_file.path}: no issue date in manifest.csv or --date, and none found in the text ({how})"
            )
        issue_date, source, note = inferred, Issue.DateSource.INFERRED, f"inferred from {how}"
    paper = newspaper or (manifest.newspaper if manifest else None) or DEFAULT_NEWSPAPER_SLUG
    result = segment(issue_file.text, issue_date=issue_date)
    return _Plan(issue_file, issue_date, source, note, paper, result)


def _plan_file(path: Path, *, date: dt.date | None, newspaper: str | None,
               manifests: dict[Path, dict[str, ManifestEntry]]) -> _Plan:
    """Read and segment one issue file; raises IssueFileError naming the file."""
    folder = path.parent
    if folder not in manifests:
        manifests[folder] = read_manifest(folder)
    issue_file = read_issue_file(path, max_bytes=settings.INGEST_MAX_BYTES)
    return _plan(issue_file, date=date, manifest=manifests[folder].get(path.name), newspaper=newspaper)


# -- writing ---------------------------------------------------------------------------------
def _resolve_newspaper(key: str) -> Newspaper:
    paper = Newspaper.objects.filter(slug=key).first() or Newspaper.objects.filter(name=key).first()
    if paper:
        return paper
    if key == DEFAULT_NEWSPAPER_SLUG:
        return Newspaper.objects.create(slug=DEFAULT_NEWSPAPER_SLUG, name=DEFAULT_NEWSPAPER_NAME)
    raise IssueFileError(f"unknown newspaper {key!r}: add it in the admin, or name an existing slug with --newspaper")


def _named(model: type[Section | Contributor], names: set[str]) -> dict[str, Section | Contributor]:
    """The sections or contributors of these names, the missing ones created.

    One query finds those that exist. The rest are created in sorted order: two ingest processes
    creating overlapping names then take the rows' locks in the same order and cannot deadlock;
    get_or_create waits for the other's commit and takes its row.
    """
    found = {entity.name: entity for entity in model.objects.filter(name__in=names)}
    for name in sorted(names - found.keys()):
        found[name], _ = model.objects.get_or_create(name=name)
    return found


def _sections_of(segs: list[SegmentedArticle]) -> dict[str, Section]:
    return _named(Section, {seg.section for seg in segs if seg.section})


def _contributors_of(segs: list[SegmentedArticle]) -> dict[str, Contributor]:
    return _named(Contributor, {credit.name for seg in segs for credit in seg.credits})


def _article_fields(seg: SegmentedArticle, sections: dict[str, Section]) -> dict:
    """The editable model fields of a segmented article (credits apart). ``sections`` lacks a
    section only where an editor's correction keeps its own, and the value is not used."""
    return {
        "headline": seg.headline or "", "subheadline": seg.subheadline or "",
        "section": sections.get(seg.section) if seg.section else None, "dateline": seg.dateline, "kind": seg.kind,
        "continued_from_page": seg.continued_from_page, "body": seg.body,
    }


def _new_article(issue: Issue, seg: SegmentedArticle, sections: dict[str, Section]) -> Article:
    return Article(
        issue=issue, position=seg.position, source_start_line=seg.start_line, source_end_line=seg.end_line,
        segmented=segmented_values(seg), **_article_fields(seg, sections),
    )


def _set_credits(article: Article, seg: SegmentedArticle, contributors: dict[str, Contributor]) -> list[ArticleContributor]:
    return [
        ArticleContributor(article=article, contributor=contributors[c.name],
                           role=ROLE_FROM_SEGMENTER[c.role], position=i)
        for i, c in enumerate(_unique_credits(seg))
    ]


def _create_articles(issue: Issue, segs: list[SegmentedArticle], *, sections: dict[str, Section] | None = None,
                     contributors: dict[str, Contributor] | None = None) -> None:
    if sections is None:
        sections = _sections_of(segs)
    if contributors is None:
        contributors = _contributors_of(segs)
    # PostgreSQL returns the new keys from a bulk insert, so the credits can point at them.
    articles = bulk_create_with_history([_new_article(issue, s, sections) for s in segs], Article)
    credits = [c for a, s in zip(articles, segs, strict=True) for c in _set_credits(a, s, contributors)]
    if credits:
        bulk_create_with_history(credits, ArticleContributor)
    articles_created.send(sender=Article, article_ids=[a.pk for a in articles])


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"\s+", "", text or "")
    return {text[i: i + 2] for i in range(len(text) - 1)}


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
    old_grams = {art.pk: _bigrams(art.segmented.get("body") or art.body) for art in old}
    candidates = []
    for i, seg in enumerate(new):
        if i in pairs:
            continue
        grams = _bigrams(seg.body)
        for art in old:
            if art.pk in used:
                continue
            union = grams | old_grams[art.pk]
            score = len(grams & old_grams[art.pk]) / len(union) if union else 0.0
            if score >= 0.5:
                candidates.append((score, i, art))
    for _score, i, art in sorted(candidates, key=lambda t: -t[0]):
        if i not in pairs and art.pk not in used:
            pairs[i] = art
            used.add(art.pk)
    return pairs


def _label(article: Article) -> str:
    return f"article {article.position} 「{(article.headline or article.body)[:20]}」"


def _resegment(issue: Issue, segs: list[SegmentedArticle]) -> list[str]:
    """Replace an issue's articles by a new segmentation, keeping every field an editor corrected."""
    warnings: list[str] = []
    old = list(issue.articles.select_related("section").prefetch_related("credits__contributor"))
    pairs = _match_articles(old, segs)
    issue.articles.update(position=F("position") + _POSITION_SHIFT)
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
        art.delete()
    fresh = []
    carried = 0
    for i, seg in enumerate(segs):
        art = pairs.get(i)
        if art is None:
            fresh.append(seg)
            continue
        corrected = corrected_of[i]
        carried += bool(corrected)
        for name, value in _article_fields(seg, sections).items():
            if name not in corrected:
                setattr(art, name, value)
        art.position = seg.position
        art.source_start_line, art.source_end_line = seg.start_line, seg.end_line
        art.segmented = segmented_values(seg)
        art.save()
        if "bylines" not in corrected:
            art.credits.all().delete()
            ArticleContributor.objects.bulk_create(_set_credits(art, seg, contributors))
        art.refresh_corrections()
    if fresh:
        _create_articles(issue, fresh, sections=sections, contributors=contributors)
    if carried:
        warnings.append(f"kept the corrections editors made to {carried} article(s)")
    return warnings


def _store(plan: _Plan, *, reparse: bool) -> FileOutcome:
    issue_file = plan.issue_file
    outcome = FileOutcome(file=issue_file.name, status="created", issue_date=plan.date,
                          articles=len(plan.result.articles),
                          warnings=plan.warnings)
    if plan.date_source == Issue.DateSource.INFERRED:
        outcome.warnings.append(f"issue date {plan.date.isoformat()} {plan.date_note}; an editor should confirm it")
    now = timezone.now()
    with transaction.atomic():
        newspaper = _resolve_newspaper(plan.newspaper)
        issue = Issue.objects.select_for_update().filter(newspaper=newspaper, date=plan.date).first()
        if issue is not None and issue.sha256 == issue_file.sha256 and not reparse:
            outcome.status = "unchanged"
            outcome.articles = issue.articles.count()
            if issue.segmenter_version != SEGMENTER_VERSION:
                outcome.warnings.append("segmented by an older segmenter; --reparse re-segments it")
            return outcome
        if issue is None:
            issue = Issue.objects.create(
                newspaper=newspaper, date=plan.date, source_file=issue_file.name, sha256=issue_file.sha256,
                encoding=issue_file.encoding, raw_text=issue_file.text, date_source=plan.date_source,
                date_note=plan.date_note, segmenter_version=SEGMENTER_VERSION, ingested_at=now, segmented_at=now,
            )
            _create_articles(issue, plan.result.articles)
            return outcome
        outcome.status = "updated"
        issue.source_file, issue.sha256, issue.encoding = issue_file.name, issue_file.sha256, issue_file.encoding
        issue.raw_text = issue_file.text
        if issue.date_source != Issue.DateSource.EDITOR:
            issue.date_source, issue.date_note = plan.date_source, plan.date_note
        issue.segmenter_version, issue.segmented_at = SEGMENTER_VERSION, now
        issue.save()
        outcome.warnings.extend(_resegment(issue, plan.result.articles))
    return outcome


@dataclass(frozen=True)
class _FileJob:
    """What each file's ingest needs besides its path; the same for every file of a run."""
    date: dt.date | None
    newspaper: str | None
    dry_run: bool
    reparse: bool
    interchange: bool


# Each folder's manifest, read once in each process that meets the folder (a worker's own copy).
_manifests: dict[Path, dict[str, ManifestEntry]] = {}


def _forget_manifests() -> None:
    _manifests.clear()  # a run reads manifests afresh: they may have changed since the last


def _ingest_file(path: Path, job: _FileJob) -> tuple[FileOutcome, dict | None]:
    """Plan and store one file (in this process or a worker): its outcome and, when asked, its
    segmentation in the interchange format."""
    try:
        plan = _plan_file(path, date=job.date, newspaper=job.newspaper, manifests=_manifests)
    except IssueFileError as exc:
        return FileOutcome(file=path.name, status="failed", error=str(exc)), None
    exchanged = (interchange_issue(file_name=path.name, issue_date=plan.date, result=plan.result)
                 if job.interchange else None)
    if job.dry_run:
        return FileOutcome(file=path.name, status="dry-run", issue_date=plan.date,
                           articles=len(plan.result.articles), warnings=plan.warnings), exchanged
    try:
        try:
            outcome = _store(plan, reparse=job.reparse)
        except IntegrityError:
            # Another process stored the same issue (or a newspaper, section or contributor of it)
            # between this one's look and its insert; storing again finds the row and updates it.
            outcome = _store(plan, reparse=job.reparse)
    except IssueFileError as exc:
        outcome = FileOutcome(file=path.name, status="failed", error=f"{path}: {exc}")
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
    """Ingest issue files (or folders of them). One transaction per issue; a failing file does not
    stop the others. With ``dry_run`` nothing touches the database. With ``interchange`` the
    report keeps every issue's segmentation in the interchange format (in memory: a large load
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
    if date is not None and len(files) > 1:
        raise ValueError(f"--date names one issue, but {len(files)} files were given")
    job = _FileJob(date=date, newspaper=newspaper, dry_run=dry_run, reparse=reparse, interchange=interchange)
    results = map_in_processes(partial(_ingest_file, job=job), files, workers=_workers(jobs, len(files)),
                               initializer=_forget_manifests)
    for outcome, exchanged in results:
        if exchanged is not None:
            report.interchange.append(exchanged)
        report.outcomes.append(outcome)
        if on_file:
            on_file(outcome)
    return report


def _reparse_issue(pk: int) -> FileOutcome:
    issue = Issue.objects.only("pk", "raw_text", "date", "source_file").get(pk=pk)
    result = segment(issue.raw_text, issue_date=issue.date)
    with transaction.atomic():
        locked = Issue.objects.select_for_update().get(pk=pk)
        warnings = _resegment(locked, result.articles)
        locked.segmenter_version, locked.segmented_at = SEGMENTER_VERSION, timezone.now()
        locked.save(update_fields=["segmenter_version", "segmented_at"])
    return FileOutcome(file=issue.source_file, status="updated", issue_date=issue.date,
                       articles=len(result.articles), warnings=list(result.warnings) + warnings)


def _issue_pks():
    last_pk = 0
    while batch := list(Issue.objects.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:1000]):
        yield from batch
        last_pk = batch[-1]


def reparse_stored(*, jobs: int | None = None,
                   on_file: Callable[[FileOutcome], None] | None = None) -> IngestReport:
    """Re-segment every stored issue from its raw text (after the segmenter improved), in ``jobs``
    processes (default: ``default_jobs``)."""
    report = IngestReport()
    pks = list(_issue_pks())
    for outcome in map_in_processes(_reparse_issue, pks, workers=_workers(jobs, len(pks))):
        report.outcomes.append(outcome)
        if on_file:
            on_file(outcome)
    return report


def ensure_editors_group() -> Group:
    """The editors may correct articles, credits and sections, and view issues; they delete nothing but credits."""
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    wanted = {
        ("articles", "article"): ["view", "change"],
        ("articles", "articlecontributor"): ["view", "add", "change", "delete"],
        ("articles", "contributor"): ["view", "add", "change"],
        ("articles", "section"): ["view", "add", "change"],
        ("articles", "issue"): ["view", "change"],
        ("articles", "newspaper"): ["view"],
    }
    perms = []
    for (app, model), actions in wanted.items():
        codenames = [f"{action}_{model}" for action in actions]
        perms.extend(Permission.objects.filter(content_type__app_label=app, codename__in=codenames))
    group.permissions.set(perms)
    return group


SYNTHETIC_NEWSPAPER = ("synthetic-daily", "合成日报（测试用）")


def write_synthetic_corpus(*, out: Path, issues: int, seed: int, start: dt.date,
                           on_issue: Callable[[int], None] | None = None) -> int:
    """Write ``issues`` synthetic issue files and their manifest into ``out`` (which must be new or
    empty), for a newspaper of their own; returns the number of articles written."""
    from .corpus import corpus_source, synthetic_issues
    from .sources import MANIFEST_NAME

    if out.exists() and any(out.iterdir()):
        raise IssueFileError(f"{out}: folder is not empty; name a new one with --out")
    seeds = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
    source = corpus_source([path.read_text(encoding="utf-8") for path in seeds])
    out.mkdir(parents=True, exist_ok=True)
    slug, name = SYNTHETIC_NEWSPAPER
    Newspaper.objects.get_or_create(slug=slug, defaults={"name": name})
    rows = ["file,newspaper,issue_date"]
    articles = 0
    for number, (date, text) in enumerate(synthetic_issues(source=source, issues=issues, seed=seed, start=start)):
        filename = f"{number:06d}_{date.isoformat()}.txt"
        (out / filename).write_text(text, encoding="utf-8")
        rows.append(f"{filename},{slug},{date.isoformat()}")
        articles += text.count("本报讯（记者")
        if on_issue:
            on_issue(number + 1)
    (out / MANIFEST_NAME).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return articles

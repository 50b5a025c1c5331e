"""Reparse: stored pages segmented again from their raw text, after the segmenter improved."""
from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from archive.processes import map_in_processes

from ..models import Page
from ..segmentation import SEGMENTER_VERSION, segment
from .continuations import link_continuations
from .editing import apply_page_edits
from .ingest import FileOutcome, IngestReport, _workers, resegment_page, unchanged_segmentation


def _reparse_page(pk: int) -> FileOutcome:
    page = Page.objects.select_related("issue").only("pk", "raw_text", "number", "source_file", "issue__date").get(pk=pk)
    result = segment(page.raw_text, issue_date=page.issue.date)
    outcome = FileOutcome(file=page.source_file, status="unchanged", issue_date=page.issue.date, pages=[page.number],
                          articles=len(result.articles), warnings=list(result.warnings))
    with transaction.atomic():
        locked = Page.objects.select_for_update(no_key=True).select_related("issue").get(pk=pk)
        # the editors' merges and splits, applied again to the new segmentation
        segs, edit_warnings = apply_page_edits(locked, result.articles)
        outcome.articles = len(segs)
        outcome.warnings += edit_warnings
        if not unchanged_segmentation(locked, segs):
            outcome.status = "updated"
            outcome.warnings += resegment_page(locked, segs)
        locked.segmenter_version, locked.segmented_at = SEGMENTER_VERSION, timezone.now()
        locked.save(update_fields=["segmenter_version", "segmented_at"])
    if outcome.status == "updated":
        link_continuations(issue=locked.issue, written=locked)  # after the commit: it locks the day's pages itself
    return outcome


def _page_pks():
    last_pk = 0
    while batch := list(Page.objects.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:1000]):
        yield from batch
        last_pk = batch[-1]


def reparse_stored(*, jobs: int | None = None,
                   on_file: Callable[[FileOutcome], None] | None = None) -> IngestReport:
    """Re-segment every stored page from its raw text, in ``jobs`` processes (default: one per core
    for a large archive). A page whose articles come out as before is reported unchanged; for the
    others the warnings list the articles added, removed and changed (which of the segmenter's
    fields), and any editor's merge or split that could not be carried over."""
    report = IngestReport()
    pks = list(_page_pks())
    for outcome in map_in_processes(_reparse_page, pks, workers=_workers(jobs, len(pks))):
        report.outcomes.append(outcome)
        if on_file:
            on_file(outcome)
    return report

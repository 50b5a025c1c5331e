"""``python manage.py ingest PATH... [--date D] [--newspaper SLUG] [--dry-run] [--json OUT] [--reparse] [--jobs N]``"""
from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.services import PARALLEL_FROM_FILES, FileOutcome, IngestReport, ingest_paths, reparse_stored
from articles.sources import parse_iso_date
from search.services import deferred_indexing, queue_status


def _jobs_argument(value: str) -> int:
    from argparse import ArgumentTypeError

    if not value.isdigit() or int(value) < 1:
        raise ArgumentTypeError(f"must be a whole number of processes, at least 1, not {value!r}")
    return int(value)


def _date_argument(value: str):
    try:
        return parse_iso_date(value)
    except ValueError as exc:
        from argparse import ArgumentTypeError

        raise ArgumentTypeError(str(exc)) from None


class Command(BaseCommand):
    help = ("Segment newspaper page files into articles and store them as issues (a paper's day) made of pages "
            "(one transaction per page).")
    # A day's pages are searchable in under 3 s; the system checks would add about a third of a
    # second (they import every view to check the URLconf). `check`, `migrate` and the server run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                            help="page .txt files or folders of them (optional with --reparse)")
        parser.add_argument("--date", type=_date_argument,
                            help="issue date YYYY-MM-DD of every file given (default: manifest.csv, the file "
                                 "name or folders, the masthead, else inferred from the text)")
        parser.add_argument("--newspaper", metavar="SLUG",
                            help="newspaper slug or name (default: the manifest's, else taiyuan-daily)")
        parser.add_argument("--dry-run", action="store_true", help="segment only; never touch the database")
        parser.add_argument("--json", type=Path, metavar="OUT", help="write the segmentation in the interchange format")
        parser.add_argument("--reparse", action="store_true",
                            help="re-segment even unchanged pages (all stored pages when no PATH is given)")
        parser.add_argument("--jobs", type=_jobs_argument, metavar="N",
                            help=f"processes sharing the files (default: one per core from {PARALLEL_FROM_FILES} "
                                 "files on, else one)")

    def handle(self, *args, **options):
        paths: list[Path] = options["paths"]
        verbosity = options["verbosity"]
        if not paths and not options["reparse"]:
            raise CommandError("name at least one PATH (a .txt file or a folder), or use --reparse")
        if options["reparse"] and options["dry_run"]:
            raise CommandError("--reparse writes to the database; it cannot be combined with --dry-run")
        if options["json"] is not None and not options["json"].parent.is_dir():
            raise CommandError(f"--json: folder {options['json'].parent} does not exist")

        progress = None

        def on_start(total: int) -> None:
            nonlocal progress
            progress = self._progress(total, verbosity)

        def on_file(outcome: FileOutcome) -> None:
            if progress is not None:
                progress.update(1)
            if verbosity >= 1:
                self._report_file(outcome, verbosity)

        # a bulk load is indexed once at its end, not page by page; a dry run touches nothing
        indexing = nullcontext() if options["dry_run"] else deferred_indexing()
        try:
            with indexing:
                if paths:
                    report = ingest_paths(paths=paths, date=options["date"], newspaper=options["newspaper"],
                                          dry_run=options["dry_run"], reparse=options["reparse"],
                                          jobs=options["jobs"], on_file=on_file, on_start=on_start,
                                          interchange=options["json"] is not None)
                else:
                    on_start(0)
                    report = reparse_stored(jobs=options["jobs"], on_file=on_file)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        finally:
            if progress is not None:
                progress.close()

        if options["json"] is not None:
            tmp = options["json"].with_name(options["json"].name + ".tmp")
            tmp.write_text(json.dumps({"issues": report.interchange}, ensure_ascii=False, indent=1), encoding="utf-8")
            tmp.replace(options["json"])
            if verbosity >= 1:
                self.stdout.write(f"wrote {options['json']} ({len(report.interchange)} issues)")
        if verbosity >= 1:
            self._summary(report, dry_run=options["dry_run"])
            if not options["dry_run"]:
                self._queue_note()
        if report.failed:
            raise CommandError(f"{report.failed} of {len(report.outcomes)} file(s) failed", returncode=1)

    def _queue_note(self) -> None:
        waiting = queue_status().length
        if waiting:
            self.stdout.write(f"{waiting} article(s) wait in the index queue; `manage.py drain_index` indexes them")

    def _progress(self, count: int, verbosity: int):
        # A bar only where someone watches: a terminal, normal verbosity, more than one file.
        if verbosity < 1 or not sys.stderr.isatty() or count == 1:
            return None
        from tqdm import tqdm

        return tqdm(total=count or None, unit="file", file=sys.stderr, leave=False)

    def _report_file(self, outcome: FileOutcome, verbosity: int) -> None:
        if outcome.status == "failed":
            self.stderr.write(self.style.ERROR(f"error: {outcome.error}"))
            return
        date = outcome.issue_date.isoformat() if outcome.issue_date else "?"
        pages = "p." + ",".join(str(n) for n in outcome.pages) if outcome.pages else "p.?"
        note = f", {len(outcome.warnings)} warning(s)" if outcome.warnings else ""
        line = f"{outcome.file}  {date}  {pages}  {outcome.articles} articles  {outcome.status}{note}"
        self.stdout.write(self.style.SUCCESS(line) if outcome.status in ("created", "updated") else line)
        if verbosity >= 2 or (outcome.warnings and verbosity >= 1 and outcome.status != "dry-run"):
            for warning in outcome.warnings:
                self.stdout.write(f"  warning: {warning}")

    def _summary(self, report: IngestReport, *, dry_run: bool) -> None:
        parts = [f"{len(report.outcomes)} file(s)"]
        for status in ("created", "updated", "unchanged", "dry-run", "failed"):
            n = report.count(status)
            if n:
                parts.append(f"{n} {status if status != 'unchanged' else 'unchanged (nothing to do)'}")
        parts.append(f"{report.articles} articles")
        warnings = sum(len(o.warnings) for o in report.outcomes)
        if warnings:
            parts.append(f"{warnings} warning(s)")
        prefix = "dry run, nothing stored: " if dry_run else ""
        self.stdout.write(prefix + "; ".join(parts))

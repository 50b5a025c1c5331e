"""Write a deterministic synthetic archive (issue files and a manifest) for benchmarks at scale."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.services import SYNTHETIC_NEWSPAPER, write_synthetic_corpus
from articles.sources import IssueFileError, parse_iso_date


class Command(BaseCommand):
    help = ("Write N synthetic daily issues recombined from the seed articles, as issue files in the "
            "seed format for a newspaper of their own; ingest them with `manage.py ingest FOLDER`.")

    def add_arguments(self, parser):
        parser.add_argument("--issues", type=int, required=True, help="how many daily issues (10-40 articles each)")
        parser.add_argument("--seed", type=int, default=1, help="the same seed writes the same files (default 1)")
        parser.add_argument("--start", default="2015-01-01", help="date of the first issue (default 2015-01-01)")
        parser.add_argument("--out", help="a new or empty folder (default var/corpus/seed<S>-<N>issues)")

    def handle(self, *args, issues: int, seed: int, start: str, out: str | None, **options):
        if issues < 1:
            raise CommandError("--issues must be at least 1")
        try:
            first = parse_iso_date(start)
        except ValueError as exc:
            raise CommandError(f"--start: {exc}") from None
        folder = Path(out) if out else Path(settings.VAR_DIR) / "corpus" / f"seed{seed}-{issues}issues"
        try:
            articles = write_synthetic_corpus(out=folder, issues=issues, seed=seed, start=first)
        except (IssueFileError, OSError) as exc:
            raise CommandError(str(exc)) from None
        last = first + dt.timedelta(days=issues - 1)
        if int(options["verbosity"]) >= 1:
            self.stdout.write(f"wrote {issues} issues ({articles} articles, {first} to {last}) of "
                              f"{SYNTHETIC_NEWSPAPER[1]} to {folder}")

"""Write a deterministic synthetic archive (page files and a manifest) for benchmarks at scale."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.services import SYNTHETIC_NEWSPAPER, write_synthetic_corpus
from articles.services.corpus import REALPAGES_DIR
from articles.sources import IssueFileError, parse_iso_date


class Command(BaseCommand):
    help = ("Write a synthetic daily recombined from real text (the seeds and ../shared/realpages when "
            "present): several pages a day, each a file YYYY-MM-DD-pNN.txt in the real pages' layout, "
            "with a manifest, for a newspaper of its own; ingest them with `manage.py ingest FOLDER`.")

    def add_arguments(self, parser):
        size = parser.add_mutually_exclusive_group(required=True)
        size.add_argument("--issues", type=int, help="how many days (4-8 pages of 3-7 articles each)")
        size.add_argument("--articles", type=int, help="write days until this many articles")
        parser.add_argument("--seed", type=int, default=1, help="the same seed writes the same files (default 1)")
        parser.add_argument("--start", default="2015-01-01", help="date of the first issue (default 2015-01-01)")
        parser.add_argument("--realpages", default=str(REALPAGES_DIR),
                            help="folder of real pages to draw from (default ../shared/realpages; "
                                 "'' for the seeds alone)")
        parser.add_argument("--out", help="a new or empty folder (default var/corpus/seed<S>-<N>)")

    def handle(self, *args, issues: int | None, articles: int | None, seed: int, start: str,
               realpages: str, out: str | None, **options):
        size = issues if issues is not None else articles
        if size < 1:
            raise CommandError(f"--{'issues' if issues is not None else 'articles'} must be at least 1")
        try:
            first = parse_iso_date(start)
        except ValueError as exc:
            raise CommandError(f"--start: {exc}") from None
        label = f"{issues}issues" if issues is not None else f"{articles}articles"
        folder = Path(out) if out else Path(settings.VAR_DIR) / "corpus" / f"seed{seed}-{label}"
        try:
            written = write_synthetic_corpus(out=folder, seed=seed, start=first, days=issues, articles=articles,
                                             realpages=Path(realpages) if realpages else None)
        except (IssueFileError, OSError) as exc:
            raise CommandError(str(exc)) from None
        if int(options["verbosity"]) >= 1:
            source = (f"the seeds and {written['real_pages']} real pages" if written["real_pages"]
                      else "the seeds alone (no real pages found)")
            self.stdout.write(f"wrote {written['days']} issues, {written['pages']} pages ({written['articles']} "
                              f"articles, {first} to {written['last']}) of {SYNTHETIC_NEWSPAPER[1]}, drawn from "
                              f"{source}, to {folder}")

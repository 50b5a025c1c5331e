"""``python manage.py newspapers [add SLUG NAME [--place P] [--first-year Y]]``"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from articles.selectors import newspaper_list
from articles.services import add_newspaper
from articles.services.newspapers import NewspaperError


class Command(BaseCommand):
    help = "List the archive's newspapers with their issue and page counts, or add one."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="add")
        add = sub.add_parser("add", help="add a newspaper", description="Add a newspaper to the archive.")
        add.add_argument("slug", help="short name for addresses and --newspaper, e.g. peoples-daily")
        add.add_argument("name", help="the newspaper's name, e.g. 人民日报")
        add.add_argument("--place", default="", help="where it is published, e.g. 北京")
        add.add_argument("--first-year", type=int, metavar="YEAR",
                         help="first year of publication (no inferred issue date before it)")

    def handle(self, *args, **options):
        if options["action"] == "add":
            try:
                paper = add_newspaper(slug=options["slug"], name=options["name"], place=options["place"],
                                      first_year=options["first_year"])
            except NewspaperError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(self.style.SUCCESS(f"added {paper.name} ({paper.slug})"))
            return
        papers = newspaper_list()
        if not papers:
            self.stdout.write("no newspapers yet: add one with `manage.py newspapers add SLUG NAME`")
            return
        self.stdout.write(f"{'slug':<24} {'name':<16} {'issues':>7} {'pages':>7}  first–last")
        for paper in papers:
            span = f"{paper.first_date:%Y-%m-%d}–{paper.last_date:%Y-%m-%d}" if paper.first_date else "–"
            self.stdout.write(f"{paper.slug:<24} {paper.name:<16} {paper.issue_count:>7} {paper.page_count:>7}  {span}")

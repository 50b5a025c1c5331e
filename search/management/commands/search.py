"""Search the archive from the command line, with the query language of the web page."""
from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from search.forms import SearchForm
from search.selectors import search_articles
from search.serializers import page_record


class Command(BaseCommand):
    help = 'Search the archive: manage.py search "太原 -疫情" [--json] [--limit N] [--sort newest] [--year 2021]'

    def add_arguments(self, parser):
        parser.add_argument("query", help='the query, as typed on the search page (quote it for the shell)')
        parser.add_argument("--json", action="store_true", help="print the API's JSON instead of a list")
        parser.add_argument("--limit", type=int, default=20,
                            help=f"how many results (default 20, at most {settings.SEARCH_API_MAX_PAGE_SIZE})")
        parser.add_argument("--page", type=int, default=1)
        parser.add_argument("--sort", default="relevance", help="relevance, newest or oldest")
        for name in ("date_from", "date_to", "year", "month", "section", "contributor", "kind", "newspaper"):
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, help=f"filter: {name}")

    def handle(self, *args, **options):
        params = {name: options[name] for name in ("date_from", "date_to", "year", "month", "section",
                                                    "contributor", "kind", "newspaper") if options[name]}
        params.update(q=options["query"], page=options["page"], page_size=options["limit"], sort=options["sort"])
        form = SearchForm(params, max_page_size=settings.SEARCH_API_MAX_PAGE_SIZE)
        if not form.is_valid():
            raise CommandError(form.error_text())
        page = search_articles(plan=form.plan(), sort=form.sort_key, page=form.page_number, page_size=form.page_length)
        notices = list(page.plan.query.notices)
        if options["json"]:
            self.stdout.write(json.dumps(page_record(page, notices=notices), ensure_ascii=False, indent=2))
            return
        for notice in notices:
            self.stderr.write(notice)
        if int(options["verbosity"]) >= 1:
            self.stdout.write(f"{page.total} hits ({page.took_ms:.0f} ms)")
        for number, hit in enumerate(page.hits, start=(page.page - 1) * page.page_size + 1):
            article = hit.article
            self.stdout.write(f"{number:>4}. {article.issue.date:%Y-%m-%d} #{article.position} "
                              f"{article.headline or '（无标题）'}  {article.get_absolute_url()}")

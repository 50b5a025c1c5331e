"""Rebuild the whole search index beside the old one and swap it in when complete.

Replaces haystack's rebuild_index (clear, then update), which left an empty index for the
length of the build, and for good if the build was killed. Here the old index serves every
search until the new one is complete; a killed build leaves the old one whole (and a stray
folder beside it, removed by the next rebuild). Edits saved meanwhile stay queued and are
indexed right after the swap.
"""
from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from articles.models import Article
from search.services import rebuild_index

from .update_index import _Progress, add_keep_segments


class Command(BaseCommand):
    help = ("Rebuild the search index from the database in a folder beside the index, and swap it in "
            "only when complete: the old index serves until then, and stays if the build fails.")

    def add_arguments(self, parser):
        parser.add_argument("--noinput", action="store_false", dest="interactive", default=True,
                            help="accepted for haystack's interface; nothing is asked (the old index stays "
                                 "until the new one is complete)")
        parser.add_argument("-u", "--using", action="append", default=[],
                            help="accepted for haystack's interface; only the default index exists")
        parser.add_argument("-k", "--workers", type=int, default=0, help="worker processes (0: one per core)")
        parser.add_argument("-b", "--batch-size", dest="batchsize", type=int,
                            help="articles per segment (default 5,000)")
        add_keep_segments(parser)
        parser.add_argument("--nocommit", action="store_false", dest="commit", default=True,
                            help="analyse everything and keep nothing (update_index --nocommit)")
        parser.add_argument("-t", "--max-retries", type=int, default=5, help="accepted for haystack's interface")

    def handle(self, *args, **options):
        if any(alias != "default" for alias in options["using"]):
            raise CommandError("only the default search connection exists")
        verbosity = int(options["verbosity"])
        if not options["commit"]:
            call_command("update_index", commit=False, verbosity=verbosity, stdout=self.stdout, stderr=self.stderr)
            return
        progress = _Progress(self.stdout, Article.objects.count(), enabled=verbosity >= 1)
        try:
            count = rebuild_index(workers=options["workers"] or None, segment_size=options["batchsize"],
                                  merge=options["merge"], on_indexed=progress.advance,
                                  on_merging=progress.merging)
        finally:
            progress.close()
        if verbosity >= 1:
            self.stdout.write(f"  rebuilt the index: {count:,} articles, swapped in whole")

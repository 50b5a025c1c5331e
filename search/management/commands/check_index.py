"""Does the search index agree with the database? Counts, ids, what each document holds, the
queue; --fix repairs."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.timezone import localtime

from search.services import check_index, repair_index

_SHOWN = 20


class Command(BaseCommand):
    help = "Compare the articles in the database with the documents in the search index."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="index what is missing or stale, remove what is extra")

    def handle(self, *args, fix: bool = False, **options):
        check = check_index()
        verbosity = int(options["verbosity"])
        if verbosity >= 1:
            self.stdout.write(f"database: {check.database_count} articles; index: {check.index_count} documents; "
                              f"queued edits: {check.queued}")
        if check.queued:
            oldest = f", the oldest since {localtime(check.oldest_queued):%Y-%m-%d %H:%M:%S}" if check.oldest_queued else ""
            self.stdout.write(f"{check.queued} queued edit(s) not yet in the index{oldest} (left by a stopped "
                              "run, or waiting for the next drain; `drain_index` or --fix indexes them)")
        if check.outdated_layout:
            self.stdout.write("the index was written by an older version of the archive (another schema or "
                              "posting layout) and must be rebuilt")
        for label, ids in (("missing from the index", check.missing), ("stale in the index", check.stale),
                           ("in the index but not in the database", check.extra)):
            if ids:
                shown = ", ".join(str(i) for i in ids[:_SHOWN]) + (" …" if len(ids) > _SHOWN else "")
                self.stdout.write(f"{len(ids)} {label}: {shown}")
        for pk, fields in check.differences.items():
            self.stdout.write(f"  article {pk}: the index differs in {', '.join(fields)}")
        where = _index_path()
        if check.consistent:
            self.stdout.write(self.style.SUCCESS(
                f"index and database agree: the index in {where} holds {check.index_count} document(s), "
                f"one per article; nothing to do"))
            return
        if not fix:
            raise CommandError("index and database differ; run `manage.py check_index --fix` to repair")
        fixed = repair_index(check)
        after = check_index()
        if not after.consistent:
            raise CommandError(f"repaired {fixed} document(s) but the index still differs; is another process writing?")
        if check.index_count == 0 and not check.outdated_layout:
            self.stdout.write(self.style.SUCCESS(
                f"built the index in {where}: {after.index_count} document(s), one per article; "
                "index and database agree"))
        else:
            self.stdout.write(self.style.SUCCESS(
                f"repaired {fixed} document(s); the index in {where} holds {after.index_count} document(s); "
                "index and database agree"))


def _index_path() -> str:
    """The index folder, relative to the working directory when it is inside it (var/whoosh)."""
    from pathlib import Path

    from haystack import connections

    path = Path(connections["default"].options.get("PATH", ""))
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)

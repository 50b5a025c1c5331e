"""``manage.py export_archive --format jsonl|csv [--out FILE] [--base-url URL]``: every article with its
metadata, streamed in keyset batches (articles/exports.py)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from articles.exports import BATCH, export_lines


class Command(BaseCommand):
    help = "Export every article with its metadata as JSON Lines or CSV (streamed; to stdout unless --out)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
        parser.add_argument("--out", help="file to write (default: standard output)")
        parser.add_argument("--base-url", default="", help="prefix for the article URLs, e.g. https://archive.example")
        parser.add_argument("--batch", type=int, default=BATCH, help=f"articles per query (default {BATCH})")

    def handle(self, *args, format, out, base_url, batch, **options):
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        if not out:
            for chunk in export_lines(format, base_url=base_url, batch=batch):
                self.stdout.write(chunk, ending="")
            return
        # a CSV file gets a BOM so that spreadsheet programs read it as UTF-8
        with open(out, "w", encoding="utf-8-sig" if format == "csv" else "utf-8", newline="") as handle:
            for chunk in export_lines(format, base_url=base_url, batch=batch):
                handle.write(chunk)
        self.stderr.write(f"wrote {out}")

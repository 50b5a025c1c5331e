"""Signals the articles app sends for work that bulk writes hide from Django's model signals."""
from django.dispatch import Signal

# Sent inside the ingest transaction with ``article_ids``: articles created by a bulk insert,
# which sends no post_save. The search index listens to it.
articles_created = Signal()

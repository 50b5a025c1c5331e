"""Signals the articles app sends for work that bulk writes hide from Django's model signals."""
from django.dispatch import Signal

# Sent inside the ingest transaction with ``article_ids``: articles created by a bulk insert,
# which sends no post_save. The search index listens to it.
articles_created = Signal()

# Sent inside a writing transaction with ``article_ids``: articles whose search document changed
# through a write that sends no post_save of its own (a queryset update, a new continuation link
# that adds a part's text to its story's document).
articles_changed = Signal()

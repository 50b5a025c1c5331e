"""The queue between database writes and the search index.

A write enqueues its article ids in the same transaction as the write itself, so an update can
only be lost if the write is lost too. After the commit the queue is drained into the index; if
the index is locked by another writer for too long, the rows stay and the next drain (the next
edit, ``update_index`` or ``check_index --fix``) takes them.
"""
from django.db import models


class IndexQueueEntry(models.Model):
    # A plain integer, not a foreign key: a deleted article must still reach the index.
    article_id = models.BigIntegerField(db_index=True)
    queued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "index queue entry"
        verbose_name_plural = "index queue"

    def __str__(self) -> str:
        return f"article {self.article_id} queued at {self.queued_at:%Y-%m-%d %H:%M:%S}"

"""Keeps the index in step with the database: haystack's signal processor for the archive."""
from __future__ import annotations

from django.db.models import signals
from haystack.signals import BaseSignalProcessor

from articles.models import Article, ArticleContributor, Contributor, Section
from articles.signals import articles_created

from .services import enqueue_articles


class QueuedSignalProcessor(BaseSignalProcessor):
    """Queues changed articles in the writing transaction and indexes them after it commits."""

    def _receivers(self):
        return [
            (signals.post_save, self.article_changed, Article),
            (signals.post_delete, self.article_changed, Article),
            (signals.post_save, self.credit_changed, ArticleContributor),
            (signals.post_delete, self.credit_changed, ArticleContributor),
            (signals.post_save, self.name_changed, Section),
            (signals.post_save, self.name_changed, Contributor),
            (articles_created, self.articles_created, Article),
        ]

    def setup(self):
        for signal, receiver, sender in self._receivers():
            signal.connect(receiver, sender=sender)

    def teardown(self):
        for signal, receiver, sender in self._receivers():
            signal.disconnect(receiver, sender=sender)

    def article_changed(self, sender, instance, raw=False, **kwargs):
        if not raw:
            enqueue_articles(article_ids=[instance.pk])

    def credit_changed(self, sender, instance, raw=False, **kwargs):
        if not raw:
            enqueue_articles(article_ids=[instance.article_id])

    def name_changed(self, sender, instance, created=False, raw=False, **kwargs):
        # a renamed section or contributor changes the documents of all its articles
        if raw or created:
            return
        if isinstance(instance, Section):
            ids = list(Article.objects.filter(section=instance).values_list("pk", flat=True))
        else:
            ids = list(ArticleContributor.objects.filter(contributor=instance).values_list("article_id", flat=True))
        enqueue_articles(article_ids=ids)

    def articles_created(self, sender, article_ids, **kwargs):
        enqueue_articles(article_ids=article_ids)

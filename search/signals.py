"""Keeps the index in step with the database: haystack's signal processor for the archive.

Every write that changes what a document holds queues its articles in the writing transaction:
an article or a credit saved or deleted; an issue's date or newspaper changed (the documents'
day, month, year and newspaper); a section, contributor or newspaper renamed (the facets and the
bylines); a page renumbered, renamed or moved; and ``articles_created``/``articles_changed``
for bulk writes that send no post_save.
Writes that bypass model signals (``QuerySet.update``) must call
``search.services.queue_articles`` themselves; ``check_index`` finds any that did not.
"""
from __future__ import annotations

from django.db.models import signals
from haystack.signals import BaseSignalProcessor

from articles import signals as article_signals
from articles.models import Article, ArticleContributor, Contributor, Issue, Newspaper, Page, Section

from .services import queue_articles

# The fields of each model that documents show: a save that changes none of them queues nothing.
_WATCHED = {Issue: ("date", "newspaper_id"), Section: ("name",), Contributor: ("name",), Newspaper: ("slug", "name"),
            Page: ("number", "name", "issue_id")}


class QueuedSignalProcessor(BaseSignalProcessor):
    """Queues changed articles in the writing transaction and indexes them after it commits."""

    def _receivers(self):
        receivers = [
            (signals.post_save, self.article_changed, Article),
            (signals.post_delete, self.article_changed, Article),
            (signals.pre_delete, self.story_start_deleting, Article),
            (signals.post_save, self.credit_changed, ArticleContributor),
            (signals.post_delete, self.credit_changed, ArticleContributor),
            (article_signals.articles_created, self.articles_created, Article),
            (article_signals.articles_changed, self.articles_created, None),
        ]
        for model in _WATCHED:
            receivers.append((signals.pre_save, self.remember_shown_values, model))
            receivers.append((signals.post_save, self.shown_values_changed, model))
        return receivers

    def setup(self):
        for signal, receiver, sender in self._receivers():
            signal.connect(receiver, sender=sender)

    def teardown(self):
        for signal, receiver, sender in self._receivers():
            signal.disconnect(receiver, sender=sender)

    def article_changed(self, sender, instance, raw=False, **kwargs):
        if not raw:
            # a part of a story on a later page is in its start's document: saved or deleted
            # (a re-ingest that drops it), the start is indexed again too
            queue_articles(article_ids=[instance.pk, instance.continues_id] if instance.continues_id
                           else [instance.pk])

    def story_start_deleting(self, sender, instance, **kwargs):
        # Its parts on later pages had no document of their own (they were in this one's); the
        # delete unlinks them by an UPDATE that sends no signal, so they are queued here to be
        # indexed as articles of their own.
        queue_articles(articles=Article.objects.filter(continues_id=instance.pk))

    def credit_changed(self, sender, instance, raw=False, **kwargs):
        if not raw:
            queue_articles(article_ids=[instance.article_id])

    def remember_shown_values(self, sender, instance, raw=False, **kwargs):
        """Before the save: the values documents show, as stored (one query by primary key)."""
        instance._search_shown_before = None
        if raw or instance.pk is None:
            return
        fields = _WATCHED[sender]
        instance._search_shown_before = sender._default_manager.filter(pk=instance.pk).values_list(*fields).first()

    def shown_values_changed(self, sender, instance, created=False, raw=False, **kwargs):
        before = getattr(instance, "_search_shown_before", None)
        if raw or created or before is None:
            return
        now = tuple(getattr(instance, name) for name in _WATCHED[sender])
        if now == tuple(before):
            return
        if sender is Issue:
            queue_articles(issue_ids=[instance.pk])
        elif sender is Section:
            queue_articles(articles=Article.objects.filter(section=instance))
        elif sender is Contributor:
            queue_articles(articles=Article.objects.filter(credits__contributor=instance))
        elif sender is Newspaper:
            queue_articles(articles=Article.objects.filter(issue__newspaper=instance))
        elif sender is Page:
            queue_articles(articles=Article.objects.filter(page=instance))

    def articles_created(self, sender, article_ids, **kwargs):
        queue_articles(article_ids=article_ids)

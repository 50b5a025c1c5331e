"""The archive's data: newspapers, their issues, and the articles the segmenter found in them.

Every article keeps the values the segmenter produced (``segmented``) next to the values editors
may correct; ``corrected_fields`` names the fields where the two differ, and django-simple-history
keeps who changed what, when, from which value to which.
"""
from __future__ import annotations

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


class Newspaper(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Issue(models.Model):
    class DateSource(models.TextChoices):
        MANIFEST = "manifest", "manifest.csv"
        COMMAND_LINE = "command_line", "--date on the command line"
        INFERRED = "inferred", "inferred from the text (to be confirmed)"
        EDITOR = "editor", "confirmed by an editor"

    newspaper = models.ForeignKey(Newspaper, on_delete=models.PROTECT, related_name="issues")
    date = models.DateField()
    source_file = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    encoding = models.CharField(max_length=20, default="utf-8")
    raw_text = models.TextField(help_text="The source file exactly as read, before any repair.")
    date_source = models.CharField(max_length=20, choices=DateSource.choices)
    date_note = models.CharField(max_length=200, blank=True, help_text="How an inferred date was found.")
    segmenter_version = models.CharField(max_length=20)
    ingested_at = models.DateTimeField()
    segmented_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["newspaper", "date"], name="unique_issue_per_newspaper_date"),
        ]

    def __str__(self) -> str:
        return f"{self.newspaper} {self.date.isoformat()}"


class NamedEntity(models.Model):
    """A uniquely named thing editors may rename, with its history."""

    name = models.CharField(max_length=100, unique=True)

    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Section(NamedEntity):
    class Meta(NamedEntity.Meta):
        pass


class Contributor(NamedEntity):
    class Meta(NamedEntity.Meta):
        pass


class ArticleQuerySet(models.QuerySet):
    def for_reading(self, *, body: bool = True) -> ArticleQuerySet:
        """With the issue, newspaper, section and credits a page or a search document shows, and
        without what none shows: the issue's raw text (tens of thousands of characters, which
        would come again on every article row of the join), the segmenter's values and the list
        of corrected fields; without the body too for a list of headlines."""
        deferred = ["issue__raw_text", "segmented", "corrected_fields"] + ([] if body else ["body"])
        return (self.select_related("issue__newspaper", "section").prefetch_related("credits__contributor")
                .defer(*deferred))


class Article(models.Model):
    class Kind(models.TextChoices):
        NEWS = "news", "消息 news"
        FEATURE = "feature", "通讯 feature"
        COMMENTARY = "commentary", "评论 commentary"
        PHOTO = "photo", "图片 photo"
        NOTICE = "notice", "启事 notice"
        COLUMN = "column", "专栏 column"
        CONTINUATION = "continuation", "转版 continuation"

    # Fields an editor may correct; the segmenter's value of each is kept in ``segmented``.
    EDITABLE_FIELDS = (
        "headline", "subheadline", "section", "dateline", "kind", "continued_from_page", "body", "bylines",
    )

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="articles")
    position = models.PositiveIntegerField(help_text="Order of the article in its issue, from 1.")
    headline = models.CharField(max_length=500, blank=True)
    subheadline = models.CharField(max_length=500, blank=True)
    section = models.ForeignKey(Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles")
    dateline = models.DateField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEWS)
    continued_from_page = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.TextField()
    source_start_line = models.PositiveIntegerField()
    source_end_line = models.PositiveIntegerField()
    segmented = models.JSONField(default=dict, help_text="The values the segmenter produced.")
    corrected_fields = models.JSONField(default=list, blank=True)
    is_corrected = models.BooleanField(default=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["issue", "position"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "position"], name="unique_article_position_per_issue"),
        ]

    def __str__(self) -> str:
        return self.headline or f"({self.get_kind_display()}) {self.body[:30]}"

    def get_absolute_url(self) -> str:
        return reverse("articles:article", kwargs={
            "paper": self.issue.newspaper.slug, "date": self.issue.date, "position": self.position,
        })

    def current_values(self) -> dict:
        """The editable fields in the same form as ``segmented``."""
        return {
            "headline": self.headline or None,
            "subheadline": self.subheadline or None,
            "section": self.section.name if self.section_id else None,
            "dateline": self.dateline.isoformat() if self.dateline else None,
            "kind": self.kind,
            "continued_from_page": self.continued_from_page,
            "body": self.body,
            "bylines": [[c.contributor.name, c.role] for c in self.credits.select_related("contributor")]
            if self.pk else [],
        }

    def refresh_corrections(self, *, save: bool = True) -> list[str]:
        """Recompute which fields differ from what the segmenter produced."""
        current = self.current_values()
        self.corrected_fields = [f for f in self.EDITABLE_FIELDS if current[f] != self.segmented.get(f)]
        self.is_corrected = bool(self.corrected_fields)
        if save and self.pk:
            type(self).objects.filter(pk=self.pk).update(
                corrected_fields=self.corrected_fields, is_corrected=self.is_corrected
            )
        return self.corrected_fields


class ArticleContributor(models.Model):
    class Role(models.TextChoices):
        REPORTER = "reporter", "记者"
        CORRESPONDENT = "correspondent", "通讯员"
        PHOTOGRAPHER = "photographer", "摄影"
        COMMENTATOR = "commentator", "评论员"
        SUPPLIER = "supplier", "供稿"
        AUTHOR = "author", "署名"
        PHOTO_SOURCE = "photo_source", "图片提供"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="credits")
    contributor = models.ForeignKey(Contributor, on_delete=models.PROTECT, related_name="credits")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AUTHOR)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "contributor", "role"], name="unique_credit_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.contributor} ({self.get_role_display()})"

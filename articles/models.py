"""The archive's data: newspapers, their issues (a paper's day), the pages (版) of an issue, and the
articles the segmenter found on each page.

A page keeps its source file verbatim; an article belongs to one page and, through it, to one
issue. ``Article.issue`` repeats ``page.issue`` on purpose: every list, filter and index document
reads the issue's date and newspaper, and the repeated key keeps those reads to one join.

Every article keeps the values the segmenter produced (``segmented``) next to the values editors
may correct; ``corrected_fields`` names the fields where the two differ, and django-simple-history
keeps who changed what, when, from which value to which.
"""
from __future__ import annotations

from django.db import models
from django.db.models.functions import Substr
from django.urls import reverse
from simple_history.models import HistoricalRecords


class Newspaper(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    place = models.CharField(max_length=100, blank=True, help_text="Where it is published, e.g. 北京.")
    first_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="First year of publication: no issue date is inferred before it.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Issue(models.Model):
    """A newspaper's day: the pages printed under one date."""

    class DateSource(models.TextChoices):
        COMMAND_LINE = "command_line", "--date on the command line"
        MANIFEST = "manifest", "manifest.csv"
        FILE_NAME = "file_name", "the file name or its folders"
        MASTHEAD = "masthead", "the masthead date printed on the page"
        INFERRED = "inferred", "inferred from the text (to be confirmed)"
        EDITOR = "editor", "confirmed by an editor"

    newspaper = models.ForeignKey(Newspaper, on_delete=models.PROTECT, related_name="issues")
    date = models.DateField()
    date_source = models.CharField(max_length=20, choices=DateSource.choices)
    date_note = models.CharField(max_length=200, blank=True, help_text="How an inferred date was found.")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["newspaper", "date"], name="unique_issue_per_newspaper_date"),
        ]

    def __str__(self) -> str:
        return f"{self.newspaper} {self.date.isoformat()}"

    def get_absolute_url(self) -> str:
        return reverse("articles:issue", kwargs={"paper": self.newspaper.slug, "date": self.date})


class Page(models.Model):
    """One page (版) of an issue, with the source file it came from kept verbatim."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveSmallIntegerField(help_text="版次, from 1.")
    name = models.CharField(max_length=50, blank=True, help_text="版名, such as 要闻, where the source gives one.")
    source_file = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    encoding = models.CharField(max_length=20, default="utf-8")
    raw_text = models.TextField(help_text="The page's text exactly as read, before any repair.")
    segmenter_version = models.CharField(max_length=20)
    ingested_at = models.DateTimeField()
    segmented_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["issue", "number"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "number"], name="unique_page_number_per_issue"),
        ]

    def __str__(self) -> str:
        return f"{self.issue} 第{self.number}版" + (f" {self.name}" if self.name else "")

    def get_absolute_url(self) -> str:
        return reverse("articles:page", kwargs={
            "paper": self.issue.newspaper.slug, "date": self.issue.date, "page": self.number,
        })


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
        without what none shows: the page's raw text (tens of thousands of characters, which
        would come again on every article row of the join), the segmenter's values and the list
        of corrected fields; without the body too for a list of headlines."""
        deferred = ["page__raw_text", "segmented", "corrected_fields", "continues__body", "continues__segmented",
                    "continues__corrected_fields", "continues__page__raw_text"] + ([] if body else ["body"])
        # the story a part continues: its headline names an untitled part, its page the link to it
        articles = (self.select_related("issue__newspaper", "page", "section", "continues__page")
                    .prefetch_related("credits__contributor").defer(*deferred))
        # a list without bodies still names an untitled item by its opening words
        return articles if body else articles.annotate(opening=Substr("body", 1, 80))


class Article(models.Model):
    class Kind(models.TextChoices):
        NEWS = "news", "消息"
        FEATURE = "feature", "通讯"
        COMMENTARY = "commentary", "评论"
        PHOTO = "photo", "图片"
        NOTICE = "notice", "启事"
        COLUMN = "column", "专栏"
        CONTINUATION = "continuation", "转版"

    # Fields an editor may correct; the segmenter's value of each is kept in ``segmented``.
    EDITABLE_FIELDS = (
        "kicker", "headline", "subheadline", "section", "dateline", "kind", "continued_from_page", "body", "bylines",
    )

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="articles")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="articles")
    position = models.PositiveIntegerField(help_text="Order of the article on its page, from 1.")
    kicker = models.CharField(max_length=500, blank=True, help_text="引题: the lead-in line above the headline.")
    headline = models.CharField(max_length=500, blank=True, help_text="主题: the main headline.")
    subheadline = models.CharField(max_length=500, blank=True)
    section = models.ForeignKey(Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles")
    dateline = models.DateField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEWS)
    continued_from_page = models.PositiveSmallIntegerField(null=True, blank=True)
    continued_to_page = models.PositiveSmallIntegerField(null=True, blank=True)
    continues = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="continuations",
        help_text="The article on an earlier page whose story this one carries on (上接).")
    continues_set_by_editor = models.BooleanField(
        default=False, help_text="The continuation link was set or cleared by an editor; ingest leaves it alone.")
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
        ordering = ["page", "position"]
        constraints = [
            models.UniqueConstraint(fields=["page", "position"], name="unique_article_position_per_page"),
        ]

    def __str__(self) -> str:
        return self.full_headline or f"({self.get_kind_display()}) {self.body[:30]}"

    def get_absolute_url(self) -> str:
        return reverse("articles:article", kwargs={
            "paper": self.issue.newspaper.slug, "date": self.issue.date, "page": self.page.number,
            "position": self.position,
        })

    @property
    def full_headline(self) -> str:
        """引题 and 主题 joined with one space, as the interchange format writes a headline."""
        return " ".join(part for part in (self.kicker, self.headline) if part)

    def current_values(self) -> dict:
        """The editable fields in the same form as ``segmented``."""
        return {
            "kicker": self.kicker or None,
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

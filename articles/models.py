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

from django.conf import settings
from django.db import models
from django.db.models import Prefetch
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Newspaper(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    place = models.CharField(_("place"), max_length=100, blank=True, help_text=_("Where it is published, e.g. 北京."))
    first_year = models.PositiveSmallIntegerField(
        _("first year"), null=True, blank=True,
        help_text=_("First year of publication: no issue date is inferred before it."))

    class Meta:
        ordering = ["name"]
        verbose_name = _("newspaper")
        verbose_name_plural = _("newspapers")

    def __str__(self) -> str:
        return self.name


class Issue(models.Model):
    """A newspaper's day: the pages printed under one date."""

    class DateSource(models.TextChoices):
        COMMAND_LINE = "command_line", _("--date on the command line")
        MANIFEST = "manifest", _("manifest.csv")
        FILE_NAME = "file_name", _("the file name or its folders")
        MASTHEAD = "masthead", _("the masthead date printed on the page")
        INFERRED = "inferred", _("inferred from the text (to be confirmed)")
        EDITOR = "editor", _("confirmed by an editor")

    newspaper = models.ForeignKey(Newspaper, on_delete=models.PROTECT, related_name="issues",
                                  verbose_name=_("newspaper"))
    date = models.DateField(_("date"))
    date_source = models.CharField(_("date source"), max_length=20, choices=DateSource.choices)
    date_note = models.CharField(_("date note"), max_length=200, blank=True,
                                 help_text=_("How an inferred date was found."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date"]
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        constraints = [
            models.UniqueConstraint(fields=["newspaper", "date"], name="unique_issue_per_newspaper_date"),
        ]

    def __str__(self) -> str:
        return f"{self.newspaper} {self.date.isoformat()}"

    def get_absolute_url(self) -> str:
        return reverse("articles:issue", kwargs={"paper": self.newspaper.slug, "date": self.date})


class Page(models.Model):
    """One page (版) of an issue, with the source file it came from kept verbatim."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="pages", verbose_name=_("issue"))
    number = models.PositiveSmallIntegerField(_("page number"), help_text=_("版次, from 1."))
    name = models.CharField(_("page name"), max_length=50, blank=True,
                            help_text=_("版名, such as 要闻, where the source gives one."))
    source_file = models.CharField(_("source file"), max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    encoding = models.CharField(_("encoding"), max_length=20, default="utf-8")
    raw_text = models.TextField(_("raw text"), help_text=_("The page's text exactly as read, before any repair."))
    segmenter_version = models.CharField(_("segmenter version"), max_length=20)
    ingested_at = models.DateTimeField(_("ingested at"))
    segmented_at = models.DateTimeField(_("segmented at"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["issue", "number"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")
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
    """A uniquely named thing editors may rename or merge into another, with its history.

    A merged entry keeps its row (and so its name, which ingest maps to the survivor, and its
    public address, which redirects to the survivor's); ``merged_into`` names the survivor."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="absorbed",
        verbose_name=_("merged into"),
        help_text=_("Set by a merge: this entry's credits moved to that one, and its page redirects there."))

    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def survivor(self):
        """The entry this one was merged into, through any chain of merges; itself if never merged."""
        entity, seen = self, set()
        while entity.merged_into_id and entity.pk not in seen:
            seen.add(entity.pk)
            entity = entity.merged_into
        return entity


class Section(NamedEntity):
    class Meta(NamedEntity.Meta):
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        permissions = [("merge_section", _("Can merge sections"))]

    def get_absolute_url(self) -> str:
        return reverse("articles:section", kwargs={"pk": self.pk})


class Contributor(NamedEntity):
    class Meta(NamedEntity.Meta):
        verbose_name = _("contributor")
        verbose_name_plural = _("contributors")
        permissions = [("merge_contributor", _("Can merge contributors"))]

    def get_absolute_url(self) -> str:
        return reverse("articles:contributor", kwargs={"pk": self.pk})


class ArticleQuerySet(models.QuerySet):
    def for_reading(self, *, body: bool = True, continued: bool = True) -> ArticleQuerySet:
        """With the issue, newspaper, section and credits a page or a search document shows, and
        without what none shows: the page's raw text (tens of thousands of characters, which
        would come again on every article row of the join), the segmenter's values and the list
        of corrected fields; without the body too for a list of headlines; without the story a
        part continues (``continued=False``) for what never names an untitled part."""
        deferred = ["page__raw_text", "segmented", "corrected_fields"] + ([] if body else ["body"])
        # The story a part continues: its headline names an untitled part, its page the link to
        # it. Prefetched, not joined: few articles continue another (no query at all when none of
        # the rows does), and two more tables in the join tripled Postgres's planning of every
        # read of articles (1.2 of 1.5 ms for a page of 20 results at 150,000 articles).
        articles = (self.select_related("issue__newspaper", "page", "section")
                    .prefetch_related(self.credited(), *([self.continued()] if continued else []))
                    .defer(*deferred))
        # a list without bodies still names an untitled item by its opening words
        return articles if body else articles.annotate(opening=Substr("body", 1, 80))

    def credited(self) -> Prefetch:
        """Each article's credits with their contributors, in one query (not one for each), in
        their order: by position, not by the credits' default ordering, which Django resolves
        through the article's, the page's and the issue's (three joins, for an order within
        one article)."""
        return Prefetch("credits", queryset=ArticleContributor.objects.select_related("contributor")
                        .order_by("position", "pk"))

    def continued(self) -> Prefetch:
        """The story each article continues, with its page (not its text)."""
        return Prefetch("continues", queryset=self.model.objects.select_related("page")
                        .defer("body", "segmented", "corrected_fields", "page__raw_text"))


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

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="articles", verbose_name=_("issue"))
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="articles", verbose_name=_("page"))
    position = models.PositiveIntegerField(_("position"), help_text=_("Order of the article on its page, from 1."))
    kicker = models.CharField(_("kicker"), max_length=500, blank=True,
                              help_text=_("引题: the lead-in line above the headline."))
    headline = models.CharField(_("headline"), max_length=500, blank=True, help_text=_("主题: the main headline."))
    subheadline = models.CharField(_("subheadline"), max_length=500, blank=True)
    section = models.ForeignKey(Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles",
                                verbose_name=_("section"))
    dateline = models.DateField(_("dateline"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NEWS)
    continued_from_page = models.PositiveSmallIntegerField(_("continued from page"), null=True, blank=True)
    continued_to_page = models.PositiveSmallIntegerField(_("continued to page"), null=True, blank=True)
    continues = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="continuations",
        verbose_name=_("continues"),
        help_text=_("The article on an earlier page whose story this one carries on (上接)."))
    continues_set_by_editor = models.BooleanField(
        _("continuation set by an editor"), default=False,
        help_text=_("The continuation link was set or cleared by an editor; ingest leaves it alone."))
    body = models.TextField(_("body"))
    source_start_line = models.PositiveIntegerField(_("first source line"))
    source_end_line = models.PositiveIntegerField(_("last source line"))
    segmented = models.JSONField(_("segmenter's values"), default=dict,
                                 help_text=_("The values the segmenter produced."))
    corrected_fields = models.JSONField(_("corrected fields"), default=list, blank=True)
    is_corrected = models.BooleanField(_("corrected"), default=False, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ArticleQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["page", "position"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [("merge_article", _("Can merge and split articles"))]
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

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="credits", verbose_name=_("article"))
    contributor = models.ForeignKey(Contributor, on_delete=models.PROTECT, related_name="credits",
                                    verbose_name=_("contributor"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AUTHOR)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["article", "position"]
        verbose_name = _("credit")
        verbose_name_plural = _("credits")
        constraints = [
            models.UniqueConstraint(fields=["article", "contributor", "role"], name="unique_credit_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.contributor} ({self.get_role_display()})"


class PageEdit(models.Model):
    """A change an editor made to how a page is cut into articles: two adjacent articles merged
    into one, or one split at a paragraph into two.

    The edit is stored against the segmenter's values (``details`` names the segmenter's bodies
    involved), so ``ingest --reparse`` applies it again to a new segmentation before matching the
    new articles to the stored ones (``services.editing.apply_page_edits``). An edit that no longer
    fits the new segmentation is set inactive with the reason, and the reparse reports it."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("merge")
        SPLIT = "split", _("split")

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="edits", verbose_name=_("page"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    details = models.JSONField(_("details"), default=dict)
    article = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="page_edits",
                                verbose_name=_("article"), help_text=_("The article the edit kept or cut."))
    other_article_id = models.BigIntegerField(_("other article"), null=True, blank=True,
                                              help_text=_("The article merged away, or the one a split made."))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             verbose_name=_("user"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True,
                            help_text=_("Why a reparse could not carry the edit over."))

    class Meta:
        ordering = ["page", "created_at", "pk"]
        verbose_name = _("page edit")
        verbose_name_plural = _("page edits")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.page}"

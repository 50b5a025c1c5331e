"""The editors' admin: correct what the segmenter got wrong, with a history of every correction."""
from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Prefetch
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from .models import Article, ArticleContributor, Contributor, Issue, Newspaper, Page, Section


class CorrectedFilter(admin.SimpleListFilter):
    title = "corrected by an editor"
    parameter_name = "corrected"

    def lookups(self, request, model_admin):
        return [("yes", "corrected"), ("no", "as segmented")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(is_corrected=True)
        if self.value() == "no":
            return queryset.filter(is_corrected=False)
        return queryset


class ArticleContributorInline(admin.TabularInline):
    model = ArticleContributor
    extra = 0
    autocomplete_fields = ["contributor"]
    fields = ["contributor", "role", "position"]


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    list_display = ["issue_date", "page_number", "position", "headline_or_kind", "section", "kind", "bylines",
                    "is_corrected"]
    list_display_links = ["headline_or_kind"]
    list_select_related = ["issue", "issue__newspaper", "page", "section"]
    list_filter = ["kind", CorrectedFilter, "section", "issue__newspaper"]
    date_hierarchy = "issue__date"
    search_fields = ["kicker", "headline", "subheadline", "body", "credits__contributor__name"]
    ordering = ["-issue__date", "page__number", "position"]
    list_per_page = 50
    autocomplete_fields = ["section"]
    raw_id_fields = ["continues"]
    inlines = [ArticleContributorInline]
    readonly_fields = ["issue", "page", "position", "source_lines", "segmenter_values", "corrected_fields",
                       "updated_at"]
    fieldsets = [
        (None, {"fields": ["issue", "page", "position", "kicker", "headline", "subheadline", "section", "kind",
                           "dateline", "continued_from_page", "continues", "body"]}),
        ("What the segmenter produced", {"classes": ["collapse"],
                                         "fields": ["segmenter_values", "corrected_fields", "source_lines",
                                                    "updated_at"]}),
    ]

    def get_queryset(self, request):
        credits = ArticleContributor.objects.select_related("contributor").order_by("position")
        return super().get_queryset(request).prefetch_related(Prefetch("credits", queryset=credits))

    def has_add_permission(self, request):
        return False  # articles come from ingestion; editors correct them

    @admin.display(description="issue date", ordering="issue__date")
    def issue_date(self, obj: Article):
        return obj.issue.date

    @admin.display(description="page", ordering="page__number")
    def page_number(self, obj: Article):
        return obj.page.number

    @admin.display(description="headline", ordering="headline")
    def headline_or_kind(self, obj: Article):
        return obj.full_headline or f"({obj.get_kind_display()})"

    @admin.display(description="bylines")
    def bylines(self, obj: Article):
        return "、".join(c.contributor.name for c in obj.credits.all())

    @admin.display(description="source lines")
    def source_lines(self, obj: Article):
        return f"{obj.source_start_line}–{obj.source_end_line}"

    @admin.display(description="segmenter's values")
    def segmenter_values(self, obj: Article):
        rows = []
        for name in Article.EDITABLE_FIELDS:
            value = obj.segmented.get(name)
            if name == "bylines" and value:
                value = "、".join(f"{n} ({r})" for n, r in value)
            rows.append((name, "" if value is None else str(value)))
        return format_html(
            '<table class="segmenter-values">{}</table>',
            format_html_join("", '<tr><th>{}</th><td style="white-space: pre-wrap">{}</td></tr>', rows),
        )

    def save_model(self, request, obj, form, change):
        if "continues" in form.changed_data:
            obj.continues_set_by_editor = True  # ingest and reparse leave an editor's link alone
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Credits are saved after the article, so the correction flags are settled only now.
        form.instance.refresh_corrections()


class ArticleInline(admin.TabularInline):
    model = Article
    extra = 0
    fields = ["position", "headline", "section", "kind", "is_corrected"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    ordering = ["position"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("section")


class PageInline(admin.TabularInline):
    model = Page
    extra = 0
    fields = ["number", "name", "source_file", "segmenter_version", "ingested_at"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    ordering = ["number"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw_text")


@admin.register(Issue)
class IssueAdmin(SimpleHistoryAdmin):
    list_display = ["date", "newspaper", "page_count", "article_count", "date_source"]
    list_select_related = ["newspaper"]
    list_filter = ["newspaper", "date_source"]
    date_hierarchy = "date"
    search_fields = ["pages__source_file", "pages__sha256"]
    inlines = [PageInline]
    fields = ["newspaper", "date", "date_source", "date_note"]
    readonly_fields = ["newspaper", "date_source", "date_note"]
    actions = ["confirm_dates"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            article_total=Count("articles", distinct=True), page_total=Count("pages", distinct=True))

    def has_add_permission(self, request):
        return False  # issues come from the ingest command

    def save_model(self, request, obj, form, change):
        if "date" in form.changed_data:
            obj.date_source = Issue.DateSource.EDITOR
        super().save_model(request, obj, form, change)

    @admin.action(description="Confirm the issue date of the selected issues", permissions=["change"])
    def confirm_dates(self, request, queryset):
        confirmed = 0
        for issue in queryset.exclude(date_source=Issue.DateSource.EDITOR):
            issue.date_source = Issue.DateSource.EDITOR
            issue.save(update_fields=["date_source"])  # one by one, so each confirmation is in the history
            confirmed += 1
        self.message_user(request, f"Confirmed the date of {confirmed} issue(s).")

    @admin.display(description="pages", ordering="page_total")
    def page_count(self, obj: Issue):
        return obj.page_total

    @admin.display(description="articles", ordering="article_total")
    def article_count(self, obj: Issue):
        return obj.article_total


@admin.register(Page)
class PageAdmin(SimpleHistoryAdmin):
    list_display = ["issue", "number", "name", "source_file", "article_count", "ingested_at"]
    list_select_related = ["issue", "issue__newspaper"]
    list_filter = ["issue__newspaper"]
    date_hierarchy = "issue__date"
    search_fields = ["source_file", "sha256", "name"]
    inlines = [ArticleInline]
    fields = ["issue", "number", "name", "source_file", "sha256", "encoding", "segmenter_version", "ingested_at",
              "segmented_at", "raw_source"]
    readonly_fields = ["issue", "number", "source_file", "sha256", "encoding", "segmenter_version", "ingested_at",
                       "segmented_at", "raw_source"]
    ordering = ["-issue__date", "number"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    def has_add_permission(self, request):
        return False  # pages come from the ingest command

    @admin.display(description="articles", ordering="article_total")
    def article_count(self, obj: Page):
        return obj.article_total

    @admin.display(description="raw source (verbatim)")
    def raw_source(self, obj: Page):
        return format_html('<pre style="white-space: pre-wrap; max-height: 40em; overflow: auto">{}</pre>',
                           obj.raw_text)


@admin.register(Section)
class SectionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "article_count"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    @admin.display(description="articles", ordering="article_total")
    def article_count(self, obj: Section):
        return obj.article_total


@admin.register(Contributor)
class ContributorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "credit_count"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(credit_total=Count("credits"))

    @admin.display(description="credits", ordering="credit_total")
    def credit_count(self, obj: Contributor):
        return obj.credit_total


@admin.register(Newspaper)
class NewspaperAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "place", "first_year"]
    prepopulated_fields = {"slug": ["name"]}

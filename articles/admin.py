"""The editors' admin: correct what the segmenter got wrong, with one history of every correction.

Saving an article follows the archive's lock order (``services/editing.py``): on a POST the
article's page row is locked FOR NO KEY UPDATE, then the article's row, before the form is read;
the credits are saved, then the article once, and only when a value really changed. So a save
waits for a reparse of the same page instead of deadlocking with it, and a save of what nobody
touched writes nothing: no correction, no history row.
"""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .forms import ArticleForm, IssueForm
from .models import Article, ArticleContributor, Contributor, Issue, Newspaper, Page, PageEdit, Section
from .services import editing

# The article fields an editor's save may change, compared one by one with what is stored.
_SAVED_FIELDS = ("kicker", "headline", "subheadline", "section_id", "dateline", "kind", "continued_from_page",
                 "continues_id", "body", "continues_set_by_editor")


class CorrectedFilter(admin.SimpleListFilter):
    title = _("corrected by an editor")
    parameter_name = "corrected"

    def lookups(self, request, model_admin):
        return [("yes", _("corrected")), ("no", _("as segmented"))]

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
    form = ArticleForm
    list_display = ["headline_or_kind", "bylines", "issue_date", "page_number", "position", "section", "kind",
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
    actions = ["merge_adjacent"]
    readonly_fields = ["issue", "page", "position", "source_lines", "segmenter_values", "corrected_fields",
                       "updated_at"]
    fieldsets = [
        (None, {"fields": ["issue", "page", "position", "kicker", "headline", "subheadline", "section", "kind",
                           "dateline", "continued_from_page", "continues", "body", "change_reason"]}),
        (_("What the segmenter produced"), {"fields": ["segmenter_values", "corrected_fields", "source_lines",
                                                       "updated_at"]}),
    ]
    history_template = "admin/articles/article/history.html"

    class Media:
        css = {"all": ["articles/admin.css"]}

    def get_queryset(self, request):
        credits = ArticleContributor.objects.select_related("contributor").order_by("position")
        return super().get_queryset(request).prefetch_related(Prefetch("credits", queryset=credits))

    def has_add_permission(self, request):
        return False  # articles come from ingestion; editors correct them

    def has_merge_permission(self, request, obj=None):
        return request.user.has_perm("articles.merge_article")

    def get_urls(self):
        urls = [
            path("<int:object_id>/revert/", self.admin_site.admin_view(self.revert_view),
                 name="articles_article_revert"),
            path("<int:object_id>/split/", self.admin_site.admin_view(self.split_view),
                 name="articles_article_split"),
        ]
        return urls + super().get_urls()

    # -- list columns ------------------------------------------------------------------------
    @admin.display(description=_("issue date"), ordering="issue__date")
    def issue_date(self, obj: Article):
        return obj.issue.date

    @admin.display(description=_("page"), ordering="page__number")
    def page_number(self, obj: Article):
        return obj.page.number

    @admin.display(description=_("headline"), ordering="headline")
    def headline_or_kind(self, obj: Article):
        text = obj.full_headline or f"({obj.get_kind_display()})"
        return format_html('<span class="headline-cut" title="{}">{}</span>', text, text)

    @admin.display(description=_("bylines"))
    def bylines(self, obj: Article):
        return "、".join(c.contributor.name for c in obj.credits.all())

    @admin.display(description=_("source lines"))
    def source_lines(self, obj: Article):
        return f"{obj.source_start_line}–{obj.source_end_line}"

    @admin.display(description=_("segmenter's values"))
    def segmenter_values(self, obj: Article):
        """The segmenter's value of each field beside the current one; a field that differs has a
        button reverting it to the segmenter's value (a POST of the revert form below the page)."""
        current = obj.current_values() if obj.pk else {}
        can_revert = bool(obj.pk)
        rows = []
        for name in Article.EDITABLE_FIELDS:
            value, now = obj.segmented.get(name), current.get(name)
            shown = self._value(name, value)
            label = Article._meta.get_field(name).verbose_name if name != "bylines" else _("bylines")
            button = format_html(
                '<button type="submit" form="revert-form" name="field" value="{}" class="button">{}</button>',
                name, gettext("Revert to this value")) if can_revert and value != now else ""
            rows.append((label, shown, self._value(name, now) if value != now else "=", button))
        return format_html(
            '<table class="segmenter-values"><thead><tr><th></th><th>{}</th><th>{}</th><th></th></tr></thead>'
            "<tbody>{}</tbody></table>",
            gettext("segmenter"), gettext("now"),
            format_html_join("", '<tr><th>{}</th><td class="value">{}</td><td class="value">{}</td><td>{}</td></tr>',
                             rows),
        )

    @staticmethod
    def _value(name, value) -> str:
        if name == "bylines" and value:
            roles = dict(ArticleContributor.Role.choices)
            return "、".join(f"{n} ({roles.get(r, r)})" for n, r in value)
        if name == "kind" and value:
            return str(dict(Article.Kind.choices).get(value, value))
        return "" if value is None else str(value)

    # -- saving: one lock order, one save, only real changes --------------------------------------
    def get_object(self, request, object_id, from_field=None):
        if request.method == "POST" and from_field is None and str(object_id).isdigit() and \
                transaction.get_connection().in_atomic_block:
            editing.lock_articles([int(object_id)])  # page, then article: before the form reads them
        return super().get_object(request, object_id, from_field)

    def save_model(self, request, obj, form, change):
        obj._change_reason = form.cleaned_data.get("change_reason") or None
        if "continues" in form.changed_data:
            obj.continues_set_by_editor = True  # ingest and reparse leave an editor's link alone
        if not change:
            super().save_model(request, obj, form, change)
        # a changed article is saved once, in save_related, after its credits

    def save_formset(self, request, form, formset, change):
        reason = form.cleaned_data.get("change_reason") or None
        instances = formset.save(commit=False)
        for credit in formset.deleted_objects:
            credit._change_reason = reason
            credit.delete()
        for credit in instances:
            credit._change_reason = reason
            credit.save()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        stored = Article.objects.filter(pk=obj.pk).values(*_SAVED_FIELDS, "corrected_fields", "is_corrected").first()
        obj.refresh_corrections(save=False)
        changed = [f for f in _SAVED_FIELDS if stored[f] != getattr(obj, f)]
        if changed or stored["corrected_fields"] != obj.corrected_fields:
            obj.save()

    # -- the history, reverts ----------------------------------------------------------------------
    def history_view(self, request, object_id, extra_context=None):
        article = get_object_or_404(Article.objects.select_related("issue__newspaper", "page"), pk=object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("History: %s") % article,
            "subtitle": None,
            "opts": self.opts,
            "object": article,
            "entries": editing.article_history(article),
            "segmenter_rows": self._segmenter_rows(article),
            "can_revert": self.has_change_permission(request, article),
            "revert_url": reverse("admin:articles_article_revert", args=[article.pk]),
            "edits": PageEdit.objects.filter(page=article.page).select_related("user"),
        }
        context.update(extra_context or {})
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.history_template, context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """django-simple-history's whole-article revert would bypass the one-save path and the
        corrected fields; reverts here are per field, from the history page."""
        return HttpResponseRedirect(reverse("admin:articles_article_history", args=[object_id]))

    def revert_disabled(self, request, obj=None):
        return True

    def _segmenter_rows(self, article: Article) -> list[dict]:
        current = article.current_values()
        return [{"field": name, "label": Article._meta.get_field(name).verbose_name if name != "bylines"
                 else _("bylines"), "segmenter": self._value(name, article.segmented.get(name)),
                 "now": self._value(name, current.get(name)), "differs": article.segmented.get(name) != current.get(name)}
                for name in Article.EDITABLE_FIELDS]

    def revert_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = get_object_or_404(Article, pk=object_id)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        field = request.POST.get("field", "")
        history_id = request.POST.get("history_id") or None
        try:
            editing.revert_field(article=article, field=field, user=request.user,
                                 history_id=int(history_id) if history_id else None,
                                 reason=request.POST.get("reason", "")[:100])
        except (editing.EditError, ValueError) as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, gettext("Reverted the field “%s”.") % field, messages.SUCCESS)
        return HttpResponseRedirect(request.POST.get("next") if request.POST.get("next", "").startswith("/admin/")
                                    else reverse("admin:articles_article_history", args=[article.pk]))

    # -- merge and split ------------------------------------------------------------------------
    @admin.action(description=_("Merge the two selected adjacent articles into one"), permissions=["merge"])
    def merge_adjacent(self, request, queryset):
        articles = list(queryset.order_by("page_id", "position")[:3])
        if len(articles) != 2:
            self.message_user(request, gettext("Select exactly two adjacent articles of one page."), messages.ERROR)
            return None
        try:
            merged = editing.merge_articles(first=articles[0], second=articles[1], user=request.user)
        except editing.EditError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return None
        self.message_user(request, gettext("Merged into “%s”.") % merged, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[merged.pk]))

    def split_view(self, request, object_id):
        article = get_object_or_404(Article.objects.select_related("issue__newspaper", "page"), pk=object_id)
        if not self.has_merge_permission(request):
            raise PermissionDenied
        paragraphs = article.body.split(editing.PARAGRAPH_BREAK)
        if request.method == "POST":
            try:
                new = editing.split_article(article=article, at=int(request.POST.get("at", "0")), user=request.user,
                                            reason=request.POST.get("reason", "")[:100])
            except (editing.EditError, ValueError) as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, gettext("Split: the second part is now article %s.") % new.position,
                                  messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Split “%s”") % article, "opts": self.opts, "object": article,
            "paragraphs": list(enumerate(paragraphs)),
        }
        return TemplateResponse(request, "admin/articles/article/split.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {"can_split": self.has_merge_permission(request),
                 "revert_url": reverse("admin:articles_article_revert", args=[object_id])
                 if str(object_id).isdigit() else ""}
        extra.update(extra_context or {})
        return super().change_view(request, object_id, form_url, extra)


class ReadOnlyInline(admin.TabularInline):
    """What an issue or a page holds, listed with a link to each: ingest makes them, not this form."""

    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ArticleInline(ReadOnlyInline):
    model = Article
    fields = ["position", "headline", "section", "kind", "is_corrected"]
    readonly_fields = fields
    ordering = ["position"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("section")


class PageInline(ReadOnlyInline):
    model = Page
    fields = ["number", "name", "source_file", "segmenter_version", "ingested_at"]
    readonly_fields = fields
    ordering = ["number"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw_text")


@admin.register(Issue)
class IssueAdmin(SimpleHistoryAdmin):
    form = IssueForm
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

    @admin.action(description=_("Confirm the issue date of the selected issues"), permissions=["change"])
    def confirm_dates(self, request, queryset):
        confirmed = 0
        for issue in queryset.exclude(date_source=Issue.DateSource.EDITOR):
            issue.date_source = Issue.DateSource.EDITOR
            issue.save(update_fields=["date_source"])  # one by one, so each confirmation is in the history
            confirmed += 1
        self.message_user(request, ngettext("Confirmed the date of %d issue.", "Confirmed the date of %d issues.",
                                            confirmed) % confirmed)

    @admin.display(description=_("page count"), ordering="page_total")
    def page_count(self, obj: Issue):
        return obj.page_total

    @admin.display(description=_("article count"), ordering="article_total")
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

    @admin.display(description=_("article count"), ordering="article_total")
    def article_count(self, obj: Page):
        return obj.article_total

    @admin.display(description=_("raw source (verbatim)"))
    def raw_source(self, obj: Page):
        return format_html('<pre style="white-space: pre-wrap; max-height: 40em; overflow: auto">{}</pre>',
                           obj.raw_text)


class MergeEntriesMixin:
    """An action merging the selected contributors or sections into the one the editor keeps,
    after a confirmation page that asks which (a POST with CSRF, as every admin action)."""

    merge_service = None

    def has_merge_permission(self, request, obj=None):
        return request.user.has_perm(f"articles.merge_{self.opts.model_name}")

    @admin.action(description=_("Merge the selected entries into one"), permissions=["merge"])
    def merge_entries(self, request, queryset):
        entries = list(queryset.order_by("name"))
        if len(entries) < 2:
            self.message_user(request, gettext("Select at least two entries to merge."), messages.ERROR)
            return None
        survivor_pk = request.POST.get("survivor")
        if request.POST.get("post") == "yes" and survivor_pk:
            survivor = next((e for e in entries if str(e.pk) == survivor_pk), None)
            if survivor is None:
                self.message_user(request, gettext("Choose the entry to keep among the selected."), messages.ERROR)
                return None
            try:
                moved = type(self).merge_service(survivor=survivor, merged=[e for e in entries if e != survivor],
                                                 user=request.user, reason=request.POST.get("reason", "")[:100])
            except editing.EditError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return None
            self.message_user(request, gettext("Merged %(count)d entries into “%(name)s” (%(moved)d moved).") % {
                "count": len(entries) - 1, "name": survivor.name, "moved": moved}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Merge %s") % self.opts.verbose_name_plural, "opts": self.opts, "entries": entries,
            "action": "merge_entries", "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/articles/merge_confirm.html", context)


@admin.register(Section)
class SectionAdmin(MergeEntriesMixin, SimpleHistoryAdmin):
    list_display = ["name", "article_count", "merged_into"]
    search_fields = ["name"]
    readonly_fields = ["merged_into"]
    actions = ["merge_entries"]
    merge_service = staticmethod(editing.merge_sections)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_total=Count("articles")).select_related("merged_into")

    @admin.display(description=_("article count"), ordering="article_total")
    def article_count(self, obj: Section):
        return obj.article_total


@admin.register(Contributor)
class ContributorAdmin(MergeEntriesMixin, SimpleHistoryAdmin):
    list_display = ["name", "credit_count", "merged_into"]
    search_fields = ["name"]
    readonly_fields = ["merged_into"]
    actions = ["merge_entries"]
    merge_service = staticmethod(editing.merge_contributors)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(credit_total=Count("credits")).select_related("merged_into")

    @admin.display(description=_("credit count"), ordering="credit_total")
    def credit_count(self, obj: Contributor):
        return obj.credit_total


@admin.register(PageEdit)
class PageEditAdmin(admin.ModelAdmin):
    """The editors' merges and splits, each with whether a reparse still carries it over."""

    list_display = ["created_at", "kind", "page", "user", "reason", "active", "note"]
    list_filter = ["kind", "active"]
    list_select_related = ["page__issue__newspaper", "user"]
    readonly_fields = ["page", "kind", "details", "article", "other_article_id", "reason", "user", "created_at",
                       "active", "note"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Newspaper)
class NewspaperAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "place", "first_year"]
    prepopulated_fields = {"slug": ["name"]}

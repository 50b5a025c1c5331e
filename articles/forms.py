"""The editors' admin forms: text saved as ingest stores it, so a save of what nobody touched
changes nothing; an issue's date checked before the database would refuse it."""
from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .locating import EARLIEST_DATE, LATEST_DATE
from .models import Article, Issue
from .services.editing import TEXT_FIELDS, normalise_line_ends


class LineEndField(forms.CharField):
    """A text field whose CRLF (what browsers submit from a textarea) becomes LF before anything
    else looks at it: validation, ``has_changed`` and the saved value."""

    def to_python(self, value):
        return super().to_python(normalise_line_ends(value))


class ArticleForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=capfirst(_("reason for the change")), required=False, max_length=100,
        help_text=_("Optional; shown in the article's history."))

    class Meta:
        model = Article
        fields = "__all__"
        field_classes = {name: LineEndField for name in TEXT_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "body" in self.fields:
            self.fields["body"].strip = False  # a body's leading or trailing blank is the editor's to keep

    def clean_dateline(self):
        date = self.cleaned_data.get("dateline")
        if date and not EARLIEST_DATE <= date <= LATEST_DATE:
            raise forms.ValidationError(
                _("A date must be between %(first)s and %(last)s."),
                params={"first": EARLIEST_DATE.year, "last": LATEST_DATE.year}, code="out_of_range")
        return date

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            for name in TEXT_FIELDS:
                value, stored = cleaned.get(name), getattr(self.instance, name)
                # only whitespace at the ends, or line ends, differ: the stored text stands
                if value is not None and stored is not None and \
                        value.strip() == normalise_line_ends(stored).strip():
                    cleaned[name] = stored if "\r" not in stored else normalise_line_ends(stored)
        return cleaned


class IssueForm(forms.ModelForm):
    """The newspaper is read-only in the admin, so Django's own unique check (which needs every
    field of the constraint in the form) never runs; this form checks it, and the date's range."""

    class Meta:
        model = Issue
        fields = "__all__"

    def clean_date(self):
        date = self.cleaned_data["date"]
        if not EARLIEST_DATE <= date <= LATEST_DATE:
            raise forms.ValidationError(
                _("An issue date must be between %(first)s and %(last)s."),
                params={"first": EARLIEST_DATE.year, "last": LATEST_DATE.year}, code="out_of_range")
        newspaper_id = self.instance.newspaper_id
        if newspaper_id and Issue.objects.filter(newspaper_id=newspaper_id, date=date).exclude(
                pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("%(newspaper)s already has an issue dated %(date)s."),
                params={"newspaper": self.instance.newspaper, "date": date.isoformat()}, code="duplicate")
        return date

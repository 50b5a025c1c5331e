"""Validation of search parameters, shared by the search page, the API and the export."""
from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator

from articles.models import Article

from .query import Filters, ParsedQuery, QueryTooLong, SearchPlan, parse, strip_control
from .selectors import SORT_LABELS

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


class QueryField(forms.CharField):
    def to_python(self, value):
        # control characters are dropped before validation rather than rejected with an error
        return super().to_python(strip_control(value) if isinstance(value, str) else value)


class SearchForm(forms.Form):
    q = QueryField(label="检索词", required=False)
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    year = forms.IntegerField(label="年份", required=False, min_value=1800, max_value=2200)
    month = forms.CharField(label="月份", required=False, max_length=7, help_text="YYYY-MM，或 1–12")
    section = forms.CharField(label="栏目", required=False, max_length=200)
    contributor = forms.CharField(label="作者", required=False, max_length=200)
    kind = forms.ChoiceField(label="体裁", required=False, choices=[("", "全部")] + list(Article.Kind.choices))
    newspaper = forms.SlugField(label="报纸", required=False)
    sort = forms.ChoiceField(label="排序", required=False, choices=list(SORT_LABELS.items()))
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)
    page_size = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args, max_page_size: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_page_size = max_page_size or settings.SEARCH_PAGE_SIZE
        self.fields["page_size"].validators.append(
            MaxValueValidator(self.max_page_size, message=f"每页最多 {self.max_page_size} 条。")
        )

    def clean_q(self) -> ParsedQuery:
        try:
            return parse(self.cleaned_data["q"])
        except QueryTooLong as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_month(self) -> tuple[int | None, int] | None:
        value = self.cleaned_data["month"].strip()
        if not value:
            return None
        match = _MONTH.match(value)
        if match and 1 <= int(match.group(2)) <= 12:
            return int(match.group(1)), int(match.group(2))
        if value.isdigit() and 1 <= int(value) <= 12:
            return None, int(value)
        raise forms.ValidationError("月份应写作 YYYY-MM（如 2021-10）或 1–12。")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期早于起始日期。")
        return cleaned

    @property
    def has_criteria(self) -> bool:
        query: ParsedQuery | None = self.cleaned_data.get("q")
        return bool(query and not query.is_empty) or not self.filters().is_empty

    def filters(self) -> Filters:
        data = self.cleaned_data
        month = data.get("month")
        year, month_text, month_of_year = data.get("year"), None, None
        if month:
            month_year, number = month
            if month_year or year:
                month_text = f"{month_year or year:04d}-{number:02d}"
            else:
                month_of_year = number
        return Filters(
            date_from=data.get("date_from"), date_to=data.get("date_to"), year=year, month=month_text,
            month_of_year=month_of_year, section=(data.get("section") or "").strip() or None,
            contributor=(data.get("contributor") or "").strip() or None, kind=data.get("kind") or None,
            newspaper=data.get("newspaper") or None,
        )

    def plan(self) -> SearchPlan:
        return SearchPlan(query=self.cleaned_data.get("q") or ParsedQuery(), filters=self.filters())

    @property
    def sort_key(self) -> str:
        return self.cleaned_data.get("sort") or "relevance"

    @property
    def page_number(self) -> int:
        return self.cleaned_data.get("page") or 1

    @property
    def page_length(self) -> int:
        return self.cleaned_data.get("page_size") or settings.SEARCH_PAGE_SIZE

    def error_text(self) -> str:
        """The form's errors in one line per field, for a page notice or a JSON error."""
        lines = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            prefix = f"{label}（{name}）：" if label else f"{name}: " if name != "__all__" else ""
            lines.append(prefix + " ".join(errors))
        return "；".join(lines)

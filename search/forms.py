"""Validation of search parameters, shared by the search page, the API and the export."""
from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.models import Article

from .query import Filters, ParsedQuery, QueryTooLong, SearchPlan, parse, strip_control
from .selectors import SORT_LABELS, kind_label

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_TERM_SEPARATORS = re.compile(r"[,，、;；]")
MAX_CHART_TERMS = 4

# The advanced form's fields: each composes a part of the query string, so a search is always
# one ``q`` that the reader can see, edit and share.
ADVANCED_FIELDS = {"all_words": "全部词语", "phrase": "完整短语", "any_words": "任一词语", "none_words": "不含词语"}
_QUOTES = re.compile(r'["“”＂]')


def _quoted_if_spaced(term: str) -> str:
    return f'"{term}"' if any(c.isspace() for c in term) else term


def compose_query(q: str = "", *, all_words: str = "", phrase: str = "", any_words: str = "",
                  none_words: str = "") -> str:
    """The query string the advanced form's fields stand for, added to ``q``:
    all words (AND), the exact phrase (quoted), any word (OR) and none of these (-)."""
    parts = [q.strip()] if q and q.strip() else []
    parts += all_words.split()
    phrase = " ".join(_QUOTES.sub(" ", phrase).split())
    if phrase:
        parts.append(f'"{phrase}"')
    alternatives = [w for w in _QUOTES.sub(" ", any_words).split() if w.upper() != "OR"]
    if alternatives:
        parts.append(" OR ".join(alternatives))
    parts += ["-" + w.lstrip("-") for w in _QUOTES.sub(" ", none_words).split() if w.lstrip("-")]
    return " ".join(parts)


class AdvancedSearchForm(forms.Form):
    """Only for rendering the advanced fields; the search page turns them into ``q``."""

    all_words = forms.CharField(label=gettext_lazy("包含全部词语"), required=False)
    phrase = forms.CharField(label=gettext_lazy("包含完整短语"), required=False)
    any_words = forms.CharField(label=gettext_lazy("包含任一词语"), required=False)
    none_words = forms.CharField(label=gettext_lazy("不包含词语"), required=False)



class QueryField(forms.CharField):
    def to_python(self, value):
        # control characters are dropped before validation rather than rejected with an error
        return super().to_python(strip_control(value) if isinstance(value, str) else value)


class IsoDateInput(forms.DateInput):
    """A date typed as the archive writes it, 2022-03-04, whatever the browser's locale: a date
    picker shows the browser's own order (03/04/2022 in an English browser)."""

    def __init__(self):
        super().__init__(format="%Y-%m-%d", attrs={
            "inputmode": "numeric", "pattern": r"\d{4}-\d{2}-\d{2}", "placeholder": "YYYY-MM-DD", "size": 10,
            "autocomplete": "off",
        })


class SearchForm(forms.Form):
    q = QueryField(label=gettext_lazy("检索词"), required=False)
    date_from = forms.DateField(label=gettext_lazy("起始日期"), required=False, widget=IsoDateInput())
    date_to = forms.DateField(label=gettext_lazy("截止日期"), required=False, widget=IsoDateInput())
    # one issue's date (with ``newspaper``): search inside that issue
    date = forms.DateField(label=gettext_lazy("期号日期"), required=False, widget=IsoDateInput())
    year = forms.IntegerField(label=gettext_lazy("年份"), required=False, min_value=1800, max_value=2200)
    month = forms.CharField(label=gettext_lazy("月份"), required=False, max_length=7, help_text=gettext_lazy("YYYY-MM，或 1–12"),
                            widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}))
    section = forms.CharField(label=gettext_lazy("栏目"), required=False, max_length=200,
                              widget=forms.TextInput(attrs={"list": "sections-list", "autocomplete": "off"}))
    contributor = forms.CharField(label=gettext_lazy("作者"), required=False, max_length=200,
                                  widget=forms.TextInput(attrs={"list": "contributors-list", "autocomplete": "off"}))
    kind = forms.ChoiceField(label=gettext_lazy("体裁"), required=False)
    newspaper = forms.SlugField(label=gettext_lazy("报纸"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("排序"), required=False, choices=list(SORT_LABELS.items()),
                             widget=forms.Select(attrs={"data-default": "relevance"}))
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)
    page_size = forms.IntegerField(required=False, min_value=1)
    # the trend chart: up to four comma-separated terms compared, raw counts or share of all articles
    terms = forms.CharField(label=gettext_lazy("对比词"), required=False, max_length=200)
    chart = forms.ChoiceField(label=gettext_lazy("图表"), required=False, choices=[("count", gettext_lazy("篇数")), ("share", gettext_lazy("占比"))],
                              widget=forms.Select(attrs={"data-default": "count"}))

    def __init__(self, *args, max_page_size: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_page_size = max_page_size or settings.SEARCH_PAGE_SIZE
        self.fields["kind"].choices = [("", _("全部"))] + [(value, kind_label(value)) for value, _label in Article.Kind.choices]
        self.fields["page_size"].validators.append(
            MaxValueValidator(self.max_page_size, message=_("每页最多 %(count)s 条。") % {"count": self.max_page_size})
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
        raise forms.ValidationError(_("月份应写作 YYYY-MM（如 2021-10）或 1–12。"))

    def clean_terms(self) -> list[str]:
        terms = [t.strip() for t in _TERM_SEPARATORS.split(self.cleaned_data.get("terms") or "") if t.strip()]
        if len(terms) > MAX_CHART_TERMS:
            raise forms.ValidationError(_("最多比较 %(count)s 个词（用逗号分隔）。") % {"count": MAX_CHART_TERMS})
        return list(dict.fromkeys(terms))

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("date")
        if day:  # one issue: its date is the range
            cleaned["date_from"] = cleaned["date_to"] = day
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期早于起始日期。"))
        return cleaned

    @property
    def has_criteria(self) -> bool:
        query: ParsedQuery | None = self.cleaned_data.get("q")
        return bool(query and not query.is_empty) or not self.filters().is_empty or bool(self.chart_terms)

    @property
    def chart_terms(self) -> list[str]:
        return self.cleaned_data.get("terms") or []

    @property
    def chart_mode(self) -> str:
        return self.cleaned_data.get("chart") or "count"

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
        query = self.cleaned_data.get("q") or ParsedQuery()
        if query.is_empty and self.chart_terms:  # terms to compare and no query: any of the terms
            query = parse(" OR ".join(_quoted_if_spaced(t) for t in self.chart_terms))
        return SearchPlan(query=query, filters=self.filters())

    def term_plans(self) -> list[tuple[str, SearchPlan]]:
        """Each term to compare in the chart, as a plan under the same filters."""
        return [(term, SearchPlan(query=parse(term), filters=self.filters())) for term in self.chart_terms]

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
            prefix = _("%(label)s（%(name)s）：") % {"label": label, "name": name} if label \
                else f"{name}: " if name != "__all__" else ""
            lines.append(prefix + " ".join(errors))
        return _("；").join(lines)


PICKER_CACHE_SECONDS = 600
PICKER_LIMITS = {"sections": 300, "contributors": 500}


def picker_options() -> dict[str, list[str]]:
    """The names the 栏目 and 作者 boxes offer (their <datalist>s): the archive's sections and
    contributors, most used first."""
    from django.db.models import Count

    from articles.models import Contributor, Section

    return {
        "sections": list(Section.objects.annotate(n=Count("articles")).filter(n__gt=0)
                         .order_by("-n", "name").values_list("name", flat=True)[:PICKER_LIMITS["sections"]]),
        "contributors": list(Contributor.objects.annotate(n=Count("credits")).filter(n__gt=0)
                             .order_by("-n", "name").values_list("name", flat=True)[:PICKER_LIMITS["contributors"]]),
    }


def picker_datalists() -> dict[str, str]:
    """``picker_options`` as each <datalist>'s <option>s, escaped, read and made once per ten
    minutes per process: rendered by the template engine, their 800 names took a third of a
    search page's rendering."""
    from django.core.cache import cache
    from django.utils.html import format_html_join
    from django.utils.safestring import mark_safe

    markup = cache.get("search:picker-datalists")
    if markup is None:
        markup = {key: str(format_html_join("", '<option value="{}"></option>', ((name,) for name in names)))
                  for key, names in picker_options().items()}
        cache.set("search:picker-datalists", markup, PICKER_CACHE_SECONDS)
    return {key: mark_safe(options) for key, options in markup.items()}  # noqa: S308 (escaped above)

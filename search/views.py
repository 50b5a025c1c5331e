"""The search page, the JSON API and the export. Every one validates with SearchForm and asks
search.selectors, so they agree on what a query means."""
from __future__ import annotations

import csv
import datetime as dt
import json
import logging
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from articles.models import Article

from . import charts, citations
from .analysis import kept_characters
from .forms import ADVANCED_FIELDS, AdvancedSearchForm, SearchForm, compose_query, picker_datalists
from .query import MAX_QUERY_CHARS, Filters, ParsedQuery, SearchPlan
from .selectors import (SORT_LABELS, highlight_needles, iter_matching_articles, kind_label, matching_total,
                        period_counts, search_articles)
from .serializers import EXPORT_COLUMNS, csv_row, export_record, page_record

log = logging.getLogger(__name__)

FACET_LABELS = {"year": gettext_lazy("年份"), "section": gettext_lazy("栏目"), "contributors": gettext_lazy("作者"),
                "kind": gettext_lazy("体裁")}
FACET_PARAMS = {"year": "year", "section": "section", "contributors": "contributor", "kind": "kind"}
_KEPT_PARAMS = ("q", "date_from", "date_to", "date", "year", "month", "section", "contributor", "kind", "newspaper",
                "sort", "terms", "chart")
_FILTER_PARAMS = ("date_from", "date_to", "date", "year", "month", "section", "contributor", "kind", "newspaper")


def _kept(request, **changes) -> str:
    """The current query string with some parameters changed (None drops one); page resets. The
    kept parameters are read from the request once (a results page makes about a hundred links)."""
    kept = getattr(request, "_kept_params", None)
    if kept is None:
        kept = request._kept_params = {name: request.GET.get(name, "") for name in _KEPT_PARAMS}
    params = dict(kept)
    params.update(changes)
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _facet_lists(request, page) -> list[dict]:
    lists = []
    for name, values in page.facets.items():
        if name not in FACET_PARAMS:
            continue
        param = FACET_PARAMS[name]
        current = request.GET.get(param, "")
        entries = []
        for value, count in values:
            selected = str(value) == current
            entries.append({
                "value": value,
                "label": kind_label(value) if name == "kind" else value,
                "count": count,
                "selected": selected,
                "url": _kept(request, **{param: None if selected else value}),
            })
        lists.append({"name": name, "label": FACET_LABELS[name], "values": entries})
    return lists


def _chart(request, form: SearchForm, page) -> dict | None:
    """The trend chart: the query's hits per period, or each compared term's; counts or shares."""
    terms = form.term_plans()
    if terms:
        series = [(term, period_counts(plan)) for term, plan in terms]
    else:
        series = [(request.GET.get("q", "").strip() or _("全部"), page.facets.get("month", []))]
    totals = period_counts(SearchPlan(query=ParsedQuery(), filters=form.filters())) \
        if form.chart_mode == "share" else None

    def link(number: int, unit: str, period: str) -> str:
        narrowing = {"year": int(period), "month": None} if unit == "年" else {"month": period, "year": None}
        if terms:  # a compared term's bar narrows to that term
            narrowing.update(q=terms[number][0], terms=None)
        return _kept(request, **narrowing)

    chart = charts.build(series, mode=form.chart_mode, totals=totals, link=link)
    if chart:
        chart["count_url"] = _kept(request, chart=None, page=request.GET.get("page"))
        chart["share_url"] = _kept(request, chart="share", page=request.GET.get("page"))
    return chart


def _suggestions(request, form: SearchForm) -> list[dict]:
    """What to try when a search finds nothing: without the filters, any word instead of all, a
    looser form of quoted or field terms, and the query in the other script (繁/简)."""
    q = request.GET.get("q", "").strip()
    query: ParsedQuery = form.cleaned_data.get("q") or ParsedQuery()
    tries: list[dict] = []
    if any(request.GET.get(name) for name in _FILTER_PARAMS):
        tries.append({"label": _("去掉全部筛选条件"), "query": urlencode({"q": q}) if q else ""})
    terms = [t for clause in query.required for t in clause.terms]
    if len(query.required) > 1:
        any_of = " OR ".join(f'"{t.text}"' if t.exact else t.text for t in terms)
        tries.append({"label": _("改为任一词（OR）：%(query)s") % {"query": any_of}, "query": _kept(request, q=any_of)})
    if any(t.exact or t.field for t in terms):
        looser = " ".join(t.text for t in terms)
        tries.append({"label": _("放宽为不加引号、不限字段：%(query)s") % {"query": looser},
                      "query": _kept(request, q=looser)})
    if q:
        from opencc import OpenCC

        simplified, traditional = OpenCC("t2s").convert(q), OpenCC("s2t").convert(q)
        if simplified != q:
            tries.append({"label": _("试试简体：%(query)s") % {"query": simplified}, "query": _kept(request, q=simplified)})
        elif traditional != q and set(traditional) & kept_characters():
            tries.append({"label": _("试试繁体：%(query)s") % {"query": traditional},
                          "query": _kept(request, q=traditional)})
    return tries


def _reading_query(request) -> str:
    from articles.views import READING_PARAMS

    return urlencode([(name, request.GET[name]) for name in READING_PARAMS if request.GET.get(name, "").strip()])


# what the form's selects send when left alone: the same as leaving the parameter out
_FORM_DEFAULTS = {"sort": "relevance", "chart": "count"}


def _meaningful(name: str, value: str) -> bool:
    return bool(value.strip()) and _FORM_DEFAULTS.get(name) != value


def _cleaned_url(request) -> str | None:
    """The address to redirect to when the form sent empty fields or advanced fields: the advanced
    fields composed into ``q``, the empty ones dropped; None when the address is already clean."""
    params = list(request.GET.lists())
    advanced = {name: " ".join(request.GET.getlist(name)) for name in ADVANCED_FIELDS if name in request.GET}
    if not advanced and all(all(_meaningful(name, v) for v in values) for name, values in params):
        return None
    q = request.GET.get("q", "")
    if any(v.strip() for v in advanced.values()):
        q = compose_query(q, **advanced)
    cleaned = []
    for name, values in params:
        if name in ADVANCED_FIELDS:
            continue
        for value in ([q] if name == "q" else values):
            if _meaningful(name, value):
                cleaned.append((name, value))
    if "q" not in request.GET and q.strip():
        cleaned.insert(0, ("q", q))
    return request.path + ("?" + urlencode(cleaned) if cleaned else "")


@require_safe
def search_page(request):
    cleaned_url = _cleaned_url(request)
    if cleaned_url is not None:
        return HttpResponseRedirect(cleaned_url)
    form = SearchForm(request.GET or None)
    context = {
        "form": form,
        "advanced": AdvancedSearchForm(),
        "pickers": picker_datalists(),
        "query_text": request.GET.get("q", "")[:MAX_QUERY_CHARS],
        "max_query_chars": MAX_QUERY_CHARS,
        "sort_labels": SORT_LABELS,
        "results": None,
        "error": "",
        "notices": [],
        "facets": [],
        "export_cap": settings.SEARCH_EXPORT_MAX_ROWS,
        "filters_open": any(request.GET.get(name) for name in _FILTER_PARAMS + ("sort",)),
    }
    status = 200
    if request.GET and not form.is_valid():
        context["error"] = _("无法检索：") + form.error_text()
        status = 400
    elif request.GET and form.has_criteria:
        plan = form.plan()
        page = search_articles(plan=plan, sort=form.sort_key, page=form.page_number,
                               page_size=settings.SEARCH_PAGE_SIZE)
        notices = list(page.plan.query.notices)
        if page.total and page.page > page.num_pages:
            # past the end: the last page, and say so
            notices.append(_("没有第 %(page)s 页：共 %(pages)s 页，这里是最后一页。")
                           % {"page": page.page, "pages": page.num_pages})
            page = search_articles(plan=plan, sort=form.sort_key, page=page.num_pages,
                                   page_size=settings.SEARCH_PAGE_SIZE)
        context.update({
            "results": page,
            "notices": notices,
            "facets": _facet_lists(request, page),
            "trend": _chart(request, form, page) if page.total else None,
            "first_number": (page.page - 1) * page.page_size + 1,
            "previous_query": _kept(request, page=page.page - 1),
            "next_query": _kept(request, page=page.page + 1),
            "export_query": _kept(request),
            # what an article link carries, so its page offers the previous and next hit
            "reading_query": _reading_query(request),
            "page_export_query": _kept(request, page=page.page),
            "suggestions": [] if page.total else _suggestions(request, form),
        })
    return render(request, "search/search.html", context, status=status)


def _json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status, json_dumps_params={"ensure_ascii": False})


@require_safe
def api_search(request):
    form = SearchForm(request.GET, max_page_size=settings.SEARCH_API_MAX_PAGE_SIZE)
    if not form.is_valid():
        return _json_error(form.error_text())
    page = search_articles(plan=form.plan(), sort=form.sort_key, page=form.page_number, page_size=form.page_length)
    if page.page > page.num_pages and page.total:
        return _json_error(_("page: 超出范围（共 %(pages)d 页）") % {"pages": page.num_pages})
    body = page_record(page, notices=list(page.plan.query.notices))
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


class _Echo:
    def write(self, value):
        return value


EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    **{name: content_type for name, (_, content_type) in citations.FORMATS.items()},
}
_EXTENSIONS = {"csv": "csv", "json": "json", **{name: ext for name, (ext, _) in citations.FORMATS.items()}}


def content_disposition(stem: str, extension: str, *, ascii_stem: str = "") -> str:
    """``attachment`` with an ASCII filename for old clients and the real one as RFC 6266's
    ``filename*`` (UTF-8, percent-encoded), so a Chinese query names the file."""
    fallback = ascii_stem or slugify(stem) or "archive"
    real = f"{stem}.{extension}"
    return f"attachment; filename=\"{fallback}.{extension}\"; filename*=UTF-8''{quote(real, safe='')}"


def export_stem(query_text: str, *, suffix: str = "", today: dt.date | None = None) -> tuple[str, str]:
    """``archive-<query>-<yyyymmdd>``: the query made into a file-name part (Chinese kept), and
    the same in ASCII (``search`` for a query with no ASCII letters)."""
    day = f"{today or dt.date.today():%Y%m%d}"
    slug = slugify(query_text, allow_unicode=True)[:60].strip("-_") or "search"
    ascii_slug = slugify(query_text)[:60].strip("-_") or "search"
    return f"archive-{slug}{suffix}-{day}", f"archive-{ascii_slug}{suffix}-{day}"


@require_safe
def export(request):
    """Every hit (up to the cap) as CSV, JSON or citations (RIS, BibTeX, CSL-JSON); with
    ``scope=page`` only the hits of the result page ``page`` (as the page shows them)."""
    form = SearchForm(request.GET)
    fmt = request.GET.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        return _json_error(_("format: 只支持 %(formats)s") % {"formats": "、".join(EXPORT_FORMATS)})
    scope = request.GET.get("scope", "all")
    if scope not in ("all", "page"):
        return _json_error(_("scope: 只支持 all 或 page"))
    if not form.is_valid():
        return _json_error(form.error_text())
    cap = settings.SEARCH_EXPORT_MAX_ROWS
    plan = form.plan()
    needles = highlight_needles(plan.query)
    if scope == "page":
        page = search_articles(plan=plan, sort=form.sort_key, page=form.page_number,
                               page_size=settings.SEARCH_PAGE_SIZE, with_facets=False)
        articles = iter(hit.article for hit in page.hits)
        total = page.total
        suffix = f"-p{page.page}"
    else:
        articles = iter_matching_articles(plan=plan, sort=form.sort_key, limit=cap)
        total = matching_total(plan=plan) if fmt == "json" else None
        suffix = ""

    def absolute(article: Article) -> str:
        return request.build_absolute_uri(article.get_absolute_url())

    if fmt == "csv":
        writer = csv.writer(_Echo())

        def chunks():
            yield "\ufeff" + writer.writerow(EXPORT_COLUMNS)
            for article in articles:
                yield writer.writerow(csv_row(export_record(article, url=absolute(article), needles=needles)))
    elif fmt == "json":
        def chunks():
            head = {"query": request.GET.get("q", ""), "filters": _filters_record(form.filters()),
                    "total": total, "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "cap": cap}
            yield json.dumps(head, ensure_ascii=False)[:-1] + ', "results": ['
            for number, article in enumerate(articles):
                record = export_record(article, url=absolute(article), needles=needles)
                yield ("\n" if number == 0 else ",\n") + json.dumps(record, ensure_ascii=False)
            yield "\n]}\n"
    else:
        def chunks():
            yield from citations.render(fmt, ((article, absolute(article)) for article in articles))

    response = StreamingHttpResponse(chunks(), content_type=EXPORT_FORMATS[fmt])
    stem, ascii_stem = export_stem(request.GET.get("q", ""), suffix=suffix)
    response["Content-Disposition"] = content_disposition(stem, _EXTENSIONS[fmt], ascii_stem=ascii_stem)
    response["X-Export-Cap"] = str(cap)
    return response


def _filters_record(filters: Filters) -> dict:
    return {name: (value.isoformat() if isinstance(value, dt.date) else value)
            for name, value in vars(filters).items() if value not in (None, "")}


@require_safe
def cite(request, article_id: int, fmt: str):
    """One article's citation: ``/search/cite/<id>.ris``, ``.bib`` or ``.json`` (CSL-JSON)."""
    fmt = {"ris": "ris", "bib": "bib", "json": "csljson"}.get(fmt)
    if fmt is None:
        raise Http404("unknown citation format")
    article = get_object_or_404(Article.objects.for_reading(), pk=article_id)
    url = request.build_absolute_uri(article.get_absolute_url())
    body = "".join(citations.render(fmt, [(article, url)]))
    response = HttpResponse(body, content_type=citations.FORMATS[fmt][1])
    stem = f"{article.issue.newspaper.slug}-{article.issue.date:%Y%m%d}-{article.page.number}-{article.position}"
    response["Content-Disposition"] = content_disposition(stem, citations.FORMATS[fmt][0])
    return response

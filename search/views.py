"""The search page, the JSON API and the export. Every one validates with SearchForm and asks
search.selectors, so they agree on what a query means."""
from __future__ import annotations

import csv
import json
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from articles.models import Article

from .forms import SearchForm
from .query import MAX_QUERY_CHARS
from .selectors import SORT_LABELS, iter_matching_articles, search_articles
from .serializers import EXPORT_COLUMNS, article_record, page_record

log = logging.getLogger(__name__)

FACET_LABELS = {"year": "年份", "section": "栏目", "contributors": "作者", "kind": "体裁"}
FACET_PARAMS = {"year": "year", "section": "section", "contributors": "contributor", "kind": "kind"}
_KEPT_PARAMS = ("q", "date_from", "date_to", "year", "month", "section", "contributor", "kind", "newspaper", "sort")


def _kept(request, **changes) -> str:
    """The current query string with some parameters changed (None drops one); page resets."""
    params = {name: request.GET.get(name, "") for name in _KEPT_PARAMS}
    params.update(changes)
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _facet_lists(request, page) -> list[dict]:
    kind_labels = dict(Article.Kind.choices)
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
                "label": kind_labels.get(value, value) if name == "kind" else value,
                "count": count,
                "selected": selected,
                "url": _kept(request, **{param: None if selected else value}),
            })
        lists.append({"name": name, "label": FACET_LABELS[name], "values": entries})
    return lists


CHART_WIDTH, CHART_HEIGHT, MAX_MONTH_BARS = 600, 120, 36


def trend_chart(request, months: list[tuple[str, int]]) -> dict | None:
    """Hits per month (per year when the hits span more than three years) as SVG bars; each bar
    links to the search narrowed to its period. Periods without hits get an empty bar."""
    if not months:
        return None
    counts = dict(months)
    (y0, m0), (y1, m1) = (tuple(map(int, key.split("-"))) for key in (months[0][0], months[-1][0]))
    span = (y1 - y0) * 12 + (m1 - m0) + 1
    periods: list[tuple[str, int, dict]] = []
    if span > MAX_MONTH_BARS:
        by_year: dict[int, int] = {}
        for key, count in months:
            by_year[int(key[:4])] = by_year.get(int(key[:4]), 0) + count
        for year in range(y0, y1 + 1):
            periods.append((str(year), by_year.get(year, 0), {"year": year, "month": None}))
        unit = "年"
    else:
        year, month = y0, m0
        for _ in range(span):
            key = f"{year:04d}-{month:02d}"
            periods.append((key, counts.get(key, 0), {"month": key, "year": None}))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        unit = "月"
    peak = max(count for _, count, _ in periods) or 1
    width = CHART_WIDTH / len(periods)
    bars = []
    for index, (label, count, narrowing) in enumerate(periods):
        height = round(CHART_HEIGHT * count / peak, 1)
        bars.append({
            "label": label, "count": count, "url": _kept(request, **narrowing),
            "x": round(index * width + width * 0.1, 1), "width": round(width * 0.8, 1),
            "y": round(CHART_HEIGHT - height, 1), "height": height,
        })
    return {"bars": bars, "unit": unit, "peak": peak, "width": CHART_WIDTH, "height": CHART_HEIGHT,
            "first": periods[0][0], "last": periods[-1][0], "label_y": CHART_HEIGHT + 14}


@require_safe
def search_page(request):
    form = SearchForm(request.GET or None)
    context = {
        "form": form,
        "query_text": request.GET.get("q", "")[:MAX_QUERY_CHARS],
        "max_query_chars": MAX_QUERY_CHARS,
        "sort_labels": SORT_LABELS,
        "results": None,
        "error": "",
        "notices": [],
        "facets": [],
        "export_cap": settings.SEARCH_EXPORT_MAX_ROWS,
    }
    status = 200
    if request.GET and not form.is_valid():
        context["error"] = "无法检索：" + form.error_text()
        status = 400
    elif request.GET and form.has_criteria:
        page = search_articles(plan=form.plan(), sort=form.sort_key, page=form.page_number,
                               page_size=settings.SEARCH_PAGE_SIZE)
        context.update({
            "results": page,
            "notices": list(page.plan.query.notices),
            "facets": _facet_lists(request, page),
            "trend": trend_chart(request, page.facets.get("month", [])),
            "first_number": (page.page - 1) * page.page_size + 1,
            "previous_query": _kept(request, page=page.page - 1),
            "next_query": _kept(request, page=page.page + 1),
            "export_query": _kept(request),
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
        return _json_error(f"page: 超出范围（共 {page.num_pages} 页）")
    body = page_record(page, notices=list(page.plan.query.notices))
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


class _Echo:
    def write(self, value):
        return value


@require_safe
def export(request):
    form = SearchForm(request.GET)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "json"):
        return _json_error("format: 只支持 csv 或 json")
    if not form.is_valid():
        return _json_error(form.error_text())
    cap = settings.SEARCH_EXPORT_MAX_ROWS
    articles = iter_matching_articles(plan=form.plan(), sort=form.sort_key, limit=cap)
    if fmt == "csv":
        writer = csv.writer(_Echo())

        def rows():
            yield "\ufeff" + writer.writerow(EXPORT_COLUMNS)
            for article in articles:
                record = article_record(article)
                record["bylines"] = "、".join(record["bylines"])
                yield writer.writerow([record[name] for name in EXPORT_COLUMNS])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    else:
        def items():
            yield "[\n"
            for number, article in enumerate(articles):
                yield ("" if number == 0 else ",\n") + json.dumps(article_record(article), ensure_ascii=False)
            yield "\n]\n"

        response = StreamingHttpResponse(items(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="archive-search.{fmt}"'
    response["X-Export-Cap"] = str(cap)
    return response

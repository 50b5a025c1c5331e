"""Site-wide pages: the home page and the error pages. The public site only reads."""
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from articles import selectors
from articles.models import Newspaper
from articles.views import WEEKDAYS, year_calendar

LATEST_ISSUES = 10


@require_safe
def home(request):
    extent = selectors.archive_extent()
    today = timezone.localdate()
    latest = list(selectors.issue_list()[:LATEST_ISSUES])
    newspapers = list(Newspaper.objects.all())
    # The calendar shows this year, or, when nothing is archived for it yet, the latest year that has issues.
    paper = latest[0].newspaper if latest else (newspapers[0] if newspapers else None)
    year = today.year
    if paper and extent["last"] and extent["last"].year < year:
        year = extent["last"].year
    return render(request, "archive/home.html", {
        "extent": extent,
        "latest": latest,
        "newspapers": newspapers,
        "calendar_paper": paper,
        "calendar_year": year,
        "months": year_calendar(newspaper=paper, year=year) if paper else [],
        "weekdays": WEEKDAYS,
        "today": today,
        "on_this_day": selectors.on_this_day(today=today),
    })


def page_not_found(request, exception):
    return render(request, "404.html", {}, status=404)


def server_error(request):
    return render(request, "500.html", {}, status=500)

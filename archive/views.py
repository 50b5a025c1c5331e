"""Site-wide pages: the home page and the error pages. The public site only reads."""
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from articles import selectors
from articles.models import Newspaper
from articles.views import WEEKDAYS, month_calendar

LATEST_ISSUES = 8


@require_safe
def home(request):
    """One search box, the archive's extent, the latest issues, the month of the latest issue as a
    calendar (the year's page has the rest), and 历史上的今天."""
    extent = selectors.archive_extent()
    today = timezone.localdate()
    latest = list(selectors.issue_list()[:LATEST_ISSUES])
    newspapers = list(Newspaper.objects.all())
    month = None
    if latest:
        newest = latest[0]
        paper = newest.newspaper
        dates = selectors.issue_dates(newspaper=paper, year=newest.date.year)
        month = month_calendar(newspaper=paper, year=newest.date.year, month=newest.date.month, dates=dates)
        month["paper"] = paper
    return render(request, "archive/home.html", {
        "extent": extent,
        "latest": latest,
        "newspapers": newspapers,
        "month": month,
        "weekdays": WEEKDAYS,
        "today": today,
        "on_this_day": selectors.on_this_day(today=today),
    })


def page_not_found(request, exception):
    return render(request, "404.html", {}, status=404)


def server_error(request):
    return render(request, "500.html", {}, status=500)

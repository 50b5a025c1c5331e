"""Site-wide pages. The public site only reads; the admin is the only page that writes."""
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from articles.selectors import issue_list


@require_safe
def home(request):
    page = Paginator(issue_list(), 100).get_page(request.GET.get("page"))
    return render(request, "archive/home.html", {"page": page, "issues": page.object_list})

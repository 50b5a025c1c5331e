"""Machine access: robots.txt, the sitemaps (issues and articles), the OpenSearch description,
an Atom feed of new issues, and the favicon. Nothing here needs an app in INSTALLED_APPS: the
sitemap and feed frameworks are used through their views, with our own templates."""
from __future__ import annotations

import datetime as dt
from functools import cache

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.contrib.staticfiles import finders
from django.contrib.syndication.views import Feed
from django.db.models import Count, Max, Min
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from articles.models import Article, Issue

SITE_NAME = "报纸数字档案"
SITEMAP_LIMIT = 10_000  # URLs per sitemap file (the protocol allows 50,000)


def issue_url(issue: Issue) -> str:
    return reverse("articles:issue", kwargs={"paper": issue.newspaper.slug, "date": issue.date})


class IssueSitemap(Sitemap):
    limit = SITEMAP_LIMIT
    changefreq = "monthly"

    def items(self):
        return (Issue.objects.select_related("newspaper").only("date", "newspaper__slug")
                .annotate(segmented_at=Max("pages__segmented_at")).order_by("newspaper_id", "date", "pk"))

    def location(self, issue: Issue) -> str:
        return issue_url(issue)

    def lastmod(self, issue: Issue):
        return issue.segmented_at


class ArticleSitemap(Sitemap):
    limit = SITEMAP_LIMIT
    changefreq = "yearly"

    def items(self):
        # what get_absolute_url reads, without the texts or the credits
        return Article.objects.for_reading(body=False).prefetch_related(None).order_by("pk")

    def location(self, article: Article) -> str:
        return article.get_absolute_url()

    def lastmod(self, article: Article):
        return article.updated_at


SITEMAPS = {"issues": IssueSitemap, "articles": ArticleSitemap}


@require_safe
def sitemap_index(request):
    return sitemap_views.index(request, SITEMAPS, template_name="machine/sitemap_index.xml",
                               sitemap_url_name="search:sitemap_section")


@require_safe
def sitemap_section(request, section: str):
    return sitemap_views.sitemap(request, SITEMAPS, section=section, template_name="machine/sitemap.xml")


@require_safe
def robots_txt(request):
    return render(request, "machine/robots.txt", {
        "sitemap_url": request.build_absolute_uri(reverse("search:sitemap")),
    }, content_type="text/plain; charset=utf-8")


@require_safe
def opensearch(request):
    return render(request, "machine/opensearch.xml", {
        "site_name": SITE_NAME,
        "search_url": request.build_absolute_uri(reverse("search:page")),
        "api_url": request.build_absolute_uri(reverse("search:api")),
        "self_url": request.build_absolute_uri(reverse("search:opensearch")),
        "icon_url": request.build_absolute_uri(reverse("search:favicon")),
    }, content_type="application/opensearchdescription+xml; charset=utf-8")


@cache
def _favicon() -> bytes:
    path = finders.find("archive/favicon.svg")
    if path is None:  # collected only (no finders in a slim deployment)
        path = settings.STATIC_ROOT / "archive" / "favicon.svg"
    with open(path, "rb") as handle:
        return handle.read()


@require_safe
@cache_control(max_age=86_400, public=True)
def favicon(request):
    return HttpResponse(_favicon(), content_type="image/svg+xml")


class IssuesFeed(Feed):
    """The newest issues, as Atom: one entry per issue, linking to its page."""

    feed_type = Atom1Feed
    title = f"{SITE_NAME}：新入库的报纸"
    subtitle = "新入库或重新切分的各期报纸"
    author_name = SITE_NAME
    items_per_feed = 50
    language = "zh-CN"

    def link(self):
        return reverse("home")

    def items(self):
        # an issue's time in the archive is its pages': first stored, last segmented
        return (Issue.objects.select_related("newspaper")
                .annotate(article_count=Count("articles", distinct=True), ingested_at=Min("pages__ingested_at"),
                          segmented_at=Max("pages__segmented_at"))
                .order_by("-ingested_at", "-date")[: self.items_per_feed])

    def item_title(self, issue: Issue) -> str:
        return f"{issue.newspaper.name} {issue.date.isoformat()}"

    def item_description(self, issue: Issue) -> str:
        return f"{issue.newspaper.name} {issue.date:%Y年%-m月%-d日}，共 {issue.article_count} 篇。"

    def item_link(self, issue: Issue) -> str:
        return issue_url(issue)

    def item_guid(self, issue: Issue) -> str:
        return f"tag:archive,{issue.date.isoformat()}:{issue.newspaper.slug}/{issue.date.isoformat()}"

    item_guid_is_permalink = False

    def item_pubdate(self, issue: Issue) -> dt.datetime:
        return issue.ingested_at

    def item_updateddate(self, issue: Issue) -> dt.datetime:
        return issue.segmented_at or issue.ingested_at

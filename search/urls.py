from django.urls import path

from . import machine, views

app_name = "search"

urlpatterns = [
    path("search/", views.search_page, name="page"),
    path("search/export", views.export, name="export"),
    path("search/cite/<int:article_id>.<str:fmt>", views.cite, name="cite"),
    path("api/search", views.api_search, name="api"),
    # machine access, at the site's root (this module is included at "")
    path("robots.txt", machine.robots_txt, name="robots"),
    path("favicon.ico", machine.favicon, name="favicon"),
    path("opensearch.xml", machine.opensearch, name="opensearch"),
    path("sitemap.xml", machine.sitemap_index, name="sitemap"),
    path("sitemap-<str:section>.xml", machine.sitemap_section, name="sitemap_section"),
    path("feeds/issues.atom", machine.IssuesFeed(), name="issues_feed"),
]

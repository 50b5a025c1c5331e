from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from . import health, views

admin.site.site_header = "太原日报 archive — editors"
admin.site.site_title = "Archive admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("search.urls")),
    path("", include("articles.urls")),
]

handler404 = "archive.views.page_not_found"
handler500 = "archive.views.server_error"

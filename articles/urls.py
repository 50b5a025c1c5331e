from django.urls import path, register_converter

from . import views
from .converters import IsoDateConverter

register_converter(IsoDateConverter, "isodate")

app_name = "articles"

urlpatterns = [
    path("contributors/<int:pk>/", views.contributor, name="contributor"),
    path("sections/<int:pk>/", views.section, name="section"),
    path("<slug:paper>/", views.newspaper, name="newspaper"),
    path("<slug:paper>/<int:year>/", views.year, name="year"),
    path("<slug:paper>/<isodate:date>/", views.issue, name="issue"),
    path("<slug:paper>/<isodate:date>/source/", views.issue_source, name="issue_source"),
    path("<slug:paper>/<isodate:date>/p<int:page>/", views.page, name="page"),
    path("<slug:paper>/<isodate:date>/p<int:page>/source/", views.page_source, name="page_source"),
    path("<slug:paper>/<isodate:date>/p<int:page>/<int:position>/", views.article, name="article"),
    path("<slug:paper>/<isodate:date>/p<int:page>/<int:position>/text/", views.article_text, name="article_text"),
    # The addresses published before issues had pages (an issue was one file, now its page 1).
    path("<slug:paper>/<isodate:date>/<int:position>/", views.legacy_article, name="legacy_article"),
    path("<slug:paper>/<isodate:date>/<int:position>/text/", views.legacy_article, {"text": True},
         name="legacy_article_text"),
]

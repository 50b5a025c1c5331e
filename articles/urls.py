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
    path("<slug:paper>/<isodate:date>/<int:position>/", views.article, name="article"),
    path("<slug:paper>/<isodate:date>/<int:position>/text/", views.article_text, name="article_text"),
]

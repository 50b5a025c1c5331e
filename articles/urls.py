from django.urls import path, register_converter

from . import views
from .converters import IsoDateConverter

register_converter(IsoDateConverter, "isodate")

app_name = "articles"

urlpatterns = [
    path("<slug:paper>/<isodate:date>/<int:position>/", views.article, name="article"),
]

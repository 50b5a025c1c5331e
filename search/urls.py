from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("search/", views.search_page, name="page"),
    path("search/export", views.export, name="export"),
    path("api/search", views.api_search, name="api"),
]

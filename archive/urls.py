from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from . import health, views

admin.site.site_header = _("报纸数字档案 · 编辑后台")
admin.site.site_title = _("报纸数字档案")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    # where `manage.py add_editor`'s one-time link lets a new editor set a password
    path("admin/password/set/<uidb64>/<token>/",
         auth_views.PasswordResetConfirmView.as_view(success_url="/admin/login/"), name="password_reset_confirm"),
    path("admin/", admin.site.urls),
    path("", include("search.urls")),
    path("", include("articles.urls")),
]

handler404 = "archive.views.page_not_found"
handler500 = "archive.views.server_error"

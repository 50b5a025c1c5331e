"""manage.py add_editor: a staff account in the editors group, with a password asked twice or a one-time link."""
from __future__ import annotations

from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import include, path

from articles.services import EDITORS_GROUP

pytestmark = pytest.mark.django_db

# the route archive/urls.py is asked to add (see the README's "Making an editor")
urlpatterns = [
    path("admin/password/set/<uidb64>/<token>/",
         auth_views.PasswordResetConfirmView.as_view(success_url="/admin/login/"), name="password_reset_confirm"),
    path("", include("archive.urls")),
]


def run(*args, tty=False, passwords=()):
    out = StringIO()
    with mock.patch("sys.stdin.isatty", return_value=tty), \
            mock.patch("getpass.getpass", side_effect=list(passwords)):
        call_command("add_editor", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.urls(__name__)
def test_not_interactive_prints_a_one_time_link_that_sets_the_password(client):
    out = run("wang", "--email", "wang@example.org")
    user = User.objects.get(username="wang")
    assert user.is_staff and not user.is_superuser and user.email == "wang@example.org"
    assert user.groups.filter(name=EDITORS_GROUP).exists() and not user.has_usable_password()
    link = out.split("one-time link to set the password: ")[1].strip()
    path_ = link.removeprefix("http://127.0.0.1:8000")
    response = client.get(path_, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "a-long-Passphrase-9", "new_password2": "a-long-Passphrase-9"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-long-Passphrase-9")
    assert client.get(path_, follow=True).context["validlink"] is False  # used once


def test_interactive_asks_twice_and_sets_the_password():
    out = run("li", tty=True, passwords=["differ-1-Passphrase", "differ-2-Passphrase",
                                         "good-Passphrase-42", "good-Passphrase-42"])
    user = User.objects.get(username="li")
    assert user.check_password("good-Passphrase-42") and "one-time link" not in out
    assert user.groups.filter(name=EDITORS_GROUP).exists() and user.is_staff


def test_interactive_gives_up_after_three_bad_attempts():
    with pytest.raises(CommandError):
        run("zhao", tty=True, passwords=["123", "123"] * 3)
    assert not User.objects.filter(username="zhao").exists()

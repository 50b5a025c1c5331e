"""The admin login is throttled per username and per address: after the limit, even the right
password is refused until the window passes."""
from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def throttle(settings, tmp_path):
    settings.CACHES = {**settings.CACHES, "throttle": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path / "throttle")}}
    settings.LOGIN_FAILURES_PER_USER = 3
    settings.LOGIN_FAILURES_PER_IP = 5
    settings.LOGIN_THROTTLE_SECONDS = 60
    caches["throttle"].clear()
    yield
    caches["throttle"].clear()


def login(client, username, password, address="203.0.113.7"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password},
                       REMOTE_ADDR=address)


def test_after_n_failures_even_the_right_password_is_refused_until_the_window_passes(client, settings):
    settings.LOGIN_THROTTLE_SECONDS = 2
    User.objects.create_superuser("chief", password="right-password-123")
    assert login(client, "chief", "right-password-123").status_code == 302  # works at first
    client.logout()
    for _ in range(3):
        response = login(client, "chief", "wrong")
        assert response.status_code == 200  # the form again, "wrong password"
    response = login(client, "chief", "right-password-123")
    assert response.status_code == 429 and "登录尝试过多" in response.content.decode()
    assert response["Retry-After"] == "2"
    # from another address too: the username is throttled
    assert login(client, "chief", "right-password-123", address="198.51.100.2").status_code == 429
    # authenticate() itself refuses, whatever the login path
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.1")
    assert authenticate(request, username="chief", password="right-password-123") is None
    # the window passes
    time.sleep(2.2)
    assert login(client, "chief", "right-password-123").status_code == 302


def test_one_address_guessing_many_usernames_is_throttled(client):
    User.objects.create_superuser("editor", password="right-password-123")
    for number in range(5):
        assert login(client, f"guess{number}", "wrong").status_code == 200
    assert login(client, "editor", "right-password-123").status_code == 429
    # another address is not affected
    assert login(client, "editor", "right-password-123", address="198.51.100.9").status_code == 302


def test_a_success_clears_the_username_count(client):
    User.objects.create_superuser("chief", password="right-password-123")
    for _ in range(2):
        login(client, "chief", "wrong")
    assert login(client, "chief", "right-password-123").status_code == 302
    client.logout()
    for _ in range(2):
        assert login(client, "chief", "wrong").status_code == 200
    assert login(client, "chief", "right-password-123").status_code == 302

"""Login throttling: a few wrong passwords, then no login at all for a while, per client address
and per username, counted in a cache shared by the server's processes. No dependency beyond Django.

``ThrottledModelBackend`` refuses to authenticate (even with the right password) while either
count is over its limit, so every login path is covered; ``LoginThrottleMiddleware`` answers the
admin's login form with a 429 page that says so instead of the usual "wrong password".
"""
from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import caches
from django.shortcuts import render

log = logging.getLogger("archive.auth")


def _cache():
    return caches[settings.LOGIN_THROTTLE_CACHE]


def client_address(request) -> str:
    if request is None:
        return ""
    header = settings.CLIENT_IP_HEADER
    if header and request.META.get(header):
        # the proxy's header names the client first (X-Forwarded-For: client, proxy1, …)
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def _keys(request, username: str | None) -> list[tuple[str, int]]:
    keys = []
    address = client_address(request)
    if address:
        keys.append((f"login-fail:ip:{address}", settings.LOGIN_FAILURES_PER_IP))
    if username:
        digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
        keys.append((f"login-fail:user:{digest}", settings.LOGIN_FAILURES_PER_USER))
    return keys


def _failures(cache, key: str, now: float) -> tuple[int, float]:
    """(failures, end of the window) for a key: (0, 0) once the window has passed."""
    entry = cache.get(key)
    if not entry or entry[1] <= now:
        return 0, 0.0
    return entry


def throttled(request, username: str | None) -> bool:
    cache, now = _cache(), time.time()
    return any(_failures(cache, key, now)[0] >= limit for key, limit in _keys(request, username))


def record_failure(request, username: str | None) -> None:
    """Count a failure. The window starts at the first failure and is not extended by later ones
    (the end is stored with the count: a cache's incr() may reset the expiry)."""
    cache, now = _cache(), time.time()
    window = settings.LOGIN_THROTTLE_SECONDS
    for key, limit in _keys(request, username):
        count, until = _failures(cache, key, now)
        if not count:
            until = now + window
        count += 1
        cache.set(key, (count, until), timeout=max(1, int(until - now) + 1))
        if count == limit:
            log.warning("login throttled for %d s after %d failures (%s)", window, count, key.split(":")[1])


def forget_failures(request, username: str | None) -> None:
    """A successful login clears its username's count (not the address's: one good account
    must not reset an address that is guessing others)."""
    cache = _cache()
    for key, _ in _keys(None, username):
        cache.delete(key)


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        name = username if username is not None else kwargs.get(self._username_field(), "")
        if throttled(request, name):
            if request is not None:
                request.login_throttled = True
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(request, name)
        else:
            forget_failures(request, name)
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


class LoginThrottleMiddleware:
    """The admin login form, while throttled: a 429 page saying why, the view never runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path == settings.LOGIN_THROTTLE_PATH:
            if throttled(request, request.POST.get("username", "")):
                response = render(request, "429.html", {"minutes": max(1, settings.LOGIN_THROTTLE_SECONDS // 60)},
                                  status=429)
                response["Retry-After"] = str(settings.LOGIN_THROTTLE_SECONDS)
                return response
        return self.get_response(request)

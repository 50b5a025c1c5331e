"""Security headers Django 5.2 does not set itself."""
from __future__ import annotations

import logging

# No inline scripts or styles on the public pages: all of them come from our static files.
PUBLIC_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Django's admin templates still carry style attributes; scripts stay restricted there too.
ADMIN_CSP = PUBLIC_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = ADMIN_CSP if request.path.startswith("/admin/") else PUBLIC_CSP
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class DatabaseUnavailableMiddleware:
    """A view that fails because PostgreSQL cannot be reached answers 503 (try again later), not
    500 (a bug), and the failure is logged with the URL and the traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError
        from django.shortcuts import render

        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logging.getLogger("archive.database").error(
            "Database unavailable: %s %s", request.method, request.get_full_path(), exc_info=exception,
            extra={"request": request, "status_code": 503})
        response = render(request, "503.html", {}, status=503)
        response["Retry-After"] = "60"
        return response

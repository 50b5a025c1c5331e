"""Logging helpers for settings.LOGGING: every record to stderr, request errors with their URL."""
from __future__ import annotations

import logging


class RequestURLFilter(logging.Filter):
    """Adds ``request_url`` (method and full URL, or "") to each record: Django's request errors
    carry the request, but their message names only the path."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        url = ""
        if request is not None and hasattr(request, "get_full_path"):
            try:
                url = f" [{request.method} {request.build_absolute_uri()}]"
            except Exception:  # a disallowed Host header, say: the path alone
                url = f" [{request.method} {request.get_full_path()}]"
        record.request_url = url
        return True

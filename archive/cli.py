"""manage.py's entry point: Django's, with a database that cannot be reached, or a setting from the
environment that cannot be used, reported in one line.

A refused or failed connection to PostgreSQL otherwise ends any command with an 80–100 line
traceback from deep inside the database driver. Here it ends with one line naming the database
(DATABASE_URL, password hidden) and the driver's reason, and exit status 2; ``-v 3`` (or
``--traceback``) prints the traceback first.
"""
from __future__ import annotations

import os
import sys
import traceback
from urllib.parse import urlsplit, urlunsplit

EXIT_DATABASE = 2
EXIT_SETTINGS = 2

_CONNECTION_WORDS = (
    "connect", "connection refused", "could not translate host name", "server closed the connection",
    "timeout expired", "authentication failed", "no such file or directory", "the database system is",
    "terminating connection", "does not exist",
)


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def database_unreachable(exc: BaseException) -> BaseException | None:
    """The driver's error if ``exc`` is (or was caused by) a failure to reach the database."""
    from django.db import InterfaceError, OperationalError

    for link in _chain(exc):
        if isinstance(link, (OperationalError, InterfaceError)) or type(link).__name__ in (
                "OperationalError", "InterfaceError"):
            text = str(link).lower()
            if any(word in text for word in _CONNECTION_WORDS):
                return link
    return None


def redacted_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


def describe(error: BaseException, command: str) -> str:
    reason = " ".join(str(error).strip().splitlines()[0].split()) if str(error).strip() else type(error).__name__
    url = redacted_database_url()
    where = (f"the database at DATABASE_URL={url}" if url
             else "the embedded database (var/pgdata; DATABASE_URL is unset)")
    return (f"manage.py {command}: cannot reach {where}: {reason} "
            f"(is PostgreSQL running and DATABASE_URL right? -v 3 shows the traceback)")


def wants_traceback(argv: list[str]) -> bool:
    for i, arg in enumerate(argv):
        if arg == "--traceback":
            return True
        if arg in ("-v", "--verbosity") and i + 1 < len(argv) and argv[i + 1] == "3":
            return True
        if arg in ("-v3", "--verbosity=3"):
            return True
    return False


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:  # a setting from the environment that cannot be used
        if wants_traceback(argv):
            traceback.print_exc()
        command = argv[1] if len(argv) > 1 else ""
        sys.stderr.write(f"manage.py {command}: {exc}\n")
        sys.exit(EXIT_SETTINGS)
    except Exception as exc:
        error = database_unreachable(exc)
        if error is None:
            raise
        if wants_traceback(argv):
            traceback.print_exc()
        command = argv[1] if len(argv) > 1 else ""
        sys.stderr.write(describe(error, command) + "\n")
        sys.exit(EXIT_DATABASE)

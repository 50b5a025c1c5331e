"""WSGI entry point for the archive."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
application = get_wsgi_application()

# Load jieba's dictionary while the worker starts, not during a reader's first search (~1 s).
from search.analysis import warm_up  # noqa: E402

warm_up()

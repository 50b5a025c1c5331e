"""WSGI entry point for the archive."""
import gc
import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
application = get_wsgi_application()

# Load jieba's dictionary and the index's shared columns while the worker starts, not during a
# reader's first search. A failure here is logged, not fatal: browsing issues needs no index,
# and a search would report the same fault to its reader.
from search.selectors import warm_up_search  # noqa: E402

try:
    warm_up_search()
except Exception:
    logging.getLogger("archive").warning("search warm-up failed; the first search will retry", exc_info=True)

# What the warm-up loaded stays for the worker's life: kept out of the cyclic garbage collector,
# whose full passes over it had made about one search in ten take 50-70 ms instead of 15-20 at
# 150,000 articles.
gc.collect()
gc.freeze()

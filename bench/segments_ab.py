"""A full build's segments as the workers wrote them against merged, on one archive's texts, in one process.

Since the thirteenth pass a full build's workers merge the segments of 5,000 articles they
wrote into one a worker (``backend.ArchiveWhooshBackend._merged``). This writes the archive's
index twice into a temporary folder, once with the segments left as written
(``rebuild_index --keep-segments``) and once as the code builds it, and answers the query mix
on each in turn, round after round, exactly as ``codec_ab.py`` compares the codec's layouts
(the same articles found on both; the backend's evaluation, count and top 20). Reported: each
index's segments, bytes and build time, each query's p50 and p95 on both. Results:
``bench/results/segments-ab.json``.

Run it with an archive's environment, as ``engine_ab.py`` is run::

    ARCHIVE_VAR_DIR=DIR/var-150000 SEARCH_INDEX_DIR=DIR/var-150000/whoosh \\
        .venv/bin/python bench/segments_ab.py --rounds 40
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.codec_ab import run  # noqa: E402

LAYOUTS = {"as written": {"merge": False}, "merged": {}}

if __name__ == "__main__":
    sys.exit(run(__doc__.splitlines()[0], layouts=LAYOUTS, benchmark="segments_ab", out="segments-ab.json"))

"""The codec's block layouts against each other, on one archive's texts, in one process.

The eleventh pass writes a long block (1 KB or more encoded) as its head bit-packed and the rest
deflated (``codec.deflate_block``), where blocks were one zlib stream. This writes the archive's
index twice into a temporary folder, once as the code writes it and once with every block one
stream (``codec._MIN_SPLIT_BYTES`` out of reach, the code otherwise the same), opens both, and
answers the query mix on each in turn, round after round, so that both share whatever the
machine is doing: the backend's evaluation, count and top 20 (``columnar.evaluate_plan`` and
``order``, as ``backend.search`` runs them without making result objects). Both must find the
same articles for every query. Reported: each index's bytes and build time, and each query's
p50 and p95 on both. Results: ``bench/results/codec-ab.json``. The archive's own index is only
read from the database's side: its articles. Both are built as ``rebuild_index`` builds, so since
the thirteenth pass in one segment a worker (the eleventh pass's figures were of 30 segments at
150k).

Run it with an archive's environment, as ``engine_ab.py`` is run::

    ARCHIVE_VAR_DIR=DIR/var-150000 SEARCH_INDEX_DIR=DIR/var-150000/whoosh \\
        .venv/bin/python bench/codec_ab.py --rounds 40
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

from bench.engine_ab import archive_arguments, summary  # noqa: E402
from bench.peer_bench import PEER_MIX  # noqa: E402

# Each layout: its name, and how ``_index`` writes it.
LAYOUTS = {"one stream": {"one_stream": True}, "head bit-packed": {}}


def _bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file())


def _index(folder: Path, *, one_stream: bool = False, merge: bool = True) -> float:
    """The archive's articles indexed into ``folder`` (every block one zlib stream if
    ``one_stream``, else as the code writes them; the workers' segments left as written unless
    ``merge``); the seconds it took."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings
    from haystack import connections as haystack_connections

    from search.engine import codec

    connections = {"default": {**settings.HAYSTACK_CONNECTIONS["default"], "PATH": str(folder)}}
    split = codec._MIN_SPLIT_BYTES
    if one_stream:
        codec._MIN_SPLIT_BYTES = 1 << 62
    began = time.perf_counter()
    try:
        with override_settings(HAYSTACK_CONNECTIONS=connections):
            haystack_connections.reload("default")
            call_command("rebuild_index", interactive=False, verbosity=0, merge=merge)
    finally:
        codec._MIN_SPLIT_BYTES = split
        haystack_connections.reload("default")
    return time.perf_counter() - began


def measure(rounds: int, work: Path, layouts: dict[str, dict] = LAYOUTS, benchmark: str = "codec_ab") -> dict:
    import django

    django.setup()
    from whoosh import index as whoosh_index

    from search.engine import columnar
    from search.forms import SearchForm

    names = list(layouts)
    folders = {layout: work / "".join(c if c.isalnum() else "-" for c in layout) for layout in names}
    built = {}
    for layout, folder in folders.items():
        folder.mkdir()
        built[layout] = round(_index(folder, **layouts[layout]), 1)
    views = {}
    for layout, folder in folders.items():
        searcher = whoosh_index.open_dir(str(folder)).searcher()
        view = columnar.IndexView(searcher, {}, threads=1)
        view.warm(facets=(), columns=())
        views[layout] = view

    def run(view, plan) -> tuple[float, object]:
        began = time.perf_counter()
        matches = columnar.evaluate_plan(view, plan)
        columnar.order(view, matches, None, limit=20)
        return (time.perf_counter() - began) * 1000, matches

    queries = {}
    for name, params in PEER_MIX.items():
        form = SearchForm({k: str(v) for k, v in params.items()})
        assert form.is_valid(), form.errors
        plan = form.plan()
        found = {layout: sorted(view.primary_keys()[run(view, plan)[1].docs].tolist())  # warm, and compared
                 for layout, view in views.items()}
        if found[names[0]] != found[names[1]]:
            raise SystemExit(f"{benchmark}: the layouts find different articles for {name!r}")
        timings = {layout: [] for layout in names}
        for _ in range(rounds):
            for layout, view in views.items():
                timings[layout].append(run(view, plan)[0])
        queries[name] = {"hits": len(found[names[0]]), **{layout: summary(t) for layout, t in timings.items()}}
    return {
        "benchmark": benchmark,
        "measured": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "documents": views[names[1]].size,
        "rounds": rounds,
        "segments": {layout: len(view.segments) for layout, view in views.items()},
        "index_bytes": {layout: _bytes(folder) for layout, folder in folders.items()},
        "build_seconds": built,
        "queries": queries,
    }


def run(description: str, *, layouts: dict[str, dict], benchmark: str, out: str) -> int:
    args = archive_arguments(description, rounds=40, each="layout", out=out)
    work = Path(tempfile.mkdtemp(prefix=f"{benchmark.replace('_', '-')}-"))
    try:
        report = measure(args.rounds, work, layouts, benchmark)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    first, second = layouts
    sizes, built, segments = report["index_bytes"], report["build_seconds"], report["segments"]
    print(f"index bytes: {first} {sizes[first]:,} ({segments[first]} segments), {second} {sizes[second]:,} "
          f"({segments[second]}; {100 * (sizes[second] / sizes[first] - 1):+.2f} %); built in {built[first]} and "
          f"{built[second]} s")
    for name, row in report["queries"].items():
        print(f"{name:22}", "  ".join(f"{layout}: {row[layout]['p50_ms']} ms" for layout in layouts))
    print(f"written to {args.out}")
    return 0


def main() -> int:
    return run(__doc__.splitlines()[0], layouts=LAYOUTS, benchmark="codec_ab", out="codec-ab.json")


if __name__ == "__main__":
    sys.exit(main())

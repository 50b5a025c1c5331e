"""The engine's compiled reading against its earlier forms, in one process, request by request.

On a machine whose speed moves between runs, two probes of the same code a minute apart can
differ by more than a change does; here each version answers in turn, so they share whatever
the machine is doing. The versions are the same code with parts of ``_columnar`` hidden:

- ``decode only``: each segment's postings decoded in C, everything else numpy (the eighth pass);
- ``+ gather``: a term from every segment in one call;
- ``+ bm25, phrase_keys``: scores and a phrase's keys in C too, one decoding thread;
- ``+ two threads``: a long list decoded on two threads (the default on two cores; the ninth pass);
- ``+ id column, version check``: each result's id read from the primary-key column rather than
  from its stored fields, and the index's version read again only when its table of contents
  changed (the tenth pass). The earlier versions are run with both hidden: the ids from stored
  fields, the folder listed every query, as their code did (all versions make haystack's result
  objects without its logger look-up, which the tenth pass added). The archive must have been
  indexed by the tenth pass's code, or every version reads stored fields;
- ``+ compiled combining``: each document's BM25 length term made once a version of the index, a
  term read and scored in one call, and a query's lists combined (union, intersection, the
  headline's optional boost) and its page taken from the top (a heap) in C (the eleventh pass).
  The earlier versions run without these five functions, though their numpy scoring also reads
  the length terms made once. The eleventh pass's other change, long blocks' heads bit-packed,
  is in the index, which every version reads: ``bench/codec_ab.py`` compares the two layouts;
- ``+ plan combined in one call``: a plan's lists (every term's literal, jieba and headline lists,
  every clause) combined in one compiled call, an intersection of dense lists over arrays as long
  as the index (the twelfth pass). The eleventh version runs without that call, with the twelfth
  pass's other changes, which every version has: merges that branch only where it is foretold, a
  long block's head decoded straight into the rows and scored as it is decoded, BM25 two
  documents at a time, haystack's results made from a copy of their shared attributes.

Timed: the backend's count, top 20 and the search page's facets, and the API path
(``search_articles``), for each query; and the article page's related reading for a few articles.

Run it with an archive's environment, as ``scale_bench.py --probe`` is run::

    ARCHIVE_VAR_DIR=DIR/var-150000 SEARCH_INDEX_DIR=DIR/var-150000/whoosh \\
        .venv/bin/python bench/engine_ab.py --rounds 25 --out bench/results/engine-ab.json
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

QUERIES = ['"全面建成小康社会"', "疫情 企业 发展", "发展", "经济", "驰援", "疫情 OR 经济"]
VERSIONS = ("decode only", "+ gather", "+ bm25, phrase_keys", "+ two threads", "+ id column, version check",
            "+ compiled combining", "+ plan combined in one call")
TENTH_PASS = "+ id column, version check"
ELEVENTH_PASS = "+ compiled combining"
TWELFTH_PASS = "+ plan combined in one call"
# what the tenth pass's module held; the eleventh added bm25_normed, gather_scored, combine, and_maybe, top
TENTH_PASS_FUNCTIONS = ("decode", "gather", "bm25", "phrase_keys")
# what the twelfth pass added
TWELFTH_PASS_FUNCTIONS = ("combine_clauses", "dense_stamp")


def _modules(compiled) -> dict[str, tuple[object, int]]:
    """Each version: the stand-in for ``columnar._columnar`` and its decoding threads."""
    def only(*names):
        return types.SimpleNamespace(**{name: getattr(compiled, name) for name in names})

    tenth = only(*TENTH_PASS_FUNCTIONS)
    eleventh = only(*(name for name in dir(compiled)
                      if not name.startswith("_") and name not in TWELFTH_PASS_FUNCTIONS))
    return {"decode only": (only("decode"), 1), "+ gather": (only("decode", "gather"), 1),
            "+ bm25, phrase_keys": (tenth, 1), "+ two threads": (tenth, 2), TENTH_PASS: (tenth, 2),
            ELEVENTH_PASS: (eleventh, 2), TWELFTH_PASS: (compiled, 2)}


def summary(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    return {"p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2)}


def measure(rounds: int) -> dict:
    import django
    import numpy as np

    django.setup()
    from haystack import connections

    from articles.models import Issue
    from search import related
    from search.engine import columnar
    from search.forms import SearchForm
    from search.selectors import FACETS, search_articles, warm_up_search

    if columnar._columnar is None or not hasattr(columnar._columnar, "gather"):
        raise SystemExit("engine_ab: search/engine/_columnar.c is not compiled (make speedups)")
    warm_up_search()
    gc.collect()
    gc.freeze()  # as archive/wsgi.py does in a server process
    backend = connections["default"].get_backend()
    _, view = backend._searcher_and_view()
    compiled = columnar._columnar
    versions = _modules(compiled)
    no_keys = np.full(view.size, columnar.NO_PK, np.int64)
    if (view.primary_keys() == columnar.NO_PK).all():
        raise SystemExit("engine_ab: the index has no primary-key column: rebuild it with this code first")

    def run(version: str, call) -> float:
        columnar._columnar, view.threads = versions[version]
        if version in (TENTH_PASS, ELEVENTH_PASS, TWELFTH_PASS):
            view.__dict__.pop("primary_keys", None)
            backend.__dict__.pop("_version", None)
        else:  # as before the tenth pass: ids from stored fields, the folder listed every query
            view.primary_keys = lambda: no_keys
            backend._version = backend._read_version
        began = time.perf_counter()
        call()
        return (time.perf_counter() - began) * 1000

    queries = {}
    try:
        for text in QUERIES:
            form = SearchForm({"q": text})
            assert form.is_valid(), form.errors
            plan = form.plan()
            backend_times = {v: [] for v in VERSIONS}
            api_times = {v: [] for v in VERSIONS}
            for _ in range(rounds):
                for version in VERSIONS:
                    backend_times[version].append(run(version, lambda: backend.search(
                        plan, start_offset=0, end_offset=20, facets=list(FACETS))))
                    api_times[version].append(run(version, lambda: search_articles(plan=plan, page=1, page_size=20)))
            queries[text] = {v: {"backend": summary(backend_times[v]), "api": summary(api_times[v])}
                             for v in VERSIONS}
        issues = list(Issue.objects.order_by("date").values_list("pk", flat=True))
        articles = [Issue.objects.get(pk=issues[len(issues) * k // 6]).articles.order_by("position").first()
                    for k in range(1, 6)]
        related_times = {v: [] for v in ("decode only", "+ two threads", TENTH_PASS, ELEVENTH_PASS, TWELFTH_PASS)}
        for article in articles:
            words = related.keywords(related.story_text([article]))
            for _ in range(max(1, rounds * 3 // 5)):
                for version in related_times:
                    related_times[version].append(run(version, lambda: related.related_articles(
                        words=words, exclude={article.pk})))
    finally:
        columnar._columnar, view.threads = compiled, backend.decode_threads
        view.__dict__.pop("primary_keys", None)
        backend.__dict__.pop("_version", None)
    return {
        "benchmark": "engine_ab",
        "measured": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "archive": {"documents": view.size, "deleted": view.size - view.live_count, "segments": len(view.segments)},
        "rounds": rounds,
        "versions": list(VERSIONS),
        "queries": queries,
        "related_reading": {"articles": len(articles), **{v: summary(t) for v, t in related_times.items()}},
    }


def archive_arguments(description: str, *, rounds: int, each: str, out: str) -> argparse.Namespace:
    """``--rounds`` and ``--out`` of a bench that runs in one process on an archive (this one and
    ``codec_ab.py``), refused in one line without the archive's environment."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=rounds, help=f"rounds of each {each} a query (default {rounds})")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / out)
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if not os.environ.get("SEARCH_INDEX_DIR"):
        parser.error("set ARCHIVE_VAR_DIR and SEARCH_INDEX_DIR to an archive (see the docstring)")
    return args


def main() -> int:
    args = archive_arguments(__doc__.splitlines()[0], rounds=25, each="version", out="engine-ab.json")
    report = measure(args.rounds)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for text, row in report["queries"].items():
        print(f"{text:16}", "  ".join(f"{v}: {row[v]['backend']['p50_ms']} / {row[v]['api']['p50_ms']} ms"
                                      for v in VERSIONS))
    print("related reading p50:", {v: s["p50_ms"] for v, s in report["related_reading"].items()
                                   if isinstance(s, dict)})
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

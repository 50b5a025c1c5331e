"""Search: index build rate, index size, query latency and literal recall, side by side with the
stock setup (haystack's Whoosh backend with jieba.analyse.ChineseAnalyzer, rebuild_index).

    python bench/search_bench.py [--articles N] [--rounds R]

Builds a corpus of N articles (default 3000) by recombining the seed articles' paragraphs,
headlines and bylines, in a throw-away test database (the archive's own data is untouched), then
rebuilds both indexes with ``rebuild_index`` and runs the same queries against each. Writes
bench/results/search.json and prints a summary table.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

QUERIES = {  # name → (our query syntax, what the stock setup is given: haystack's auto_query)
    "common word": ("太原", "太原"),
    "mid-frequency word": ("转型", "转型"),
    "rare word": ("晋祠", "晋祠"),
    "2-char literal": ('"防控"', '"防控"'),
    "8-char phrase": ('"常态化疫情防控"', '"常态化疫情防控"'),
    "3-term AND": ("太原 疫情 企业", "太原 疫情 企业"),
    "OR": ("晋祠 OR 古县城", "晋祠 OR 古县城"),
    "NOT": ("太原 -疫情", "太原 -疫情"),
}


def build_corpus(size: int) -> int:
    """Seed issues through the real ingest, then recombined articles up to ``size`` in all."""
    from articles.models import Article, ArticleContributor, Issue, Newspaper
    from articles.services import ingest_paths

    ingest_paths(paths=[ROOT / "seeds"])
    seeds = list(Article.objects.select_related("section").prefetch_related("credits"))
    rng = random.Random(7)
    paper = Newspaper.objects.create(slug="bench-daily", name="基准日报")
    paragraphs = [p for a in seeds for p in a.body.split("\n") if p.strip()]
    day = dt.date(2015, 1, 1)
    made = len(seeds)
    while made < size:
        issue = Issue.objects.create(newspaper=paper, date=day, source_file=f"bench-{day}.txt", sha256="0" * 64,
                                     encoding="utf-8", raw_text="", date_source=Issue.DateSource.MANIFEST,
                                     ingested_at=dt.datetime.now(dt.UTC), segmented_at=dt.datetime.now(dt.UTC))
        batch = []
        for position in range(1, min(rng.randint(10, 40), size - made) + 1):
            model = rng.choice(seeds)
            body = "\n".join(rng.sample(paragraphs, rng.randint(3, 12)))
            batch.append(Article(issue=issue, position=position, headline=rng.choice(seeds).headline,
                                 section=model.section, kind=model.kind, body=body, segmented={},
                                 source_start_line=1, source_end_line=1))
        created = Article.objects.bulk_create(batch)
        credits = []
        for article in created:
            model = rng.choice(seeds)
            credits += [ArticleContributor(article=article, contributor_id=c.contributor_id, role=c.role,
                                           position=c.position) for c in model.credits.all()]
        ArticleContributor.objects.bulk_create(credits)
        made += len(created)
        day += dt.timedelta(days=1)
    return made


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_queries(run, rounds: int) -> dict:
    per_query, everything = {}, []
    for name, pair in QUERIES.items():
        run(pair)  # warm: first use of a term loads its postings
        timings = []
        for _ in range(rounds):
            start = time.perf_counter()
            run(pair)
            timings.append((time.perf_counter() - start) * 1000)
        per_query[name] = round(statistics.median(timings), 2)
        everything += timings
    return {"p50_ms": round(percentile(everything, 0.5), 2), "p95_ms": round(percentile(everything, 0.95), 2),
            "median_ms_by_query": per_query}


def literal_recall(articles, search, count: int = 150) -> float:
    """Share of (string, article holding it) pairs found, over strings of 2-6 characters."""
    from search.analysis import literal_key, normalise

    rng = random.Random(11)
    lines = {a.pk: [re.sub(r"\s+", "", normalise(p)) for p in [a.headline, *a.body.split("\n")]] for a in articles}
    found = wanted = 0
    for _ in range(count):
        article = rng.choice(articles)
        paragraph = rng.choice([p for p in article.body.split("\n") if len(p) >= 6])
        size = rng.randint(2, 6)
        start = rng.randrange(len(paragraph) - size + 1)
        string = paragraph[start:start + size].replace('"', "").strip()
        key = literal_key(string)
        if not key:
            continue
        holders = {pk for pk, ls in lines.items() if any(key in line for line in ls)}
        hits = search(string)
        wanted += len(holders)
        found += len(holders & hits)
    return round(found / wanted, 4) if wanted else 1.0


def literal_field_variants(articles, work: Path, rounds: int) -> dict:
    """The literal (gram) field two ways, alone in a bare Whoosh index over the same text:
    with positions (exact phrases in the index) or without (AND of the grams, then a substring
    check of every candidate's text, here read from memory: the best case for that design)."""
    from whoosh import query as wq
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.index import create_in

    from articles.models import Article
    from search.analysis import grams, literal_key, normalise
    from search.engine.whoosh_analysis import CharGramTokenizer

    texts = {str(a.pk): a.headline + "\n" + a.body for a in articles}
    compact = {pk: [re.sub(r"\s+", "", normalise(line)) for line in text.split("\n")] for pk, text in texts.items()}
    literals = ["防控", "常态化疫情防控", "太原市", "转型发展", "晋祠", "的", "高质量发展", "新冠肺炎疫情"]
    report = {}
    built: dict[bool, tuple] = {}  # the two variants without positions share one index
    for name, phrase, source in (("positions", True, None),
                                 ("no_positions_check_text_in_memory", False, "memory"),
                                 ("no_positions_check_text_from_database", False, "database")):
        if phrase not in built:
            path = work / f"grams-{'positions' if phrase else 'no-positions'}"
            path.mkdir()
            schema = Schema(pk=ID(stored=True), grams=TEXT(analyzer=CharGramTokenizer(), phrase=phrase))
            index = create_in(str(path), schema)
            start = time.perf_counter()
            writer = index.writer()
            for pk, text in texts.items():
                writer.add_document(pk=pk, grams=text)
            writer.commit()
            built[phrase] = (index, path, time.perf_counter() - start)
        index, path, build = built[phrase]
        timings = []
        with index.searcher() as searcher:
            for _ in range(rounds):
                for literal in literals:
                    parts = [g for _, g in grams(literal, for_query=True)]
                    began = time.perf_counter()
                    if phrase:
                        q = wq.Phrase("grams", parts) if len(parts) > 1 else wq.Term("grams", parts[0])
                        found = {hit["pk"] for hit in searcher.search(q, limit=None)}
                    else:
                        candidates = searcher.search(wq.And([wq.Term("grams", g) for g in parts]), limit=None)
                        key = literal_key(literal)
                        if source == "memory":
                            lines = {hit["pk"]: compact[hit["pk"]] for hit in candidates}
                        else:  # what the archive would have to do: read each candidate's text
                            rows = Article.objects.filter(pk__in=[int(hit["pk"]) for hit in candidates])
                            lines = {str(pk): [re.sub(r"\s+", "", normalise(line))
                                               for line in (headline + "\n" + body).split("\n")]
                                     for pk, headline, body in rows.values_list("pk", "headline", "body")}
                        found = {pk for pk, ls in lines.items() if any(key in line for line in ls)}
                    timings.append((time.perf_counter() - began) * 1000)
                    assert found is not None
        report[name] = {"index_bytes": directory_size(path), "build_seconds": round(build, 2),
                        "literal_query_p50_ms": round(percentile(timings, 0.5), 2),
                        "literal_query_p95_ms": round(percentile(timings, 0.95), 2)}
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000, help="corpus size (default 3000)")
    parser.add_argument("--rounds", type=int, default=20, help="timed runs of each query (default 20)")
    args = parser.parse_args()
    if args.articles < 46 or args.rounds < 1:
        parser.error("--articles must be at least 46 (the seeds) and --rounds at least 1")

    import django
    from django.conf import settings

    work = Path(tempfile.mkdtemp(prefix="search-bench-"))
    settings.HAYSTACK_CONNECTIONS = {
        "default": {"ENGINE": "search.engine.backend.ArchiveWhooshEngine", "PATH": str(work / "ours")},
        "stock": {"ENGINE": "haystack.backends.whoosh_backend.WhooshEngine", "PATH": str(work / "stock")},
    }
    # its own throw-away database, so a benchmark and the test suite can run side by side
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "archive_search_bench"
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from haystack import connections
    from haystack.query import SearchQuerySet

    from articles.models import Article
    from bench.stock_index import StockArticleIndex
    from search.query import SearchPlan, parse
    from search.selectors import matching_ids, search_articles

    connections["stock"].get_unified_index().build(indexes=[StockArticleIndex()])
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from django.apps import apps
        apps.get_app_config("haystack").signal_processor.teardown()  # the corpus is indexed by rebuild_index below, not by ingest
        articles_count = build_corpus(args.articles)
        articles = list(Article.objects.only("pk", "headline", "body"))
        characters = sum(len(a.headline) + len(a.body) for a in articles)
        raw_bytes = sum(len((a.headline + a.body).encode()) for a in articles)

        results = {}
        for name, using in (("ours", "default"), ("stock", "stock")):
            start = time.perf_counter()
            call_command("rebuild_index", interactive=False, using=[using], verbosity=0, stdout=StringIO())
            seconds = time.perf_counter() - start
            size = directory_size(work / name)
            results[name] = {"build_seconds": round(seconds, 2),
                             "articles_per_second": round(articles_count / seconds, 1),
                             "characters_per_second": round(characters / seconds),
                             "index_bytes": size, "index_to_raw_text": round(size / raw_bytes, 2)}

        def ours(pair, facets=True):
            return search_articles(plan=SearchPlan(parse(pair[0])), page_size=20, with_facets=facets)

        def stock(pair):
            queryset = SearchQuerySet(using="stock").auto_query(pair[1])
            page = list(queryset[:20])
            Article.objects.filter(pk__in=[r.pk for r in page]).count()  # the page still needs the articles
            return queryset.count()

        results["ours"]["queries"] = time_queries(lambda p: ours(p, facets=True), args.rounds)
        results["ours"]["queries_without_facets"] = time_queries(lambda p: ours(p, facets=False), args.rounds)
        results["stock"]["queries"] = time_queries(stock, args.rounds)
        results["ours"]["literal_recall"] = literal_recall(articles, lambda s: {
            int(r.pk) for r in matching_ids(plan=SearchPlan(parse(s)), limit=len(articles))})
        results["stock"]["literal_recall"] = literal_recall(articles, lambda s: {
            int(r.pk) for r in SearchQuerySet(using="stock").auto_query(s)[:len(articles)]})
        variants = literal_field_variants(articles, work, args.rounds)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
        shutil.rmtree(work, ignore_errors=True)

    ratio = {
        "build_rate_ours_over_stock": round(results["ours"]["articles_per_second"] / results["stock"]["articles_per_second"], 2),
        "index_size_ours_over_stock": round(results["ours"]["index_bytes"] / results["stock"]["index_bytes"], 2),
        "p50_ours_over_stock": round(results["ours"]["queries"]["p50_ms"] / results["stock"]["queries"]["p50_ms"], 2),
        "p95_ours_over_stock": round(results["ours"]["queries"]["p95_ms"] / results["stock"]["queries"]["p95_ms"], 2),
    }
    report = {
        "benchmark": "search",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "corpus": {"articles": articles_count, "characters": characters, "raw_text_bytes": raw_bytes},
        "ours": results["ours"], "stock": results["stock"], "ratios": ratio,
        "literal_field_variants": variants,
    }
    out = ROOT / "bench" / "results" / "search.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"search bench: {articles_count} articles, {characters:,} characters")
    print(f"{'':8}{'build art/s':>12}{'index MB':>10}{'p50 ms':>8}{'p95 ms':>8}{'recall':>8}")
    for name in ("ours", "stock"):
        r = results[name]
        print(f"{name:8}{r['articles_per_second']:>12}{r['index_bytes'] / 1e6:>10.1f}{r['queries']['p50_ms']:>8}"
              f"{r['queries']['p95_ms']:>8}{r['literal_recall']:>8}")
    print("ratios (ours / stock):", json.dumps(ratio))
    for name, v in variants.items():
        print(f"literal field, {name}: {v['index_bytes'] / 1e6:.1f} MB, built in {v['build_seconds']} s, "
              f"p50 {v['literal_query_p50_ms']} ms, p95 {v['literal_query_p95_ms']} ms")
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

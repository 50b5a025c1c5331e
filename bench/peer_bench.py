"""Peers side by side: this archive's search against tantivy, SQLite FTS5 and a brute-force scan.

For each size (``--sizes``, default 10000) it makes a fresh embedded database and index in a
temporary folder, writes the real-vocabulary corpus (``generate_corpus --articles N``), ingests
it with indexing deferred and builds our index with ``update_index`` (both cores), each as its
own process with its wall time and CPU time. Then one process (``--probe``) takes the very
documents our index was given (each article's rendered search document, folded and with white
space removed line by line, as our literal field sees it) and, on those same texts in the same
run, builds:

* **tantivy** (``requirements-bench.txt``): character bigrams pre-tokenised in Python, a line
  break a token of its own so that no phrase spans two lines, whitespace tokenizer, positions;
  a term of two characters is a term query, a longer one a phrase query of its bigrams;
* **SQLite FTS5** with its ``trigram`` tokenizer: a term of three characters or more is a quoted
  ``MATCH``, a shorter one a scan with ``instr()`` (trigrams cannot index it, and SQLite 3.40 answers
  its ``LIKE '%xy%'`` with nothing);
* **brute force**: every text in memory, ``in`` per text.

and times the query mix, each query answered as "the count and the top 20": ours through the
backend alone (``backend.search``, what the index costs), through the backend with the facets
the search page asks for, and through ``search_articles`` (the API path: page of 20, facets,
articles loaded from PostgreSQL, snippets). Our backend (with and without the facets) and
tantivy are timed in turn within each round (``_timed_in_turn``); the API path, SQLite and the
scan after them. Each query's set of matching documents is compared
with brute force's (literal recall and precision). Results: ``bench/results/peers.json``; a
Markdown table is printed. The peers get their texts from memory, already rendered and folded;
our build reads them from PostgreSQL, renders them and also cuts jieba words (a second field).
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.scale_bench import QUERY_MIX, percentile, run, stop_database  # noqa: E402

PY = sys.executable
LINE_BREAK = "¶"  # the token between two lines: phrases do not span it
# scale_bench's query mix, less what only our engine has (facets alone, deep pages)
PEER_MIX = {
    "common word": QUERY_MIX["very common word"],
    "mid word": QUERY_MIX["mid-frequency word"],
    "rare word": QUERY_MIX["rare word"],
    "2-char literal": QUERY_MIX["2-character literal"],
    "8-char quoted phrase": QUERY_MIX["quoted 8-character phrase"],
    "3-term AND": QUERY_MIX["3-term AND"],
    "OR": QUERY_MIX["OR"],
    "date filter": QUERY_MIX["date filter"],
}


def _terms(params: dict) -> tuple[list[str], str]:
    from search.analysis import literal_key

    q = params["q"]
    operator = "or" if " OR " in q else "and"
    parts = [p.strip('"') for p in re.split(r"\s+OR\s+|\s+", q) if p.strip('"')]
    return [literal_key(p) for p in parts], operator


def _day_range(params: dict) -> tuple[int, int] | None:
    if "date_from" not in params:
        return None
    return int(params["date_from"].replace("-", "")), int(params["date_to"].replace("-", ""))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed_in_turn(functions: dict, rounds: int) -> dict[str, tuple[list[float], object]]:
    """Each function's timings (ms) and answer, the functions timed in turn within each round,
    each round starting with the next one.

    Timed one after the other in blocks, the engine timed first after the previous query's
    scans ran up to twice as slow as the same code timed alone on this virtual machine (the
    rare word at 150k: 0.183 ms against 0.09, tantivy's 0.048 timed after it unchanged); in turn,
    each first as often as the rounds allow, the engines meet the same states of the machine."""
    answers = {name: function() for name, function in functions.items()}  # warm
    timings: dict[str, list[float]] = {name: [] for name in functions}
    names = list(functions)
    for number in range(rounds):
        turn = number % len(names)
        for name in names[turn:] + names[:turn]:
            function = functions[name]
            began = time.perf_counter()
            answers[name] = function()
            timings[name].append((time.perf_counter() - began) * 1000)
    return {name: (timings[name], answers[name]) for name in functions}


# ---------------------------------------------------------------- tantivy
def _bigram_tokens(text: str) -> str:
    tokens = []
    for line in text.split("\n"):
        tokens.extend(line[i:i + 2] for i in range(len(line) - 1))
        if len(line) == 1:
            tokens.append(line)
        tokens.append(LINE_BREAK)
    return " ".join(tokens)


def build_tantivy(docs: list[tuple[int, int, str]], path: Path):
    import tantivy

    began, cpu = time.perf_counter(), _cpu()
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("pk", stored=True, fast=True)
    builder.add_integer_field("day", indexed=True, fast=True)
    builder.add_text_field("text", tokenizer_name="bigrams", index_option="position")
    schema = builder.build()
    path.mkdir()
    index = tantivy.Index(schema, path=str(path))
    index.register_tokenizer("bigrams", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
    writer = index.writer(heap_size=256_000_000, num_threads=2)
    for pk, day, text in docs:
        writer.add_document(tantivy.Document(pk=pk, day=day, text=_bigram_tokens(text)))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    built = {"seconds": round(time.perf_counter() - began, 2), "cpu_seconds": round(_cpu() - cpu, 2),
             "index_bytes": sum(f.stat().st_size for f in path.rglob("*") if f.is_file())}
    return index, schema, built


def tantivy_query(schema, terms: list[str], operator: str, days):
    import tantivy

    def term(key: str):
        if len(key) <= 2:
            return tantivy.Query.term_query(schema, "text", key)
        return tantivy.Query.phrase_query(schema, "text", [key[i:i + 2] for i in range(len(key) - 1)])

    occur = tantivy.Occur.Must if operator == "and" else tantivy.Occur.Should
    query = tantivy.Query.boolean_query([(occur, term(key)) for key in terms]) if len(terms) > 1 else term(terms[0])
    if days:
        query = tantivy.Query.boolean_query([
            (tantivy.Occur.Must, query),
            (tantivy.Occur.Must, tantivy.Query.range_query(schema, "day", tantivy.FieldType.Integer, days[0], days[1]))])
    return query


# ---------------------------------------------------------------- SQLite FTS5 trigram
def build_sqlite(docs: list[tuple[int, int, str]], path: Path):
    began, cpu = time.perf_counter(), _cpu()
    db = sqlite3.connect(path)
    db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                     "CREATE VIRTUAL TABLE docs USING fts5(text, day UNINDEXED, tokenize='trigram');")
    with db:
        db.executemany("INSERT INTO docs(rowid, text, day) VALUES (?, ?, ?)", ((pk, text, day) for pk, day, text in docs))
    db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    db.commit()
    return db, {"seconds": round(time.perf_counter() - began, 2), "cpu_seconds": round(_cpu() - cpu, 2),
                "index_bytes": path.stat().st_size}


def sqlite_query(terms: list[str], operator: str, days) -> tuple[str, list, bool]:
    """A WHERE clause, its parameters, and whether FTS5 ranks it (MATCH) or scans (LIKE)."""
    if all(len(key) >= 3 for key in terms):
        joiner = " AND " if operator == "and" else " OR "
        clause, params, ranked = "docs MATCH ?", [joiner.join('"' + key.replace('"', '""') + '"' for key in terms)], True
    else:  # SQLite 3.40's trigram index answers a LIKE of two characters with nothing: scan with instr()
        joiner = " AND " if operator == "and" else " OR "
        clause = "(" + joiner.join("instr(text, ?) > 0" for _ in terms) + ")"
        params, ranked = list(terms), False
    if days:
        clause += " AND day BETWEEN ? AND ?"
        params += list(days)
    return clause, params, ranked


# ---------------------------------------------------------------- the probe, inside the size's Django
def probe(rounds: int, work: Path) -> dict:
    import django

    django.setup()
    from haystack import connections

    from search.analysis import literal_key
    from search.forms import SearchForm
    from search.search_indexes import ArticleIndex
    from search.selectors import FACETS, search_articles, warm_up_search

    warm_up_search()
    index = ArticleIndex()
    began = time.perf_counter()
    docs: list[tuple[int, int, str]] = []
    for article in index.index_queryset().iterator(chunk_size=2000):
        prepared = index.full_prepare(article)
        text = "\n".join(key for key in (literal_key(line) for line in prepared["text"].split("\n")) if key)
        docs.append((article.pk, int(prepared["day"]), text))
    render_seconds = time.perf_counter() - began
    characters = sum(len(text) for _, _, text in docs)

    tantivy_index, schema, tantivy_built = build_tantivy(docs, work / "tantivy")
    tantivy_searcher = tantivy_index.searcher()
    db, sqlite_built = build_sqlite(docs, work / "fts5.sqlite")
    texts = [(pk, day, text) for pk, day, text in docs]
    backend = connections["default"].get_backend()
    # as archive/wsgi.py does in a server process: what is made by now (the texts, the peers'
    # indexes) is not scanned again by the collector in the middle of a timed query
    gc.collect()
    gc.freeze()

    queries = {}
    for name, params in PEER_MIX.items():
        terms, operator = _terms(params)
        days = _day_range(params)
        form = SearchForm({k: str(v) for k, v in params.items()}, max_page_size=1000)
        assert form.is_valid(), form.errors
        plan = form.plan()

        def brute():
            test = all if operator == "and" else any
            found = [pk for pk, day, text in texts
                     if test(key in text for key in terms) and (not days or days[0] <= day <= days[1])]
            return len(found), found[:20]

        truth = {pk for pk, day, text in texts
                 if (all if operator == "and" else any)(key in text for key in terms)
                 and (not days or days[0] <= day <= days[1])}

        tq = tantivy_query(schema, terms, operator, days)

        def tantivy_top():
            result = tantivy_searcher.search(tq, limit=20, count=True)
            return result.count, [tantivy_searcher.doc(address)["pk"][0] for _, address in result.hits]

        clause, sql_params, ranked = sqlite_query(terms, operator, days)
        top_sql = f"SELECT rowid FROM docs WHERE {clause}" + (" ORDER BY rank" if ranked else "") + " LIMIT 20"

        def sqlite_top():
            count = db.execute(f"SELECT count(*) FROM docs WHERE {clause}", sql_params).fetchone()[0]
            return count, [row[0] for row in db.execute(top_sql, sql_params)]

        def ours_backend():
            answer = backend.search(plan, start_offset=0, end_offset=20)
            return answer["hits"], [int(r.pk) for r in answer["results"]]

        def ours_backend_facets():
            answer = backend.search(plan, start_offset=0, end_offset=20, facets=list(FACETS))
            return answer["hits"], [int(r.pk) for r in answer["results"]]

        def ours_api():
            page = search_articles(plan=plan, page=1, page_size=20)
            return page.total, [hit.article.pk for hit in page.hits]

        row = {"hits": len(truth)}
        # the indexes in memory in turn; then the API path, which waits on PostgreSQL (a process
        # that waits leaves this virtual machine slower for the next milliseconds: timed in
        # turn with it, tantivy's rare word took 0.224 ms, alone 0.048); the scans last
        timed = _timed_in_turn({"ours: backend": ours_backend, "ours: backend with facets": ours_backend_facets,
                                "tantivy": tantivy_top}, rounds)
        timed |= _timed_in_turn({"ours: API path": ours_api}, rounds)
        timed |= _timed_in_turn({"sqlite": sqlite_top, "brute force": brute}, rounds)
        for engine, (timings, (count, _top)) in timed.items():
            row[engine] = {"p50_ms": round(statistics.median(timings), 3), "p95_ms": round(percentile(timings, 0.95), 3),
                           "count": count}
        # every matching document, to compare with the truth (not timed)
        everything = {
            "ours: backend": {int(r.pk) for r in backend.search(plan, start_offset=0, end_offset=None)["results"]},
            "tantivy": {tantivy_searcher.doc(a)["pk"][0]
                        for _, a in tantivy_searcher.search(tq, limit=max(1, len(truth) * 2 + 10)).hits},
            "sqlite": {r[0] for r in db.execute(f"SELECT rowid FROM docs WHERE {clause}", sql_params)},
        }
        for engine, found in everything.items():
            hit = len(found & truth)
            row[engine]["recall"] = round(hit / len(truth), 4) if truth else 1.0
            row[engine]["precision"] = round(hit / len(found), 4) if found else 1.0
        fastest = min(row[peer]["p50_ms"] for peer in ("tantivy", "sqlite"))
        for engine in ("ours: backend", "ours: backend with facets", "ours: API path", "tantivy", "sqlite", "brute force"):
            row[engine]["over_fastest_peer"] = round(row[engine]["p50_ms"] / fastest, 2) if fastest else None
        row["search_articles_adds_ms"] = round(row["ours: API path"]["p50_ms"] - row["ours: backend with facets"]["p50_ms"], 2)
        queries[name] = row
    db.close()
    return {"articles": len(docs), "characters": characters, "render_seconds": round(render_seconds, 2),
            "build": {"tantivy": tantivy_built, "sqlite": sqlite_built}, "queries": queries}


def measure(size: int, rounds: int, work: Path) -> dict:
    var = work / f"var-{size}"
    env = {**os.environ, "ARCHIVE_VAR_DIR": str(var), "SEARCH_INDEX_DIR": str(var / "whoosh"),
           "DJANGO_SETTINGS_MODULE": "archive.settings", "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    manage = [PY, "manage.py"]
    try:
        run(manage + ["migrate", "-v", "0"], env)
        corpus = work / f"corpus-{size}"
        run(manage + ["generate_corpus", "--articles", str(size), "--seed", "1", "--out", str(corpus)], env)
        ingest = run(manage + ["ingest", str(corpus), "-v", "0"], {**env, "SEARCH_INDEX_ON_COMMIT": "0"})
        shutil.rmtree(corpus, ignore_errors=True)
        index = run(manage + ["update_index", "-v", "0"], env)
        peers = work / f"peers-{size}"
        peers.mkdir()
        result = json.loads(subprocess.run([PY, __file__, "--probe", "--rounds", str(rounds), "--work", str(peers)],
                                           env=env, cwd=ROOT, capture_output=True, text=True,
                                           check=True).stdout.splitlines()[-1])
        index_bytes = sum(f.stat().st_size for f in (var / "whoosh").rglob("*") if f.is_file())
    finally:
        stop_database(var)
    articles = result["articles"]
    result["build"]["ours"] = {**index, "index_bytes": index_bytes}
    result["ingest"] = ingest
    for name, built in result["build"].items():
        built["articles_per_second"] = round(articles / built["seconds"], 1)
    fastest = max(result["build"][peer]["articles_per_second"] for peer in ("tantivy", "sqlite"))
    result["build"]["ours"]["rate_over_fastest_peer"] = round(result["build"]["ours"]["articles_per_second"] / fastest, 3)
    return result


def _ms(value: float) -> str:
    return f"{value:.3f} ms" if value < 1 else f"{value:.1f} ms" if value >= 10 else f"{value:.2f} ms"


def table(size: str, result: dict) -> str:
    build = result["build"]
    lines = [f"#### {result['articles']:,} articles ({result['characters'] / 1e6:.1f} M characters)", "",
             "| | build, articles/s | CPU-s to build | " + " | ".join(PEER_MIX) + " |",
             "|---|---|---|" + "---|" * len(PEER_MIX)]
    for engine, label in (("ours: backend", "this archive, the backend's count + top 20"),
                          ("ours: backend with facets", "this archive, the backend with the page's facets"),
                          ("ours: API path", "this archive, the API path (page of 20, facets, snippets)"),
                          ("tantivy", "tantivy, bigram tokens, phrase queries"),
                          ("sqlite", "SQLite FTS5 trigram"), ("brute force", "brute force over every text in memory")):
        built = build.get({"ours: backend": "ours", "tantivy": "tantivy", "sqlite": "sqlite"}.get(engine, ""), {})
        rate = f"{built['articles_per_second']:,}" if built else ""
        cpu = f"{built['cpu_seconds']:,}" if built else ""
        cells = []
        for name in PEER_MIX:
            cell = result["queries"][name][engine]
            cells.append(f"{_ms(cell['p50_ms'])} ({cell['over_fastest_peer']}×)")
        lines.append(f"| {label} | {rate} | {cpu} | " + " | ".join(cells) + " |")
    lines.append("| hits (brute force) | | | " + " | ".join(f"{result['queries'][n]['hits']:,}" for n in PEER_MIX) + " |")
    for engine in ("ours: backend", "tantivy", "sqlite"):
        lines.append(f"| recall / precision, {engine} | | | " + " | ".join(
            f"{result['queries'][n][engine]['recall']} / {result['queries'][n][engine]['precision']}" for n in PEER_MIX) + " |")
    lines.append("| `search_articles` adds (API − backend with facets) | | | " + " | ".join(
        _ms(result['queries'][n]['search_articles_adds_ms']) for n in PEER_MIX) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated article counts (default 10000)")
    parser.add_argument("--rounds", type=int, default=10, help="timed runs of each query (default 10)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "peers.json")
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe(args.rounds, args.work), ensure_ascii=False))
        return 0
    try:
        import tantivy  # noqa: F401
    except ImportError:
        parser.error("tantivy is not installed: `make bench` installs requirements-bench.txt")
    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="peer-bench-"))
    try:
        report = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {"sizes": {}}
    except ValueError:
        report = {"sizes": {}}
    try:
        for size in sizes:
            print(f"measuring {size} articles …", flush=True)
            result = measure(size, args.rounds, work)
            result["measured"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            report["benchmark"] = "peers"
            report["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                                 "platform": platform.platform()}
            report["sizes"][str(size)] = result
            args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            print(table(str(size), result), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

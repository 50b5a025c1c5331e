"""Scale: ingest, index, size, queries and pages at growing archive sizes, one clean archive each.

    python bench/scale_bench.py [--sizes 1000,10000] [--rounds 10] [--stock-up-to 10000]
                                [--stock-budget MINUTES] [--keep DIR] [--out FILE]

For each size it makes a fresh embedded database and index in a temporary folder, writes a
synthetic corpus with ``generate_corpus --articles N`` (real text recombined, about 30 articles a day), and measures:
``ingest`` (segment + store, indexing deferred) and ``update_index`` as separate processes with
their peak memory; raw jieba over the same text (the floor of any jieba-based index); the stock
setup's ``rebuild_index`` (up to --stock-up-to articles, each batch's time recorded, stopped after
--stock-budget minutes if given); the index's size next to the raw text;
the query mix's p50/p95/p99; the search, issue and article pages' server time and SQL queries;
and one more issue ingested and searchable. Adds each size to bench/results/scale.json as soon
as it is measured (``bench/plot_scale.py`` draws the log-log plot; docs/performance.md reads
the figures).
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
JIEBA_SAMPLE = 10_000

# Words of the real-vocabulary corpus (generate_corpus draws from 人民日报 pages and the seeds);
# at 10k: 发展 in 66 % of the articles, 脱贫 31 %, 驰援 1.3 % (docs/performance.md).
QUERY_MIX = {
    "very common word": {"q": "发展"},
    "mid-frequency word": {"q": "脱贫"},
    "rare word": {"q": "驰援"},
    "2-character literal": {"q": '"防控"'},
    "quoted 8-character phrase": {"q": '"全面建成小康社会"'},
    "3-term AND": {"q": "疫情 企业 发展"},
    "OR": {"q": "驰援 OR 脱贫"},
    "date filter": {"q": "发展", "date_from": "2015-03-01", "date_to": "2015-03-31"},
    "facets only (filter, no words)": {"q": "", "kind": "news"},
    "page 1": {"q": "发展", "page": 1},
    "page 50": {"q": "发展", "page": 50},
}


# The day a daily load is measured with: 19 pages of 人民日报 (../shared/realpages), 116 articles.
REALPAGES = ROOT.parent / "shared" / "realpages"
REAL_DAY = "2020-01-21"
REAL_DAY_PAGES = 19


def real_day_folder(folder: Path) -> Path | None:
    """A folder holding the real day's page files and their manifest rows, or None without them."""
    month = REALPAGES / REAL_DAY[:7] / "pages"
    manifest = month / "manifest.csv"
    if not manifest.exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    rows = manifest.read_text(encoding="utf-8").splitlines()
    kept = [rows[0]] + [row for row in rows[1:] if row.split(",")[2] == REAL_DAY]
    for row in kept[1:]:
        shutil.copy(month / row.split(",")[0], folder)
    (folder / "manifest.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    return folder


def _tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants (its indexing workers), from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = int(fields[21])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _memory_split() -> dict:
    """This process's resident memory now, in MB: all, its own (anonymous) and file-mapped."""
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                fields[name] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mb": fields.get("VmRSS"), "anonymous_mb": fields.get("RssAnon"),
            "file_mapped_mb": fields.get("RssFile"), "shared_memory_mb": fields.get("RssShmem")}


def run(args: list[str], env: dict) -> dict:
    """A command as its own process: seconds, the peak memory of its largest process (from the
    kernel's accounting) and the peak of all its processes together (sampled every 0.2 s)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak_tree = [0.0]
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.2):
            peak_tree[0] = max(peak_tree[0], _tree_rss_mb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    sampling.set()
    sampler.join()
    process.stdout.close()
    if status:
        raise SystemExit(f"{' '.join(args)} failed:\n{output.decode(errors='replace')[-2000:]}")
    return {"seconds": round(time.perf_counter() - started, 2),
            # user + system time of the command and the worker processes it waited for
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2), "peak_mb": round(usage.ru_maxrss / 1024, 1),
            "peak_all_processes_mb": round(max(peak_tree[0], usage.ru_maxrss / 1024), 1)}


def stop_database(var: Path) -> None:
    import pgserver

    pg_ctl = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_ctl"
    command = f"{pg_ctl} -D {var / 'pgdata'} stop -m fast"
    if os.geteuid() == 0:  # pgserver runs PostgreSQL as its own user when started by root
        subprocess.run(["su", "pgserver", "-s", "/bin/sh", "-c", command], capture_output=True, check=False)
    else:
        subprocess.run(command.split(), capture_output=True, check=False)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)], 2)


def probe(rounds: int, stock: bool, stock_budget_minutes: float) -> dict:
    """Run inside the size's environment: everything measured in one Django process."""
    import django

    django.setup()
    import jieba
    from django.db import connection
    from django.db.models import Count, Func, IntegerField, Sum
    from django.db.models.functions import Length

    class OctetLength(Func):
        function, output_field = "OCTET_LENGTH", IntegerField()
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article, Issue
    from search.forms import SearchForm
    from search.selectors import search_articles, warm_up_search

    # what a server worker does as it starts (archive/wsgi.py), before this process reads anything
    began = time.perf_counter()
    warm_up_search()
    gc.collect()
    gc.freeze()
    warm_up_seconds = time.perf_counter() - began
    totals = Article.objects.aggregate(articles=Count("pk"), characters=Sum(Length("headline") + Length("body")),
                                       raw_bytes=Sum(OctetLength("headline") + OctetLength("body")))
    # raw jieba's rate does not depend on the archive's size: a sample of up to 10,000 articles
    texts = list(Article.objects.order_by("pk").values_list("headline", "body")[:JIEBA_SAMPLE])
    sample_characters = sum(len(h) + len(b) for h, b in texts)
    jieba.initialize()
    started = time.perf_counter()
    for headline, body in texts:
        for _ in jieba.cut(headline + "\n" + body):
            pass
    jieba_seconds = time.perf_counter() - started
    index_dir = Path(os.environ["SEARCH_INDEX_DIR"])
    index_bytes = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file())

    queries = {}
    everything: list[float] = []
    for name, params in QUERY_MIX.items():
        form = SearchForm({k: str(v) for k, v in params.items()}, max_page_size=1000)
        assert form.is_valid(), form.errors
        began = time.perf_counter()
        search_articles(plan=form.plan(), page=form.page_number, page_size=20)  # warm
        first_ms = (time.perf_counter() - began) * 1000
        timings = []
        for _ in range(rounds):
            began = time.perf_counter()
            page = search_articles(plan=form.plan(), page=form.page_number, page_size=20)
            timings.append((time.perf_counter() - began) * 1000)
        everything += timings
        queries[name] = {"hits": page.total, "first_ms": round(first_ms, 1), "p50_ms": percentile(timings, 0.5),
                         "p95_ms": percentile(timings, 0.95), "p99_ms": percentile(timings, 0.99)}

    client = Client()
    issue = Issue.objects.select_related("newspaper").order_by("date")[Issue.objects.count() // 2]
    article = issue.articles.order_by("position").first()
    pages = {}
    for name, url in (("search page", "/search/?q=%E5%8F%91%E5%B1%95"),
                      ("issue page", issue.get_absolute_url()),
                      ("article page", article.get_absolute_url())):
        client.get(url)
        timings, count = [], 0
        for _ in range(rounds):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            count = len(captured)
        pages[name] = {"p50_ms": percentile(timings, 0.5), "p95_ms": percentile(timings, 0.95), "sql_queries": count}

    raw_bytes = totals["raw_bytes"]
    result = {
        "articles": totals["articles"], "issues": Issue.objects.count(), "characters": totals["characters"],
        "raw_text_bytes": raw_bytes, "index_bytes": index_bytes, "index_to_raw_text": round(index_bytes / raw_bytes, 2),
        "index_segments": len(list(index_dir.glob("*.seg"))),
        "raw_jieba": {"sample_articles": len(texts), "seconds": round(jieba_seconds, 2),
                      "characters_per_second": round(sample_characters / jieba_seconds)},
        "queries": queries,
        "query_mix": {"p50_ms": percentile(everything, 0.5), "p95_ms": percentile(everything, 0.95),
                      "p99_ms": percentile(everything, 0.99)},
        "pages": pages,
        "server_start": {"warm_up_seconds": round(warm_up_seconds, 2),
                         "first_search_ms": queries[next(iter(QUERY_MIX))]["first_ms"]},
        # what a server process holds once it has searched and rendered everything above (an
        # upper bound: this process also held the raw-jieba sample)
        "search_process_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        # the same process at the end, split: its own memory, and the index's pages mapped from
        # the file (the page cache, shared by every process that reads the index, given back
        # under memory pressure), which the peak above counts as well
        "search_process_memory": _memory_split(),
    }
    if stock:
        result["stock_index"] = {**build_stock(stock_budget_minutes * 60, totals["articles"]),
                                 "index_bytes": sum(f.stat().st_size for f in _stock_path().rglob("*") if f.is_file())}
    return result


STOCK_START = "stock build starts"


def _stock_path() -> Path:
    """The stock index, beside the size's own."""
    return Path(os.environ["SEARCH_INDEX_DIR"] + "-stock")


def stock_build() -> None:
    """Run in a child process: the stock setup's ``rebuild_index``, announcing each batch on stdout."""
    import django
    from django.conf import settings

    settings.HAYSTACK_CONNECTIONS["stock"] = {"ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
                                              "PATH": str(_stock_path())}
    django.setup()
    import jieba
    from django.core.management import call_command
    from haystack import connections

    from bench.stock_index import StockArticleIndex

    jieba.initialize()  # the probe had loaded it before the stock build: keep it out of the timing here too
    connections["stock"].get_unified_index().build(indexes=[StockArticleIndex()])
    print(STOCK_START, flush=True)
    # verbosity 2: haystack prints "  indexed <first> - <last> of <total>." as each batch of 1,000 begins
    call_command("rebuild_index", interactive=False, using=["stock"], verbosity=2)


def stock_progress(events: list[tuple[float, str]], *, total: int, finished: bool) -> dict:
    """Summarise the stock build from its output lines and the seconds (since it started) each arrived.

    A batch is done when the next one is announced, or when the build ends; a build stopped at its
    budget counts only the batches it finished, so its rate is what it reached, not a projection.
    """
    starts = []
    for seconds, line in events:
        words = line.split()
        if len(words) >= 6 and words[0] == "indexed" and words[2] == "-" and words[4] == "of":
            starts.append((seconds, int(words[1]) - 1))
    timeline = [[done, round(seconds, 2)] for seconds, done in starts if done > 0]
    end = events[-1][0] if events else 0.0
    if finished:
        timeline.append([total, round(end, 2)])
    articles, seconds = (timeline[-1][0], timeline[-1][1]) if timeline else (0, end)
    summary = {"finished": finished, "articles": articles, "seconds": round(seconds, 2),
               "articles_per_second": round(articles / seconds, 1) if seconds and articles else 0.0,
               "timeline": timeline}
    if len(timeline) >= 2:
        (a0, s0), (a1, s1) = timeline[max(0, len(timeline) - 6)], timeline[-1]
        if s1 > s0:
            summary["last_batches_articles_per_second"] = round((a1 - a0) / (s1 - s0), 1)
    return summary


def build_stock(budget_seconds: float, total: int) -> dict:
    """The stock build in a child process, stopped after ``budget_seconds`` (0: none) if still running."""
    with tempfile.TemporaryFile(mode="w+") as errors:
        child = subprocess.Popen([PY, "-u", __file__, "--stock-build"], cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=errors, text=True)
        events: list[tuple[float, str]] = []
        started: list[float] = []
        began = threading.Event()

        def read() -> None:
            for line in child.stdout:
                now = time.perf_counter()
                if line.strip() == STOCK_START:
                    started.append(now)
                    began.set()
                elif started:
                    events.append((now - started[0], line.strip()))
            began.set()  # the child ended, perhaps before it started
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        began.wait()
        try:
            # the budget runs from the build's start, not from Django's and jieba's start-up
            child.wait(timeout=budget_seconds or None)
            end = time.perf_counter()
            finished = child.returncode == 0
            if not finished:
                errors.seek(0)
                last = (errors.read().strip().splitlines() or ["no message"])[-1]
                raise RuntimeError(f"the stock rebuild_index failed (exit {child.returncode}): {last}")
        except subprocess.TimeoutExpired:
            end = time.perf_counter()
            child.kill()
            child.wait()
            finished = False
        reader.join()
    events.append((end - started[0], "end"))
    return {**stock_progress(events, total=total, finished=finished), "budget_seconds": budget_seconds}


def measure(size: int, rounds: int, stock: bool, work: Path, stock_budget_minutes: float = 0) -> dict:
    var = work / f"var-{size}"
    env = {**os.environ, "ARCHIVE_VAR_DIR": str(var), "SEARCH_INDEX_DIR": str(var / "whoosh"),
           "DJANGO_SETTINGS_MODULE": "archive.settings", "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1",
           "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    manage = [PY, "manage.py"]
    real_day = None
    try:
        run(manage + ["migrate", "-v", "0"], env)
        corpus = work / f"corpus-{size}"
        run(manage + ["generate_corpus", "--articles", str(size), "--seed", "1", "--out", str(corpus)], env)
        last_day = max(row.split(",")[2] for row in (corpus / "manifest.csv").read_text(encoding="utf-8").splitlines()[1:])
        ingest = run(manage + ["ingest", str(corpus), "-v", "0"], {**env, "SEARCH_INDEX_ON_COMMIT": "0"})
        shutil.rmtree(corpus, ignore_errors=True)
        index = run(manage + ["update_index", "-v", "0"], env)
        result = json.loads(subprocess.run(
            [PY, __file__, "--probe", "--rounds", str(rounds)]
            + (["--stock", "--stock-budget", str(stock_budget_minutes)] if stock else []),
            env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()[-1])
        next_day = (dt.date.fromisoformat(last_day) + dt.timedelta(days=1)).isoformat()
        extra = work / f"extra-{size}"
        run(manage + ["generate_corpus", "--issues", "1", "--seed", "2", "--start", next_day, "--out", str(extra)], env)
        incremental = run(manage + ["ingest", str(extra), "-v", "0"], env)  # indexed on commit, as in use
        real_day = real_day_folder(work / f"real-day-{size}")
        if real_day is not None:  # a real day of many pages, another newspaper, as a daily load is
            run(manage + ["newspapers", "add", "peoples-daily", "人民日报"], env)
            real_incremental = run(manage + ["ingest", str(real_day), "-v", "0"], env)
    finally:
        stop_database(var)
    articles = result["articles"]
    result["ingest"] = {**ingest, "issues_per_second": round(result["issues"] / ingest["seconds"], 1),
                        "articles_per_second": round(articles / ingest["seconds"], 1)}
    result["index"] = {**index, "articles_per_second": round(articles / index["seconds"], 1),
                       "characters_per_second": round(result["characters"] / index["seconds"])}
    result["ingest_plus_index_minutes"] = round((ingest["seconds"] + index["seconds"]) / 60, 2)
    result["one_more_issue_searchable_seconds"] = incremental["seconds"]
    if real_day is not None:
        result["one_real_day_searchable"] = {**real_incremental, "pages": REAL_DAY_PAGES, "day": REAL_DAY}
    if result.get("stock_index", {}).get("articles_per_second"):
        # a stock build stopped at its budget had been slowing as its index grew: the ratio is then a floor
        key = "ours_over_stock_rate" if result["stock_index"]["finished"] else "ours_over_stock_rate_at_least"
        result["index"][key] = round(
            result["index"]["articles_per_second"] / result["stock_index"]["articles_per_second"], 2)
    return result


def _record(out: Path, size: str, result: dict) -> None:
    """Add one size to the results file as soon as it is measured; sizes measured before stay."""
    try:
        report = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        report = {"benchmark": "scale", "sizes": {}}
    report["when"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    report["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    result["measured"] = report["when"]
    report["sizes"][size] = result
    report["sizes"] = dict(sorted(report["sizes"].items(), key=lambda item: int(item[0])))
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts (default 1000,10000)")
    parser.add_argument("--rounds", type=int, default=10, help="timed runs of each query and page (default 10)")
    parser.add_argument("--stock-up-to", type=int, default=10000,
                        help="also build the stock index for sizes up to this many articles (default 10000)")
    parser.add_argument("--stock-budget", type=float, default=0, metavar="MINUTES",
                        help="stop each stock build after this many minutes and report the rate it reached"
                             " (default 0: let it finish)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="build the archives in DIR/var-<size> and keep them (for bench/load_test.py --var)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scale.json",
                        help="the results file, to which each size is added (default bench/results/scale.json)")
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stock", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stock-build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stock_build:
        stock_build()
        return 0
    if args.probe:
        print(json.dumps(probe(args.rounds, args.stock, args.stock_budget)))
        return 0
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        parser.error("--sizes must be whole numbers separated by commas, e.g. 1000,10000")
    if any(s < 100 for s in sizes) or args.rounds < 1:
        parser.error("each size must be at least 100 and --rounds at least 1")
    if args.stock_budget < 0:
        parser.error("--stock-budget must be 0 (no limit) or a number of minutes")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        if any(args.keep.glob("var-*")):
            parser.error(f"--keep: {args.keep} already holds archives; name an empty folder")
    work = args.keep or Path(tempfile.mkdtemp(prefix="scale-bench-"))
    out = args.out
    try:
        for size in sizes:
            print(f"measuring {size} articles …", flush=True)
            result = measure(size, args.rounds, size <= args.stock_up_to, work, args.stock_budget)
            print(f"  ingest {result['ingest']['articles_per_second']} art/s, index {result['index']['articles_per_second']}"
                  f" art/s, index {result['index_to_raw_text']}× raw text, query mix p95 {result['query_mix']['p95_ms']}"
                  f" ms, one more issue {result['one_more_issue_searchable_seconds']} s"
                  + (f", a real day of {REAL_DAY_PAGES} pages {result['one_real_day_searchable']['seconds']} s"
                     if "one_real_day_searchable" in result else ""), flush=True)
            _record(out, str(size), result)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The index build alone, on real text, in one process: articles/s, and where the time goes.

    python bench/build_bench.py [--articles 3000] [--pages DIR ...] [--out FILE]

Segments real pages (the realpages months beside the repository, else the seeds) into
articles, writes them as one segment with the archive's own schema and writer (what each worker
of ``update_index`` does for its share), and times, over the same texts: the whole build (adding
the documents, then writing the segment), jieba's cut alone, and the archive's word cut alone
(``search.wordcut``). No database: the documents are made here as ``ArticleIndex`` would make
them (the text field: headline lines, then the body). ``--whoosh-loop`` builds the same segment
a second time through Whoosh's own ``add_document``, a posting at a time, and checks that the
two segments hold the same postings. Adds the result to bench/results/build.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def documents(pages: list[Path], count: int) -> list[dict]:
    """``count`` articles' documents from the pages' texts, repeated when the pages hold fewer."""
    from articles.segmentation import segment

    made: list[dict] = []
    for page in pages:
        for article in segment(page.read_text(encoding="utf-8")).articles:
            headline = "\n".join(line for line in (article.kicker, article.title, article.subheadline) if line)
            text = "\n".join(part for part in (headline, article.section or "", *article.bylines, article.body) if part)
            number = len(made)
            made.append({
                "id": f"articles.article.{number}", "django_ct": "articles.article", "django_id": str(number),
                "digest": "-", "text": text, "grams": text, "headline": headline, "headline_grams": headline,
                "bylines": "\n".join(article.bylines), "section_text": article.section or "",
                "section": article.section or "", "contributors": ",".join(article.bylines), "kind": article.kind,
                "newspaper": "bench", "year": "2020", "month": "2020-01", "month_of_year": "1", "day": 20200101,
                "position": article.position, "updated": "-",
            })
    if not made:
        raise SystemExit("no articles in the pages given")
    return [dict(made[i % len(made)], id=f"articles.article.{i}", django_id=str(i)) for i in range(count)]


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    django.setup()  # before the engine's modules, which import haystack (no database is opened)


def schema():
    from haystack import connections

    backend = connections["default"].get_backend()
    return backend.build_schema(connections["default"].get_unified_index().all_searchfields())[1]


def build(folder: Path, docs: list[dict], *, whoosh_loop: bool = False) -> dict:
    from whoosh import index as whoosh_index
    from whoosh.writing import SegmentWriter

    from search.engine import backend
    from search.engine.codec import ArchiveCodec
    from search.engine.pool import TermPool

    ix = whoosh_index.create_in(str(folder), schema())
    if whoosh_loop:
        writer = SegmentWriter(ix, codec=ArchiveCodec())
        writer.pool = TermPool()
    else:
        writer = backend._open_writer(ix, lock=True)
    started, cpu = time.perf_counter(), time.process_time()
    for document in docs:
        writer.add_document(**document)
    added = time.perf_counter()
    writer.commit(merge=False)
    ended = time.perf_counter()
    return {"seconds": round(ended - started, 2), "add_seconds": round(added - started, 2),
            "write_seconds": round(ended - added, 2), "cpu_seconds": round(time.process_time() - cpu, 2),
            "articles_per_second": round(len(docs) / (ended - started), 1)}


def postings(folder: Path) -> list:
    from whoosh import index as whoosh_index

    found = []
    with whoosh_index.open_dir(str(folder)).reader() as reader:
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            while matcher.is_active():
                found.append((fieldname, text, matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
    return found


def cut_seconds(docs: list[dict]) -> dict:
    import jieba

    from search import analysis, wordcut

    jieba.dt.check_initialized()
    texts = [analysis.normalise(d["text"]) for d in docs]
    timings = {}
    for name, cut in (("jieba", lambda t: jieba.cut(t, HMM=True)), ("wordcut", wordcut.cut)):
        started = time.process_time()
        for text in texts:
            for _ in cut(text):
                pass
        timings[name] = round(time.process_time() - started, 2)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=3000, help="articles in the segment (default 3000)")
    parser.add_argument("--pages", type=Path, nargs="*", help="folders of page files (default: the realpages "
                        "months beside the repository, else seeds/)")
    parser.add_argument("--whoosh-loop", action="store_true",
                        help="also build through Whoosh's add_document and compare the postings")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "build.json")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    setup_django()
    folders = args.pages or ([folder for folder in sorted((SHARED / "realpages").glob("*/pages"))]
                             or [ROOT / "seeds"])
    pages = sorted(page for folder in folders for page in folder.glob("*.txt"))
    docs = documents(pages, args.articles)
    from search import analysis

    analysis.warm_up()
    result = {"articles": len(docs), "characters": sum(len(d["text"]) for d in docs),
              "pages": [str(f) for f in folders]}
    with tempfile.TemporaryDirectory() as work:
        ours = Path(work) / "ours"
        ours.mkdir()
        result["build"] = build(ours, docs)
        if args.whoosh_loop:
            loop = Path(work) / "loop"
            loop.mkdir()
            result["whoosh_loop"] = build(loop, docs, whoosh_loop=True)
            result["same_postings"] = postings(ours) == postings(loop)
    result["cut_cpu_seconds"] = cut_seconds(docs)
    result["build_to_jieba"] = round(result["build"]["cpu_seconds"] / result["cut_cpu_seconds"]["jieba"], 2)
    result["measured"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    result["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    build_ = result["build"]
    print(f"{len(docs)} articles: {build_['articles_per_second']} articles/s in one process "
          f"({build_['add_seconds']} s adding, {build_['write_seconds']} s writing); jieba alone "
          f"{result['cut_cpu_seconds']['jieba']} s, wordcut {result['cut_cpu_seconds']['wordcut']} s; the build is "
          f"{result['build_to_jieba']}x jieba's time"
          + (f"; Whoosh's loop {result['whoosh_loop']['articles_per_second']} articles/s, same postings: "
             f"{result['same_postings']}" if args.whoosh_loop else ""))
    runs = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else []
    runs.append(result)
    args.out.write_text(json.dumps(runs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

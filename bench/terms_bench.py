"""The term dictionary against Whoosh's hash table, on the same rows of a real index.

    python bench/terms_bench.py [INDEX_DIR] [--lookups 20000] [--out FILE]

Takes the rows of the index's largest segment (its terms and their statistics), writes them
once as our dictionary (search/engine/terms.py) and once as Whoosh's ordered hash table, and
measures each file's size, a look-up of terms that are there and of terms that are not, and a
walk over every row in order (what a merge does). Best of three for each timing. Adds the
result to bench/results/terms.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _best(function, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def measure(index_dir: Path, *, lookups: int) -> dict:
    sys.path.insert(0, str(ROOT))  # the index's pickled schema names our analysers
    from whoosh import index
    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.filetables import OrderedHashReader, OrderedHashWriter

    from search.engine.terms import TermDictionaryReader, TermDictionaryWriter

    ix = index.open_dir(str(index_dir), indexname="MAIN")
    with ix.reader() as reader:
        leaf = max((leaf for leaf, _ in reader.leaf_readers()), key=lambda r: r.doc_count_all())
        table = leaf._terms._tindex
        rows = list(table.items())
        extras = dict(table.extras)
        documents = leaf.doc_count_all()
    random.seed(13)
    present = [key for key, _ in random.sample(rows, min(lookups, len(rows)))]
    absent = [key + "\u4e00".encode() for key in present[: len(present) // 4]]
    result = {"segment_documents": documents, "terms": len(rows), "lookups": len(present) + len(absent)}
    with tempfile.TemporaryDirectory() as scratch:
        storage = FileStorage(scratch)
        writers = {"ours": lambda f: TermDictionaryWriter(f, extras=dict(extras)), "whoosh": OrderedHashWriter}
        readers = {"ours": TermDictionaryReader, "whoosh": OrderedHashReader}
        for name, make in writers.items():
            def write(name=name, make=make):
                writer = make(storage.create_file(name))
                writer.extras.update(extras)
                for key, value in rows:
                    writer.add(key, value)
                writer.close()
            writing = _best(write, repeat=1)
            size = storage.file_length(name)
            opened = readers[name](storage.open_file(name), size)
            assert all(opened.get(key) == value for key, value in rows[:: max(1, len(rows) // 1000)])
            look = _best(lambda: [opened.get(key) for key in present])
            miss = _best(lambda: [opened.get(key) for key in absent])
            walk = _best(lambda: sum(1 for _ in opened.items()))
            result[name] = {
                "bytes": size, "bytes_per_term": round(size / len(rows), 1),
                "write_us_per_term": round(writing / len(rows) * 1e6, 2),
                "lookup_us": round(look / len(present) * 1e6, 2),
                "missing_lookup_us": round(miss / max(1, len(absent)) * 1e6, 2),
                "walk_us_per_term": round(walk / len(rows) * 1e6, 2),
            }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("SEARCH_INDEX_DIR", str(ROOT / "var" / "whoosh"))
    parser.add_argument("index", nargs="?", type=Path, default=Path(default))
    parser.add_argument("--lookups", type=int, default=20000, help="terms looked up (default 20000)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "terms.json")
    args = parser.parse_args()
    if not list(args.index.glob("_MAIN_*.toc")):
        parser.error(f"no search index in {args.index}")
    result = measure(args.index, lookups=args.lookups)
    for name in ("ours", "whoosh"):
        row = result[name]
        print(f"{name:7} {row['bytes'] / 1e6:7.2f} MB  {row['bytes_per_term']:5.1f} B/term  "
              f"write {row['write_us_per_term']:5.2f} us  look-up {row['lookup_us']:5.2f} us "
              f"(missing {row['missing_lookup_us']:5.2f})  walk {row['walk_us_per_term']:5.2f} us/term")
    print(f"{result['terms']:,} terms of a {result['segment_documents']:,}-document segment")
    runs = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else []
    runs.append({"when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                 "machine": f"{platform.machine()}, {os.cpu_count()} cores", "index": str(args.index), **result})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(runs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"added to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

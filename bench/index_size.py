"""Where an index's bytes go: its files, and the postings of each field with its number of terms.

    python bench/index_size.py [INDEX_DIR]     (default: SEARCH_INDEX_DIR or var/whoosh)

Beside the postings: each segment's term dictionary (search/engine/terms.py; Whoosh's hash table
in a segment written before it), and the rest (the per-document columns and the stored ids).
docs/performance.md reads it for the index-size figures.
"""
from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def breakdown(path: Path) -> dict:
    sys.path.insert(0, str(ROOT))  # the index's pickled schema names our analysers
    from whoosh import index

    postings: collections.Counter = collections.Counter()
    terms: collections.Counter = collections.Counter()
    dictionaries = 0
    ix = index.open_dir(str(path), indexname="MAIN")
    with ix.reader() as reader:
        segments = reader.leaf_readers()
        for leaf, _ in segments:
            files = leaf._storage
            dictionaries += sum(files.file_length(name) for name in files.list() if name.endswith(".trm"))
            for fieldname in leaf.indexed_field_names():
                for text in leaf.lexicon(fieldname):
                    info = leaf.term_info(fieldname, text)
                    terms[fieldname] += 1
                    if not info.is_inlined():
                        length = info.extent()[1]
                        postings[fieldname] += length[0] if isinstance(length, tuple) else length
    files = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    return {"files_bytes": files, "postings_bytes": sum(postings.values()), "terms_bytes": dictionaries,
            "segments": len(segments),
            "fields": {name: {"postings_bytes": postings[name], "terms": terms[name]}
                       for name in sorted(terms, key=lambda n: -postings[n])}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("SEARCH_INDEX_DIR", str(ROOT / "var" / "whoosh"))
    parser.add_argument("index", nargs="?", type=Path, default=Path(default))
    args = parser.parse_args()
    if not (args.index / "_MAIN_1.toc").exists() and not list(args.index.glob("_MAIN_*.toc")):
        parser.error(f"no search index in {args.index}")
    result = breakdown(args.index)
    print(f"{args.index}: {result['files_bytes'] / 1e6:.1f} MB in {result['segments']} segment(s), "
          f"of which postings {result['postings_bytes'] / 1e6:.1f} MB and term dictionaries "
          f"{result['terms_bytes'] / 1e6:.1f} MB")
    for name, field in result["fields"].items():
        print(f"  {name:16} {field['postings_bytes'] / 1e6:8.2f} MB  {field['terms']:>9,} terms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

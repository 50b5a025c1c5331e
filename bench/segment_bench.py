"""Segmentation throughput on the seed issues: characters/s and articles/s of the pure segmenter.

    python bench/segment_bench.py [--rounds N]

Writes bench/results/segment.json and prints a one-line summary. No database is involved.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.segmentation import segment


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="passes over the seed issues (default 20)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    chars = sum(len(t) for t in texts)
    timings, articles = [], 0
    for _ in range(args.rounds):
        start = time.perf_counter()
        articles = sum(len(segment(t, issue_date=dt.date(2022, 1, 1)).articles) for t in texts)
        timings.append(time.perf_counter() - start)
    median = statistics.median(timings)
    result = {
        "benchmark": "segment",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "issues": len(texts),
        "characters": chars,
        "articles": articles,
        "rounds": args.rounds,
        "median_seconds_per_pass": round(median, 5),
        "characters_per_second": round(chars / median),
        "articles_per_second": round(articles / median),
        "issues_per_second": round(len(texts) / median, 1),
    }
    out = ROOT / "bench" / "results" / "segment.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"segment: {result['issues_per_second']} issues/s, {result['articles_per_second']} articles/s, "
          f"{result['characters_per_second']:,} chars/s (median of {args.rounds} passes) -> {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

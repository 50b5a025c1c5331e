"""A daily load into an existing archive: one real day's pages, ingested day after day.

    python bench/day_bench.py --var DIR [--days 10] [--out FILE]

DIR is an archive folder as ``scale_bench.py --keep`` leaves it (``var-SIZE``, with its embedded
database and ``whoosh`` index). Each run ingests the same 19 pages of 人民日报 of 2020-01-21
(``../shared/realpages``, 116 articles) under a new date, the day after the newspaper's last
issue, with the defaults a daily job would use (indexing on), and times the command until it
returns: the day is searchable by then. Every tenth run or so also merges a tier of day
segments after its commit (``backend.merge_tiers``); the index's segment count before and after
each run says which did. Adds the archive's results to bench/results/day.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scale_bench import REAL_DAY, REAL_DAY_PAGES, real_day_folder, run, stop_database  # noqa: E402

PY = sys.executable
NEWSPAPER, NEWSPAPER_NAME = "peoples-daily", "人民日报"


def _environment(var: Path) -> dict:
    env = {**os.environ, "ARCHIVE_VAR_DIR": str(var), "SEARCH_INDEX_DIR": str(var / "whoosh"),
           "DJANGO_SETTINGS_MODULE": "archive.settings", "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    return env


def _manage(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "manage.py", *args], env=env, cwd=ROOT, capture_output=True, text=True)


def _archive_state(env: dict) -> tuple[int, dt.date]:
    """The archive's article count and the newspaper's last issue date (the real day's if none)."""
    shown = _manage(["shell", "-c", (
        "from articles.models import Article, Issue\n"
        f"last = Issue.objects.filter(newspaper__slug={NEWSPAPER!r}).order_by('-date').values_list('date', flat=True).first()\n"
        f"print(Article.objects.count(), last or {REAL_DAY!r})")], env)
    if shown.returncode:
        raise SystemExit(f"cannot read the archive: {shown.stderr.strip().splitlines()[-1:]}")
    count, last = shown.stdout.split()[-2:]
    return int(count), dt.date.fromisoformat(str(last))


def _segments(var: Path) -> int:
    return len(list((var / "whoosh").glob("*.seg")))


def _day_folder(template: Path, folder: Path, date: dt.date) -> Path:
    """The real day's pages with their manifest rows moved to ``date``."""
    folder.mkdir(parents=True)
    lines = (template / "manifest.csv").read_text(encoding="utf-8").splitlines()
    rows = [lines[0]]
    for line in lines[1:]:
        name, paper, _, page = line.split(",")
        (folder / name).write_bytes((template / name).read_bytes())
        rows.append(",".join((name, paper, date.isoformat(), page)))
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def measure(var: Path, days: int) -> dict:
    env = _environment(var)
    with tempfile.TemporaryDirectory(prefix="day-bench-") as work:
        template = real_day_folder(Path(work) / "template")
        if template is None:
            raise SystemExit("../shared/realpages is missing: the real day's pages come from there")
        try:
            _manage(["newspapers", "add", NEWSPAPER, NEWSPAPER_NAME], env)  # refused if it is there: fine
            articles, last = _archive_state(env)  # also starts the embedded database, untimed
            runs = []
            for number in range(1, days + 1):
                date = last + dt.timedelta(days=number)
                folder = _day_folder(template, Path(work) / date.isoformat(), date)
                before = _segments(var)
                measured = run([PY, "manage.py", "ingest", str(folder), "-v", "0"], env)
                runs.append({"date": date.isoformat(), **measured, "segments_before": before,
                             "segments_after": _segments(var)})
                print(f"  {date}: {measured['seconds']} s, segments {before} -> {runs[-1]['segments_after']}",
                      flush=True)
        finally:
            stop_database(var)
    # a run that merged ends with fewer segments than it began with plus its own new one
    merged = [r for r in runs if r["segments_after"] <= r["segments_before"]]
    plain = [r["seconds"] for r in runs if r not in merged]
    return {"archive_articles": articles, "day": REAL_DAY, "pages": REAL_DAY_PAGES, "runs": runs,
            "seconds_without_merge": {"min": min(plain), "max": max(plain)} if plain else None,
            "seconds_with_merge": [r["seconds"] for r in merged]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var", type=Path, required=True, help="an archive folder kept by scale_bench.py --keep")
    parser.add_argument("--days", type=int, default=10, help="days ingested one after another (default 10)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "day.json")
    args = parser.parse_args()
    if not (args.var / "whoosh").is_dir():
        parser.error(f"--var: {args.var} holds no whoosh index (make one with scale_bench.py --keep)")
    if args.days < 1:
        parser.error("--days: at least 1")
    result = measure(args.var.resolve(), args.days)
    results = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {
        "benchmark": "day", "machine": {"cpus": os.cpu_count(), "platform": platform.platform()}, "archives": {}}
    result["when"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    results["archives"][str(result["archive_articles"])] = result
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{result['archive_articles']} articles: without a merge {result['seconds_without_merge']} s, "
          f"with {result['seconds_with_merge']} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

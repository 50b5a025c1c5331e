"""The log-log plot of bench/results/scale.json: how each cost grows with the archive.

    python bench/plot_scale.py [--out docs/scale-loglog.svg] [--markdown]

Each measure is drawn in its own unit on one pair of logarithmic axes; a line parallel to the
dotted "linear" guide grows in proportion to the archive, a flat line does not grow at all.
Plain SVG, no plotting library.
"""
from __future__ import annotations

import argparse
import json
import math
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SERIES = [  # (label, unit, colour, how to read it from one size's result)
    ("ingest", "s", "#1b6ca8", lambda r: r["ingest"]["seconds"]),
    ("index build", "s", "#c0392b", lambda r: r["index"]["seconds"]),
    ("index size", "MB", "#7d3c98", lambda r: r["index_bytes"] / 1e6),
    ("query mix p95", "ms", "#d35400", lambda r: r["query_mix"]["p95_ms"]),
    ("search page p95", "ms", "#16a085", lambda r: r["pages"]["search page"]["p95_ms"]),
    ("issue page p95", "ms", "#7f8c8d", lambda r: r["pages"]["issue page"]["p95_ms"]),
    ("article page p95", "ms", "#2c3e50", lambda r: r["pages"]["article page"]["p95_ms"]),
    ("one more issue", "s", "#27ae60", lambda r: r["one_more_issue_searchable_seconds"]),
]
WIDTH, HEIGHT = 760, 480
LEFT, RIGHT, TOP, BOTTOM = 70, 210, 40, 60


def plot(results: dict) -> str:
    sizes = sorted(results, key=lambda s: results[s]["articles"])
    xs = [results[s]["articles"] for s in sizes]
    lines = [(label, unit, colour, [(x, read(results[s])) for x, s in zip(xs, sizes, strict=True)])
             for label, unit, colour, read in SERIES]
    # a guide of slope 1 through the first index build point: proportional growth
    first = lines[1][3][0]
    guide_end = (xs[-1], first[1] * xs[-1] / first[0])
    values = [v for *_, points in lines for _, v in points if v > 0] + [guide_end[1]]
    x_lo, x_hi = math.floor(math.log10(min(xs))), math.log10(max(xs)) + 0.05
    y_lo, y_hi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + (math.log10(x) - x_lo) / (x_hi - x_lo) * plot_w

    def py(y: float) -> float:
        return TOP + plot_h - (math.log10(y) - y_lo) / max(1, y_hi - y_lo) * plot_h

    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            'aria-labelledby="title desc" font-family="sans-serif" font-size="12">'),
           '<title id="title">How the archive\'s costs grow with its size (log-log)</title>',
           ('<desc id="desc">Ingest, index build, index size, query and page times against the number of '
            'articles, each in its own unit, on logarithmic axes.</desc>'),
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>']
    for decade in range(x_lo, math.floor(x_hi) + 1):
        x = px(10 ** decade)
        out.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">{10 ** decade:,}</text>')
    for decade in range(y_lo, y_hi + 1):
        y = py(10 ** decade)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{10 ** decade:g}</text>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 18}" text-anchor="middle">articles in the archive</text>')
    out.append(f'<text x="18" y="{TOP + plot_h / 2}" text-anchor="middle" '
               f'transform="rotate(-90 18 {TOP + plot_h / 2})">seconds, milliseconds or megabytes (see legend)</text>')
    out.append(f'<line x1="{px(first[0]):.1f}" y1="{py(first[1]):.1f}" x2="{px(guide_end[0]):.1f}" '
               f'y2="{py(guide_end[1]):.1f}" stroke="#999" stroke-dasharray="3 4"/>')
    for number, (label, unit, colour, points) in enumerate(lines):
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points if y > 0)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in points:
            if y > 0:
                out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}">'
                           f'<title>{escape(label)}: {y:,.3g} {unit} at {x:,} articles</title></circle>')
        legend_y = TOP + 10 + number * 20
        out.append(f'<line x1="{WIDTH - RIGHT + 16}" y1="{legend_y}" x2="{WIDTH - RIGHT + 36}" y2="{legend_y}" '
                   f'stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{WIDTH - RIGHT + 42}" y="{legend_y + 4}">{escape(label)} ({unit})</text>')
    legend_y = TOP + 10 + len(lines) * 20
    out.append(f'<line x1="{WIDTH - RIGHT + 16}" y1="{legend_y}" x2="{WIDTH - RIGHT + 36}" y2="{legend_y}" '
               'stroke="#999" stroke-dasharray="3 4"/>')
    out.append(f'<text x="{WIDTH - RIGHT + 42}" y="{legend_y + 4}">linear growth</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _stock_cell(r: dict) -> str:
    if "stock_index" not in r:
        return "not run"
    stock = r["stock_index"]
    if stock.get("finished", True):
        return f"{stock['articles_per_second']:.1f} articles/s, {stock['index_bytes'] / 1e6:.0f} MB"
    # stopped at its budget: what it reached, and how fast it was going by then
    return (f"stopped after {stock['seconds'] / 60:.0f} min at {stock['articles']:,} of {r['articles']:,}: "
            f"{stock['articles_per_second']:.1f} articles/s so far, "
            f"{stock.get('last_batches_articles_per_second', 0):.1f} in its last batches")


def markdown(results: dict) -> str:
    """The growth table and each size's query mix, for docs/performance.md."""
    sizes = sorted(results, key=lambda s: results[s]["articles"])
    rs = [results[s] for s in sizes]

    def row(label: str, cell) -> str:
        return f"| {label} | " + " | ".join(cell(r) for r in rs) + " |"

    lines = ["| | " + " | ".join(f"{r['articles']:,} articles" for r in rs) + " |",
             "|---|" + "---|" * len(rs)]
    lines += [
        row("text", lambda r: f"{r['characters'] / 1e6:.1f} M characters, {r['raw_text_bytes'] / 1e6:.0f} MB UTF-8"),
        row("ingest (segment + store)", lambda r: f"{r['ingest']['seconds']:.0f} s · {r['ingest']['issues_per_second']:.0f}"
            f" issues/s · {r['ingest']['articles_per_second']:.0f} articles/s · peak {r['ingest']['peak_mb']:.0f} MB"),
        row("index build (`update_index`, 2 workers)", lambda r: f"{r['index']['seconds']:.0f} s · "
            f"{r['index']['articles_per_second']:.0f} articles/s · {r['index']['characters_per_second'] / 1e3:.0f} k chars/s"),
        row("index build peak memory: largest process / all", lambda r: f"{r['index']['peak_mb']:.0f} / "
            f"{r['index']['peak_all_processes_mb']:.0f} MB"),
        row("search process peak memory (warm-up, query mix, pages)", lambda r: f"{r['search_process_peak_mb']:.0f} MB"
            if "search_process_peak_mb" in r else "–"),
        row("raw jieba, one core (the floor per core)", lambda r: f"{r['raw_jieba']['characters_per_second'] / 1e3:.0f} k chars/s"),
        row("stock `rebuild_index`", _stock_cell),
        row("ours / stock build rate", lambda r: f"**{r['index']['ours_over_stock_rate']}×**"
            if "ours_over_stock_rate" in r["index"] else f"**≥ {r['index']['ours_over_stock_rate_at_least']}×**"
            if "ours_over_stock_rate_at_least" in r["index"] else "–"),
        row("index size / raw text", lambda r: f"{r['index_bytes'] / 1e6:.0f} MB = **{r['index_to_raw_text']}×** "
            f"({r['index_segments']} segments)"),
        row("ingest + index", lambda r: f"**{r['ingest_plus_index_minutes']:.1f} min**"),
        row("query mix p50 / p95 / p99", lambda r: f"{r['query_mix']['p50_ms']:.0f} / **{r['query_mix']['p95_ms']:.0f}**"
            f" / {r['query_mix']['p99_ms']:.0f} ms"),
        row("slowest query p95", lambda r: "{:.0f} ms ({})".format(*max(
            (q["p95_ms"], name) for name, q in r["queries"].items()))),
    ]
    for page in ("search page", "issue page", "article page"):
        lines.append(row(f"{page} p50 / p95, SQL queries", lambda r, p=page: f"{r['pages'][p]['p50_ms']:.0f} / "
                         f"{r['pages'][p]['p95_ms']:.0f} ms, {r['pages'][p]['sql_queries']}"))
    lines.append(row("one more issue ingested and searchable", lambda r: f"{r['one_more_issue_searchable_seconds']:.1f} s"))
    lines += ["", "| query (p50 / p95 ms, hits) | " + " | ".join(f"{r['articles']:,}" for r in rs) + " |",
              "|---|" + "---|" * len(rs)]
    for name in rs[-1]["queries"]:
        lines.append(f"| {name} | " + " | ".join(
            f"{r['queries'][name]['p50_ms']:.0f} / {r['queries'][name]['p95_ms']:.0f} ({r['queries'][name]['hits']:,})"
            for r in rs) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results" / "scale.json")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "scale-loglog.svg")
    parser.add_argument("--markdown", action="store_true", help="also print the tables for docs/performance.md")
    args = parser.parse_args()
    try:
        results = json.loads(args.results.read_text(encoding="utf-8"))["sizes"]
    except (OSError, ValueError, KeyError) as exc:
        parser.error(f"--results: cannot read {args.results}: {exc}")
    if len(results) < 2:
        parser.error(f"--results: {args.results} has {len(results)} size(s); a plot needs at least two")
    args.out.write_text(plot(results), encoding="utf-8")
    print(f"written to {args.out}")
    if args.markdown:
        print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

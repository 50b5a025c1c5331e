"""The term chart: hits per period for up to four terms, as numbers an inline SVG draws.

Pure computation (no templates, no index): the view gives each series' counts per month, the
totals per month when the chart shows shares, and a function that makes a period's link; this
module picks the periods (months, or years past three years), the y-axis scale and its ticks,
which periods are labelled, and every bar's geometry.
"""
from __future__ import annotations

import math
from collections.abc import Callable

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 12, 40
MAX_MONTH_PERIODS = 36
MAX_LABELS = 12
SERIES_CLASSES = ("s0", "s1", "s2", "s3")


def _month_key(key: str) -> tuple[int, int]:
    year, month = key.split("-")
    return int(year), int(month)


def periods_for(months: list[str]) -> tuple[str, list[str]]:
    """("月", ["2021-10", …]) every month from the first to the last, or ("年", ["2015", …]) past
    three years."""
    (y0, m0), (y1, m1) = _month_key(min(months)), _month_key(max(months))
    span = (y1 - y0) * 12 + (m1 - m0) + 1
    if span > MAX_MONTH_PERIODS:
        return "年", [str(year) for year in range(y0, y1 + 1)]
    keys, year, month = [], y0, m0
    for _ in range(span):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return "月", keys


def by_period(counts: list[tuple[str, int]], unit: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for key, count in counts:
        period = key[:4] if unit == "年" else key
        totals[period] = totals.get(period, 0) + count
    return totals


def nice_ticks(peak: float, *, most: int = 5) -> list[float]:
    """0 and round steps (1, 2 or 5 × 10ⁿ) up to at least ``peak``, at most ``most`` + 1 ticks."""
    if peak <= 0:
        return [0, 1]
    raw = peak / most
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if peak < most and float(step) < 1 and peak == int(peak):
        step = 1  # counts are whole numbers
    ticks, value = [0.0], 0.0
    while value < peak - 1e-9:
        value = round(value + step, 10)
        ticks.append(value)
    return ticks


def format_value(value: float, mode: str) -> str:
    if mode == "share":
        return f"{value:.2f}%" if value < 10 else f"{value:.1f}%"
    return str(int(round(value)))


def build(series: list[tuple[str, list[tuple[str, int]]]], *, mode: str = "count",
          totals: list[tuple[str, int]] | None = None,
          link: Callable[[int, str, str], str] | None = None) -> dict | None:
    """The chart of ``series`` [(term, [(YYYY-MM, hits), …]), …]: with ``mode="share"`` each value is
    the percentage of all articles of its period (``totals``, the same months for no query).
    ``link(series_index, unit, period)`` gives a bar's link. None when no series has a hit."""
    months = [key for _, counts in series for key, count in counts if count]
    if not months:
        return None
    unit, periods = periods_for(months)
    totals_by_period = by_period(totals or [], unit)
    share = mode == "share" and bool(totals)
    values: list[list[float]] = []
    for _, counts in series:
        counted = by_period(counts, unit)
        if share:
            values.append([100.0 * counted.get(p, 0) / totals_by_period[p] if totals_by_period.get(p) else 0.0
                           for p in periods])
        else:
            values.append([float(counted.get(p, 0)) for p in periods])
    peak = max(max(row) for row in values)
    ticks = nice_ticks(peak)
    top_value = ticks[-1] or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group = plot_w / len(periods)
    bar_w = group * 0.8 / len(series)
    label_every = max(1, math.ceil(len(periods) / MAX_LABELS))
    mode = "share" if share else "count"
    groups = []
    for index, period in enumerate(periods):
        bars = []
        for number, (term, _) in enumerate(series):
            value = values[number][index]
            height = round(plot_h * value / top_value, 1)
            x = LEFT + index * group + group * 0.1 + number * bar_w
            bars.append({
                "term": term, "series": number, "css": SERIES_CLASSES[number], "value": value,
                "text": format_value(value, mode), "url": link(number, unit, period) if link else "",
                "x": round(x, 1), "width": round(max(bar_w - 0.5, 0.5), 1),
                "y": round(TOP + plot_h - height, 1), "height": height,
            })
        groups.append({
            "period": period, "bars": bars, "labelled": index % label_every == 0,
            "label_x": round(LEFT + index * group + group / 2, 1),
        })
    tick_marks = [{"value": t, "text": format_value(t, mode), "y": round(TOP + plot_h - plot_h * t / top_value, 1)}
                  for t in ticks]
    return {
        "unit": unit, "mode": mode, "groups": groups, "ticks": tick_marks,
        "series": [{"term": term, "css": SERIES_CLASSES[n], "total": sum(count for _, count in counts)}
                   for n, (term, counts) in enumerate(series)],
        "peak_text": format_value(peak, mode), "first": periods[0], "last": periods[-1],
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "top": TOP,
        "baseline": TOP + plot_h, "label_y": TOP + plot_h + 16, "axis_title_y": TOP + plot_h + 32,
        "rows": [{"period": g["period"], "cells": [b["text"] for b in g["bars"]]} for g in groups],
    }

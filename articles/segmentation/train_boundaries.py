"""Train the headline-or-intertitle model (``boundary_model.json``) on gold-split pages.

    python -m articles.segmentation.train_boundaries FOLDER:GOLD.json[:WEIGHT] [...] [--out PATH]

Each FOLDER holds page files and its ``manifest.csv`` (``file,issue_date``); GOLD.json is the gold
split of those pages in the format of ``shared/gold/README.md``. The segmenter walks every page;
wherever it must decide whether a run of short lines heads a new article, the gold split answers
(a gold article starts right after the run) and the cues of ``boundaries.features`` are kept.
A logistic regression with a little L2 weight decay is fitted to them; WEIGHT (default 1) counts
each decision of a set that many times, so that a small set of another paper's pages is not drowned
by large ones. The text of the pages is not stored, only the weights.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import re
import sys
import unicodedata
from pathlib import Path

import numpy as np

from .boundaries import FEATURES, MODEL_PATH, RunContext
from .segmenter import _Segmenter, _Unit, is_lead


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def decisions(folder: Path, gold_path: Path) -> tuple[list[list[float]], list[int]]:
    from .boundaries import features

    gold = {g["file"]: g for g in json.loads(gold_path.read_text(encoding="utf-8"))["issues"]}
    with (folder / "manifest.csv").open(encoding="utf-8", newline="") as f:
        manifest = {row["file"]: dt.date.fromisoformat(row["issue_date"]) for row in csv.DictReader(f)}
    xs: list[list[float]] = []
    ys: list[int] = []
    for name, issue in gold.items():
        starts = [_norm(a["body_start_snippet"]) for a in issue["articles"]]

        def decide(ctx: RunContext, unit: _Unit, starts: list[str] = starts) -> bool:
            # A story starts here when its text opens in the paragraph after the run, on a line of
            # the run below its headline (a deck under a column's headline, a digest's first item),
            # or in a dateline lead just after a deck paragraph (李克强主持召开国务院常务会议 /
            # 确定促进…的措施 / 新华社北京…电): the gold split starts those at the lead.
            texts = [_norm(t) for t in (ctx.following, *ctx.shorts[1:])]
            units = segmenter.units
            at = next((i for i in range(unit.index, min(len(units), unit.index + 8))
                       if units[i].text == ctx.following), None)
            if at is not None:
                texts += [_norm(u.text[:60]) for u in units[at + 1: at + 3] if is_lead(u.text)]
            answer = any(s and any(s in t for t in texts) for s in starts)
            xs.append(features(ctx))
            ys.append(int(answer))
            return answer

        text = (folder / name).read_text(encoding="utf-8")
        segmenter = _Segmenter(text, manifest.get(name), decide=decide)
        segmenter.run()
    return xs, ys


def fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None, *, l2: float = 1e-3, steps: int = 3000,
        rate: float = 0.5) -> tuple[np.ndarray, float]:
    """Logistic regression by full-batch gradient descent: a few thousand rows, a score of features."""
    w = np.zeros(x.shape[1])
    b = 0.0
    sw = np.ones(len(y)) if weight is None else weight
    total = sw.sum()
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        g = (p - y) * sw
        w -= rate * (x.T @ g / total + l2 * w)
        b -= rate * g.sum() / total
    return w, b


def fit_hidden(x: np.ndarray, y: np.ndarray, weight: np.ndarray, units: int, *, l2: float = 3e-3, steps: int = 4000,
               rate: float = 0.3, seed: int = 0) -> dict:
    """One layer of tanh units over standardised features, a logistic output; full-batch gradient
    descent from a fixed random start, so the same pages give the same model."""
    rng = np.random.default_rng(seed)
    mean, scale = x.mean(0), x.std(0) + 1e-6
    xn = (x - mean) / scale
    w1 = rng.normal(0.0, 0.3, (x.shape[1], units))
    b1 = np.zeros(units)
    w2 = rng.normal(0.0, 0.3, units)
    b2 = 0.0
    sw = weight / weight.sum()
    for _ in range(steps):
        a = np.tanh(xn @ w1 + b1)
        p = 1.0 / (1.0 + np.exp(-(a @ w2 + b2)))
        g = (p - y) * sw
        ga = np.outer(g, w2) * (1 - a * a)
        w2 -= rate * (a.T @ g + l2 * w2)
        b2 -= rate * g.sum()
        w1 -= rate * (xn.T @ ga + l2 * w1)
        b1 -= rate * ga.sum(0)
    return {"mean": [round(float(v), 6) for v in mean], "scale": [round(float(v), 6) for v in scale],
            "weights": [[round(float(w), 5) for w in row] for row in w1.T], "bias": [round(float(v), 5) for v in b1],
            "output_weights": [round(float(v), 5) for v in w2], "output_bias": round(float(b2), 5)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", help="FOLDER:GOLD.json pairs")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--hidden", type=int, default=12, help="tanh units of the hidden layer (0: logistic regression)")
    parser.add_argument("--ensemble", type=int, default=5, help="networks averaged (each --hidden units)")
    parser.add_argument("--l2", type=float, default=3e-3, help="weight decay of the networks")
    args = parser.parse_args(argv)
    xs: list[list[float]] = []
    ys: list[int] = []
    weights: list[float] = []
    for pair in args.sets:
        folder, _, gold = pair.partition(":")
        gold, _, weight = gold.partition(":")
        if not gold:
            parser.error(f"{pair}: expected FOLDER:GOLD.json[:WEIGHT]")
        x, y = decisions(Path(folder), Path(gold))
        xs += x
        ys += y
        weights += [float(weight or 1)] * len(y)
    x, y = np.array(xs), np.array(ys, dtype=float)
    w, b = fit(x, y, np.array(weights))
    accuracy = float((((x @ w + b) >= 0) == (y == 1)).mean())
    hidden = None
    if args.hidden:
        # Several networks from different random starts, averaged: one network whose hidden layer
        # is theirs side by side (the average of their logits), steadier than any one of them.
        nets = [fit_hidden(x, y, np.array(weights), args.hidden, l2=args.l2, seed=seed)
                for seed in range(args.ensemble)]
        hidden = {"mean": nets[0]["mean"], "scale": nets[0]["scale"],
                  "weights": [row for net in nets for row in net["weights"]],
                  "bias": [b for net in nets for b in net["bias"]],
                  "output_weights": [round(w / len(nets), 5) for net in nets for w in net["output_weights"]],
                  "output_bias": round(sum(net["output_bias"] for net in nets) / len(nets), 5)}
    if hidden:
        a = np.tanh(((x - np.array(hidden["mean"])) / np.array(hidden["scale"])) @ np.array(hidden["weights"]).T
                    + np.array(hidden["bias"]))
        accuracy = float((((a @ np.array(hidden["output_weights"]) + hidden["output_bias"]) >= 0) == (y == 1)).mean())
    model = {
        "about": "headline (1) or intertitle (0) for a run of short lines; see boundaries.py",
        "trained_on": [Path(p.partition(":")[0]).as_posix() + ("*" + p.split(":")[2] if p.count(":") > 1 else "")
                       for p in args.sets],
        "decisions": len(ys), "headlines": int(y.sum()), "training_accuracy": round(accuracy, 4),
        "features": list(FEATURES), "weights": [round(float(v), 4) for v in w], "bias": round(float(b), 4),
    }
    if hidden:
        model["about"] += "; decided by the hidden layer (the plain weights are its logistic-regression fallback)"
        model["hidden"] = hidden
    args.out.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(ys)} decisions ({int(y.sum())} headlines), training accuracy {accuracy:.3f} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

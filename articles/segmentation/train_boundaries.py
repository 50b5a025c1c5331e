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
from .segmenter import _Segmenter, _Unit


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

        def decide(ctx: RunContext, _unit: _Unit, starts: list[str] = starts) -> bool:
            text = _norm(ctx.following)
            answer = any(s and s in text for s in starts)
            xs.append(features(ctx))
            ys.append(int(answer))
            return answer

        text = (folder / name).read_text(encoding="utf-8")
        _Segmenter(text, manifest.get(name), decide=decide).run()
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", help="FOLDER:GOLD.json pairs")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
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
    model = {
        "about": "headline (1) or intertitle (0) for a run of short lines; see boundaries.py",
        "trained_on": [Path(p.partition(":")[0]).as_posix() + ("*" + p.split(":")[2] if p.count(":") > 1 else "")
                       for p in args.sets],
        "decisions": len(ys), "headlines": int(y.sum()), "training_accuracy": round(accuracy, 4),
        "features": list(FEATURES), "weights": [round(float(v), 4) for v in w], "bias": round(float(b), 4),
    }
    args.out.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(ys)} decisions ({int(y.sum())} headlines), training accuracy {accuracy:.3f} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

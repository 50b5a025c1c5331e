"""Sort the misses of a segmentation by kind, to see which error is the biggest.

    python bench/segment_errors.py PRED.json GOLD.json [N]

For every gold article that no predicted article matches (see ../shared/tools/eval_segmentation.py):
'start missing' (its start snippet is in no predicted body: a headline line or item title taken for
a headline), 'split (end elsewhere)' (the article holding its start does not hold its end: cut in
two), 'merged with next/previous' (that article also holds another gold article's start). Prints
the counts and N examples of each (page, gold headline, the neighbour's headline).
"""
from __future__ import annotations

import collections
import json
import re
import sys
import unicodedata


def norm(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def main(argv: list[str]) -> int:
    pred = json.loads(open(argv[0], encoding="utf-8").read())
    gold = json.loads(open(argv[1], encoding="utf-8").read())
    shown = int(argv[2]) if len(argv) > 2 else 8
    by_file = {issue["file"]: issue for issue in pred["issues"]}
    counts: collections.Counter[str] = collections.Counter()
    examples: dict[str, list] = collections.defaultdict(list)
    for issue in gold["issues"]:
        predicted = by_file[issue["file"]]
        bodies = [norm(a["body"]) for a in predicted["articles"]]
        starts = [norm(a["body_start_snippet"]) for a in issue["articles"]]
        for k, article in enumerate(issue["articles"]):
            start, end = starts[k], norm(article["body_end_snippet"])
            holding = [i for i, body in enumerate(bodies) if start in body]
            if not holding:
                counts["start missing"] += 1
                examples["start missing"].append((issue["file"], article["headline"]))
                continue
            i = holding[0]
            others = [j for j, s in enumerate(starts) if j != k and s in bodies[i]]
            if end in bodies[i] and not others:
                continue
            if end not in bodies[i]:
                counts["split (end elsewhere)"] += 1
                examples["split (end elsewhere)"].append(
                    (issue["file"], article["headline"], predicted["articles"][i]["headline"]))
            if others:
                kind = "merged with next" if any(j > k for j in others) else "merged with previous"
                counts[kind] += 1
                examples[kind].append((issue["file"], article["headline"],
                                       [issue["articles"][j]["headline"] for j in others]))
    print(dict(counts))
    for kind, rows in examples.items():
        print("==", kind)
        for row in rows[:shown]:
            print("  ", row)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

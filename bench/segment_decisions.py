"""The headline-or-intertitle decisions of a gold-split folder, decided by the gold: what the rules
allow at best, and where a model goes wrong.

    python bench/segment_decisions.py FOLDER GOLD.json [--model M.json] [--list] [--out GOLD_DECIDED.json]

The segmenter walks every page with the gold answering each decision the model would take (as
``train_boundaries`` does), and the shared scorer scores that walk: its SUMMARY is the ceiling of
the rules, what a perfect model would reach; every miss left in it is the rules' (a line read as a
credit, a box the rules do not know, a gold convention). With ``--model`` the model's answer to
each of those decisions is compared with the gold's, in the gold's own walk (each decision in the
state the gold's earlier decisions lead to), and the wrong ones are counted (``--list``: listed,
with the probability, the run and the paragraphs around it).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.segmentation import train_boundaries as tb  # noqa: E402
from articles.segmentation.boundaries import headline_probability, use_model  # noqa: E402
from articles.segmentation.interchange import interchange_file  # noqa: E402
from articles.segmentation.segmenter import _Segmenter, is_lead  # noqa: E402
from bench.segment_eval import load_scorer, read_manifest  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("gold", type=Path)
    parser.add_argument("--model", help="a boundary model to compare with the gold's decisions")
    parser.add_argument("--list", action="store_true", help="list the decisions the model gets wrong")
    parser.add_argument("--out", type=Path, help="where to write the interchange JSON of the gold-decided walk")
    args = parser.parse_args()
    if args.model:
        use_model(Path(args.model))
    gold = {g["file"]: g for g in json.loads(args.gold.read_text(encoding="utf-8"))["issues"]}
    issues, wrong = [], []
    for name, date, page in read_manifest(args.folder):
        starts = [tb._norm(a["body_start_snippet"]) for a in gold[name]["articles"]] if name in gold else []

        def decide(ctx, unit, starts=starts):
            # the answer train_boundaries gives the model to learn (see its ``decisions``)
            texts = [tb._norm(t) for t in (ctx.following, *ctx.shorts[1:])]
            units = segmenter.units
            at = next((i for i in range(unit.index, min(len(units), unit.index + 8))
                       if units[i].text == ctx.following), None)
            if at is not None:
                texts += [tb._norm(u.text[:60]) for u in units[at + 1: at + 3] if is_lead(u.text)]
            answer = any(s and any(s in t for t in texts) for s in starts)
            if args.model:
                p = headline_probability(ctx)
                if (p >= 0.5) != answer:
                    wrong.append((name, answer, p, ctx))
            return answer

        segmenter = _Segmenter((args.folder / name).read_text(encoding="utf-8"), date, decide=decide)
        result = segmenter.run()
        issues.append(interchange_file(file_name=name, issue_date=date, pages=[page] if page else None,
                                       articles=result.articles))
    if args.model:
        if args.list:
            for name, answer, p, ctx in wrong:
                print(f"{name} gold={'headline' if answer else 'intertitle'} p={p:.2f} {' / '.join(ctx.shorts)[:70]}"
                      f" || before: {ctx.previous[-25:]!r} after: {ctx.following[:25]!r}")
        print(f"{len(wrong)} decisions the model gets wrong")
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "gold_decided.json"
        out.write_text(json.dumps({"issues": issues}, ensure_ascii=False), encoding="utf-8")
        return load_scorer().main([str(out), "--gold", str(args.gold)])


if __name__ == "__main__":
    sys.exit(main())

"""Score the pure segmenter on a folder of page files, without Django or the ingest command.

    python bench/segment_eval.py FOLDER [--out PRED.json] [--gold GOLD.json] [--verbose] [--model M.json|rule]

FOLDER holds the page files and a ``manifest.csv`` (``file,issue_date`` and optionally ``page``);
without ``--gold`` only the interchange JSON is written. ``--gold`` runs the shared scorer
(``../shared/tools/eval_segmentation.py``) on it and prints its report, SUMMARY line last.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import json
import sys
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.segmentation import segment  # noqa: E402
from articles.segmentation.boundaries import use_model  # noqa: E402
from articles.segmentation.interchange import interchange_file  # noqa: E402

SCORER = ROOT.parent / "shared" / "tools" / "eval_segmentation.py"


def read_manifest(folder: Path) -> list[tuple[str, dt.date, int | None]]:
    with (folder / "manifest.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [(r["file"], dt.date.fromisoformat(r["issue_date"]), int(r["page"]) if r.get("page") else None)
            for r in rows]


def segment_folder(folder: Path) -> dict:
    issues = []
    for name, date, page in read_manifest(folder):
        text = (folder / name).read_text(encoding="utf-8")
        issues.append(interchange_file(file_name=name, issue_date=date, pages=[page] if page else None,
                                       articles=segment(text, issue_date=date).articles))
    return {"issues": issues}


def load_scorer(path: Path = SCORER) -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_segmentation", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--out", type=Path, help="where to write the interchange JSON")
    parser.add_argument("--gold", type=Path, help="score against this gold file")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every miss the scorer finds")
    parser.add_argument("--model", help="boundary model to decide with instead of the shipped one "
                                        "(a JSON file from train_boundaries, or 'rule' for the fallback rule)")
    args = parser.parse_args()
    if args.model:
        use_model(None if args.model == "rule" else Path(args.model))
    pred = segment_folder(args.folder)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "predictions.json"
        out.write_text(json.dumps(pred, ensure_ascii=False, indent=1), encoding="utf-8")
        if not args.gold:
            return 0
        return load_scorer().main([str(out), "--gold", str(args.gold)] + (["--verbose"] if args.verbose else []))

if __name__ == "__main__":
    sys.exit(main())

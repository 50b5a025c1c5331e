"""The synthetic archive the scale benchmark ingests: a newspaper of its own, apart from real ones."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from ..models import Newspaper
from ..sources import MANIFEST_NAME, IssueFileError

SYNTHETIC_NEWSPAPER = ("synthetic-daily", "合成日报（测试用）")


def write_synthetic_corpus(*, out: Path, issues: int, seed: int, start: dt.date,
                           on_issue: Callable[[int], None] | None = None) -> int:
    """Write ``issues`` synthetic issue files and their manifest into ``out`` (which must be new or
    empty), for a newspaper of their own; returns the number of articles written."""
    from ..corpus import corpus_source, synthetic_issues

    if out.exists() and any(out.iterdir()):
        raise IssueFileError(f"{out}: folder is not empty; name a new one with --out")
    seeds = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))
    source = corpus_source([path.read_text(encoding="utf-8") for path in seeds])
    out.mkdir(parents=True, exist_ok=True)
    slug, name = SYNTHETIC_NEWSPAPER
    Newspaper.objects.get_or_create(slug=slug, defaults={"name": name})
    rows = ["file,newspaper,issue_date,page"]
    articles = 0
    for number, (date, text) in enumerate(synthetic_issues(source=source, issues=issues, seed=seed, start=start)):
        filename = f"{number:06d}_{date.isoformat()}.txt"
        (out / filename).write_text(text, encoding="utf-8")
        rows.append(f"{filename},{slug},{date.isoformat()},1")
        articles += text.count("本报讯（记者")
        if on_issue:
            on_issue(number + 1)
    (out / MANIFEST_NAME).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return articles

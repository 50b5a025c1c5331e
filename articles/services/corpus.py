"""The synthetic archive the benchmarks ingest: a newspaper of its own, apart from real ones."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from ..models import Newspaper
from ..sources import MANIFEST_NAME, IssueFileError

SYNTHETIC_NEWSPAPER = ("synthetic-daily", "合成日报（测试用）")
_ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = _ROOT / "seeds"
# Real pages of another daily, read at run time and never copied here (../shared/realpages/README.md).
REALPAGES_DIR = _ROOT.parent / "shared" / "realpages"


def source_texts(*, realpages: Path | None = REALPAGES_DIR) -> tuple[list[str], int]:
    """The seed issues' texts followed by the real pages' (none where the folder is absent), and
    how many real pages there were."""
    from ..corpus import realpages_files

    seeds = [path.read_text(encoding="utf-8") for path in sorted(SEEDS_DIR.glob("*.txt"))]
    pages = [path.read_text(encoding="utf-8") for path in realpages_files(realpages)] if realpages else []
    return seeds + pages, len(pages)


def write_synthetic_corpus(*, out: Path, seed: int, start: dt.date, days: int | None = None,
                           articles: int | None = None, realpages: Path | None = REALPAGES_DIR,
                           on_page: Callable[[int], None] | None = None) -> dict:
    """Write the synthetic daily's pages (``YYYY-MM-DD-pNN.txt``) and their manifest into ``out``
    (which must be new or empty), for ``days`` days or until ``articles`` articles; returns what
    was written: days, pages, articles, the last date and how many real pages the source held."""
    from ..corpus import corpus_source, synthetic_pages

    if out.exists() and any(out.iterdir()):
        raise IssueFileError(f"{out}: folder is not empty; name a new one with --out")
    texts, real_pages = source_texts(realpages=realpages)
    source = corpus_source(texts, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    slug, name = SYNTHETIC_NEWSPAPER
    Newspaper.objects.get_or_create(slug=slug, defaults={"name": name})
    rows = ["file,newspaper,issue_date,page"]
    written = {"days": 0, "pages": 0, "articles": 0, "last": None, "real_pages": real_pages}
    for page in synthetic_pages(source=source, seed=seed, start=start, days=days, articles=articles):
        (out / page.filename).write_text(page.text, encoding="utf-8")
        rows.append(f"{page.filename},{slug},{page.date.isoformat()},{page.number}")
        written["pages"] += 1
        written["articles"] += page.articles
        if page.date != written["last"]:
            written["days"] += 1
            written["last"] = page.date
        if on_page:
            on_page(written["pages"])
    (out / MANIFEST_NAME).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return written

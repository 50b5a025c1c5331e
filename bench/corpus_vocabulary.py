"""How the synthetic corpus's vocabulary grows with its size: distinct CJK bigrams and jieba words.

Writes nothing to disk: the corpus ``generate_corpus --articles N --seed 1`` would write is made in
memory, day by day (a smaller archive is the first days of a larger one, so one pass measures every
size), and counted at each size of ``--sizes``. Jieba words are the words of ``jieba.cut`` over
the folded text (HMM on, as the index cuts them) that hold a letter, digit or ideograph;
``--no-jieba`` counts bigrams only (jieba runs at about 430 k characters/s on one core).
Results: ``bench/results/corpus_vocabulary.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000", help="article counts (default 10000,50000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-jieba", action="store_true", help="count bigrams only")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "corpus_vocabulary.json")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    import django

    django.setup()
    import jieba

    from articles.corpus import corpus_source, synthetic_pages
    from articles.services.corpus import source_texts
    from search.analysis import is_wordlike, normalise

    sizes = sorted(int(s) for s in args.sizes.split(","))
    texts, real_pages = source_texts()
    source = corpus_source(texts, seed=args.seed)
    jieba.initialize()
    bigrams: set[str] = set()
    words: set[str] = set()
    articles = characters = 0
    report = {"seed": args.seed, "real_pages": real_pages, "source_paragraphs": len(source.paragraphs), "sizes": {}}
    pending = list(sizes)
    began = time.perf_counter()
    for page in synthetic_pages(source=source, seed=args.seed, articles=sizes[-1]):
        text = normalise(page.text)
        for run in _CJK_RUN.findall(text):
            bigrams.update(run[i:i + 2] for i in range(len(run) - 1))
        if not args.no_jieba:
            words.update(w for w in jieba.cut(text, HMM=True) if is_wordlike(w))
        articles += page.articles
        characters += len(page.text)
        while pending and articles >= pending[0]:
            size = pending.pop(0)
            report["sizes"][str(size)] = {"articles": articles, "characters": characters,
                                          "distinct_cjk_bigrams": len(bigrams),
                                          "distinct_jieba_words": None if args.no_jieba else len(words),
                                          "seconds": round(time.perf_counter() - began, 1)}
            print(json.dumps({size: report["sizes"][str(size)]}), flush=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A deterministic synthetic archive made from the seed issues, for measuring at scale.

Pure Python (the segmenter, no Django): the seed issues are segmented once, their headlines,
sentences, bylines and sections pooled, and each synthetic issue recombines them into a text in
the seeds' own layout (section banner, headline, "本报讯（记者 …）" lead, paragraphs), so the
real ingest path is what gets measured. The same seed gives the same bytes.
"""
from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .segmentation import segment

_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]")
# Sentences that would read as a new article's lead or a credit line mid-article.
_LEAD_LIKE = re.compile(r"本报讯|本报记者|记者|通讯员|[0-9０-９]+日电|摄|（|）|\(|\)")
MIN_ARTICLES, MAX_ARTICLES = 10, 40


@dataclass(frozen=True)
class CorpusSource:
    headlines: tuple[str, ...]
    sentences: tuple[str, ...]
    names: tuple[str, ...]
    sections: tuple[str, ...]


def corpus_source(texts: list[str]) -> CorpusSource:
    headlines, sentences, names, sections = [], [], [], []
    for text in texts:
        for article in segment(text).articles:
            if article.headline and 4 <= len(article.headline) <= 30:
                headlines.append(article.headline)
            if article.section:
                sections.append(article.section)
            names.extend(credit.name for credit in article.credits if 2 <= len(credit.name) <= 4)
            for paragraph in article.paragraphs:
                sentences.extend(s.strip() for s in _SENTENCE.findall(paragraph)
                                 if 8 <= len(s.strip()) <= 120 and not _LEAD_LIKE.search(s))
    unique = lambda items: tuple(dict.fromkeys(items))  # noqa: E731 - order-preserving, deterministic
    return CorpusSource(unique(headlines), unique(sentences), unique(names), unique(sections))


def synthetic_issue(*, source: CorpusSource, rng: random.Random) -> str:
    """One issue's text: 10-40 articles under a few section banners."""
    lines: list[str] = []
    count = rng.randint(MIN_ARTICLES, MAX_ARTICLES)
    section = None
    for number in range(count):
        if number == 0 or rng.random() < 0.15:
            new_section = rng.choice(source.sections)
            if new_section != section:
                section = new_section
                lines += ["", section]
        headline = rng.choice(source.headlines)
        reporters = "  ".join(rng.sample(source.names, rng.randint(1, 2)))
        paragraphs = ["".join(rng.sample(source.sentences, rng.randint(2, 5))) for _ in range(rng.randint(2, 9))]
        paragraphs[0] = f"本报讯（记者 {reporters}）{paragraphs[0]}"
        lines += ["", headline, ""]
        for paragraph in paragraphs:
            lines += [paragraph, ""]
    return "\n".join(lines).strip("\n") + "\n"


def synthetic_issues(*, source: CorpusSource, issues: int, seed: int,
                     start: dt.date = dt.date(2015, 1, 1)) -> Iterator[tuple[dt.date, str]]:
    """``issues`` consecutive daily issues from ``start``, each from its own seeded generator."""
    for offset in range(issues):
        yield start + dt.timedelta(days=offset), synthetic_issue(source=source, rng=random.Random(f"{seed}:{offset}"))

"""A deterministic synthetic archive made from real pages, for measuring at scale.

Pure Python (the segmenter, no Django). The source is real text read at run time: the seed
issues and, where they are present, the real pages in ``../shared/realpages/*/pages/`` (never
copied into the repository). Each source page is segmented once; its articles' paragraphs (cut
into sentences), headlines, headline fragments and reporters' names are pooled.

The synthetic archive is a daily of several pages a day, each page a file in the real pages'
layout: headline lines (sometimes a ``——`` subtitle), a lead with its dateline and reporters,
paragraphs, now and then a closing credit. Every article mixes sentences from different real
articles; a headline is a real one or two real headlines' fragments joined.

Vocabulary grows with the archive's size as a real archive's does, not all at once: the source
paragraphs are put in a fixed shuffled order and paragraph ``i`` of ``P`` becomes usable once
``HORIZON * (i / P) ** (1 / GROWTH)`` articles have been written, so the usable share of the
source is ``(n / HORIZON) ** GROWTH`` after ``n`` articles (Heaps' law). Each paragraph is used
fresh in the first article written after it becomes usable; the rest of an article is drawn
from everything usable so far. The vocabulary therefore keeps growing up to ``HORIZON``
articles and is bounded by the source's beyond it. The schedule does not depend on how many
articles are asked for, so a smaller archive is the first days of a larger one, and the same
seed gives the same bytes.
"""
from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .segmentation import segment

_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]”?")
# Sentences that would read as a new article's lead, a credit line or page furniture mid-article.
_LEAD_LIKE = re.compile(r"本报|新华社|中新社|记者|通讯员|日电|摄|编者|作者|版）|版\)|上接|下转|^[（(]")
_HEADLINE_SPLIT = re.compile(r"[ 　，、：]+")
_FRAGMENT = re.compile(r"^[\u4e00-\u9fff“”《》0-9]{3,14}$")

HORIZON = 150_000  # articles: the whole source is usable from here on
GROWTH = 0.7  # the usable share of the source after n articles: (n / HORIZON) ** GROWTH
FIRST_SHARE = 0.01  # usable from the first article, so the first days are not one text repeated
PAGES_PER_DAY = (4, 8)
ARTICLES_PER_PAGE = (3, 7)
MAX_SENTENCES = 60
MIN_PARAGRAPH = 50  # characters


@dataclass(frozen=True)
class CorpusSource:
    paragraphs: tuple[tuple[str, ...], ...]  # sentences, paragraph by paragraph, in the fixed shuffled order
    headlines: tuple[str, ...]
    fragments: tuple[str, ...]  # pieces of headlines (split at spaces and commas)
    names: tuple[str, ...]
    lengths: tuple[int, ...]  # the source articles' lengths in sentences


def realpages_files(root: Path) -> list[Path]:
    """The real pages under ``root`` (``../shared/realpages``), or none where it is absent."""
    return sorted(root.glob("*/pages/*.txt")) if root.is_dir() else []


def corpus_source(texts: Iterable[str], *, seed: int = 0) -> CorpusSource:
    paragraphs, headlines, fragments, names, lengths = [], [], [], [], []
    for text in texts:
        for article in segment(text).articles:
            headline = article.headline
            if headline and 4 <= len(headline) <= 30 and "\n" not in headline:
                headlines.append(headline)
                fragments.extend(part for part in _HEADLINE_SPLIT.split(headline) if _FRAGMENT.match(part))
            names.extend(credit.name for credit in article.credits
                         if 2 <= len(credit.name) <= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", credit.name))
            count = 0
            for paragraph in article.paragraphs:
                sentences = tuple(s.strip() for s in _SENTENCE.findall(paragraph)
                                  if 8 <= len(s.strip()) <= 150 and not _LEAD_LIKE.search(s)
                                  and s.count("“") == s.count("”"))
                if sentences:
                    paragraphs.append(sentences)
                    count += len(sentences)
            if count:
                lengths.append(count)
    unique = lambda items: tuple(dict.fromkeys(items))  # noqa: E731 - order-preserving, deterministic
    ordered = list(unique(paragraphs))
    random.Random(f"source:{seed}").shuffle(ordered)
    return CorpusSource(tuple(ordered), unique(headlines), unique(fragments), unique(names), tuple(lengths))


class _Schedule:
    """Which source paragraphs are usable after ``n`` articles, and which became usable since."""

    def __init__(self, total: int):
        self.total = total
        self.used = 0  # paragraphs handed out fresh so far

    def usable(self, articles: int) -> int:
        share = max(FIRST_SHARE, (articles / HORIZON) ** GROWTH)
        return max(1, min(self.total, round(self.total * share)))

    def fresh(self, articles: int) -> range:
        usable = self.usable(articles)
        first, self.used = self.used, max(self.used, usable)
        return range(first, self.used)


@dataclass
class _Writer:
    source: CorpusSource
    rng: random.Random
    schedule: _Schedule
    articles: int = 0

    def headline(self) -> str:
        source, rng = self.source, self.rng
        if len(source.fragments) > 1 and rng.random() < 0.5:
            first, second = rng.sample(source.fragments, 2)
            return f"{first}　{second}" if rng.random() < 0.6 else f"{first}，{second}"
        return rng.choice(source.headlines)

    def body(self) -> list[str]:
        """Paragraphs: the newly usable source paragraphs first, then runs drawn from all usable."""
        source, rng = self.source, self.rng
        wanted = min(MAX_SENTENCES, max(3, rng.choice(source.lengths)))
        usable = self.schedule.usable(self.articles)
        picked: list[tuple[str, ...]] = [source.paragraphs[i] for i in self.schedule.fresh(self.articles)]
        count = sum(len(p) for p in picked)
        while count < wanted:
            paragraph = source.paragraphs[rng.randrange(usable)]
            start = rng.randrange(len(paragraph))
            run = paragraph[start:start + rng.randint(1, 4)]
            picked.append(run)
            count += len(run)
        rng.shuffle(picked)
        sentences = [s for run in picked for s in run][:max(wanted, 3)]
        out, at = [], 0
        while at < len(sentences):
            step = rng.randint(1, 4)
            paragraph = "".join(sentences[at:at + step])
            at += step
            if out and len(out[-1]) < MIN_PARAGRAPH:  # a short paragraph would read as a headline
                out[-1] += paragraph
            else:
                out.append(paragraph)
        if len(out) > 1 and len(out[-1]) < MIN_PARAGRAPH:
            last = out.pop()
            out[-1] += last
        return out

    def article(self, date: dt.date) -> list[str]:
        source, rng = self.source, self.rng
        lines = [self.headline()]
        if rng.random() < 0.2:
            lines.append("——" + rng.choice(source.headlines))
        paragraphs = self.body()
        reporters = "、".join(rng.sample(source.names, min(len(source.names), rng.randint(1, 2))))
        dateline = date - dt.timedelta(days=1)
        lead = rng.random()
        if lead < 0.45:
            paragraphs[0] = f"本报北京{dateline.month}月{dateline.day}日电  （记者{reporters}）{paragraphs[0]}"
        elif lead < 0.8:
            paragraphs[0] = f"本报讯（记者 {reporters}）{paragraphs[0]}"
        else:
            paragraphs.append(f"（本报记者  {reporters}）")
        self.articles += 1
        return ["\n\n".join(lines)] + paragraphs

    def page(self, date: dt.date) -> str:
        blocks: list[str] = []
        for _ in range(self.rng.randint(*ARTICLES_PER_PAGE)):
            blocks.extend(self.article(date))
        return "\n\n".join(blocks) + "\n"


@dataclass(frozen=True)
class SyntheticPage:
    date: dt.date
    number: int
    text: str
    articles: int

    @property
    def filename(self) -> str:
        return f"{self.date.isoformat()}-p{self.number:02d}.txt"


def synthetic_pages(*, source: CorpusSource, seed: int, start: dt.date = dt.date(2015, 1, 1),
                    days: int | None = None, articles: int | None = None) -> Iterator[SyntheticPage]:
    """Pages day by day from ``start``, for ``days`` days or until ``articles`` articles are written
    (the day that reaches it is written whole)."""
    writer = _Writer(source, random.Random(f"corpus:{seed}"), _Schedule(len(source.paragraphs)))
    day = 0
    while (days is None or day < days) and (articles is None or writer.articles < articles):
        date = start + dt.timedelta(days=day)
        for number in range(1, writer.rng.randint(*PAGES_PER_DAY) + 1):
            before = writer.articles
            text = writer.page(date)
            yield SyntheticPage(date, number, text, writer.articles - before)
        day += 1

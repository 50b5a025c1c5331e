"""Related reading for the article page: its keywords and the articles most like it.

关键词: TF-IDF with jieba's analyser (``jieba.analyse.TFIDF``, its words cut by ``wordcut``), its inverse document frequencies
computed from this archive rather than from jieba's general-purpose table, so a word every
article of a city daily prints (太原, 记者, 工作) weighs little and a story's own names weigh much.
The document frequencies come from at most ``IDF_SAMPLE`` articles spread evenly over the archive
(by id), each its headline and the first ``IDF_CHARS`` characters of its body, read once per
process (about a million characters through jieba: a few seconds at scale, on the first article
page a process serves) and kept until the archive has grown or shrunk by a tenth.

相关文章: the search index asked for any of the keywords as jieba words (an OR query over the
text's and the headline's words, ranked by BM25), so articles sharing more, and rarer, keywords
come first; the article itself and every part of its own story (what it continues and what
continues it) are left out. Asked as quoted literals, each keyword was a phrase of bigrams:
at 150,000 articles that query took 13.0 ms against 7.1 ms as words, and the two agreed on
3.7 of their top 5.
"""
from __future__ import annotations

import math
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass

from django.db.models import F
from django.db.models.functions import Substr

from articles.models import Article
from articles.selectors import linkable_articles

from . import wordcut
from .query import Clause, Filters, ParsedQuery, SearchPlan, Term

IDF_SAMPLE = 1000
IDF_CHARS = 1000  # of each sampled article: its headline and the opening of its body
KEYWORDS = 8
RELATED = 5
_RECHECK_SECONDS = 300
# Words jieba keeps that say nothing about a story (the length filter already drops 的, 了 …).
STOP_WORDS = frozenset("""
我们 他们 你们 自己 一个 一些 这个 那个 这些 那些 这样 那样 这里 那里 什么 怎么 如何 为了 因为 所以 但是 而且 并且 或者
以及 还是 还有 已经 正在 可以 能够 应该 需要 通过 进行 开展 加强 推进 推动 实现 提高 提升 坚持 相关 有关 方面 工作 问题
情况 目前 现在 今年 去年 明年 同时 其中 之后 以来 以后 之前 其他 不是 没有 就是 一定 表示 认为 介绍 记者 本报 通讯员
日电 全面 不断 积极 进一步 主要 重要 一起 一直 一次 这次 大家 一样 非常 特别 更加 起来 出来 成为 作为 对于 关于 由于
""".split())
_WORDLIKE = re.compile(r"^(?:[\u3400-\u9fff]{2,}|[A-Za-z][A-Za-z\-]{2,})$")


@dataclass
class _Table:
    idf: dict[str, float]
    median: float
    articles: int  # the archive's size when the table was built
    documents: int  # how many articles it was computed from
    checked: float  # when the archive's size was last compared


_table: _Table | None = None
_lock = threading.Lock()


def _extractor():
    import jieba.analyse

    extractor = jieba.analyse.TFIDF.__new__(jieba.analyse.TFIDF)
    extractor.tokenizer = _WordcutTokenizer()
    extractor.postokenizer = jieba.posseg.dt
    extractor.stop_words = set(extractor.STOP_WORDS) | STOP_WORDS
    return extractor


class _WordcutTokenizer:
    """jieba's tokenizer as TFIDF calls it (``cut(sentence)``), cut by ``wordcut``: jieba's words,
    compiled (an article page cut its story with jieba's Python loops: a fifth of its time)."""

    @staticmethod
    def cut(sentence: str):
        return wordcut.cut(sentence)


def _words(text: str) -> set[str]:
    return {w for w in wordcut.cut(text) if _WORDLIKE.match(w) and w not in STOP_WORDS}


def build_table(*, sample: int = IDF_SAMPLE) -> _Table:
    """Inverse document frequencies over (a spread sample of) the archive's articles:
    ``log(N / (1 + df))``; a word seen in no sampled article gets the table's median."""
    total = Article.objects.count()
    step = max(1, math.ceil(total / sample)) if total else 1
    rows = Article.objects.all()
    if step > 1:
        rows = rows.annotate(spread=F("pk") % step).filter(spread=0)
    frequencies: Counter[str] = Counter()
    documents = 0
    rows = rows.annotate(opening=Substr("body", 1, IDF_CHARS))
    for headline, body in rows.values_list("headline", "opening").iterator(chunk_size=500):
        frequencies.update(_words(f"{headline}\n{body}"))
        documents += 1
    idf = {word: math.log(documents / (1 + count)) + 1.0 for word, count in frequencies.items()} if documents else {}
    values = sorted(idf.values())
    median = values[len(values) // 2] if values else 1.0
    # an unseen word is rarer than any seen one: the highest weight, not the median
    unseen = math.log(max(documents, 1)) + 1.0
    return _Table(idf=idf, median=max(median, unseen), articles=total, documents=documents, checked=time.monotonic())


def idf_table() -> _Table:
    """The process's table, rebuilt when the archive's size has changed by more than a tenth
    (the size is compared at most every five minutes: one COUNT query)."""
    global _table
    with _lock:
        now = time.monotonic()
        if _table is not None and now - _table.checked < _RECHECK_SECONDS:
            return _table
        if _table is not None:
            size = Article.objects.count()
            _table.checked = now
            if abs(size - _table.articles) <= max(10, _table.articles // 10):
                return _table
        _table = build_table()
        return _table


def forget_table() -> None:
    global _table
    with _lock:
        _table = None


def keywords(text: str, *, limit: int = KEYWORDS) -> list[str]:
    """The text's ``limit`` highest TF-IDF words (two or more Chinese characters, or a Latin word)."""
    table = idf_table()
    extractor = _extractor()
    extractor.idf_freq, extractor.median_idf = table.idf, table.median
    found = []
    for word in extractor.extract_tags(text, topK=limit * 3):
        if _WORDLIKE.match(word) and not any(word in kept or kept in word for kept in found):
            found.append(word)
        if len(found) == limit:
            break
    return found


def story_text(story: list[Article]) -> str:
    """What a story's keywords are drawn from: its headlines (twice: they name the subject) and bodies."""
    heads = " ".join(f"{part.kicker} {part.headline} {part.subheadline}" for part in story)
    return "\n".join([heads, heads] + [part.body for part in story])


def related_articles(*, words: list[str], exclude: set[int], limit: int = RELATED) -> list[Article]:
    """The articles most like one with these keywords: the index's best matches for any of them,
    without the excluded ones (the article and its story). Two queries: the index, then one SQL query."""
    from .selectors import matching_ids

    if not words:
        return []
    plan = SearchPlan(query=ParsedQuery(clauses=(Clause(terms=tuple(Term(w, field="words") for w in words)),)),
                      filters=Filters())
    ids = [int(r.pk) for r in matching_ids(plan=plan, limit=limit + len(exclude) + 1)]
    ids = [pk for pk in ids if pk not in exclude][:limit]
    found = linkable_articles(ids)
    return [found[pk] for pk in ids if pk in found]


def story_ids(story: list[Article]) -> set[int]:
    ids = {part.pk for part in story}
    ids |= {part.continues_id for part in story if part.continues_id}
    return ids

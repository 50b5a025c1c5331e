"""Whoosh tokenizers over search.analysis, so documents and queries are analysed one way.

Whoosh pickles a schema's analyzers into the index, so these classes keep no state and must
stay importable under these names.
"""
from __future__ import annotations

from collections import defaultdict

from whoosh.analysis import Token, Tokenizer
from whoosh.fields import TEXT

from .. import analysis
from .codec import NarrowPositions, WordCounts


class _PairTokenizer(Tokenizer):
    """Turns (position, text) pairs into Whoosh tokens; queries are analysed with mode="query"."""

    def pairs(self, value: str, *, for_query: bool):  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for position, text in self.pairs(value, for_query=(mode == "query")):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + position
            if chars:  # character offsets are not used: snippets are cut from the database text
                token.startchar = start_char
                token.endchar = start_char
            yield token


    def positions(self, value: str) -> dict[str, list[int]]:
        """Each term of a document with its positions."""
        found: dict[str, list[int]] = defaultdict(list)
        for position, text in self.pairs(value, for_query=False):
            found[text].append(position)
        return found

    def counts(self, value: str) -> dict[str, int]:
        """Each term of a document with how often it occurs."""
        return {text: len(found) for text, found in self.positions(value).items()}


class JiebaWordTokenizer(_PairTokenizer):
    def pairs(self, value, *, for_query):
        return analysis.words(value, for_query=for_query)

    def counts(self, value):
        return analysis.word_counts(value)


class CharGramTokenizer(_PairTokenizer):
    def pairs(self, value, *, for_query):
        return analysis.grams(value, for_query=for_query)

    def positions(self, value):
        return analysis.gram_positions(value)


class PairsTEXT(TEXT):
    """A TEXT field that builds its postings straight from (position, text) pairs.

    Whoosh's own path makes a Token object per token and goes through the analyzer chain; for
    a field with two tokens per character that was most of the indexing time. The postings are
    the same; the analyzer still serves queries and anything else that asks for it.

    With ``positions`` (the character grams: literals are phrases of bigrams) each posting keeps
    its positions; without (the jieba words, only ever matched as whole terms) a posting is its
    document and count, which was a third of the index's postings on real text.
    """

    def __init__(self, tokenizer: _PairTokenizer, *, positions: bool = True, **kwargs):
        super().__init__(analyzer=tokenizer, phrase=positions, stored=False, **kwargs)
        boost = self.format.field_boost
        self.format = NarrowPositions(field_boost=boost) if positions else WordCounts(field_boost=boost)

    @property
    def keeps_positions(self) -> bool:
        return self.format.supports("positions")

    def index(self, value, **kwargs):
        boost = self.format.field_boost
        if not self.keeps_positions:
            for text, count in self.analyzer.counts(value).items():
                yield text.encode("utf-8"), count, count * boost, b""
            return
        encode = self.format.encode
        for text, found in self.analyzer.positions(value).items():
            yield text.encode("utf-8"), len(found), len(found) * boost, encode(found)

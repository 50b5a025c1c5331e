"""Whoosh tokenizers over search.analysis, so documents and queries are analysed one way.

Whoosh pickles a schema's analyzers into the index, so these classes keep no state and must
stay importable under these names.
"""
from __future__ import annotations

from whoosh.analysis import Token, Tokenizer

from . import analysis


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


class JiebaWordTokenizer(_PairTokenizer):
    def pairs(self, value, *, for_query):
        return analysis.words(value, for_query=for_query)


class CharGramTokenizer(_PairTokenizer):
    def pairs(self, value, *, for_query):
        return analysis.grams(value, for_query=for_query)

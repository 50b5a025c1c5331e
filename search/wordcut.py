"""jieba's default cut (``jieba.cut(text, HMM=True)``), the same words, in less time.

Segmenting with jieba is most of what indexing a document costs, and most of jieba's time is
two Python loops over each clause: ``get_DAG`` (for each character, the dictionary words that
start there) and ``calc`` (the likeliest path through them, from the clause's end back). Here
the two are one loop from the end of the clause back, which scores each word as it is found, so
neither the graph nor the generator of candidates ``calc`` builds per character is made. The
dictionary, the scores (the same floating-point expression, in the same order), the tie-break
(the longer word) and the hidden Markov model for runs of unknown characters
(``jieba.finalseg``) are jieba's own, so the words are too; the tests compare the two on real
pages. Only the default dictionary's state is read, at each call, so words added with
``jieba.add_word`` are seen as jieba sees them.

The same loops compiled (``_wordcut.c``, built by ``make install``; a third of the time of this
module's Python) run when they are there; ``_cut_clause`` below is the reference they are
tested against, and what runs where no C compiler was.
"""
from __future__ import annotations

from collections.abc import Iterator
from math import log

import jieba
from jieba import finalseg

try:
    from . import _wordcut
except ImportError:  # not compiled (search/build_speedups.py): the Python loops below
    _wordcut = None

_HAN = jieba.re_han_default
_SKIP = jieba.re_skip_default
_STATES = "BMES"
_model_cache: tuple = (None, None)


def _hmm_model():
    """finalseg's tables as ``_wordcut.cut_clause`` takes them, or None (every unknown run then goes
    to finalseg.cut) when words have been forced apart with ``finalseg.add_force_split``."""
    global _model_cache
    if finalseg.Force_Split_Words:
        return None
    key = (id(finalseg.start_P), id(finalseg.trans_P), id(finalseg.emit_P))
    if _model_cache[0] != key:
        start = tuple(float(finalseg.start_P[y]) for y in _STATES)
        trans = tuple(float(finalseg.trans_P[y0].get(y, finalseg.MIN_FLOAT)) for y0 in _STATES for y in _STATES)
        emit = tuple(finalseg.emit_P[y] for y in _STATES)
        _model_cache = (key, (start, trans, emit))
    return _model_cache[1]


def _compiled_state() -> tuple | None:
    """What ``_wordcut``'s functions take after the text (jieba's dictionary, log of its total,
    finalseg's model, finalseg.cut), or None where the Python loops must run: not compiled, or a
    dictionary that is not a plain dict (the C reads a dict's own entries, not a subclass's get)."""
    tokenizer = jieba.dt
    tokenizer.check_initialized()
    if _wordcut is None or type(tokenizer.FREQ) is not dict:
        return None
    return tokenizer.FREQ, log(tokenizer.total), _hmm_model(), finalseg.cut


def cut(text: str) -> Iterator[str]:
    """The words of ``jieba.cut(text, HMM=True)``, in order."""
    state = _compiled_state()
    if state is None:
        tokenizer = jieba.dt
        freq, logtotal = tokenizer.FREQ, log(tokenizer.total)
    for block in _HAN.split(text):
        if not block:
            continue
        if _HAN.match(block):
            if state is not None:
                yield from _wordcut.cut_clause(block, *state)
            else:
                yield from _cut_clause(block, freq, logtotal)
        else:
            for part in _SKIP.split(block):
                if _SKIP.match(part):
                    yield part
                else:
                    yield from part


def compiled_counts(folded: str) -> dict[str, int] | None:
    """``analysis.word_counts`` of folded text in one compiled call (the words, filtered and with
    their dictionary sub-words, counted in C); None where ``_wordcut.c`` is not compiled."""
    state = _compiled_state()
    return None if state is None else _wordcut.count_words(folded, *state)


def _cut_clause(clause: str, freq: dict[str, int], logtotal: float) -> Iterator[str]:
    """jieba's ``__cut_DAG`` over one clause (a run of characters ``re_han_default`` keeps)."""
    size = len(clause)
    score = [0.0] * (size + 1)  # the likeliest path's log-probability from each character to the end
    end = list(range(size + 1))  # the last character of the first word of that path
    get = freq.get
    for start in range(size - 1, -1, -1):
        best_score = best_end = None
        stop = start
        fragment = clause[start]
        while True:
            count = get(fragment)
            if count is None:  # no dictionary word starts with this fragment
                break
            if count:  # a word (a count of 0 marks a prefix of longer words only)
                candidate = log(count) - logtotal + score[stop + 1]
                if best_score is None or candidate >= best_score:  # equal scores: the longer word
                    best_score, best_end = candidate, stop
            stop += 1
            if stop == size:
                break
            fragment = clause[start:stop + 1]
        if best_score is None:  # the character alone, which jieba scores as a count of 1
            best_score, best_end = 0.0 - logtotal + score[start + 1], start
        score[start] = best_score
        end[start] = best_end
    # jieba's walk along the path: single characters are gathered, and a gathered run that is not
    # a dictionary word goes to the hidden Markov model, which may join them into unknown words
    position = 0
    gathered = ""
    while position < size:
        following = end[position] + 1
        if following - position == 1:
            gathered += clause[position]
        else:
            if gathered:
                yield from _gathered(gathered, get)
                gathered = ""
            yield clause[position:following]
        position = following
    if gathered:
        yield from _gathered(gathered, get)


def _gathered(run: str, get) -> Iterator[str]:
    if len(run) == 1:
        yield run
    elif not get(run):
        yield from finalseg.cut(run)
    else:
        yield from run

"""Text analysis shared by documents and queries: normalisation, jieba words, character grams.

Pure Python (jieba, cut by ``wordcut``, and the OpenCC character table; no Django, no Whoosh),
so the same functions feed the index, the query compiler and the snippet highlighter, and can be tested alone.

Normalisation folds what a reader treats as the same text: NFKC (full-width ２０２１ → 2021,
compatibility ideographs → unified), lower case, and traditional → simplified characters
(優勢 → 优势) with OpenCC's one-character table, except the traditional characters that are
themselves normal simplified characters (乾, 於, 濛, 崑 …: kept_in_simplified), so that a quoted
"乾" finds 乾隆 and not every 干. Every character is folded on its own, so a
folded text lines up with its source wherever no character expands (nearly always), and the
snippet code can map hits back to the original.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import jieba

from . import wordcut

jieba.setLogLevel(logging.WARNING)

_SPACE = re.compile(r"\s+")
_CONTROL_KEPT = {"\n", "\t"}


# Characters OpenCC folds that simplified text itself keeps in proper names, beyond what the tests
# in kept_in_simplified() find (崑 in names such as 崑山路 and people's names; 濛 in 空濛, 濛濛).
_KEPT_NAME_CHARACTERS = frozenset("崑濛")
# A character used in this many of jieba's (simplified) dictionary words is in use in simplified text.
_KEPT_MIN_WORDS = 10
# Bump when kept_in_simplified or the table's making changes: the cached table is named after it.
_FOLDING_RULES = 1


def _opencc_table() -> dict[str, list[str]]:
    import opencc  # only for its dictionary file; its converter is phrase-based and slow

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        traditional, _, simplified = line.partition("\t")
        if len(traditional) == 1:
            table[traditional] = simplified.split()
    return table


def kept_in_simplified(char: str, candidates: list[str], word_counts: dict[str, int]) -> bool:
    """Whether a traditional character is itself a normal simplified character, so that folding it
    would merge two characters a reader tells apart (乾隆 is not 干隆, 於 the surname not 于):

    * OpenCC lists it among its own simplified forms (乾 → 干 乾, 於 → 于 於);
    * it is in GB 2312, the simplified character set, and in a dictionary word (乾 於 夥 徵 …; not
      後, which GB 2312 holds but no simplified word uses);
    * jieba's simplified dictionary uses it in several words of its own (濛 in 空濛, 溟濛 …);
    * or it is one of the few name characters listed above (崑).
    """
    if char in candidates or char in _KEPT_NAME_CHARACTERS:
        return True
    try:
        char.encode("gb2312")
        if word_counts.get(char, 0):
            return True
    except UnicodeEncodeError:
        pass
    return word_counts.get(char, 0) >= _KEPT_MIN_WORDS


def _dictionary_word_counts(chars: set[str]) -> dict[str, int]:
    """How many of jieba's dictionary words of two or more characters hold each of ``chars``."""
    jieba.dt.check_initialized()
    counts: dict[str, int] = {}
    for word, frequency in jieba.dt.FREQ.items():
        if frequency and len(word) > 1:
            for char in set(word) & chars:
                counts[char] = counts.get(char, 0) + 1
    return counts


@functools.cache
def _traditional_to_simplified() -> dict[str, str]:
    """OpenCC's TSCharacters table, first candidate of each one-character entry, without the
    characters that are themselves in simplified use (see kept_in_simplified).

    Deciding that reads every word of jieba's dictionary (most of a second); the answer is kept
    in a file beside jieba's own cache, named after the two dictionaries it was made from, so
    that a short-lived process (one day's ingest, a command) does not pay it again."""
    cache = _folding_cache_path()
    try:
        return json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    folding = _make_folding()
    try:
        partial = cache.with_name(f"{cache.name}.{os.getpid()}")
        partial.write_text(json.dumps(folding, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, cache)
    except OSError:  # a read-only temporary folder: fold without the cache
        pass
    return folding


def _folding_cache_path() -> Path:
    import opencc

    sources = [Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt",
               Path(jieba.dt.dictionary or jieba.DEFAULT_DICT_NAME)]
    if not sources[1].is_absolute():
        sources[1] = Path(jieba.__file__).parent / sources[1]
    key = hashlib.sha1(repr((
        _FOLDING_RULES, jieba.__version__,
        [(str(p), p.stat().st_size, p.stat().st_mtime_ns) if p.exists() else str(p) for p in sources],
    )).encode()).hexdigest()[:16]
    return Path(jieba.dt.tmp_dir or tempfile.gettempdir()) / f"archive-folding-{key}.json"


def _make_folding() -> dict[str, str]:
    opencc_table = _opencc_table()
    folding = {
        traditional: candidates[0] for traditional, candidates in opencc_table.items()
        if candidates and len(candidates[0]) == 1 and candidates[0] != traditional
    }
    word_counts = _dictionary_word_counts(set(folding))
    return {t: s for t, s in folding.items() if not kept_in_simplified(t, opencc_table[t], word_counts)}


@functools.cache
def kept_characters() -> frozenset[str]:
    """The traditional characters OpenCC would fold that the archive keeps as they are."""
    opencc_table = _opencc_table()
    folding = _traditional_to_simplified()
    return frozenset(t for t, c in opencc_table.items()
                     if c and len(c[0]) == 1 and c[0] != t and t not in folding)


class _Folding(dict):
    """A str.translate table that folds each character the first time it is seen."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if unicodedata.category(char) == "Cc" and char not in _CONTROL_KEPT:
            folded = " "
        else:
            table = _traditional_to_simplified()
            folded = "".join(table.get(c, c) for c in unicodedata.normalize("NFKC", char).lower())
        self[code] = folded
        if len(folded) != 1:
            _EXPANDING.add(char)
        return folded


_FOLDING = _Folding()
_EXPANDING: set[str] = set()  # characters seen so far that fold to more or fewer than one


# The last few texts folded, with their foldings: each of a document's texts (its text, its
# headline) is analysed twice, for words and for grams, and folding was 6 % of an index build.
_recently_folded: dict[str, str] = {}
_RECENT = 4


def normalise(text: str) -> str:
    """Fold width, case, compatibility forms and traditional characters; control characters → space."""
    folded = _recently_folded.get(text)
    if folded is None:
        if len(_recently_folded) >= _RECENT:
            _recently_folded.clear()
        folded = _recently_folded[text] = text.translate(_FOLDING)
    return folded


def normalise_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """The folded text and, for each of its characters, the index of the source character;
    None when they line up one to one, which callers treat as the identity."""
    folded = normalise(text)  # also files every character of the text in _EXPANDING if it expands
    if _EXPANDING.isdisjoint(text):
        return folded, None
    # Most characters fold one to one, so only the runs between expanding ones (…, ㎡, ½) are
    # translated and counted in bulk; a loop over every character led a results page's profile.
    parts: list[str] = []
    offsets: list[int] = []
    done = 0
    for match in _expanding_pattern().finditer(text):
        index = match.start()
        parts.append(text[done:index].translate(_FOLDING))
        offsets.extend(range(done, index))
        expanded = _FOLDING[ord(text[index])]
        parts.append(expanded)
        offsets.extend([index] * len(expanded))
        done = index + 1
    parts.append(text[done:].translate(_FOLDING))
    offsets.extend(range(done, len(text)))
    return "".join(parts), offsets


_expanding_cache: tuple[int, re.Pattern | None] = (0, None)


def _expanding_pattern() -> re.Pattern:
    global _expanding_cache
    # _EXPANDING only grows, so its size tells whether the pattern is current
    size, pattern = _expanding_cache
    if pattern is None or size != len(_EXPANDING):
        size = len(_EXPANDING)
        pattern = re.compile("|".join(map(re.escape, sorted(_EXPANDING))))
        _expanding_cache = (size, pattern)
    return pattern


def is_wordlike(token: str) -> bool:
    """A token worth indexing: it holds a letter, digit or ideograph (not only punctuation or space)."""
    return token.isalnum() or any(c.isalnum() for c in token)  # nearly every word is all letters


def words(text: str, *, for_query: bool = False) -> Iterator[tuple[int, str]]:
    """(position, word) pairs from jieba, positions counted in words so phrases line up.

    Documents also get jieba's search-mode sub-words (the 2- and 3-character dictionary words
    inside a longer word) at the position of the word that holds them, so 京都 matches inside
    京都大学 without shifting the positions of the words after it. Queries get plain words.
    """
    folded = normalise(text)
    frequencies: dict[str, int] | None = None
    if not for_query:
        jieba.dt.check_initialized()
        frequencies = jieba.dt.FREQ
    position = 0
    for word in wordcut.cut(folded):
        if not is_wordlike(word):
            continue
        yield position, word
        if frequencies is not None and len(word) > 2:
            for part in _subwords(word, frequencies):
                yield position, part
        position += 1


def _subwords(word: str, frequencies: dict[str, int]) -> list[str]:
    """The dictionary words of two, then three characters inside a word longer than them."""
    size = len(word)
    parts = [word[start:start + 2] for start in range(size - 1)]
    if size > 3:
        parts += [word[start:start + 3] for start in range(size - 2)]
    return [part for part in parts if frequencies.get(part)]


def word_counts(text: str) -> dict[str, int]:
    """How often each word of a document occurs: ``words(text)`` counted, sub-words included, in
    one pass without the positions (the word fields keep none)."""
    folded = normalise(text)
    compiled = wordcut.compiled_counts(folded)
    if compiled is not None:
        return compiled
    jieba.dt.check_initialized()
    frequencies = jieba.dt.FREQ
    counts: dict[str, int] = {}
    get = counts.get
    for word in wordcut.cut(folded):
        if not is_wordlike(word):
            continue
        counts[word] = get(word, 0) + 1
        if len(word) > 2:
            for part in _subwords(word, frequencies):
                counts[part] = get(part, 0) + 1
    return counts


def query_words(text: str) -> list[str]:
    """The jieba words of a query term, in order, without duplicates."""
    seen: dict[str, None] = {}
    for _, word in words(text, for_query=True):
        seen.setdefault(word)
    return list(seen)


def literal_key(text: str) -> str:
    """A string as the literal (gram) field sees it: folded, with white space removed."""
    return _SPACE.sub("", normalise(text))


def grams(text: str, *, for_query: bool = False) -> Iterator[tuple[int, str]]:
    """(position, gram) pairs: the character bigrams of each line, white space removed, and the
    line's last character alone (the one character no bigram starts with).

    Positions are character offsets, so a phrase of bigrams matches exactly the literal string,
    and a single character is found as the prefix of a gram. Lines (paragraphs, and the
    headline/body boundary of the document template) are separated by a gap, so no match spans
    two of them. A query yields its bigrams, or itself when it is one character.
    """
    if for_query:
        key = literal_key(text)
        if len(key) == 1:
            yield 0, key
        for start in range(len(key) - 1):
            yield start, key[start : start + 2]
        return
    position = 0
    for line in normalise(text).split("\n"):
        key = _SPACE.sub("", line)
        for start in range(len(key) - 1):
            yield position + start, key[start : start + 2]
        if key:
            yield position + len(key) - 1, key[-1]
        position += len(key) + 1


def gram_lines(text: str) -> str:
    """A document as ``grams`` reads it: folded, each line without its white space, the lines
    joined by newlines. A character's index here is the position of the gram it starts (the
    bigram of it and the next character, or itself alone at a line's end)."""
    return "\n".join([_SPACE.sub("", line) for line in normalise(text).split("\n")])


def gram_positions(text: str) -> dict[str, list[int]]:
    """``grams(text)`` gathered by gram: each gram's positions, in order."""
    positions: defaultdict[str, list[int]] = defaultdict(list)
    position = 0
    for line in normalise(text).split("\n"):
        key = _SPACE.sub("", line)
        if key:
            for start, gram in enumerate(map(str.__add__, key, key[1:]), position):
                positions[gram].append(start)
            positions[key[-1]].append(position + len(key) - 1)
        position += len(key) + 1
    return positions


def warm_up() -> None:
    """Load jieba's dictionary and the folding table now (a server process calls this at start)."""
    jieba.dt.check_initialized()
    _traditional_to_simplified()

"""Keyword-in-context snippets and highlighting, cut from the stored text (not the index).

Hits are found in the folded text (so 優勢 marks 优势, and spaces that PDF extraction put inside
a word do not hide it) and mapped back to the original characters, which are what the reader
sees. Output is HTML: every character of the text escaped, only our <mark> added.
"""
from __future__ import annotations

import re
from functools import lru_cache
from html import escape, unescape

import numpy as np

from .analysis import normalise, normalise_with_offsets

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"

# What each character of the Basic Multilingual Plane folds to (analysis.normalise), learnt as
# texts bring it: its code when it folds to one character, _UNKNOWN before it is learnt, and
# _NOT_ONE when it folds to several characters or none (…, ㎡, ½).
_UNKNOWN, _NOT_ONE = -1, -2
_FOLDED = np.full(0x10000, _UNKNOWN, np.int32)
_EXPANDED: dict[int, np.ndarray] = {}


def _learn(codes: np.ndarray) -> None:
    for code in codes.tolist():
        folded = normalise(chr(code))
        if len(folded) == 1:
            _FOLDED[code] = ord(folded)
        else:
            _EXPANDED[code] = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), np.uint32)
            _FOLDED[code] = _NOT_ONE


def fold_with_offsets(text: str) -> tuple[str, np.ndarray | None]:
    """analysis.normalise_with_offsets (the offsets as an array), with numpy: a character at a
    time, str.translate through the folding table took some 150 ns a character, most of a
    results page's snippets (20 bodies of 1,000 characters, several times over)."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    if not len(codes) or int(codes.max()) > 0xFFFF:  # beyond the table: the reference
        folded, offsets = normalise_with_offsets(text)
        return folded, None if offsets is None else np.asarray(offsets, np.int64)
    folded = _FOLDED[codes]
    if (folded == _UNKNOWN).any():
        _learn(np.unique(codes[folded == _UNKNOWN]))
        folded = _FOLDED[codes]
    several = np.flatnonzero(folded == _NOT_ONE)
    if not len(several):
        return folded.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass"), None
    sizes = np.ones(len(codes), np.int64)
    expansions = [_EXPANDED[code] for code in codes[several].tolist()]
    sizes[several] = [len(expansion) for expansion in expansions]
    offsets = np.repeat(np.arange(len(codes), dtype=np.int64), sizes)
    out = np.repeat(folded.astype(np.uint32), sizes)
    starts = np.cumsum(sizes) - sizes
    for start, expansion in zip(starts[several].tolist(), expansions, strict=True):
        out[start:start + len(expansion)] = expansion
    return out.tobytes().decode("utf-32-le", "surrogatepass"), offsets


@lru_cache(maxsize=256)
def _needle_pattern(needles: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(r"\s*".join(map(re.escape, needle)) for needle in needles))


def find_spans(text: str, needles: list[str]) -> list[tuple[int, int]]:
    """Sorted, merged (start, end) spans of ``text`` where a folded needle occurs, spaces and
    line breaks inside it allowed (as the literal index allows them)."""
    needles = sorted({n for n in needles if n}, key=len, reverse=True)
    if not needles or not text:
        return []
    folded, offsets = fold_with_offsets(text)
    spans: list[tuple[int, int]] = []
    for match in _needle_pattern(tuple(needles)).finditer(folded):
        start, end = match.span()
        if offsets is not None:
            start, end = int(offsets[start]), int(offsets[end - 1]) + 1
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def _render(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    parts: list[str] = []
    cursor = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        parts.append(escape(text[cursor:span_start]))
        parts.append(MARK_OPEN + escape(text[span_start:span_end]) + MARK_CLOSE)
        cursor = span_end
    parts.append(escape(text[cursor:end]))
    return "".join(parts)


def highlight(text: str, needles: list[str]) -> str:
    """The whole text, escaped, with every hit marked."""
    return _render(text, find_spans(text, needles), 0, len(text))


def windows(text: str, spans: list[tuple[int, int]], *, width: int, limit: int) -> list[tuple[int, int]]:
    """Up to ``limit`` windows of about ``width`` characters each side of a hit. Windows that would
    overlap are merged into one (up to about four widths; past that the next window starts where
    the last ended), so no character is ever shown twice."""
    merged: list[tuple[int, int]] = []
    for span_start, span_end in spans:
        start, end = max(0, span_start - width), min(len(text), span_end + width)
        if merged and start <= merged[-1][1]:
            if end - merged[-1][0] <= 4 * width:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
                continue
            if span_start < merged[-1][1]:  # finish the hit the window cuts, then stop growing
                merged[-1] = (merged[-1][0], max(merged[-1][1], span_end))
                continue
            start = merged[-1][1]  # a long run of hits: the next window starts where this one ends
        if len(merged) == limit:
            break
        merged.append((start, end))
    return merged


def kwic(text: str, needles: list[str], *, width: int = 50, limit: int = 3, opening: bool = True) -> list[str]:
    """Up to ``limit`` escaped windows around the hits, never overlapping.

    Text without a hit gives its opening (or nothing, with ``opening=False``), so a result
    matched on its headline or byline still shows what the article is about.
    """
    text = " ".join(text.split())  # paragraphs and stray breaks read as one line in a snippet
    spans = find_spans(text, needles)
    if not spans:
        if not opening:
            return []
        start = text[: width * 2]
        return [escape(start) + ("…" if len(text) > len(start) else "")] if start else []
    return [
        ("…" if start > 0 else "") + _render(text, spans, start, end) + ("…" if end < len(text) else "")
        for start, end in windows(text, spans, width=width, limit=limit)
    ]


def plain(snippet_html: str) -> str:
    """A snippet as plain text (for an export): the marks dropped, the escapes undone."""
    return unescape(snippet_html.replace(MARK_OPEN, "").replace(MARK_CLOSE, ""))

"""The researchers' query language, parsed into a small tree that no search engine owns.

    太原 疫情          both terms (AND)
    太原 OR 晋阳        either term
    太原 -疫情          exclude a term (also ``NOT 疫情``)
    "疫情防控"          exact literal: every result contains the string
    headline:太原       in the headline (also 标题:); byline:刘涛 (作者:); section:要闻 (栏目:)

An unquoted term matches where its jieba words all occur or where it occurs literally. Parsing
never fails: a stray quote, an unknown field or a dangling operator becomes plain text and a
notice for the reader. Pure Python, no Django; the search backend compiles the tree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .analysis import literal_key, normalise

MAX_QUERY_CHARS = 500
MAX_TERMS = 32

FIELD_ALIASES = {
    "headline": "headline",
    "title": "headline",
    "标题": "headline",
    "byline": "byline",
    "author": "byline",
    "作者": "byline",
    "section": "section",
    "栏目": "section",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_FIELD = re.compile(r"^(-?[^\s:：\"“]+)[:：](.*)$", re.DOTALL)


@dataclass(frozen=True)
class Term:
    text: str
    # None (everywhere), "headline", "byline" or "section"; "words" (jieba's words of the text and
    # headline, no literal match) only for related reading: the language cannot ask for it
    field: str | None = None
    exact: bool = False  # quoted: literal match only

    @property
    def literal(self) -> str:
        """The string every literal match contains, as the index compares it."""
        return literal_key(self.text)


@dataclass(frozen=True)
class Clause:
    """Terms joined by OR; the whole clause may be excluded."""

    terms: tuple[Term, ...]
    negated: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    clauses: tuple[Clause, ...] = ()
    notices: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    @property
    def required(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if not c.negated)

    @property
    def excluded(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.negated)

    def highlight_strings(self) -> list[str]:
        """Folded strings worth marking in a snippet: each wanted term, longest first."""
        strings = {t.literal for c in self.required for t in c.terms if t.literal}
        return sorted(strings, key=lambda s: (-len(s), s))


def strip_control(text: str) -> str:
    """Control characters (other than tab and newline) as spaces: they can only come from a paste."""
    return _CONTROL.sub(" ", text)


class QueryTooLong(ValueError):
    pass


_OPENERS = '"“＂'
_CLOSERS = {'"': '"', "“": '”"', "＂": '＂"'}  # a straight quote is only closed by another
_UNPAIRED = "引号不成对：已把引号后的全部文字当作精确短语。"


def _closing(text: str, opening: int) -> int:
    """Index of the quote that closes the one at ``opening``, or len(text)."""
    positions = [i for i in (text.find(q, opening + 1) for q in _CLOSERS[text[opening]]) if i != -1]
    return min(positions) if positions else len(text)


def _lex(text: str, notices: list[str]) -> list[tuple[str, bool, bool]]:
    """Split into (token, quoted, negated) triples. A quote at the start of a token (or of a field's value)
    opens a literal that runs to the next closing quote; a quote inside a word is just a character."""
    tokens: list[tuple[str, bool, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        prefix = "-" if text[i] == "-" and i + 1 < n and text[i + 1] in _OPENERS else ""
        if text[i + len(prefix)] in _OPENERS:
            opening = i + len(prefix)
            end = _closing(text, opening)
            if end == n:
                notices.append(_UNPAIRED)
            tokens.append((text[opening + 1 : end], True, bool(prefix)))
            i = end + 1
            continue
        j = i
        while j < n and not text[j].isspace():
            j += 1
        token = text[i:j]
        match = _FIELD.match(token)
        if match and match.group(2).startswith(tuple(_OPENERS)):
            # field:"a quoted value" may hold spaces: take it up to its closing quote
            value_start = i + len(match.group(1)) + 1
            end = _closing(text, value_start)
            if end == n:
                notices.append(_UNPAIRED)
            token = text[i:value_start] + '"' + text[value_start + 1 : end] + '"'
            j = end + 1
        tokens.append((token, False, False))
        i = j
    return tokens


def _term(token: str, quoted: bool, negated: bool) -> tuple[Term | None, bool]:
    """A token as a Term and whether it is negated."""
    if quoted:
        return (Term(token, exact=True) if token.strip() else None), negated
    if token.startswith("-") and len(token) > 1:
        negated, token = True, token[1:]
    match = _FIELD.match(token)
    if match and match.group(1).lower() in FIELD_ALIASES:
        name, value = FIELD_ALIASES[match.group(1).lower()], match.group(2)
        exact = value.startswith('"')
        value = value.strip('"')
        if not value.strip():
            return None, negated
        return Term(value, field=name, exact=exact), negated
    return Term(token), negated


def parse(text: str) -> ParsedQuery:
    """Parse a query string; raises QueryTooLong past MAX_QUERY_CHARS, never anything else."""
    text = strip_control(text or "")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLong(f"查询过长：最多 {MAX_QUERY_CHARS} 个字符，这次是 {len(text)} 个。")
    notices: list[str] = []
    clauses: list[Clause] = []
    pending_or = False
    pending_not = False
    for token, quoted, negated in _lex(text, notices):
        if not quoted and token in ("OR", "|", "或"):
            pending_or = bool(clauses) and not clauses[-1].negated
            continue
        if not quoted and token == "NOT":
            pending_not = True
            continue
        term, negated = _term(token, quoted, negated)
        if term is None or not normalise(term.text).strip():
            continue
        negated = negated or pending_not
        if pending_or and not negated:
            last = clauses[-1]
            clauses[-1] = Clause(last.terms + (term,), negated=False)
        else:
            clauses.append(Clause((term,), negated=negated))
        pending_or = pending_not = False
    if sum(len(c.terms) for c in clauses) > MAX_TERMS:
        notices.append(f"检索词过多：只使用前 {MAX_TERMS} 个。")
        kept, count = [], 0
        for clause in clauses:
            if count + len(clause.terms) > MAX_TERMS:
                break
            kept.append(clause)
            count += len(clause.terms)
        clauses = kept
    return ParsedQuery(tuple(clauses), tuple(dict.fromkeys(notices)))


@dataclass(frozen=True)
class Filters:
    """Narrowing that does not affect ranking; all given filters must hold."""

    date_from: date | None = None
    date_to: date | None = None
    year: int | None = None
    month: str | None = None  # "YYYY-MM"
    month_of_year: int | None = None  # 1-12, any year
    section: str | None = None
    contributor: str | None = None
    kind: str | None = None
    newspaper: str | None = None

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, name) in (None, "") for name in self.__dataclass_fields__)


@dataclass(frozen=True)
class SearchPlan:
    """What a search backend is asked for: the parsed query and the filters."""

    query: ParsedQuery
    filters: Filters = Filters()

"""Citations a researcher takes away to a reference manager: RIS (EndNote, NoteExpress, Zotero),
BibTeX and CSL-JSON, for one article or a list of them.

Every function takes ``Article`` objects read with ``Article.objects.for_reading()`` (issue,
newspaper, section and credits loaded) and an absolute URL for each, since a citation leaves the
site. Title and authors are the article page's own (``articles.citation``).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable

from articles.citation import authors, title
from articles.models import Article

FORMATS = {
    # name: (file extension, content type)
    "ris": ("ris", "application/x-research-info-systems; charset=utf-8"),
    "bib": ("bib", "application/x-bibtex; charset=utf-8"),
    "csljson": ("json", "application/vnd.citationstyles.csl+json; charset=utf-8"),
}


def _citation_key(article: Article) -> str:
    slug = re.sub(r"[^a-z0-9]+", "", article.issue.newspaper.slug.lower()) or "paper"
    return f"{slug}{article.issue.date:%Y%m%d}p{article.page.number}n{article.position}"


# --- RIS --------------------------------------------------------------------------------------

def _ris_value(value: str) -> str:
    return " ".join(str(value).split())  # one line per tag


def ris_record(article: Article, url: str, *, accessed: dt.date | None = None) -> str:
    """One RIS record (TY NEWS … ER), lines ending in CRLF as the format asks."""
    date = article.issue.date
    lines = [("TY", "NEWS"), ("TI", title(article))]
    lines += [("AU", name) for name in authors(article)]
    lines += [("T2", article.issue.newspaper.name), ("JF", article.issue.newspaper.name),
              ("PY", f"{date.year}"), ("DA", f"{date:%Y/%m/%d}/")]
    if article.subheadline:
        lines.append(("N1", article.subheadline))
    if article.section_id:
        lines.append(("SE", article.section.name))
    lines.append(("SP", str(article.page.number)))
    lines += [("UR", url), ("LA", "zh"), ("DB", "报纸数字档案"),
              ("Y2", f"{accessed or dt.date.today():%Y/%m/%d}/"), ("ER", "")]
    return "".join(f"{tag}  - {_ris_value(value)}\r\n" for tag, value in lines)


# --- BibTeX -----------------------------------------------------------------------------------

_BIBTEX_SPECIAL = re.compile(r"([\\{}%&$#_^~])")
_BIBTEX_REPLACEMENTS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "^": r"\^{}", "~": r"\~{}"}


def bibtex_escape(value: str) -> str:
    value = " ".join(str(value).split())
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_REPLACEMENTS.get(m.group(1), "\\" + m.group(1)), value)


def bibtex_record(article: Article, url: str, *, accessed: dt.date | None = None) -> str:
    """One ``@article`` entry, the newspaper as its journal (what Zotero and biblatex read as a
    newspaper article), names braced so that a Chinese name is never split into given/family."""
    date = article.issue.date
    fields = [("title", title(article))]
    names = authors(article)
    if names:
        fields.append(("author", " and ".join("{" + bibtex_escape(n) + "}" for n in names)))
    fields += [("journal", article.issue.newspaper.name), ("date", date.isoformat()), ("year", str(date.year)),
               ("month", str(date.month)), ("day", str(date.day))]
    fields.append(("pages", str(article.page.number)))
    if article.subheadline:
        fields.append(("subtitle", article.subheadline))
    if article.section_id:
        fields.append(("note", f"栏目：{article.section.name}"))
    fields += [("url", url), ("urldate", f"{accessed or dt.date.today():%Y-%m-%d}"), ("langid", "chinese")]
    body = ",\n".join(
        f"  {name} = {{{value}}}" if name == "author" else f"  {name} = {{{bibtex_escape(value)}}}"
        for name, value in fields
    )
    return f"@article{{{_citation_key(article)},\n{body}\n}}\n"


# --- CSL-JSON ---------------------------------------------------------------------------------

def csl_item(article: Article, url: str, *, accessed: dt.date | None = None) -> dict:
    date, accessed = article.issue.date, accessed or dt.date.today()
    item = {
        "id": _citation_key(article),
        "type": "article-newspaper",
        "title": title(article),
        "container-title": article.issue.newspaper.name,
        "author": [{"literal": name} for name in authors(article)],
        "issued": {"date-parts": [[date.year, date.month, date.day]]},
        "URL": url,
        "accessed": {"date-parts": [[accessed.year, accessed.month, accessed.day]]},
        "language": "zh-CN",
    }
    if article.section_id:
        item["section"] = article.section.name
    item["page"] = str(article.page.number)
    if article.subheadline:
        item["title-short"] = article.headline or title(article)
        item["note"] = article.subheadline
    return item


# --- many at once -----------------------------------------------------------------------------

def render(fmt: str, pairs: Iterable[tuple[Article, str]]) -> Iterable[str]:
    """The citations of (article, absolute URL) pairs in ``fmt``, as chunks to stream."""
    accessed = dt.date.today()
    if fmt == "ris":
        for article, url in pairs:
            yield ris_record(article, url, accessed=accessed)
    elif fmt == "bib":
        for number, (article, url) in enumerate(pairs):
            yield ("" if number == 0 else "\n") + bibtex_record(article, url, accessed=accessed)
    elif fmt == "csljson":
        yield "["
        for number, (article, url) in enumerate(pairs):
            yield ("\n" if number == 0 else ",\n") + json.dumps(csl_item(article, url, accessed=accessed),
                                                               ensure_ascii=False)
        yield "\n]\n"
    else:
        raise ValueError(f"unknown citation format {fmt!r}")

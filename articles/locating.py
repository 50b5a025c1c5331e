"""Where a page file belongs: its issue date and page number from its path, and the pages of a file
that holds several, found by their page furniture (``第2版``, ``A3版``, ``2019年10月9日 星期三 第3版 要闻``).

No Django and no I/O: every function takes names or text and returns plain values.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import PurePath

from .segmentation.dates import MASTHEAD_DATE, WEEKDAYS, chinese_numeral, to_ascii_digits

# The range of issue dates the archive accepts from any source: older or later is a typo or a
# misread number, not a newspaper.
EARLIEST_DATE = dt.date(1800, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)

# Dates as crawls and scanners write them into names: 2019-10-09, 2019_10_09, 2019.10.09, 20191009,
# 2019年10月9日. Digits on either side would make it part of a longer number (an id, a hash).
_NAME_DATES = (
    re.compile(r"(?<!\d)(?P<y>1[89]\d\d|20\d\d)[-_.](?P<m>\d{1,2})[-_.](?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>1[89]\d\d|20\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)"),
    re.compile(r"(?P<y>1[89]\d\d|20\d\d)年(?P<m>\d{1,2})月(?P<d>\d{1,2})日"),
)
# A crawl's folders: 2019/10/09/, 201910/09/, 2019-10/09/.
_FOLDER_YEAR_MONTH = re.compile(r"^(?P<y>1[89]\d\d|20\d\d)[-_.]?(?P<m>[01]?\d)$")
_FOLDER_YEAR = re.compile(r"^(?P<y>1[89]\d\d|20\d\d)$")
_FOLDER_NUMBER = re.compile(r"^(?P<n>[0-3]?\d)$")

# Page numbers in names, tried after the date is taken out: 2019-10-09-p03, page3, 第3版, A03, _03, -03.
_NAME_PAGES = (
    re.compile(r"(?:^|[-_ .])(?:p|pg|page)[-_ ]?(?P<n>\d{1,3})(?!\d)", re.IGNORECASE),
    re.compile(r"第(?P<n>[0-9０-９一二三四五六七八九十]{1,3})版"),
    re.compile(r"(?:^|[-_ .])(?P<letter>[A-H])(?P<n>\d{1,2})(?:版)?(?![\dA-Za-z])"),
    re.compile(r"[-_](?P<n>\d{1,3})$"),
)

# A line of page furniture naming its page: "第3版", "第三版 要闻", "A3版", "2019年10月9日 星期三 第3版 要闻",
# "人民日报 2019年10月9日 第3版". Only short lines qualify: a sentence that mentions 第3版 is not furniture.
_FURNITURE = re.compile(
    r"^\s*(?P<before>[^\n]{0,30}?)\s*"
    r"(?:第\s*(?P<n>[0-9０-９一二三四五六七八九十]{1,3})\s*版|(?P<letter>[A-H])\s*(?P<ln>[0-9０-９]{1,2})\s*版)"
    r"\s*[:：·|｜]?\s*(?P<name>[\u4e00-\u9fff]{2,8})?\s*$"
)
_FURNITURE_MAX = 48


@dataclass(frozen=True)
class PageText:
    """One page of a file: its number and name where the furniture gives them, its text and the line
    of the file it starts on (1-based)."""

    number: int | None
    name: str
    text: str
    first_line: int


def _valid_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None
    return date if EARLIEST_DATE <= date <= LATEST_DATE else None


def date_from_path(path: PurePath) -> dt.date | None:
    """The issue date a file's name or its folders give, or None."""
    for pattern in _NAME_DATES:
        m = pattern.search(path.stem)
        if m and (date := _valid_date(int(m["y"]), int(m["m"]), int(m["d"]))):
            return date
    # The folders, innermost first: ".../2019-10-09/p03.txt", ".../201910/09/p03.txt", ".../2019/10/09/x.txt".
    folders = path.parts[:-1]
    if folders:
        for pattern in _NAME_DATES:
            m = pattern.search(folders[-1])
            if m and (date := _valid_date(int(m["y"]), int(m["m"]), int(m["d"]))):
                return date
    if len(folders) >= 2 and (day := _FOLDER_NUMBER.match(folders[-1])):
        if (ym := _FOLDER_YEAR_MONTH.match(folders[-2])) and len(folders[-2]) >= 6:
            return _valid_date(int(ym["y"]), int(ym["m"]), int(day["n"]))
        if len(folders) >= 3 and (month := _FOLDER_NUMBER.match(folders[-2])) and _FOLDER_YEAR.match(folders[-3]):
            return _valid_date(int(folders[-3]), int(month["n"]), int(day["n"]))
    return None


def _strip_dates(stem: str) -> str:
    for pattern in _NAME_DATES:
        stem = pattern.sub(" ", stem)
    return stem


def _page_number(digits: str, letter: str | None = None) -> int | None:
    number = chinese_numeral(digits)
    if not number:
        return None
    # Lettered sections (A1…A16, B1…B8) are numbered apart: B3 is kept from A3 by a hundred per letter.
    return number + 100 * (ord(letter.upper()) - ord("A")) if letter else number


def page_from_path(path: PurePath) -> int | None:
    """The page number a file's name gives (``2019-10-09-p03.txt``, ``第3版.txt``, ``A03.txt``, ``x_03.txt``)."""
    undated = _strip_dates(path.stem)
    stem = undated.strip(" -_.")
    if undated != path.stem and stem.isdigit() and len(stem) <= 3:
        return _page_number(stem)  # 20191009_03.txt: what is left beside the date is the page
    for pattern in _NAME_PAGES:
        m = pattern.search(stem)
        if m:
            return _page_number(m["n"], m.groupdict().get("letter"))
    return None


def _furniture(line: str) -> tuple[int, str] | None:
    if len(line) > _FURNITURE_MAX:
        return None
    m = _FURNITURE.match(to_ascii_digits(line))
    if not m:
        return None
    before = m["before"].strip()
    # What stands before the page label must itself be furniture: a date, a weekday, the paper's name.
    if before and not re.search(r"\d{4}年|星期|周[" + WEEKDAYS + "]|报$", before):
        return None
    number = _page_number(m["n"]) if m["n"] else _page_number(m["ln"], m["letter"])
    return (number, m["name"] or "") if number else None


def split_pages(text: str) -> list[PageText]:
    """The pages of a file. A file whose furniture names two or more different pages is cut at each
    furniture line that starts a new page number; any other file is one page, numbered by its
    furniture where it has some."""
    lines = text.split("\n")
    marks: list[tuple[int, int, str]] = []  # (line index, page number, page name)
    for index, line in enumerate(lines):
        found = _furniture(line)
        if found and (not marks or marks[-1][1] != found[0]):
            marks.append((index, *found))
    numbers = {number for _i, number, _n in marks}
    if len(numbers) < 2:
        number, name = (marks[0][1], marks[0][2]) if marks else (None, "")
        return [PageText(number=number, name=name, text=text, first_line=1)]
    pages: list[PageText] = []
    if "".join(lines[: marks[0][0]]).strip():
        # Text before the first page label (a masthead, a table of contents) stays with the first page.
        marks[0] = (0, marks[0][1], marks[0][2])
    for k, (start, number, name) in enumerate(marks):
        end = marks[k + 1][0] if k + 1 < len(marks) else len(lines)
        pages.append(PageText(number=number, name=name, text="\n".join(lines[start:end]), first_line=start + 1))
    return pages


def masthead_date(text: str) -> dt.date | None:
    """A full date printed with its weekday (``2019年10月9日 星期三``) whose weekday is right."""
    for m in MASTHEAD_DATE.finditer(to_ascii_digits(text)):
        date = _valid_date(int(m["year"]), int(m["month"]), int(m["day"]))
        if date and min(WEEKDAYS.index(m["weekday"]), 6) == date.weekday():
            return date
    return None

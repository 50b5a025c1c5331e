"""Dates in newspaper text: article datelines and the issue date of a page."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter

_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_NUMERALS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

MONTH_DAY = re.compile(r"(?:(?P<year>(?:19|20)\d{2})年)?(?P<month>1[0-2]|0?[1-9])月(?P<day>3[01]|[12]\d|0?[1-9])日")
FULL_DATE = re.compile(r"(?P<year>(?:19|20)\d{2})年(?P<month>1[0-2]|0?[1-9])月(?P<day>3[01]|[12]\d|0?[1-9])日")
WEEKDAYS = "一二三四五六日天"
MASTHEAD_DATE = re.compile(FULL_DATE.pattern + r"\s*(?:星期|周)(?P<weekday>[一二三四五六日天])")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})年")
# The entries of a "this day in history" box: a year-month-day alone on its line.
HISTORY_ENTRY = re.compile(r"^\s*(?:19|20)\d{2}年(?:1[0-2]|0?[1-9])月(?:3[01]|[12]\d|0?[1-9])日\s*$")


# "本报讯 10月27日", "本报讯 (记者 郜蓉)3月24日", "本报北京10月14日电", "新华社南昌10月14日电"
DATELINE_LEAD = re.compile(
    r"(?:本报讯\s*(?:[(（][^)）]{0,30}[)）])?\s*|(?:本报|新华社|[\u4e00-\u9fff]{2,4}社)[\u4e00-\u9fff]{0,10}?)"
    r"(1[0-2]|0?[1-9])月(3[01]|[12]\d|0?[1-9])日"
)


_WIDE_DIGIT = re.compile("[０-９]")


def to_ascii_digits(text: str) -> str:
    # (most lines have no full-width digit: a search is much cheaper than a translation)
    return text.translate(_DIGITS) if _WIDE_DIGIT.search(text) else text


def chinese_numeral(text: str) -> int | None:
    """``1``, ``１``, ``一``, ``十二`` as an int (page numbers are small)."""
    text = to_ascii_digits(text.strip())
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_NUMERALS and ch != "十" for ch in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_NUMERALS[tens] if tens else 1) * 10 + (_CN_NUMERALS[ones] if ones else 0)
    return _CN_NUMERALS[text] if len(text) == 1 else None


def resolve_month_day(month: int, day: int, issue_date: dt.date) -> dt.date | None:
    """The date with this month and day nearest the issue date (a December dateline in a January issue
    is the year before)."""
    best = None
    for year in (issue_date.year - 1, issue_date.year, issue_date.year + 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if best is None or abs((candidate - issue_date).days) < abs((best - issue_date).days):
            best = candidate
    return best


def find_dateline(lead: str, issue_date: dt.date | None, *, window: int = 90) -> dt.date | None:
    """The first month-day date near the start of an article's lead paragraph."""
    text = to_ascii_digits(lead[:window])
    m = MONTH_DAY.search(text)
    if not m:
        return None
    month, day = int(m.group("month")), int(m.group("day"))
    if m.group("year"):
        try:
            return dt.date(int(m.group("year")), month, day)
        except ValueError:
            return None
    if issue_date is None:
        return None
    return resolve_month_day(month, day, issue_date)


def infer_issue_date(text: str) -> tuple[dt.date | None, str]:
    """Guess an issue's date from its text; returns the date and how it was found.

    In order of trust: a masthead date with its weekday; the month-day shared by the entries of a
    "this day in history" box; otherwise the day after the most common dateline, with the latest year
    the text names (target years of plans left out).
    """
    text = to_ascii_digits(text)
    for m in MASTHEAD_DATE.finditer(text):
        try:
            date = dt.date(int(m.group("year")), int(m.group("month")), int(m.group("day")))
        except ValueError:
            continue
        weekday = WEEKDAYS.index(m.group("weekday"))
        if min(weekday, 6) == date.weekday():
            return date, "masthead date"

    lines = text.splitlines()
    history = Counter()
    history_spans = set()
    for line in lines:
        if HISTORY_ENTRY.match(line):
            m = FULL_DATE.search(line)
            history[(int(m.group("month")), int(m.group("day")))] += 1
            history_spans.add(line.strip())
    years = Counter()
    for m in YEAR.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        if text[line_start: line_end if line_end != -1 else None].strip() in history_spans:
            continue
        # A plan's target or the end of a range ("到2025年", "2020—2023年") is not the time of writing.
        if m.start() > 0 and text[m.start() - 1] in "到至前—－-~～":
            continue
        years[int(m.group(1))] += 1
    year = max(years) if years else None

    month_day = None
    how = ""
    if history and history.most_common(1)[0][1] >= 2:
        month_day = history.most_common(1)[0][0]
        how = "'this day in history' entries"
    else:
        datelines = Counter()
        for m in DATELINE_LEAD.finditer(text):
            datelines[(int(m.group(1)), int(m.group(2)))] += 1
        if not datelines:
            for m in MONTH_DAY.finditer(text):
                if not m.group("year"):
                    datelines[(int(m.group("month")), int(m.group("day")))] += 1
        if datelines:
            month_day = datelines.most_common(1)[0][0]
            how = "datelines"
    if month_day is None or year is None:
        return None, "no dates in the text"
    try:
        date = dt.date(year, *month_day)
    except ValueError:
        return None, "no consistent date in the text"
    if how == "datelines":
        date += dt.timedelta(days=1)  # a dateline is usually the day before publication
    return date, f"{how} and the years named in the text"

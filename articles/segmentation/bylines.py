"""Recognising the people and bodies credited in a newspaper article.

A credit string such as ``记者 王勇 通讯员 王琦`` becomes ``[Credit("王勇", "记者"),
Credit("王琦", "通讯员")]``. The functions answer ``None`` when the text is not a
credit at all, so callers can use them as recognisers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

ROLE_REPORTER = "记者"
ROLE_CORRESPONDENT = "通讯员"
ROLE_PHOTOGRAPHER = "摄影"
ROLE_COMMENTATOR = "评论员"
ROLE_SUPPLIER = "供稿"
ROLE_AUTHOR = "署名"
ROLE_PHOTO_SOURCE = "图片提供"

# Roles whose holders are not the article's authors, so the interchange format leaves them out.
NON_AUTHOR_ROLES = frozenset({ROLE_PHOTO_SOURCE})


@dataclass(frozen=True)
class Credit:
    name: str
    role: str


_CJK = r"\u4e00-\u9fff"
# A personal name: two to four Han characters, or a transliterated name joined with a middle dot.
_NAME = rf"(?:[{_CJK}]{{2,4}}|[{_CJK}]{{1,6}}[·•][{_CJK}]{{1,8}})"
NAME_RE = re.compile(rf"^{_NAME}$")
# "记者", "本报记者", "山西日报记者", "新华社记者", "见习记者"...
_REPORTER_ROLE = re.compile(rf"^(?:[{_CJK}]{{0,6}}?(?:日报|晚报|报|社|台)|本报|见习|特约|实习)?记者")
_OTHER_ROLES = [
    (re.compile(r"^(?:本报)?(?:特约)?通讯员"), ROLE_CORRESPONDENT),
    (re.compile(r"^实习生"), ROLE_CORRESPONDENT),
    (re.compile(r"^(?:文/图|图/文|文／图|图／文|摄影|摄)"), ROLE_PHOTOGRAPHER),
]
COMMENTATOR_RE = re.compile(rf"^(?:本报|[{_CJK}]{{0,6}}?(?:日报|报|社))(?:特约)?评论员$")
# Characters that never occur in a byline name: they mark ordinary text in brackets.
_NOT_NAME_CHARS = set("的了是在和与及等为以上下中第版年月日时分个件万亿元省市县区镇村党委局厅部会")
_STOP_WORDS = {"上接", "下转", "转版", "完", "续", "图片", "资料图", "下同", "同上", "以下简称", "简称"}


def _merge_spaced_name(text: str) -> list[str] | None:
    """Two-character names are printed padded to three (``李  斌``, ``鲜  敢  于  杰``): two single
    characters standing apart in a row are one name."""
    parts = [t for t in re.split(r"[\s\u3000]+", text) if t]
    merged: list[str] = []
    joined = False
    i = 0
    while i < len(parts):
        if (i + 1 < len(parts) and len(parts[i]) == 1 and len(parts[i + 1]) == 1
                and re.fullmatch(rf"[{_CJK}]", parts[i]) and re.fullmatch(rf"[{_CJK}]", parts[i + 1])):
            merged.append(parts[i] + parts[i + 1])
            joined = True
            i += 2
            continue
        merged.append(parts[i])
        i += 1
    if not joined:
        return None
    return [t for part in merged for t in re.split(r"[、，,/／]+", part) if t]


def _role_prefix(token: str) -> tuple[str | None, str]:
    m = _REPORTER_ROLE.match(token)
    if m:
        return ROLE_REPORTER, token[m.end():]
    for pattern, role in _OTHER_ROLES:
        m = pattern.match(token)
        if m:
            return role, token[m.end():]
    return None, token


def _plausible_name(name: str, *, strict: bool) -> bool:
    if not NAME_RE.match(name) or name in _STOP_WORDS:
        return False
    # Bare names in brackets are only taken when they cannot be ordinary words of the text.
    if strict and any(ch in _NOT_NAME_CHARS for ch in name[1:]):
        return False
    return True


def parse_credit(text: str, *, default_role: str = ROLE_AUTHOR) -> list[Credit] | None:
    """Parse a credit such as ``徐方伟、赵继刚`` or ``山西日报记者 杨文``; ``None`` if it is not one."""
    text = text.strip().strip("()（）").strip()
    if not text or len(text) > 60:
        return None
    if COMMENTATOR_RE.match(text):
        return [Credit(text, ROLE_COMMENTATOR)]
    m = re.match(rf"^([{_CJK}（）()]{{3,30}}?)(?:供稿|供图|提供)$", text)
    if m:
        role = ROLE_SUPPLIER if text.endswith("供稿") else ROLE_PHOTO_SOURCE
        return [Credit(m.group(1), role)]
    tokens = _merge_spaced_name(text) or [t for t in re.split(r"[\s\u3000、，,/／]+", text) if t]
    credits: list[Credit] = []
    role = default_role
    saw_role = False
    for token in tokens:
        token_role, rest = _role_prefix(token)
        if token_role:
            role, saw_role = token_role, True
            if not rest:
                continue
            token = rest
        if token == "摄" and credits:
            credits = [Credit(c.name, ROLE_PHOTOGRAPHER) for c in credits]
            continue
        if token.endswith("摄") and len(token) > 2 and _plausible_name(token[:-1], strict=False):
            credits.append(Credit(token[:-1], ROLE_PHOTOGRAPHER))
            continue
        if not _plausible_name(token, strict=not saw_role):
            return None
        credits.append(Credit(token, role))
    return credits or None


_PAREN_TAIL = re.compile(r"[(（]([^()（）]{2,40})[)）]\s*$")
_PHOTO_SOURCE_TAIL = re.compile(r"[(（]\s*(?:图片由([^()（）]{2,30}?)提供|([^()（）]{2,20}?)供图)\s*[)）]\s*$")
_TRAILING_ROLE_BYLINE = re.compile(
    rf"(?:(?<=[。！？!?”」』…])|\s)\s*((?:[{_CJK}]{{0,6}}?(?:日报|报|社)|本报)?记者[\s\u3000]*{_NAME}"
    rf"(?:[\s\u3000、]+(?:(?:本报)?通讯员|实习生)?[\s\u3000]*{_NAME})*)\s*$"
)


def split_trailing_credits(paragraph: str) -> tuple[str, list[Credit]]:
    """Split closing credits off the end of a body paragraph.

    Handles ``…局面。(刘涛)``, ``…生产。(岳霞红) (图片由…提供)`` and ``…繁荣。” 记者 弓凤飞``.
    """
    credits: list[Credit] = []
    text = paragraph.rstrip()
    while True:
        # (both bracketed tails end the text on its bracket, and a reporter's credit names 记者: the
        # searches, which try every place in the paragraph, are left out where they cannot match)
        bracketed = text[-1:] in ")）"
        m = _PHOTO_SOURCE_TAIL.search(text) if bracketed else None
        if m and m.start() > 0:
            credits.insert(0, Credit((m.group(1) or m.group(2)).strip(), ROLE_PHOTO_SOURCE))
            text = text[: m.start()].rstrip()
            continue
        m = _PAREN_TAIL.search(text) if bracketed else None
        if m and m.start() > 0 and text[m.start() - 1] in "。！？!?”」』…；; \u3000":
            parsed = parse_credit(m.group(1))
            if parsed:
                credits = parsed + credits
                text = text[: m.start()].rstrip()
                continue
        m = _TRAILING_ROLE_BYLINE.search(text) if "记者" in text else None
        if m and m.start(1) > 0:
            parsed = parse_credit(m.group(1))
            if parsed:
                credits = parsed + credits
                text = text[: m.start(1)].rstrip()
                continue
        break
    return text, credits


def parse_byline_line(line: str) -> list[Credit] | None:
    """A paragraph that is nothing but a credit: ``(刘涛)``, ``记者 张勇``, ``本报评论员``."""
    s = line.strip()
    if len(s) > 50:
        return None
    m = re.fullmatch(r"[(（]([^()（）]+)[)）]", s)
    if m:
        return parse_credit(m.group(1))
    if COMMENTATOR_RE.match(s):
        return [Credit(s, ROLE_COMMENTATOR)]
    if re.fullmatch(rf"[{_CJK}][ \u3000]{{1,3}}[{_CJK}]", s):
        return parse_credit(s)
    role, _rest = _role_prefix(s)
    if role is None:
        return None
    credits = parse_credit(s)
    if credits is None and s.endswith("文") and len(s) > 3:
        credits = parse_credit(s[:-1])  # ``本报记者  崔  佳  李  坚文``: text by them
    return credits


_PHOTO_CREDIT_TAIL = re.compile(
    rf"(?:(?<=[。！？!?”」』…）)])|\s)\s*((?:(?:[{_CJK}]{{0,6}}?(?:日报|报|社)|本报)?记者[\s\u3000]*)?"
    rf"{_NAME}(?:[\s\u3000、]+{_NAME})*)[\s\u3000]*摄\s*(?:[(（]([^()（）]{{2,12}})[)）])?\s*$"
)


def split_photo_credit(paragraph: str) -> tuple[str, list[Credit]] | None:
    """``…实现产业升级。张昊宇 摄`` or ``…杨志礼摄（人民视觉）``: a photo caption and its photographer."""
    if "摄" not in paragraph:
        return None  # (the credit ends on 摄: no search through a paragraph without one)
    m = _PHOTO_CREDIT_TAIL.search(paragraph.rstrip())
    if not m or m.start(1) == 0:
        return None
    parsed = parse_credit(m.group(1))
    if not parsed:
        return None
    credits = [Credit(c.name, ROLE_PHOTOGRAPHER) for c in parsed]
    if m.group(2):
        credits.append(Credit(m.group(2), ROLE_PHOTO_SOURCE))
    return paragraph[: m.start(1)].rstrip(), credits

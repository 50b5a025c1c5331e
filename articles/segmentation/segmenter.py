"""Split the plain text of a newspaper issue into articles.

``segment(text, issue_date=...)`` is a pure function: no Django, no I/O. It reads the text as a
sequence of *units* (non-empty lines), repairs what PDF extraction broke (paragraphs split
mid-sentence, doubled paragraphs, OCR markup), then walks the units with a small state machine:
runs of short lines are headlines (or intertitles inside a feature, or section banners), long
lines are body paragraphs, and credits, continuation marks, photo credits and "this day in
history" entries each have their own recogniser.
"""
from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .bylines import (
    NON_AUTHOR_ROLES,
    ROLE_COMMENTATOR,
    ROLE_PHOTO_SOURCE,
    ROLE_PHOTOGRAPHER,
    ROLE_REPORTER,
    ROLE_SUPPLIER,
    Credit,
    parse_byline_line,
    parse_credit,
    split_photo_credit,
    split_trailing_credits,
)
from .boundaries import (
    ENDS_WITH_TAG,
    PageVocabulary,
    RunContext,
    headline_probability,
    rule_says_headline,
    shape,
)
from .dates import HISTORY_ENTRY, MASTHEAD_DATE, chinese_numeral, find_dateline, to_ascii_digits
from .text import (
    OPENING,
    cjk_ratio,
    first_clause,
    full_width_punctuation,
    is_terminated,
    join_broken,
    normalise_newlines,
    strip_ocr_markup,
)

KIND_NEWS = "news"
KIND_FEATURE = "feature"
KIND_COMMENTARY = "commentary"
KIND_PHOTO = "photo"
KIND_NOTICE = "notice"
KIND_COLUMN = "column"
KIND_CONTINUATION = "continuation"

MAX_HEADLINE_LINE = 60
# A decision of the boundary model within this of 0.5 is unsure: ``_Segmenter._search`` tries it the other way.
UNSURE = 0.2

# "本报讯", "本报北京1月1日电", "新华社北京12月31日电", "据新华社科伦坡12月31日电", "新华社电", with the year
# when the dispatch is dated in the year before the issue ("新华社北京2019年12月31日电" on 1 January): the lead
# of a news item, matched whole so that a credit in brackets right after it is found.
_LEAD = re.compile(
    r"^(?:据)?(?:(?:本报|新华社|中新社|[\u4e00-\u9fff]{2,6}(?:社|报|台|网))[\u4e00-\u9fff·]{0,14}?"
    r"(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:电|讯)|本报讯|新华社电|新华社[\u4e00-\u9fff]{2,8}电)"
)
_LEAD_CREDIT = re.compile(r"^\s*[(（]([^()（）]{2,40})[)）]")
_CONTINUED_FROM = re.compile(r"^[(（]\s*上接第?\s*([0-9０-９一二三四五六七八九十]{1,3})\s*版\s*[)）]\s*")
_CONTINUED_TO = re.compile(r"\s*[(（]\s*(?:下转|转)第?\s*([0-9０-９一二三四五六七八九十]{1,3})\s*版\s*[)）]\s*$")
_SUBTITLE = re.compile(r"^[—－―]{1,2}\s*")
_COLUMN_TAG = re.compile(r"^[(（]([\u4e00-\u9fff]{2,8})[)）]$")
_HEADLINE_TAG = re.compile(r"\s*[(（]([\u4e00-\u9fff]{2,6}(?:观|谈|评|论|语|话|窗|点|录|记))[)）]$")
# A reader's letter signed with place and name: ``山西太原市  刘  洪``, ``安徽黟县 吴寿宜``.
_SIGNATURE = re.compile(
    r"^[\u4e00-\u9fff]{1,10}(?:省|市|县|区|州|旗|盟)(?:[\u4e00-\u9fff]{1,6}(?:市|县|区|镇|乡|村))?[ \u3000]+"
    r"[\u4e00-\u9fff](?:[ \u3000]*[\u4e00-\u9fff]){1,2}$"
)
# A reader's letter signed by a group with its place: ``河南信阳市商城县鄢岗镇肖寨村部分村民``.
_GROUP_SIGNATURE = re.compile(
    r"^[\u4e00-\u9fff]{1,10}(?:省|市|县|区|州)[\u4e00-\u9fff]{0,16}(?:市|县|区|镇|乡|村|社区|小区)"
    r"(?:部分|全体|一群)?(?:村民|居民|群众|职工|家长|业主|师生|读者)$"
)
# A whole line in brackets after a paragraph: a note on the text (a name changed, a source).
_NOTE_LINE = re.compile(r"^[(（][^()（）]{4,78}[)）]$")
# ``（2020年5月28日第十三届全国人民代表大会第三次会议通过）``, ``（二〇一九年十二月三十一日）``: the date a
# document was adopted or a speech given, printed in brackets under its title
_DATED_NOTE = re.compile(r"^[(（][^()（）]*[0-9０-９〇零一二三四五六七八九]{4}年[^()（）]{1,3}月[^()（）]{1,4}日[^()（）]*[)）]$")
# Labels a paper prints over a photo with its caption (图片报道, 摄影报道): each heads a photo of
# its own, never an intertitle of the story above.
_PHOTO_LABEL = re.compile(r"^(?:图片报道|摄影报道|图片故事|新闻图片|图说新闻)$")
# ``在《反分裂国家法》实施15周年座谈会上的发言摘要``: the speeches of a meeting, summed up one after the other
_SPEECHES_SUMMARY = re.compile(r"(?:发言|讲话)(?:摘要|摘登|摘编)$")
# The organisers of an event or a campaign printed under its headline (``主办单位：…  支持单位：…``): the text's first line.
_ORGANISERS = re.compile(r"^(?:主办|承办|协办|指导|支持|出品)(?:单位)?[：:]")
# The number of an item in a list (一、  1.  （一）  ①): a document's first item, not a headline line.
_LIST_ITEM = re.compile(r"^(?:[一二三四五六七八九十]{1,3}、|[0-9０-９]{1,2}[.．、](?![0-9０-９])|[(（][一二三四五六七八九十0-9]{1,3}[)）]|[①-⑳])")
_ANNOUNCES = re.compile(r"(?:如下|全文|原文|下文)[。：:]?$|[：:]$")
_NOTICE_HEADLINE = re.compile(r"(?:启事|启示|公告|通告|声明|公示|讣告|告知书|通知书)$")
_COMMENTARY_HINT = re.compile(r"(?:评论|时评|社论|短评|述评|观$)")
# Sentence openers: a paragraph that starts with one of these starts a new sentence, so the short
# line before it is a title, not the first half of a broken sentence.
_OPENERS = re.compile(
    r"^(?:[0-9０-９]|据|近日|日前|目前|此外|同时|另外|今年|去年|近年|今后|当前|如今|随着|截至|通过|按照|根据|依托|"
    r"围绕|针对|为了|为|在|对|从|由于|我市|我省|我国|该|这|其中|一是|二是|三是|四是|五是|首先|其次|最后|记者|本报|"
    r"他|她|他们|如果|但|而|因此|所以|总之|与此同时|一方面|另一方面|不仅|虽然|尽管|"
    r"过去|最近|近期|以前|此前|当时|后来|随后|眼下|然而|不过|其实|同样|清晨|清早|早上|晚上|上午|下午|现在|最初|近来|报载|据悉)"
)
# Section banners (栏目): recurring page furniture rather than headlines. Matched as whole names or
# by the campaign phrasing they are built from.
_BANNER_NAMES = {
    "要闻", "政务之要", "本地新闻", "综合新闻", "时政", "时政新闻", "国内", "国际", "国内新闻", "国际新闻",
    "经济", "社会", "民生", "文化", "体育", "评论", "理论", "副刊", "专题", "视点", "观察", "图片新闻",
    "新闻速递", "简讯", "快讯", "一线", "区县新闻", "城事", "财经", "法治", "健康", "教育", "科技", "文旅",
}
_BANNER_PATTERNS = re.compile(
    r"^(?:聚焦|关注|深入学习|学习贯彻|学习宣传贯彻|深入贯彻|贯彻落实|喜迎|迎接|奋进|庆祝|走进|我为群众办实事|"
    r"党史学习教育|砥砺奋进|踔厉奋发|奋进新征程|新春走基层|一线见闻|记者一线|抓[\u4e00-\u9fff]{1,6}促)"
    r"|(?:之要|专栏|特刊|进行时|在行动|新实践|巡礼|系列报道|大家谈|面对面|一线|见闻|时评|观察|速递|专题)$"
)
_GENERIC_BANNER_WORDS = re.compile(
    r"^(?:聚焦|关注|深入学习宣传贯彻|学习宣传贯彻|深入学习|学习贯彻|深入贯彻|贯彻落实|抓)|(?:精神|专栏|专题)$"
)
# Page furniture: mastheads with a weekday, page labels, desk credits. Not part of any article.
_PAGE_FURNITURE = re.compile(
    MASTHEAD_DATE.pattern + r"|^第?\s*[0-9０-９一二三四五六七八九十]{1,3}\s*版(?:\s|$)"
    r"|^(?:本版)?(?:责任编辑|责编|美术编辑|美编|校对|图片编辑)\s*[:：]"
)
# Lines printed at the foot of an article: who laid it out or drew its chart, where its figures
# came from, where to send letters, who released its photo, its attachment (附件：). They end the
# article above and stay in its text (the paper prints them as its last line).
_TRAILER = re.compile(
    r"^(?:本版|本期|本组|本栏)?(?:版式设计|(?:图表)?设计|制图|制表|绘图|插图|(?:内容)?统筹|策划|采访整理|采写|撰文|执笔|附件|"
    r"(?:资料|数据|图片|资料和数据|数据和资料)?来源|(?:栏目)?(?:投稿|电子)?(?:邮箱|信箱))(?:\s*[:：]|[\s\u3000]{2,}(?=\S))"
    r"|^(?:新华社|中新社|人民视觉|影像中国|视觉中国|人民图片|本报资料图片|资料图片)(?:发|供图)?$"
    r"|^(?:本报)?(?:特约)?记者[\s\u3000]*[\u4e00-\u9fff·、\s\u3000]{2,30}?(?:整理|采写|采访整理)$"
    # a photo story's credits, text by one and pictures by another: ``本报记者  苏  航文/新华社图``,
    # ``本报记者 殷新宇文 中白工业园区开发公司供图``, ``本报记者  方  圆文  新华社记者  王  松摄``,
    # ``受访者供图``, ``供图：…``
    r"|^(?:(?:本报)?(?:特约)?记者)?[\s\u3000]*[\u4e00-\u9fff·\s\u3000]{2,12}?文(?:[\s\u3000]+|[\s\u3000]*[/／][\s\u3000]*)"
    r"[\u4e00-\u9fff·（）()\s\u3000]{2,24}?(?:(?:供)?图|摄)$"
    r"|^[\u4e00-\u9fff·（）()\s\u3000]{2,24}?供图$|^供图\s*[:：]"
    # a photographer's name over the agency that released the photo, without 摄: ``胥 鹏（人民视觉）``
    r"|^(?:(?!摄)[\u4e00-\u9fff][\s\u3000]*){2,4}[(（](?:人民视觉|影像中国|视觉中国|人民图片|新华社|中新社)[)）]$"
)
_GLUED_BANNER_TAIL = re.compile(r"^(“[^”]{1,8}”[\u4e00-\u9fff]{2})(?=[\u4e00-\u9fff]{4,})")
# A closing line in brackets: where the story was filed, who wrote it, where it was taken from
# (``（本报加德满都10月12日电）``, ``（作者为……）``, ``（本报记者……报道）``, ``（据新华社电）``).
_CLOSING_LINE = re.compile(
    r"^[(（](?:本报|新华社|中新社|据|作者|综合|参与|记者|摘编|摘自|执笔|本系列|本文|来源|编译|整理|特约|通讯员"
    r"|.{0,60}(?:电|报道|供稿|整理|编译|采写)[)）]$)"
)
# Labels of a box printed at the head of an article: the summary or an editor's note. They open
# the body; they are never a headline of their own.
# (``开栏的话``: the note opening a new series; ``引 子``, ``序 言``: a feature's opening part;
# ``■点评``, ``【点评】``: an expert's comment boxed under a report; ``■小贴士·滑雪安全``: tips boxed
# under a feature)
_BOX_LABEL = re.compile(r"^(?:[■□◆●▲]\s*|【)?(?:核心阅读|内容提要|阅读提示|编者按|编者的话|编辑的话|开栏的话|导读|编后|编后语"
                        r"|记者手记|链接|点评|小贴士|引\s*子|楔\s*子|序\s*言|前\s*言)(?:·[\u4e00-\u9fff]{1,8})?】?[:：]?$")
# A feature's closing part, printed padded like a name (``尾 声``, ``后 记``): an intertitle, not a credit.
_CLOSING_PART = re.compile(r"^(?:尾\s*声|后\s*记|结\s*语)$")
# The signature closing an editor's note: the article it introduces follows, headline-less.
_EDITOR_SIGNOFF = re.compile(r"^[—－―]{1,2}\s*编\s*者$")
# A photographer's credit standing alone under a caption: ``龚献明摄（影像中国）``, ``新华社记者  杨宗友摄``.
_PHOTO_LINE = re.compile(
    r"^(?:(?:[\u4e00-\u9fff]{0,6}?(?:日报|报|社)|本报)?(?:特约)?记者[\s\u3000]*)?"
    r"([\u4e00-\u9fff·•、\s\u3000]{2,40}?)[\s\u3000]*摄(?:影)?(?:报道)?\s*(?:[(（]([^()（）]{2,12})[)）])?$"
)
_BARE_NAME = re.compile(r"^[\u4e00-\u9fff](?:[ \u3000]*[\u4e00-\u9fff]){1,3}$")
_NAME = r"[\u4e00-\u9fff]{2,3}(?:·[\u4e00-\u9fff]{1,8})?(?:[(（][\u4e00-\u9fff]{1,6}[)）])?"
_NAME_LIST = re.compile(rf"^{_NAME}(?:[ \u3000]{{2,}}{_NAME}){{3,}}$")
_SAYS = re.compile(r"(?:说|道|问|答|表示|指出|认为|强调|介绍|如下|是|为|有|包括)[：:]$")
# a sentence quoted whole after a clause of its own: ``…监测墒情：“春浇一水，亩产千斤啊！”``
_QUOTED_SENTENCE = re.compile(r"[，,：:].*[“「][^“”「」]+[。！？!?][”」]$")
_DISPATCH_CLOSE = re.compile(r"电[\s\u3000)）]")
# The label of a box of items (``发言席``, ``建议``, ``来论``, ``议民生·教育``): a name, not a sentence.
_BOX_NAME = re.compile(r"^[\u4e00-\u9fff]{2,10}(?:·[\u4e00-\u9fff]{2,6})?$")
# A figure standing alone in a data box: ``1.6万人次``, ``447.68米``, ``99.1%`` (not a date, not a bare numeral)
_FIGURE = re.compile(r"^[0-9０-９][0-9０-９,，]*(?:[.．][0-9０-９]+)?\s*(?:[%％]|(?![年月日时版号期])[\u4e00-\u9fff]{1,3})$"
                     r"|^[0-9０-９]+[.．][0-9０-９]+$")
# The label of a letter or a telegram printed under the news of it: ``回 信``, ``贺 信``, ``贺 电``.
_LETTER_LABEL = re.compile(r"^[回复贺唁][\s\u3000]*[信电]$")
_SPACED_PHRASES = re.compile(r"[\u4e00-\u9fff”》]{2}[ \u3000]+[\u4e00-\u9fff“《]{2}")
_BARE_PAIR = re.compile(r"^[\u4e00-\u9fff][ \u3000]{1,3}[\u4e00-\u9fff]$")
_PHOTOGRAPHER_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$|^[\u4e00-\u9fff]{2,8}·[\u4e00-\u9fff]{2,8}$")
# A cartoon's credits: ``曹希阳图  卜  拉文`` (drawn by, written by).
_CARTOON_LINE = re.compile(r"^[\u4e00-\u9fff·\s\u3000]{2,12}?图[\s\u3000]+[\u4e00-\u9fff·\s\u3000]{2,12}?文$")


@dataclass
class SegmentedArticle:
    """One article as the segmenter found it.

    A headline has up to three parts as printed: ``kicker`` (引题, the lead-in line above),
    ``title`` (主题, the main line) and ``subheadline`` (副题, the ``——`` line below, dashes removed).
    ``headline`` is kicker and title joined with one space, as the interchange format writes it.
    """

    position: int
    kicker: str | None = None
    title: str | None = None
    subheadline: str | None = None
    section: str | None = None
    credits: list[Credit] = field(default_factory=list)
    dateline: dt.date | None = None
    kind: str = KIND_NEWS
    continued_from_page: int | None = None
    continued_to_page: int | None = None
    paragraphs: list[str] = field(default_factory=list)
    start_line: int = 0
    end_line: int = 0

    @property
    def headline(self) -> str | None:
        return " ".join(part for part in (self.kicker, self.title) if part) or None

    @headline.setter
    def headline(self, value: str | None) -> None:
        # A headline set whole is a main line without a lead-in.
        self.kicker, self.title = None, value

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def bylines(self) -> list[str]:
        names: list[str] = []
        for credit in self.credits:
            if credit.role not in NON_AUTHOR_ROLES and credit.name not in names:
                names.append(credit.name)
        return names


@dataclass
class SegmentationResult:
    articles: list[SegmentedArticle]
    warnings: list[str]


@dataclass
class _Unit:
    text: str
    line: int
    end_line: int
    block: int
    blank_after: int
    index: int = 0  # its place among the page's units once repaired


@dataclass
class _Draft:
    """An article being built, with the facts the state machine needs about it."""

    article: SegmentedArticle
    closed: bool = False
    truncated: bool = False
    lead: bool = False
    intertitles: int = 0
    date_entries: int = 0
    tag: str | None = None
    photo: bool = False  # a caption with its credit run in
    photo_credit: bool = False  # closed by a photographer's credit line
    signed_note: bool = False  # an editor's note just signed ——编者: the text it introduces follows
    units: list[int] = field(default_factory=list)  # the units of its paragraphs, by index
    grams: set[str] = field(default_factory=set)  # the bigrams of their openings
    intertitle_shapes: list[tuple[int, bool]] = field(default_factory=list)
    # the last run taken for an intertitle: where its lines start among the paragraphs, its units
    last_intertitle: tuple[int, list[_Unit]] | None = None
    digest: bool = False  # a box of short items under one label (资讯速递): item titles are its text
    digest_lines: int = 1  # lines of each item's heading (a title, or a speaker over a title)
    head_lines: int = 0  # lines of its headline (kicker and main line)
    # a box of signed items under one label (发言席, 建议): each item's heading lines and how it is signed
    box: tuple[int, str] | None = None
    letter: bool = False  # headed by a letter's label (回 信): the dispatch reporting the letter follows it
    written_up: bool = False  # just closed by a reporter's ``（本报记者 X整理）``
    reporter_closed: bool = False  # just closed by its reporter's name in brackets, ``（本报记者  张  枨）``
    dated: bool = False  # just closed by the date under a text's signature (a decree's, a letter's, a telegram's)
    parts: int = 0  # lines of the heading of the first part of a report in parts (a dash-ended lead-in over a title)
    # a reporter's note printed at its end (``■记者手记``, ``…（记者手记）``): 1 once its heading is in, 2 once its text is
    note: int = 0


@dataclass
class _Banner:
    text: str
    line: int
    blank_after: int
    after_article: int  # how many articles came before it


_BLANK = " \t\u3000\u00a0\ufeff"


def _units(text: str) -> list[_Unit]:
    """Non-empty lines as units, with hard-wrapped paragraphs re-flowed into one unit each."""
    blocks: list[list[tuple[int, str]]] = []
    blank_after: list[int] = []  # blank lines after each block
    for number, raw in enumerate(normalise_newlines(text).split("\n"), start=1):
        # No-break spaces pad names and headlines as ordinary spaces do; they carry no meaning here.
        raw = strip_ocr_markup(raw.rstrip()).replace("\u00a0", " ")
        if not raw.strip(_BLANK):
            if blocks:
                blank_after[-1] += 1
            continue
        if not blocks or blank_after[-1]:
            blocks.append([])
            blank_after.append(0)
        blocks[-1].append((number, raw))
    units: list[_Unit] = []
    for index, (block, blanks) in enumerate(zip(blocks, blank_after, strict=True), start=1):
        units.extend(_reflow(block, index))
        units[-1].blank_after = blanks
    return units


_INDENT = re.compile(r"^[ \u3000]{2,}")


def _reflow(block: list[tuple[int, str]], index: int) -> list[_Unit]:
    """Lines of one block (no blank line between them). Pages printed one paragraph per line pass
    through unchanged; a paragraph wrapped over several lines (marked by indented first lines, or by
    lines of near-equal length) becomes one unit again."""
    stripped = [raw.strip(_BLANK) for _n, raw in block]
    indented = [bool(_INDENT.match(raw)) for _n, raw in block]
    longest = max(len(s) for s in stripped)
    by_indent = any(indented)
    units: list[_Unit] = []
    for (number, _raw), text, indent in zip(block, stripped, indented, strict=True):
        if units:
            prev = units[-1].text
            if by_indent:
                wrapped = not indent and (not is_terminated(prev) or len(text) >= 25)
            else:
                wrapped = len(block) >= 3 and longest >= 25 and len(prev) >= 0.8 * longest and not is_terminated(prev)
            if wrapped:
                units[-1].text = join_broken(prev, text)
                units[-1].end_line = number
                continue
        units.append(_Unit(text, number, number, index, 0))
    return units


_LEAD_REACH = 48  # no lead is longer: the digits of a paragraph's head are all it needs translated


def is_lead(text: str) -> bool:
    return _is_lead_head(text[:_LEAD_REACH])


@functools.lru_cache(maxsize=8192)
def _is_lead_head(head: str) -> bool:
    # Asked several times of each paragraph (repair, the walk, the look-ahead of a run).
    return bool(_LEAD.match(to_ascii_digits(head)))


def _is_history_entry(text: str) -> bool:
    return len(text) <= 24 and bool(HISTORY_ENTRY.match(to_ascii_digits(text)))


def _photo_line_credits(text: str) -> list[Credit] | None:
    if len(text) > 60:
        return None
    m = _PHOTO_LINE.match(text)
    if not m:
        return None
    names = parse_credit(m.group(1), default_role=ROLE_PHOTOGRAPHER)
    if not names:
        # ``滕治中摄``, ``耿玉和摄``: before 摄 a name may hold characters that elsewhere mark a word.
        tokens = m.group(1).split()
        if not tokens or not all(_PHOTOGRAPHER_NAME.match(t) for t in tokens):
            return None
        names = [Credit(t, ROLE_PHOTOGRAPHER) for t in tokens]
    credits = [Credit(c.name, ROLE_PHOTOGRAPHER) for c in names]
    if m.group(2):
        credits.append(Credit(m.group(2), ROLE_PHOTO_SOURCE))
    return credits


def _is_credit_line(text: str) -> bool:
    return len(text) <= 160 and bool(_CLOSING_LINE.match(text) or _CARTOON_LINE.match(text)
                                     or _photo_line_credits(text) is not None)


def _is_headline_like(text: str) -> bool:
    # Headlines end in closing quotes and brackets often ("实现首季“开门红”", "完成村(社区)"),
    # but never in a full stop or a mark that leaves the sentence open.
    if len(text) > MAX_HEADLINE_LINE or "。" in text or cjk_ratio(text) < 0.3:
        return False
    if ("  " in text or "\u3000" in text) and _NAME_LIST.match(text):
        return False  # ``杨振武  信春鹰（女）  李飞  张业遂``: a list of names is text, however short
    if text[-1] == "…" and ("，" in text or "," in text):
        return False  # ``小院里，笑声朗朗，暖意融融……``: a sentence trailing off (a headline lists: ``…、做科普……``)
    if text[-1] in "！？!?…":
        return len(text) <= 30
    return text[-1] not in "。；;，,、：:"


def _is_label_over_title(text: str, following: _Unit | None, after: _Unit | None) -> bool:
    """``江西上饶市委书记王某代表：`` over ``让困难群众在家门口就业`` over the text: a short line
    that names its speaker with a colon and no other mark (but the 、 between a speaker's titles,
    ``江苏省委常委、苏州市委书记某某代表：``), printed over a headline line, is a lead-in of that
    headline, not a paragraph."""
    if following is None or after is None or not 2 <= len(text) <= 30 or text[-1] not in "：:":
        return False
    if _SAYS.search(text):
        return False  # a sentence introducing a quotation or a list, not a name
    if re.search(r"[，,。；;“”！？]", text[:-1]):
        return False
    return _is_headline_like(following.text) and not is_lead(following.text) and _is_body_like(after.text)


def _heads_document(shorts: list[_Unit]) -> bool:
    """A title over the date its document was adopted or its speech given."""
    return len(shorts) >= 2 and any(_DATED_NOTE.match(u.text) for u in shorts[1:])


# ``湖南省工信厅厅长曹某某代表：``, ``联想集团董事长杨某某代表``: a deputy or a member of a political
# consultative conference named with an office (a place, an employer, a post: at least five
# characters before the name), no other mark but the 、 between offices.
_TITLED_SPEAKER = re.compile(r"^[\u4e00-\u9fff、（）()·]{7,28}(?:代表|委员)[：:]?$")


# ``巴音朝鲁代表（吉林省委书记、省人大常委会主任）``: a speaker's name over his office in brackets, under
# the heading of his remarks
_SPEAKER_WITH_OFFICE = re.compile(r"^[\u4e00-\u9fff·]{2,8}(?:代表|委员)[（(][^（）()]{2,40}[）)]$")
_WRITTEN_UP = re.compile(r"整理[)）]?$")
# A deputy or a member named without an office: ``李君代表``, ``格桑德吉代表``
_BARE_SPEAKER = re.compile(r"^[\u4e00-\u9fff·]{2,6}(?:代表|委员)$")
# A reporter's note: its label (``■记者手记``) or its title's tag (``用心做好一件事（记者手记）``)
_REPORTERS_NOTE = re.compile(r"记者手记[)）】]?$")
# ``——陈良代表`` under a deputy's words in quotes
_QUOTED_SPEAKER = re.compile(r"^——[\u4e00-\u9fff·]{2,12}(?:代表|委员)$")
# ``（本报记者  张  枨）``: an item closed by its reporter's name alone
_REPORTER_CLOSING = re.compile(r"^[(（](?:本报)?记者[\s\u3000]*[\u4e00-\u9fff·\s\u3000、]{2,20}[)）]$")
# ``黑龙江甘南县永利村村民颜世龙讲述：``: who tells the account printed under the heading below
_NARRATOR = re.compile(r"^[\u4e00-\u9fff·]{4,30}(?:讲述|口述|自述)[：:]$")


def _heads_as_titled_speaker(shorts: list[_Unit]) -> bool:
    """A titled speaker over one headline line (``传化集团董事长徐某某代表`` / ``加快智能物流基础设施
    建设``) is a headline's kicker: papers print deputies' and members' proposals as short articles
    side by side, each headed so. (A bare name, ``李某代表`` / ``抖音销农货 卖出好价格``, heads an item
    of a box of profiles as well as an article: the model weighs those.)"""
    return len(shorts) == 2 and bool(_TITLED_SPEAKER.match(shorts[0].text)) and not _SAYS.search(shorts[0].text)


# ``中华人民共和国主席令`` / ``第四十五号``, ``全国人民代表大会常务委员会公告`` / ``［十三届］第十四号``: an order or a
# notice printed under its name and number
_ORDER_NAME = re.compile(r"(?:令|公告|通告)$")
_ORDER_NUMBER = re.compile(r"^(?:[［\[〔【(（][^］\]〕】)）]{1,8}[］\]〕】)）])?第[0-9０-９一二三四五六七八九十百零〇]{1,6}号$")


def _heads_order(shorts: list[_Unit]) -> bool:
    """An order or a notice under its name and its number heads an article of its own: papers print
    it as it was issued, after the news of the meeting that issued it."""
    return len(shorts) >= 2 and bool(_ORDER_NUMBER.match(shorts[-1].text)) and bool(_ORDER_NAME.search(shorts[-2].text))


def _is_photo_label(text: str) -> bool:
    # (every label holds 图 or 摄: no other line needs its spaces taken out)
    return ("图" in text or "摄" in text) and bool(_PHOTO_LABEL.match(re.sub(r"[\s\u3000]+", "", text)))


def _is_document_title(text: str, following: _Unit | None) -> bool:
    """A law's, a resolution's or a report's title, longer than any headline line
    (``第十三届全国人民代表大会财政经济委员会关于…草案的审查结果报告``), over the date it was adopted."""
    return (following is not None and len(text) <= 2 * MAX_HEADLINE_LINE and len(following.text) <= 100
            and _is_headline_like(text[-MAX_HEADLINE_LINE:]) and "。" not in text
            and bool(_DATED_NOTE.match(following.text)))


def _is_body_like(text: str) -> bool:
    return len(text) >= 40 or is_terminated(text)


def _is_banner(unit: _Unit, following: _Unit | None) -> bool:
    if len(unit.text) > 24 and " " not in unit.text and "\u3000" not in unit.text:
        return False  # (a paragraph: no need to take its spaces out to know)
    text = unit.text.replace(" ", "").replace("\u3000", "")
    if len(text) > 24 or text[0] in OPENING or not _is_headline_like(unit.text):
        return False
    if text not in _BANNER_NAMES and not _BANNER_PATTERNS.search(text):
        return False
    # A line followed straight by a body paragraph is that paragraph's headline, whatever its words.
    if following is not None and not _is_headline_like(following.text) and unit.blank_after < 2:
        return split_photo_credit(following.text) is not None
    return True


def _is_complete_unit(text: str) -> bool:
    """Units that stand alone whatever punctuation they end with."""
    return bool(_SUBTITLE.match(text) or _is_history_entry(text) or parse_byline_line(text))


def _starts_unit(text: str) -> bool:
    """Units that begin something new, so they never continue the paragraph before them."""
    return bool(is_lead(text) or _CONTINUED_FROM.match(text) or _is_complete_unit(text))


def _is_broken(prev: _Unit | None, a: _Unit, b: _Unit) -> bool:
    """Does paragraph ``a`` end mid-sentence and carry on in ``b``?"""
    if is_terminated(a.text) or _is_complete_unit(a.text) or _starts_unit(b.text):
        return False
    if a.text.endswith(("——", "—")) and _is_headline_like(b.text):
        return False  # a lead-in ending in a dash over its headline line
    if b.text[0] in OPENING or not _is_body_like(b.text):
        return False
    if (a.text[-1] in "：:" and len(a.text) <= 30 and not re.search(r"[，,。；;“”！？]", a.text[:-1])
            and not _SAYS.search(a.text) and b.text[-1] in "”」" and len(b.text) < 40 and _is_headline_like(b.text)):
        # ``某某代表：`` over a title that ends in quotes (``当好城市联动发展的“媒人”``): a speaker's
        # lead-in over its headline line, not a sentence the layout broke
        return False
    if split_photo_credit(a.text):
        return False
    if len(a.text) >= 40 or a.text[-1] in "，,、：:":
        return True
    # A short line between body paragraphs is either an intertitle or a sentence the layout broke.
    # It is a broken sentence when what follows cannot start a sentence on its own.
    if prev is None or not _is_body_like(prev.text) or " " in a.text or "\u3000" in a.text:
        return False
    if _OPENERS.match(b.text):
        return False
    # Titles are whole phrases and a sentence after one opens with a whole clause ("冬日清晨，"); a
    # line the layout broke leaves a word or a dangling verb on one side ("…技术交易" + "市场，").
    if a.text.endswith(("—", "－")) or _BOX_LABEL.match(a.text) or cjk_ratio(a.text) < 0.5:
        return False
    clause = first_clause(b.text)
    if (len(clause) <= 2 and b.text[len(clause): len(clause) + 1] in ("，", ",") and len(a.text) >= 12
            and not re.search(r"[，,]", a.text)):
        return True
    tail = re.split(r"[，,]", a.text)
    return len(tail) > 1 and len(tail[-1]) <= 2 and len(clause) <= 12


def _is_summary(draft: "_Draft") -> bool:
    """A headed article with only a few paragraphs, a labelled box or none of them a finished
    sentence: the summary (导语, 核心阅读) printed above a story, whose lead paragraph comes next."""
    art = draft.article
    if art.title is None or draft.lead or art.credits or not 0 < len(art.paragraphs) <= 5:
        return False
    return bool(_BOX_LABEL.match(art.paragraphs[0])) or all(not is_terminated(p) or p[-1] in "；;" for p in art.paragraphs)


def repair_units(units: list[_Unit]) -> list[_Unit]:
    """Rejoin paragraphs broken by the layout and drop paragraphs the extraction printed twice."""
    out: list[_Unit] = []
    for unit in units:
        unit = _Unit(unit.text, unit.line, unit.end_line, unit.block, unit.blank_after)
        if out and len(unit.text) >= 20 and unit.text == out[-1].text:
            out[-1].end_line = unit.end_line
            out[-1].blank_after = unit.blank_after
            continue
        out.append(unit)
    joined: list[_Unit] = []
    for unit in out:
        if joined and _is_broken(joined[-2] if len(joined) > 1 else None, joined[-1], unit):
            last = joined[-1]
            last.text = join_broken(last.text, unit.text)
            last.end_line = unit.end_line
            last.blank_after = unit.blank_after
            last.block = unit.block
            continue
        joined.append(unit)
    return joined


def _split_run_in_headline(text: str) -> tuple[str, str] | None:
    """``中北大学表现突出 网络安全攻防演习 教育部发来感谢信 2021年9月,教育部…``: a headline printed on the
    same line as the text it heads. The headline is the space-separated run before the first sentence."""
    m = re.search(r"[，,。、；;：:“”（(]", text)
    if not m:
        return None
    prefix = text[: m.start()]
    cut = max(prefix.rfind(" "), prefix.rfind("\u3000"))
    if cut <= 0:
        return None
    head, rest = text[:cut].strip(), text[cut + 1:].strip()
    parts = head.split()
    if not (4 <= len(head) <= MAX_HEADLINE_LINE) or len(rest) < 40:
        return None
    if any(len(p) < 3 or cjk_ratio(p) < 0.6 for p in parts):
        return None
    return head, rest


_INNER_MARK = re.compile(r"[，,、：:；;！!？?]")


def _has_inner(text: str) -> bool:
    return bool(_INNER_MARK.search(text.rstrip("！!？?")))


def _looks_like_deck(text: str) -> bool:
    """A line under a tagged headline that opens the text rather than finishing the headline: a
    sentence (long, or with a comma), a box label in brackets, an author's bare name."""
    plain = text.replace(" ", "").replace("\u3000", "")
    return (len(plain) >= 15 or bool(_INNER_MARK.search(plain)) or plain[:1] in "【［[■●◆"
            or (2 <= len(plain) <= 4 and cjk_ratio(plain) == 1.0))


def _page_runs(units: list[_Unit]) -> list[list[int]]:
    """Runs of short headline-like lines that stand before a body paragraph, by unit index: the
    places where a headline or an intertitle may be."""
    runs: list[list[int]] = []
    current: list[int] = []
    for unit in units:
        text = unit.text
        if (_is_headline_like(text) and not _is_credit_line(text) and not _BOX_LABEL.match(text)
                and not (text[0] in "(（" and parse_byline_line(text))):
            current.append(unit.index)
            continue
        if current and _is_body_like(text):
            runs.append(current)
        current = []
    return runs


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[^\u4e00-\u9fff]", "", text)
    return {text[i: i + 2] for i in range(len(text) - 1)}


def _topic_overlap(banner: str, article: SegmentedArticle) -> float:
    topic = _bigrams(_GENERIC_BANNER_WORDS.sub("", banner.replace(" ", ""))) or _bigrams(banner)
    if not topic:
        return 0.0
    text = _bigrams((article.headline or "") + (article.subheadline or "") + article.body)
    return len(topic & text) / len(topic)


Decide = Callable[[RunContext, "_Unit"], bool]


class _Segmenter:
    def __init__(self, text: str, issue_date: dt.date | None, decide: Decide | None = None) -> None:
        self.units = repair_units(_units(text))
        for index, unit in enumerate(self.units):
            unit.index = index
        self.vocabulary = PageVocabulary([u.text for u in self.units])
        self.runs = _page_runs(self.units)
        self.run_at = {run[0]: k for k, run in enumerate(self.runs)}
        # dateline leads per run of short lines: a news page heads most runs' text with one
        leads = sum(1 for run in self.runs if run[-1] + 1 < len(self.units) and is_lead(self.units[run[-1] + 1].text))
        self.page_leads = leads / len(self.runs) if self.runs else 0.0
        # Whether a short run heads a new article; training puts the gold answer here. Otherwise the
        # model decides, and the page is searched for the likeliest set of its decisions (``_search``).
        # (no bound method is kept on the instance: that cycle would leave every page to the
        # cyclic garbage collector, which costs more than the search)
        self.decide = decide
        self.forced: dict[int, bool] = {}  # decisions the search turned, by the run's first unit
        self.trace: list[tuple[int, float, bool]] = []  # the model's decisions of the walk: unit, probability, decision
        self.texts = [u.text for u in self.units]  # as repaired (the walk cuts a banner glued to the next line off it)
        self.issue_date = issue_date
        self.drafts: list[_Draft] = []
        self.banners: list[_Banner] = []
        self.pending: list[tuple[str, _Unit]] = []  # ("short" | "subtitle" | "credit" | "tag", unit)
        self.banner_since_body = False
        self.warnings: list[str] = []

    # -- helpers -------------------------------------------------------------------------
    @property
    def current(self) -> _Draft | None:
        return self.drafts[-1] if self.drafts else None

    def _new_draft(self, first_line: int) -> _Draft:
        start = self.pending[0][1].line if self.pending else first_line
        draft = _Draft(SegmentedArticle(position=len(self.drafts) + 1, start_line=start, end_line=first_line))
        cur = self.current
        shorts = [u for k, u in self.pending if k == "short"]
        # A boxed column whose title is printed after its entries takes the first of the lines
        # that follow it as that title.
        if cur and cur.date_entries and cur.article.headline is None and len(shorts) >= 2:
            cur.article.headline = shorts[0].text
            cur.article.end_line = max(cur.article.end_line, shorts[0].end_line)
            self.pending = [(k, u) for k, u in self.pending if u is not shorts[0]]
            draft.article.start_line = self.pending[0][1].line if self.pending else first_line
        heads: list[str] = []
        head_units: list[_Unit] = []
        deck: list[_Unit] = []
        tagged = False
        if (box := self._box_head(shorts)) is not None:
            # The label is the box's headline; the first item's heading (and its credit) its text.
            draft.box = box
            deck.extend(u for _k, u in self.pending[1:])
            self.pending = self.pending[:1]
        elif self._is_digest_head(shorts) and len(shorts) == len(self.pending):
            draft.digest = True
            draft.digest_lines = len(shorts) - 1
            self.pending = self.pending[:1]
            deck.extend(shorts[1:])
        elif (len(shorts) == 1 == len(self.pending) and self.banners and self.banner_since_body
              and self.banners[-1].line == shorts[0].line - 1 - self.banners[-1].blank_after
              and len(self.banners[-1].text) <= 6 and self._brief_item(shorts[0].index)):
            # The label was read as a section banner (新闻速递): it is the box's headline.
            draft.digest = True
            draft.article.title = self.banners.pop().text
            deck.append(shorts[0])
            self.pending = []
        dated = False
        for at, (kind, unit) in enumerate(self.pending):
            if kind == "short" and ((deck and not draft.digest and draft.box is None)
                                    or (tagged and (_looks_like_deck(unit.text) or self._item_under(at)))
                                    or (dated and _LIST_ITEM.match(unit.text))
                                    or (dated and ("：" in unit.text or ":" in unit.text))
                                    or (heads and _ORGANISERS.match(unit.text))):
                # After a headline closed by its column tag, further short lines are the text's
                # opening: a one-sentence deck, a box label (【绝活看点】), an author's name. Under
                # the date a document was adopted, a numbered line is its first item (``一、审议…``)
                # and a line of a post and its holder its first line (``秘书长：李斌（女）``). Under any
                # headline, the event's organisers (``主办单位：…``) open its text.
                deck.append(unit)
            elif kind == "short":
                line = unit.text
                # (a summary of speeches, ``…座谈会上的发言摘要``, is headed as a tagged column is: the
                # lines under it are the first speaker's item)
                tagged = bool(ENDS_WITH_TAG.search(line) or _SPEECHES_SUMMARY.search(line))
                dated = dated or bool(_DATED_NOTE.match(line))
                m = _HEADLINE_TAG.search(line)
                if m and m.start() > 0:
                    draft.tag = m.group(1)
                    line = line[: m.start()]
                heads.append(line)
                head_units.append(unit)
            elif kind == "subtitle":
                draft.article.subheadline = _SUBTITLE.sub("", unit.text).strip() or None
            elif kind == "credit":
                draft.article.credits.extend(parse_byline_line(unit.text) or [])
            elif kind == "tag":
                draft.tag = _COLUMN_TAG.match(unit.text).group(1)
        if len(heads) >= 2 and heads[-1].endswith(("——", "—")) and head_units[-1] is self.pending[-1][1]:
            # A headline never ends on a dash: under the main line, ``共和国法治建设，迎来了历史性的一刻——``
            # is the text's first line, leading into its first paragraph.
            heads.pop()
            deck.insert(0, head_units.pop())
        if heads:
            # The lines above the last are the lead-in (引题); the last is the main line (主题).
            draft.article.kicker = " ".join(heads[:-1]) or None
            draft.article.title = heads[-1]
            draft.head_lines = len(heads)
        if (tagged and len(deck) == 2 and draft.box is None and not draft.digest and len(heads) >= 1
                and deck[0].text.endswith(("——", "—")) and not deck[1].text.endswith(("——", "—"))):
            # ``…加油干（经济新方位）`` / ``保居民就业——`` / ``精准对接 吸纳更多人才``: a report in parts, the first
            # part's heading (a lead-in ending in a dash over its title) opening the text
            draft.parts = len(deck)
        for unit in deck:
            draft.article.paragraphs.append(unit.text)
            draft.units.append(unit.index)
            draft.grams |= self.vocabulary.grams[unit.index]
        self.pending = []
        self.drafts.append(draft)
        self.banner_since_body = False
        return draft

    def _item_under(self, at: int) -> bool:
        """Under a headline closed by its column tag, one more line is its subtitle (``…（权威发布）`` /
        ``我国经常账户有望保持小幅顺差``), but two or more are the heading of the text's first item
        (``…（连线·部长通道）`` / ``商务部部长钟山`` / ``稳住外贸外资基本盘事关大局``): a headline ends
        with its tag or one line under it."""
        return sum(1 for kind, _u in self.pending[at:] if kind == "short") >= 2

    def _add_paragraph(self, draft: _Draft, text: str, unit: _Unit) -> None:
        m = _CONTINUED_TO.search(text) if "版" in text else None
        if m:
            draft.article.continued_to_page = chinese_numeral(m.group(1))
            text = text[: m.start()].rstrip()
            draft.closed = True
        text, credits = split_trailing_credits(text)
        if credits:
            draft.article.credits.extend(credits)
            draft.closed = True
        if text:
            draft.article.paragraphs.append(text)
            draft.units.append(unit.index)
            draft.grams |= self.vocabulary.grams[unit.index]
        draft.article.end_line = unit.end_line
        draft.signed_note = draft.written_up = draft.reporter_closed = draft.dated = False
        if draft.note == 1:
            draft.note = 2

    def _shed_closing_exclamations(self) -> None:
        """``祝大家新年快乐！`` printed short before the next headline ends the article above, and so
        does a quoted sentence (``…边用无人机监测墒情：“春浇一水，亩产千斤啊！”``): a headline may
        be a quotation but does not close one on a full stop or an exclamation."""
        cur = self.current
        if cur is None or cur.closed:
            return
        def closes(k: int) -> bool:
            return (len(self.pending) > k + 1 and self.pending[k][0] == "short"
                    and (self.pending[k][1].text[-1] in "！!" or bool(_QUOTED_SENTENCE.search(self.pending[k][1].text))))

        while closes(0) or (
                # a sentence broken after a dash over its exclamation (``…轻捷如纸鸢——`` /
                # ``那是“爱爱”，它又飞回鄱阳湖了！``): both lines close the text
                closes(1) and self.pending[0][0] == "short" and self.pending[0][1].text.endswith("——")
                and _has_inner(self.pending[0][1].text)):
            unit = self.pending.pop(0)[1]
            cur.article.paragraphs.append(unit.text)
            cur.article.end_line = unit.end_line
            if len(self.pending) == 1 and _BARE_PAIR.match(self.pending[0][1].text):
                # what is left, ``转 机`` read as a padded name, stands between two paragraphs of
                # the text: its intertitle
                self.pending[0] = ("short", self.pending[0][1])
                self._flush_pending_as_intertitles(cur)

    def _flush_pending_as_intertitles(self, draft: _Draft) -> None:
        shorts = [unit for kind, unit in self.pending if kind == "short"]
        if shorts and len(shorts) == len(self.pending):
            draft.last_intertitle = (len(draft.article.paragraphs), shorts)
        if draft.article.paragraphs and any(_REPORTERS_NOTE.search(unit.text) for _kind, unit in self.pending):
            draft.note = 1  # (after the story's own text: a note that opens an article closes nothing)
        for _kind, unit in self.pending:
            draft.article.paragraphs.append(unit.text)
            draft.intertitles += 1
            draft.intertitle_shapes.append(shape(unit.text))
        self.pending = []

    def _credit_ahead(self, index: int, reach: int = 3) -> int:
        """How many paragraphs from ``index`` on until a closing or photo credit line; 0 if none
        within ``reach`` (a photo's caption is a paragraph or two, then its credit)."""
        for k, unit in enumerate(self.units[index + 1: index + 1 + reach], start=1):
            if _is_credit_line(unit.text):
                return k
            if _is_headline_like(unit.text):
                return 0
        return 0

    def _run_outlook(self, first: int) -> tuple[int, int, bool, int, bool]:
        """What the page holds around the run starting at unit ``first``: runs of the same shape
        near it (intertitles come in series), paragraphs up to the next run, whether a dateline
        lead comes before that, paragraphs since the run before, whether the next run is
        followed by a lead (so it is a headline and this run's text ends there)."""
        k = self.run_at.get(first)
        if k is None:
            return 0, 0, False, 0, False
        runs, units = self.runs, self.units
        run = runs[k]
        key = [(len(units[i].text), _has_inner(units[i].text)) for i in run]
        siblings = 0
        for j in range(max(0, k - 6), min(len(runs), k + 7)):
            other = runs[j]
            if j == k or len(other) != len(run) or abs(other[0] - first) > 40:
                continue
            if all(abs(len(units[i].text) - n) <= 2 and _has_inner(units[i].text) == inner
                   for i, (n, inner) in zip(other, key)):
                siblings += 1
        end = runs[k + 1][0] if k + 1 < len(runs) else len(units)
        ahead = end - run[-1] - 1
        lead_ahead = any(is_lead(units[i].text) for i in range(run[-1] + 2, min(end, run[-1] + 6)))
        before = first - (runs[k - 1][-1] + 1) if k else first
        next_lead = k + 1 < len(runs) and runs[k + 1][-1] + 1 < len(units) and is_lead(units[runs[k + 1][-1] + 1].text)
        return siblings, ahead, lead_ahead, before, next_lead

    def _is_digest_head(self, shorts: list[_Unit]) -> bool:
        """``资讯速递`` / ``国家电网签署沙特智能电表项目合同`` / one short paragraph / ``我国羽绒年产量…``:
        a label of a few characters over a first item's title, whose text is short and followed by
        another one-line title: a box of news in brief, one article under its label."""
        if len(shorts) not in (2, 3):
            return False
        if any(_SPACED_PHRASES.search(u.text) for u in shorts[:2]):
            # ``初心不改  使命在肩``, ``苏州工业园区`` / ``高水平开放 助推高质量发展``: phrases set side by
            # side are a headline's, not a box's label or a brief item's title
            return False
        label = shorts[0].text.replace(" ", "").replace("\u3000", "")
        plain = re.sub(r"[·“”]", "", label)
        if not 2 <= len(plain) <= 8 or cjk_ratio(plain) < 1.0 or len(shorts[-1].text) < 4:
            return False
        if len(shorts) == 3 and len(shorts[1].text) < 4:
            return False
        if ENDS_WITH_TAG.search(shorts[1].text):
            return False  # a title with its column tag heads a story of its own
        if not self._brief_item(shorts[-1].index, lines=len(shorts) - 1):
            return False
        # A second brief item must follow: a kicker over the title of one short story (常泰长江大桥 /
        # 主塔墩钢沉井完成定位 / a caption) is no box.
        k = next(j for j, run in enumerate(self.runs) if shorts[-1].index in run)
        return k + 1 < len(self.runs) and self._brief_item(self.runs[k + 1][-1], last=True)

    def _signature(self, text: str) -> bool:
        """A reader's signature: a place and a name, or a group with its place (the second not in walks
        told their decisions: training keeps the states it learnt in before, see ``_next_quoted``)."""
        return bool(_SIGNATURE.match(text) or (self.decide is None and _GROUP_SIGNATURE.match(text)))

    def _signed_item(self, first: int) -> tuple[int, str, int] | None:
        """An item of a box of signed items, whose heading starts at unit ``first``: its heading lines,
        how it is signed (``credit``: a credit line under the heading, ``本报记者 X``; ``closing``: a
        closing line after its text, ``（本报记者 X整理）``; ``signature``: a reader's signature) and
        where the next item would start. ``None`` unless the text is short and signed."""
        units = self.units
        i = first
        while (i < len(units) and i - first < 3 and not self._signature(units[i].text)
               and not _is_credit_line(units[i].text) and not parse_byline_line(units[i].text)
               and not (i > first and _BARE_NAME.match(units[i].text))
               and (_is_headline_like(units[i].text) or (len(units[i].text) <= 30 and units[i].text[-1] in "：:"))):
            i += 1
        lines = i - first
        if not lines or i >= len(units):
            return None
        kind = None
        # (an author's bare name under a title, ``张国庆``, signs a commentary as a credit line does)
        if not _CLOSING_LINE.match(units[i].text) and (parse_byline_line(units[i].text) or _BARE_NAME.match(units[i].text)):
            kind = "credit"
            i += 1
        paragraphs = 0
        while i < len(units) and paragraphs <= 8:
            text = units[i].text
            if paragraphs and kind is None and len(text) <= 160 and _CLOSING_LINE.match(text):
                # signed by a person (``（本报记者 X整理）``); a dispatch's ``（据新华社…电）`` closes
                # a story of its own, which a box of news in brief holds (``_is_digest_head``)
                return (lines, "closing", i + 1) if not _DISPATCH_CLOSE.search(text) else None
            if paragraphs and kind is None and self._signature(text):
                return lines, "signature", i + 1
            if _is_headline_like(text) or is_lead(text):
                return (lines, kind, i) if paragraphs and kind and not is_lead(text) else None
            paragraphs += 1
            i += 1
        return (lines, kind, i) if kind and paragraphs and i >= len(units) else None

    def _next_remarks(self, cur: _Draft) -> bool:
        """A column of speakers' remarks (``掌握工作主动权 打好发展主动仗（两会·声音2020）``), each item a
        heading, the speaker's name over his office (``李某代表（某省委书记）``) and his words as a
        reporter wrote them down (``本报记者 X整理``): an item signed so, then a run cut like the first
        item's heading, is the next item of that one article, not an article of its own."""
        pending = self.pending
        if (self.banner_since_body or cur.photo or not 2 <= len(pending) <= 3
                or any(kind != "short" for kind, _u in pending)):
            return False
        # the speaker under the heading (``李某代表（某省委书记）``), or a narrator over it
        # (``四川马边县羊店儿村村民吉石罗布讲述：`` / ``搬进新住处 学会新技术``: accounts told in the first person)
        if _SPEAKER_WITH_OFFICE.match(pending[1][1].text):
            speaker = _SPEAKER_WITH_OFFICE
        elif _NARRATOR.match(pending[0][1].text):
            speaker = _NARRATOR
        else:
            return False
        paragraphs = cur.article.paragraphs
        if cur.written_up:  # closed by ``（本报记者 X整理）``, which is no paragraph
            return any(speaker.match(p) for p in paragraphs)
        return (bool(paragraphs) and len(paragraphs[-1]) <= 30 and bool(_WRITTEN_UP.search(paragraphs[-1]))
                and any(speaker.match(p) for p in paragraphs[:-1]))

    def _next_quoted(self, cur: _Draft, unit: _Unit) -> bool:
        """Deputies' words written up item by item under one headline (``牢记嘱托 服务人民（…特别策划）``):
        each item a heading, the deputy's words in quotes and his name under them (``——陈良代表``), the
        text, its reporter (``（本报记者  张  枨）``). After an item so closed, a heading over quoted
        words signed alike is the next item of that one article, not an article of its own."""
        # (not in walks told their decisions: training keeps the states it learnt in before this rule,
        # which it never asks the model about, so that the models stay as they were)
        if (self.decide is not None or not cur.reporter_closed or self.banner_since_body or cur.photo
                or not 1 <= len(self.pending) <= 2 or any(kind != "short" for kind, _u in self.pending)):
            return False
        text = unit.text
        after = self.units[unit.index + 1].text if unit.index + 1 < len(self.units) else ""
        return (text[:1] == "“" and text[-1] in "”。" and len(text) <= 100 and bool(_QUOTED_SPEAKER.match(after))
                and any(_QUOTED_SPEAKER.match(p) for p in cur.article.paragraphs))

    def _box_head(self, shorts: list[_Unit]) -> tuple[int, str] | None:
        """``发言席`` / ``江苏省某某代表：`` / ``优化劳动者就业创业环境`` / a short text / ``（本报记者 X整理）``,
        and another item cut and signed alike: a label of a few characters over items each signed
        by itself (a deputy's remarks as a reporter wrote them down, a reader's letter, a guest
        commentary over its author's name) is one box, one article under its label, however many
        items it holds. Returns the items' heading lines and how they are signed."""
        if len(shorts) < 2 or not self.pending or self.pending[0][1] is not shorts[0]:
            return None
        if not _BOX_NAME.match(re.sub(r"[\s\u3000]+", "", shorts[0].text)):
            return None
        if any(ENDS_WITH_TAG.search(u.text) for u in shorts):
            return None
        first = self._signed_item(shorts[1].index)
        if first is None or first[0] + (first[1] == "credit") != len(self.pending) - 1:
            return None
        second = self._signed_item(first[2])
        if second is None or second[:2] != first[:2]:
            return None
        return first[:2]

    def _brief_item(self, first: int, last: bool = False, lines: int = 1) -> bool:
        """Is the run at unit ``first`` a one-line title over a short text (a few short paragraphs,
        no dateline lead) that another one-line title, or the end of the page, follows? (``last``:
        whatever follows, for the last item of a box already open.)"""
        k = self.run_at.get(first)
        if k is None:
            # the title stands under a label: its text is what follows it
            k = next((j for j, run in enumerate(self.runs) if first in run), None)
            if k is None or self.runs[k][-1] != first:
                return False
        runs, units = self.runs, self.units
        end = runs[k + 1][0] if k + 1 < len(runs) else len(units)
        text = units[first + 1: end]
        if not 1 <= len(text) <= 6 or sum(len(u.text) for u in text) > 1000 or is_lead(text[0].text):
            return False
        return last or k + 1 >= len(runs) or len(runs[k + 1]) == lines

    def _starts_new_article(self, unit: _Unit) -> bool:
        text = unit.text
        cur = self.current
        # (an item may carry a lead-in ending in a dash over its title: ``某国议会通过决议——`` / ``…``)
        if (cur is not None and cur.digest and not is_lead(text)
                and (len(self.pending) == cur.digest_lines
                     or (len(self.pending) == cur.digest_lines + 1 and self.pending[0][1].text.endswith("——")))
                and all(kind == "short" for kind, _u in self.pending)
                and not ENDS_WITH_TAG.search(self.pending[0][1].text)
                and self._brief_item(self.pending[-1][1].index, last=True)):
            return False  # the next item of a box of news in brief
        if cur is not None and cur.box is not None:
            # A box holds its items and nothing else: a run cut and signed like them is the next one
            # (the item before was signed, which closed it), any other run heads what follows the box.
            item = (self._signed_item(self.pending[0][1].index)
                    if all(kind in ("short", "credit") for kind, _u in self.pending) else None)
            if (item is not None and item[:2] == cur.box and len(self.pending) == item[0] + (item[1] == "credit")
                    and not self.banner_since_body and not is_lead(text)
                    and not any(ENDS_WITH_TAG.search(u.text) for _k, u in self.pending)):
                cur.closed = False
                return False
            return True
        if cur is not None and cur.closed and (self._next_remarks(cur) or self._next_quoted(cur, unit)) and not is_lead(text):
            cur.closed = False
            return False
        if cur is None or cur.closed or cur.photo or cur.date_entries or self.banner_since_body:
            return True
        if is_lead(text):
            return True
        if cur.signed_note:
            return False
        art = cur.article
        if art.paragraphs and _ANNOUNCES.search(art.paragraphs[-1]):
            return False  # ``《条例》全文如下。``, ``文章如下：``: what follows is printed within the article
        kinds = [k for k, _u in self.pending]
        # A column tag under the run heads a new article. A reporter's credit under it does so when
        # nothing else is in the run, or when the article going on is a dispatch (it opened with a
        # dateline lead), which carries no parts under other reporters; otherwise a report in parts
        # may print each part's reporter under the part's title (``做好备案 装修复工`` /
        # ``本报记者 李亚楠``), and the model weighs the credit with the rest.
        if "tag" in kinds or "short" not in kinds:
            return True
        if cur.lead and any(k == "credit" and any(c.role != "署名" for c in parse_byline_line(u.text) or [])
                            for k, u in self.pending):
            return True
        # A ``——`` line under the run makes it a headline, unless that line is a whole sentence
        # (``——主题教育对准目标、有力推进，在各方面取得扎实成效``): intertitles carry those too.
        if any(k == "subtitle" and not (len(u.text) >= 25 and re.search(r"[，,]", u.text)) for k, u in self.pending):
            return True
        shorts = [u for k, u in self.pending if k == "short"]
        if _is_photo_label(shorts[0].text) or self._box_head(shorts) is not None:
            return True
        # A title over the date its document was adopted or its speech given heads that document,
        # (the paragraph above announcing it, ``…全文如下。``, was read before: then it is printed within).
        if _heads_document(shorts):
            return True
        after = [u.index for u in shorts] + [j for j in (unit.index, unit.index + 1) if j < len(self.units)]
        outlook = self._run_outlook(shorts[0].index)
        ahead = list(range(unit.index, min(len(self.units), unit.index + max(1, min(outlook[1], 4)))))
        title = "".join(u.text for u in shorts)
        vocabulary = self.vocabulary
        head = art.title or ""
        seen_ahead = vocabulary.seen(ahead)
        ctx = RunContext(
            shorts=[u.text for u in shorts], following=text,
            previous=art.paragraphs[-1] if art.paragraphs else "", paragraphs=len(art.paragraphs),
            characters=sum(len(p) for p in art.paragraphs), intertitles=cur.intertitles, lead=cur.lead,
            headed=art.title is not None, cohesion=self.vocabulary.cohesion(cur.units[-6:], after),
            intertitle_shapes=tuple(cur.intertitle_shapes), credit_ahead=self._credit_ahead(unit.index, 6),
            outlook=outlook, continued=art.continued_from_page is not None, subtitle="subtitle" in kinds,
            credit="credit" in kinds, page_leads=self.page_leads,
            title_shape=(cur.head_lines, *shape(head)) if head else (0, 0, False),
            title_back=vocabulary.affinity(title, cur.grams), title_ahead=vocabulary.affinity(title, seen_ahead),
            head_ahead=vocabulary.affinity((art.kicker or "") + head, seen_ahead),
            cohesion_wide=vocabulary.cohesion(cur.grams, ahead),
            position=shorts[0].index / len(self.units),
        )
        if self.decide is not None:
            return self.decide(ctx, shorts[0])
        # A titled speaker over a headline line heads an article whatever the model says; the model
        # still learns from such runs (what they teach it of two-line runs), so it is asked in training.
        if _heads_as_titled_speaker(shorts) or _heads_order(shorts) or cur.note == 2:
            # (a reporter's note, ``■记者手记`` or ``…（记者手记）``, closes the story it was written for:
            # the run after its text heads another)
            return True
        if len(shorts) == 1 and _REPORTERS_NOTE.search(shorts[0].text):
            return False  # ``他是大伙贴心人（记者手记）``: the note's title, printed with the story it comes from
        if len(shorts) == 1 and shorts[0].text[-1] in "！!":
            # ``为世界康宁，为中国奋进！``, ``同志们！``: a line closed by an exclamation mark between
            # paragraphs is a slogan, an address or an intertitle, never a headline of one line
            return False
        if (cur.parts and cur.parts == len(shorts) == len(self.pending) and shorts[0].text.endswith(("——", "—"))
                and not any(ENDS_WITH_TAG.search(u.text) for u in shorts)):
            # ``保基本民生——`` / ``发展产业 巩固脱贫成果``: the next part, headed as the first part was
            return False
        if len(shorts) == 2 and _BARE_SPEAKER.match(shorts[0].text) and any(_BARE_SPEAKER.match(p) for p in art.paragraphs):
            # ``李君代表`` / ``抖音销农货 卖出好价格`` in an article that holds an item headed so already: the
            # next speaker's item of one box (a deputies' passage, ``（连线·代表通道）``), headed alike
            return False
        return self._model_decides(ctx, shorts[0])

    # -- the page's decisions together -----------------------------------------------------
    def _model_decides(self, ctx: RunContext, unit: _Unit) -> bool:
        p = headline_probability(ctx)
        if p is None:
            return rule_says_headline(ctx)
        decision = self.forced.get(unit.index, p >= 0.5)
        self.trace.append((unit.index, p, decision))
        return decision

    @staticmethod
    def _likelihood(trace: list[tuple[int, float, bool]]) -> float:
        return sum(math.log(max(1e-12, p if d else 1.0 - p)) for _i, p, d in trace)

    def _search(self) -> None:
        """Each decision the model is unsure of (a probability between 0.3 and 0.7) is turned the
        other way and the page walked again; the walk is kept when its decisions are likelier
        together (the product of the model's probabilities of all of them) than before. A run's
        decision changes the state the later runs are read in (the article they would belong to,
        its intertitles, its headline), so the likeliest page is not always the one of the likeliest
        first step. Most pages have no unsure run and are walked once."""
        unsure = [i for i, p, _d in self.trace if abs(p - 0.5) < UNSURE]
        best = (self.trace, self.drafts, self.banners, self.warnings)
        for index in unsure:
            trace = best[0]
            at = next((k for k, step in enumerate(trace) if step[0] == index), None)
            if at is None:
                continue  # a turn taken before made this run's decision a rule's
            _i, p, decision = trace[at]
            # Turned, this step loses |logit p|; the steps after it can give back at most what they
            # cost now (their log-probabilities are at most 0), so most turns need no walk to refuse.
            if -self._likelihood(trace[at + 1:]) <= abs(math.log(p / (1.0 - p))):
                continue
            self.forced[index] = not decision
            for unit, text in zip(self.units, self.texts, strict=True):
                unit.text = text
            self.drafts, self.banners, self.pending, self.warnings, self.trace = [], [], [], [], []
            self.banner_since_body = False
            self._walk()
            if self._likelihood(self.trace) > self._likelihood(trace) + 1e-9:
                best = (self.trace, self.drafts, self.banners, self.warnings)
            else:
                del self.forced[index]
        self.trace, self.drafts, self.banners, self.warnings = best

    # -- the walk ------------------------------------------------------------------------
    def run(self) -> SegmentationResult:
        self._walk()
        if self.decide is None:
            self._search()
        return self._finish()

    def _walk(self) -> None:
        units = self.units
        i = 0
        while i < len(units):
            unit = units[i]
            following = units[i + 1] if i + 1 < len(units) else None
            text = unit.text
            if len(text) <= 60 and _PAGE_FURNITURE.search(to_ascii_digits(text)):
                i += 1
                continue
            if len(text) <= 80 and self.current is not None and _TRAILER.match(text):
                self._trailer(unit)
                i += 1
                continue
            if (not self.pending and self.current is not None and self.current.article.paragraphs
                    and is_terminated(self.current.article.paragraphs[-1]) and self._signature(text)):
                self.current.article.paragraphs.append(text)  # the letter's signature: its last line
                self.current.article.end_line = unit.end_line
                self.current.closed = True
                i += 1
                continue
            if (not self.pending and self.current is not None and len(text) <= 80 and _NOTE_LINE.match(text)
                    and not parse_byline_line(text) and not _CLOSING_LINE.match(text)
                    and not _CONTINUED_FROM.match(text) and not _CONTINUED_TO.search(text)):
                # ``（应受访者要求，周韵娇为化名）``: a note in brackets closing the text above.
                self.current.article.paragraphs.append(text)
                self.current.article.end_line = unit.end_line
                i += 1
                continue
            if _is_banner(unit, following):
                banner = text
                if following and following.block == unit.block:
                    glued = _GLUED_BANNER_TAIL.match(following.text)
                    if glued:
                        banner += glued.group(1)
                        following.text = following.text[glued.end():]
                self.banners.append(_Banner(re.sub(r"[\s\u3000]+", "", banner), unit.line, unit.blank_after,
                                            len(self.drafts)))
                self.banner_since_body = True
            elif m := _CONTINUED_FROM.match(text):
                draft = self._new_draft(unit.line)
                draft.article.kind = KIND_CONTINUATION
                draft.article.continued_from_page = chinese_numeral(m.group(1))
                rest = text[m.end():].strip()
                if rest:
                    self._add_paragraph(draft, rest, unit)
                draft.article.end_line = unit.end_line
            elif len(text) <= 160 and (_CLOSING_LINE.match(text) or _CARTOON_LINE.match(text)):
                self._closing_line(unit)
            elif (photo_credits := _photo_line_credits(text)) is not None:
                self._photo_line(unit, photo_credits)
            elif _BOX_LABEL.match(text):
                self._box_label(unit)
            elif self.pending and _LETTER_LABEL.match(text):
                # ``回 信`` under a headline, over a letter's salutation: the letter, then the dispatch
                # reporting it, under one headline (the label is no reporter's padded name)
                self._box_label(unit)
                self.current.letter = True
            elif _EDITOR_SIGNOFF.match(text) and self.current is not None and not self.pending:
                self.current.article.paragraphs.append(text)
                self.current.article.end_line = unit.end_line
                self.current.signed_note = True
            elif _SUBTITLE.match(text) and self.pending and len(text) <= MAX_HEADLINE_LINE:
                self.pending.append(("subtitle", unit))
            elif (_SUBTITLE.match(text) and not self.pending and self.current is not None
                  and self.current.article.paragraphs and _is_headline_like(text)):
                # ``——王天宇代表（郑州银行董事长）``, ``——习近平`` after a paragraph: who said the
                # words above, the last line of what they close.
                self.current.article.paragraphs.append(text)
                self.current.article.end_line = unit.end_line
            elif _is_history_entry(text) and self._closing_date(i):
                # ``中华人民共和国主席 习近平`` / ``2020年5月28日``: the signature and date that close a
                # decree, a letter, a resolution: the last lines of the text above.
                cur = self.current
                self._flush_pending_as_intertitles(cur)
                cur.article.paragraphs.append(text)
                cur.article.end_line = unit.end_line
                cur.closed = cur.dated = True
            elif _is_history_entry(text):
                cur = self.current
                if not (cur and cur.date_entries and not cur.closed and not self.pending):
                    cur = self._new_draft(unit.line)
                    cur.article.kind = KIND_COLUMN
                cur.date_entries += 1
                cur.article.paragraphs.append(text)
                cur.article.end_line = unit.end_line
            elif self.pending and _COLUMN_TAG.match(text) and not any(k == "tag" for k, _ in self.pending):
                self.pending.append(("tag", unit))
            elif (not self.pending and len(text) <= 5 and _BARE_PAIR.match(text) and following is not None
                  and _is_headline_like(following.text) and not parse_byline_line(following.text)):
                # ``入 行`` over ``“你们都不怕，我怕什么”``: a two-character label over an
                # intertitle, not a name printed padded as a byline.
                self.pending.append(("short", unit))
            elif (not self.pending and len(text) <= 5 and _BARE_PAIR.match(text) and following is not None
                  and not _is_headline_like(following.text)
                  and any(_photo_line_credits(u.text) is not None for u in units[i + 2: i + 4])):
                # ``测 量`` over a caption and its photographer's credit: the photo's title, not a
                # name printed padded as a byline.
                self.pending.append(("short", unit))
            elif (not self.pending and len(text) <= 5 and _BARE_PAIR.match(text) and following is not None and i
                  and self.current is not None and self.current.article.paragraphs and not self.current.closed
                  and not _is_headline_like(following.text) and not _is_headline_like(units[i - 1].text)):
                # ``发 现``, ``转 机`` between two paragraphs: an intertitle of two characters, printed
                # padded like a name (a reporter's or an author's name stands under a headline or
                # closes the text, never between its paragraphs)
                self.pending.append(("short", unit))
                self._flush_pending_as_intertitles(self.current)
            elif (not _is_photo_label(text) and not (len(text) <= 6 and _CLOSING_PART.match(text))
                  and (credits := parse_byline_line(text)) is not None):
                # (``摄影报道`` reads as a photographer's credit: 摄影 and a name)
                if self.pending:
                    self.pending.append(("credit", unit))
                elif self.current is not None:
                    self.current.article.credits.extend(credits)
                    self.current.closed = True
                    self.current.article.end_line = unit.end_line
                else:
                    self.warnings.append(f"line {unit.line}: credit {text!r} before any article, ignored")
            elif (len(text) <= 16 and text[0].isdigit() and _FIGURE.match(text) and following is not None
                  and not is_lead(following.text)):
                # A figure of a data box over its caption (``1500亿元`` / ``去年降低用能成本近1500亿元``):
                # text, however short the caption, where figures open a story or stand beside it.
                self._body(unit)
                if _is_headline_like(following.text) and not _FIGURE.match(following.text):
                    self._body(following)
                    i += 1
            elif (_is_headline_like(text) and not (split_photo_credit(text) and len(text) > 20)) or (
                    _is_label_over_title(text, following, units[i + 2] if i + 2 < len(units) else None)
                    or _is_document_title(text, following)):
                self.pending.append(("short", unit))
            else:
                self._body(unit)
            i += 1
        if self.pending:
            cur = self.current
            if cur and cur.date_entries and cur.article.headline is None:
                cur.article.headline = self.pending.pop(0)[1].text
            if (cur is not None and cur.article.paragraphs and self.pending
                    and all(kind == "short" for kind, _u in self.pending)):
                # Short lines at the foot of the page with no text under them head nothing: they are
                # the last lines of the text above (``武汉加油！湖北加油！中国加油！``, a list of names).
                cur.article.paragraphs.extend(unit.text for _kind, unit in self.pending)
                cur.article.end_line = self.pending[-1][1].end_line
                self.pending = []
            for _kind, unit in self.pending:
                self.warnings.append(f"line {unit.line}: short line {unit.text!r} heads no text; kept as its own item")
                draft = _Draft(SegmentedArticle(position=len(self.drafts) + 1, title=unit.text,
                                                start_line=unit.line, end_line=unit.end_line))
                self.drafts.append(draft)
            self.pending = []

    def _closing_date(self, i: int) -> bool:
        """A date on a line of its own that is not one of a series of dated entries (大事记, 历史上的今天)."""
        cur = self.current
        if cur is None or cur.date_entries:
            return False
        return not any(_is_history_entry(u.text) for u in self.units[i + 1: i + 5])

    def _closing_line(self, unit: _Unit) -> None:
        """``（本报科威特城1月1日电）``, ``（作者为……）``: the end of the article above."""
        cur = self.current
        if cur is None and not self.pending:
            self.warnings.append(f"line {unit.line}: closing line {unit.text!r} before any article, ignored")
            return
        shorts = [u for k, u in self.pending if k == "short"]
        if _heads_document(shorts):
            # Lines short enough for a headline, closed before any text: a document printed whole in
            # short lines under its adoption date (an agenda, a list).
            cur = self._new_draft(unit.line)
        elif cur is None:
            # Short lines at the top of the page, closed: the end of a text begun on another page
            # (the last lines of a poem, a list). Kept as that text, with no headline.
            lines = [u for _k, u in self.pending]
            self.pending = []
            cur = self._new_draft(lines[0].line)
            for line in lines:
                self._add_paragraph(cur, line.text, line)
        else:
            self._flush_pending_as_intertitles(cur)
        if _CARTOON_LINE.match(unit.text):
            cur.article.paragraphs.append(unit.text)  # a cartoon's credits are its last printed line
        credits = parse_byline_line(unit.text)
        if credits is None and (m := re.search(r"记者[\s\u3000]*(.+?)(?:报道)?[)）]$", unit.text)):
            credits = parse_credit(m.group(1), default_role=ROLE_REPORTER)
        cur.article.credits.extend(c for c in credits or [] if c not in cur.article.credits)
        cur.closed = True
        cur.written_up = bool(_WRITTEN_UP.search(unit.text))
        cur.reporter_closed = bool(_REPORTER_CLOSING.match(unit.text))
        cur.article.end_line = unit.end_line

    def _photo_line(self, unit: _Unit, credits: list[Credit]) -> None:
        """A photographer's credit on its own line closes the caption above it (and stays its last line)."""
        cur = self.current
        if self.pending or cur is None:
            cur = self._new_draft(unit.line)
        cur.article.credits.extend(credits)
        cur.article.paragraphs.append(unit.text)
        cur.photo_credit = cur.closed = True
        cur.article.end_line = unit.end_line

    def _trailer(self, unit: _Unit) -> None:
        """``版式设计：…``, ``数据来源：…``, ``新华社发``: the last line of the article above."""
        cur = self.current
        label = _TRAILER.match(unit.text).group()
        photo = not label.endswith(("：", ":")) and not label[-1].isspace()
        shorts = [u for k, u in self.pending if k == "short"]
        labelled = bool(shorts) and len(shorts) == len(self.pending) and _is_photo_label(shorts[0].text)
        if (photo and len(shorts) >= 2 or labelled) and len(shorts) == len(self.pending):
            # ``图片报道`` / a caption short enough to pass for a headline / ``影像中国``: a photo.
            rest = shorts[1:]
            self.pending = self.pending[:1]
            cur = self._new_draft(shorts[0].line)
            cur.article.paragraphs.extend(u.text for u in rest)
        else:
            self._flush_pending_as_intertitles(cur)
        cur.article.paragraphs.append(unit.text)
        cur.article.end_line = unit.end_line
        cur.closed = True
        cur.digest = False  # a layout credit closes a box of brief items too
        if photo:
            cur.photo_credit = True

    def _box_label(self, unit: _Unit) -> None:
        """``核心阅读``, ``编者按``: a box that opens the body of the article it stands in."""
        if self.pending or self.current is None:
            draft = self._new_draft(unit.line)
        else:
            draft = self.current
            draft.closed = False
        if draft.article.paragraphs and _REPORTERS_NOTE.search(unit.text):
            draft.note = 1
        draft.article.paragraphs.append(unit.text)
        draft.article.end_line = unit.end_line

    def _body(self, unit: _Unit) -> None:
        text = unit.text
        photo = split_photo_credit(text)
        if photo and len(text) <= 400:
            caption, credits = photo
            draft = self._new_draft(unit.line)
            draft.photo = True
            draft.article.kind = KIND_PHOTO
            draft.article.credits.extend(credits)
            draft.article.paragraphs.append(caption)
            draft.article.end_line = unit.end_line
            draft.closed = True
            return
        if self.pending:
            self._shed_closing_exclamations()
        if self.pending:
            if self._starts_new_article(unit):
                draft = self._new_draft(unit.line)
                self._lead(draft, text, unit)
            else:
                cur = self.current
                self._flush_pending_as_intertitles(cur)
                self._add_paragraph(cur, text, unit)
            return
        cur = self.current
        if cur is not None and is_lead(text) and _is_summary(cur):
            # The summary printed above a story, then the story's own lead.
            cur.closed = cur.truncated = False
            self._lead(cur, text, unit)
            return
        # (the second, not in walks told their decisions: training keeps the states it learnt in before)
        if (cur is not None and cur.closed and is_lead(text)
                and (cur.letter or (cur.dated and cur.lead and self.decide is None))):
            # the dispatch after the letter it reports, closed by its signature and date: one article;
            # and so the dispatch after a message a dispatch printed whole (``…致电祝贺`` / the telegram /
            # ``中共中央  国 务 院  中央军委`` / ``2020年5月5日``): a dispatch headed by nothing goes on there
            cur.letter = cur.closed = cur.dated = False
            self._lead(cur, text, unit)
            return
        if is_lead(text) or cur is None:
            moved: list[str] = []
            if cur is not None and is_lead(text):
                moved = self._resplit_before_lead(cur)
                if not self.pending and self._lead_goes_on(cur):
                    # A second dispatch with no headline of its own, printed straight after the
                    # first (王毅 calls two ministers): the same article, as papers head it once.
                    self._add_paragraph(cur, text, unit)
                    return
            draft = self._new_draft(unit.line)
            draft.article.paragraphs.extend(moved)
            self._lead(draft, text, unit)
            return
        if cur.closed or cur.photo:
            split = _split_run_in_headline(text)
            if split:
                head, rest = split
                draft = self._new_draft(unit.line)
                draft.article.headline = head
                self._lead(draft, rest, unit)
                return
            if cur.photo and len(self.drafts) > 1 and not self.drafts[-2].closed:
                # Text resumes around a photo printed inside an article.
                self._add_paragraph(self.drafts[-2], text, unit)
                return
            if cur.photo or cur.date_entries or cur.truncated:
                draft = self._new_draft(unit.line)
                self._lead(draft, text, unit)
                return
            cur.closed = False  # a credit printed mid-article (the same byline twice, say)
        self._add_paragraph(cur, text, unit)

    @staticmethod
    def _lead_goes_on(cur: _Draft) -> bool:
        art = cur.article
        return (cur.lead and art.title is not None and not cur.closed and not cur.photo and not cur.date_entries
                and art.kind == KIND_NEWS and art.continued_from_page is None)

    def _resplit_before_lead(self, cur: _Draft) -> list[str]:
        """A dateline lead a few paragraphs after a run taken for an intertitle: the run was the
        headline of the story this lead opens, and the paragraphs between are its summary box
        (quotes, a 核心阅读 text). Give them back to ``pending``'s place: the new article."""
        if self.pending or cur.last_intertitle is None or cur.closed:
            return []
        at, shorts = cur.last_intertitle
        paragraphs = cur.article.paragraphs
        between = paragraphs[at + len(shorts):]
        if not 1 <= len(between) <= 5 or any(is_lead(p) for p in between):
            return []
        if sum(len(p) for p in between) > 600:
            return []
        self.pending = [("short", u) for u in shorts]
        moved = between
        del paragraphs[at:]
        cur.intertitles -= len(shorts)
        del cur.intertitle_shapes[len(cur.intertitle_shapes) - len(shorts):]
        cur.last_intertitle = None
        cur.article.end_line = shorts[0].line - 1
        return moved

    def _lead(self, draft: _Draft, text: str, unit: _Unit) -> None:
        if is_lead(text):
            draft.lead = True
            after = _LEAD.match(to_ascii_digits(text[:_LEAD_REACH])).end()
            m = _LEAD_CREDIT.match(text[after:])
            if m:
                credits = parse_credit(m.group(1))
                if credits:
                    draft.article.credits.extend(credits)
        self._add_paragraph(draft, text, unit)

    # -- after the walk ------------------------------------------------------------------
    def _finish(self) -> SegmentationResult:
        articles = [d.article for d in self.drafts]
        for draft in self.drafts:
            self._classify(draft)
            art = draft.article
            if art.kind not in (KIND_CONTINUATION, KIND_COLUMN) and art.paragraphs and self.issue_date:
                # The lead carries the dateline, also under a summary box printed above it.
                lead = next((p for p in art.paragraphs[:6] if is_lead(p)), art.paragraphs[0])
                art.dateline = find_dateline(lead, self.issue_date)
            if not art.paragraphs:
                self.warnings.append(f"lines {art.start_line}-{art.end_line}: article {art.position} has no text")
            art.paragraphs = [full_width_punctuation(p) for p in art.paragraphs]
            art.kicker, art.title, art.subheadline = (
                full_width_punctuation(part) if part else part for part in (art.kicker, art.title, art.subheadline))
        self._assign_sections()
        return SegmentationResult(articles=articles, warnings=self.warnings)

    def _classify(self, draft: _Draft) -> None:
        art = draft.article
        if art.kind in (KIND_CONTINUATION, KIND_PHOTO):
            return
        if draft.photo_credit and not draft.lead and len(art.paragraphs) <= 3:
            art.kind = KIND_PHOTO
            return
        headline = (art.headline or "").replace(" ", "")
        roles = {c.role for c in art.credits}
        if draft.date_entries or ROLE_SUPPLIER in roles:
            art.kind = KIND_COLUMN
        elif _NOTICE_HEADLINE.search(headline):
            art.kind = KIND_NOTICE
        elif ROLE_COMMENTATOR in roles or (draft.tag and _COMMENTARY_HINT.search(draft.tag)):
            art.kind = KIND_COMMENTARY
        elif art.subheadline or draft.intertitles or (not draft.lead and len(art.paragraphs) >= 3):
            art.kind = KIND_FEATURE
        else:
            art.kind = KIND_NEWS

    def _assign_sections(self) -> None:
        drafts = self.drafts
        for draft in drafts:
            if draft.tag:
                draft.article.section = draft.tag
        banner_starts = {b.after_article for b in self.banners}
        for banner in self.banners:
            k = banner.after_article  # drafts[k] is the first article after the banner
            prev = drafts[k - 1] if k > 0 else None
            nxt = drafts[k] if k < len(drafts) else None
            if prev is not None and (nxt is None or self._backward(banner, prev.article, nxt.article)):
                if prev.article.section is None:
                    prev.article.section = banner.text
                continue
            # Forward: the banner heads the articles under it, up to the next banner or the first
            # article of another kind (a column, a photo, a continuation, a feature after news).
            for j in range(k, len(drafts)):
                if j > k and (j in banner_starts or drafts[j].article.kind != KIND_NEWS):
                    break
                if drafts[j].article.section is None:
                    drafts[j].article.section = banner.text
                if drafts[j].article.kind != KIND_NEWS:
                    break

    @staticmethod
    def _backward(banner: _Banner, prev: SegmentedArticle, nxt: SegmentedArticle) -> bool:
        """A banner printed after the articles it heads: decide by which neighbour it is about."""
        back, forward = _topic_overlap(banner.text, prev), _topic_overlap(banner.text, nxt)
        # Banners set apart by extra blank lines close the block above them more often than not.
        bias = 0.15 if banner.blank_after >= 2 else 0.0
        return back + bias > forward + 0.1


def segment(text: str, *, issue_date: dt.date | None = None) -> SegmentationResult:
    """Split an issue's text into articles; ``issue_date`` anchors datelines to a year."""
    return _Segmenter(text, issue_date).run()

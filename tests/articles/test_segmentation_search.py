"""The page's boundary decisions taken together (``_Segmenter._search``): a decision the model is
unsure of is tried the other way, and the walk whose decisions are likelier together is kept. The
model is stubbed so that the test says which probabilities lead where; the page is made up."""
from __future__ import annotations

import datetime as dt

import pytest

from articles.segmentation import boundaries, segment
from articles.segmentation.segmenter import _Segmenter

DATE = dt.date(2021, 3, 2)
FIRST, SECOND, THIRD = "山区小学迎来新操场", "孩子们跑起来了", "老师们的新期待"
PAGE = "\n\n".join([
    FIRST,
    "新学期开学第一天，县里最偏远的小学用上了塑胶跑道，孩子们在上面奔跑嬉戏。",
    SECOND,
    "近日，记者来到这所小学，看到操场上到处是孩子们的笑脸，老师们也很高兴。",
    THIRD,
    "近日，学校还添置了新的体育器材，老师们准备开设更多的体育课程，让孩子们受益。",
]) + "\n"


class Stub:
    """The second run heads a story with probability ``second``; the third heads one surely when
    the second did, and only at 0.6 when the second was read as an intertitle of the first story."""

    def __init__(self, second: float) -> None:
        self.second = second

    def probability(self, ctx: boundaries.RunContext) -> float:
        if ctx.shorts[0] == SECOND:
            return self.second
        assert ctx.shorts[0] == THIRD
        return 0.6 if ctx.intertitles else 0.99


def heads(second: float, monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    monkeypatch.setattr(boundaries, "_model", Stub(second))
    return [a.headline for a in segment(PAGE, issue_date=DATE).articles]


def test_an_unsure_decision_is_turned_when_the_page_is_likelier_so(monkeypatch):
    # One step at a time the second run is an intertitle (0.45), and the third then heads a story
    # at 0.6: 0.55 × 0.6 = 0.33. Read as a headline, the second makes the third sure: 0.45 × 0.99 = 0.45.
    assert heads(0.45, monkeypatch) == [FIRST, SECOND, THIRD]


def test_a_confident_decision_is_never_turned(monkeypatch):
    # 0.8 × 0.6 = 0.48 against 0.2 × 0.99 = 0.20: the step-by-step walk is the likelier page.
    arts = heads(0.2, monkeypatch)
    assert arts == [FIRST, THIRD]


def test_a_walk_told_its_decisions_is_not_searched(monkeypatch):
    # Training walks the gold's decisions (and scoring another model its own): no search then.
    stub = Stub(0.45)
    monkeypatch.setattr(boundaries, "_model", stub)
    seen: list[str] = []

    def decide(ctx, _unit):
        seen.append(ctx.shorts[0])
        return stub.probability(ctx) >= 0.5

    arts = _Segmenter(PAGE, DATE, decide=decide).run().articles
    assert [a.headline for a in arts] == [FIRST, THIRD]
    assert seen == [SECOND, THIRD]


def test_a_banner_glued_to_its_line_is_cut_once_however_often_the_page_is_walked(monkeypatch):
    # The walk cuts a banner's tail off the line it was glued to; a second walk must start from
    # the repaired text, not from what the first walk left.
    glued = "\n".join(["学习贯彻", "“六稳”工作一线的故事见闻"]) + "\n\n"
    monkeypatch.setattr(boundaries, "_model", Stub(0.45))
    searched = segment(glued + PAGE, issue_date=DATE)
    monkeypatch.setattr(boundaries, "_model", Stub(0.9))  # sure: the same split in one walk
    walked_once = segment(glued + PAGE, issue_date=DATE)
    assert [(a.headline, a.section, a.body) for a in searched.articles] == [
        (a.headline, a.section, a.body) for a in walked_once.articles]

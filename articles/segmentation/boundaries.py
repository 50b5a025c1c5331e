"""Is a run of short lines between body paragraphs the headline of a new article, or an intertitle
(小标题) inside the article going on?

Typography cannot tell them apart: both are short lines without a full stop between paragraphs.
What tells them apart is context: a new article's text turns to another subject and often opens
with a time and place; a headline carries a column tag such as ``（人民时评）``; intertitles come
numbered and in series, in an article that has had them before. ``features`` measures these cues
and a logistic regression weighs them (``boundary_model.json``, written by ``train_boundaries.py``
from gold-split pages). Without the model file the hand-set rule ``rule_says_headline`` decides.
"""
from __future__ import annotations

import json
import math
import re
import sys
from collections import Counter
from itertools import chain, compress, repeat
from operator import add, mul
from dataclasses import dataclass
from pathlib import Path

MODEL_PATH = Path(__file__).with_name("boundary_model.json")

# A headline closed by a bracketed column or series tag: ``…（人民时评）``, ``…（守初心 担使命·整改落实）``.
ENDS_WITH_TAG = re.compile(r".{2,}[(（][^()（）]{2,60}(?:[(（][^()（）]*[)）][^()（）]*)?[)）]$")
_NUMBERED = re.compile(r"^(?:[(（]?[一二三四五六七八九十]{1,3}[)）、．.]|[0-9０-９]{1,2}[、．.）)]|[①-⑳]|第[一二三四五六七八九十]{1,3}(?:[，,、\s]|[章节篇]|部分))")
_TIME_OPENING = re.compile(
    r"^(?:[0-9０-９]{1,4}年)?(?:[0-9０-９]{1,2}月)?[0-9０-９]{1,2}日|^(?:近日|日前|近期|近年来|昨天|今天|前不久|当地时间|"
    r"[\u4e00-\u9fff]{0,4}(?:清晨|早晨|上午|中午|下午|傍晚|晚上|夜晚|凌晨|深夜|冬日|春节前|岁末|年初|年末))"
)
_NOTE_TAG = re.compile(r"手记[)）]$")
_BRACKETED = re.compile(r"^[(（][^()（）]{4,}[)）]$")
# Every two Chinese characters in a row, found at each place by a lookahead, so that they overlap.
_CJK_PAIR = re.compile(r"(?=([\u4e00-\u9fff]{2}))")


def bigrams(text: str, end: int = sys.maxsize) -> set[str]:
    """The character bigrams of ``text`` (of its first ``end`` characters) with both characters Chinese."""
    return set(_CJK_PAIR.findall(text, 0, end))


class PageVocabulary:
    """How many paragraphs of the page each character bigram occurs in: a bigram the whole page
    uses says little about which article a paragraph belongs to. A paragraph's opening states
    its subject, so only the first ``REACH`` characters are read, which keeps this cheap."""

    REACH = 240

    def __init__(self, texts: list[str]) -> None:
        reach = self.REACH
        self.grams = [bigrams(t, reach) for t in texts]
        df = Counter(chain.from_iterable(self.grams))
        size = len(texts)
        logs = [math.log((1 + size) / (1 + n)) for n in range(size + 1)]
        self.weights = dict(zip(df, map(logs.__getitem__, df.values())))

    def seen(self, units: list[int]) -> set[str]:
        grams = self.grams
        return set().union(*map(grams.__getitem__, units))

    def affinity(self, title: str, seen: set[str]) -> float:
        """Share of the weight of a title's bigrams that the text with bigrams ``seen`` uses."""
        grams = bigrams(title)
        get = self.weights.get
        total = sum(map(get, grams, repeat(0.0)))
        if not total or not seen:
            return 0.0
        return sum(map(get, grams & seen, repeat(0.0))) / total

    def cohesion(self, before: list[int] | set[str], after: list[int]) -> float:
        """Share of the weight of the text after a run that the text before it (units, or their
        bigrams) already used."""
        seen = before if isinstance(before, set) else self.seen(before)
        ahead = self.seen(after)
        weight = self.weights.__getitem__
        total = sum(map(weight, ahead))
        return sum(map(weight, ahead & seen)) / total if total else 0.0


@dataclass(frozen=True)
class RunContext:
    shorts: list[str]  # the short lines, in order
    following: str  # the paragraph after them
    previous: str  # the last paragraph before them
    paragraphs: int  # paragraphs of the article going on
    characters: int
    intertitles: int  # intertitles it has had so far
    lead: bool  # it opened with a dateline lead
    headed: bool  # it has a headline
    cohesion: float
    intertitle_shapes: tuple[tuple[int, bool], ...]  # length and inner punctuation of its intertitles
    credit_ahead: int  # paragraphs after the run until a closing or photo credit line (0: none near)
    # (runs of its shape nearby, paragraphs up to the next run, a lead among the first few of them,
    # paragraphs since the run before, the next run stands over a lead)
    outlook: tuple[int, int, bool, int, bool] = (0, 0, False, 0, False)
    continued: bool = False  # the article going on is the rest of one begun on another page
    subtitle: bool = False  # a ``——`` line under the run (a headline's subtitle, or an intertitle's)
    # the run's words in the article so far, in the text ahead of it; the text ahead against the whole article
    title_back: float = 0.0
    title_ahead: float = 0.0
    cohesion_wide: float = 0.0
    page_leads: float = 0.0  # share of the page's runs of short lines with a dateline lead under them
    credit: bool = False  # a reporter's credit line under the run (a headline's, or a part's of one report)
    title_shape: tuple[int, int, bool] = (0, 0, False)  # the article's headline: lines, main line's length, inner marks
    head_ahead: float = 0.0  # the article's headline's words in the text ahead of the run
    position: float = 0.0  # where the run stands on the page: its first line's place among the page's units (0: top)


FEATURES = (
    "two_lines", "three_lines", "tag", "kicker_dash", "last_dash", "question", "exclaim", "inner_comma",
    "inner_space", "numbered", "previous_colon", "previous_quote", "had_intertitles", "lead", "headed",
    "log_paragraphs", "log_characters", "time_opening", "quote_opening", "cohesion", "short_cohesion",
    "log_length", "like_intertitles", "credit_ahead_1", "credit_ahead_3",
    "siblings_1", "siblings_2", "log_ahead", "lead_ahead", "log_before", "next_lead", "before_short",
    "ahead_short", "continued", "title_back", "title_ahead", "cohesion_wide", "bracketed_line",
    "credit_ahead_6", "bullet", "subtitle", "note_tag", "credit", "page_leads", "like_title", "head_ahead",
    "log_previous", "position",
)
_INNER = re.compile(r"[，,、：:；;]")


def shape(line: str) -> tuple[int, bool]:
    return len(line), bool(_INNER.search(line))


def features(ctx: RunContext) -> list[float]:
    last = ctx.shorts[-1]
    joined = "".join(ctx.shorts)
    values = {
        "two_lines": float(len(ctx.shorts) == 2),
        "three_lines": float(len(ctx.shorts) >= 3),
        # a column tag on the last line, or on a line above a deck (…（民生观） / one sentence)
        "tag": float(any(ENDS_WITH_TAG.match(line) for line in ctx.shorts)),
        "kicker_dash": float(any(s.endswith(("——", "—")) for s in ctx.shorts[:-1])),
        "last_dash": float(last.endswith(("——", "—"))),
        "question": float(last[-1] in "？?"),
        "exclaim": float(last[-1] in "！!"),
        "inner_comma": float(bool(_INNER.search(joined))),
        "inner_space": float(" " in joined or "\u3000" in joined),
        "numbered": float(bool(_NUMBERED.match(ctx.shorts[0]))),
        "previous_colon": float(ctx.previous[-1:] in ("：", ":")),
        "previous_quote": float(ctx.previous[-1:] in ("”", "」")),
        "had_intertitles": float(ctx.intertitles > 0),
        "lead": float(ctx.lead),
        "headed": float(ctx.headed),
        "log_paragraphs": math.log1p(ctx.paragraphs),
        "log_characters": math.log1p(ctx.characters) / 5,
        "time_opening": float(bool(_TIME_OPENING.match(ctx.following))),
        "quote_opening": float(ctx.following[:1] in "“「"),
        "cohesion": ctx.cohesion * 5,
        "short_cohesion": float(ctx.cohesion < 0.03),
        "log_length": math.log1p(len(last)),
        # Intertitles of one article are cut to one pattern: about the same length, commas or not.
        "like_intertitles": float(any(abs(n - len(last)) <= max(2, len(last) // 5) and inner == shape(last)[1]
                                      for n, inner in ctx.intertitle_shapes)),
        "credit_ahead_1": float(ctx.credit_ahead == 1),
        "credit_ahead_3": float(1 < ctx.credit_ahead <= 3),
        "credit_ahead_6": float(3 < ctx.credit_ahead <= 6),  # a cartoon: caption, 这正是：, its verse, credits
        "bullet": float(ctx.shorts[0][:1] in "●■◆▲□○◇△★☆"),  # ``●不断增强…``: a point of the text
        "subtitle": float(ctx.subtitle),
        "credit": float(ctx.credit),
        "page_leads": ctx.page_leads * 3,
        # Articles printed side by side are headed alike; an intertitle seldom looks like its article's headline.
        "like_title": float(ctx.title_shape[0] == len(ctx.shorts) and abs(ctx.title_shape[1] - len(last))
                            <= max(2, len(last) // 5) and ctx.title_shape[2] == shape(last)[1]),
        # ``（记者手记）``: a reporter's note printed with the story it comes from
        "note_tag": float(bool(_NOTE_TAG.search(last))),
        "siblings_1": float(ctx.outlook[0] == 1),
        "siblings_2": float(ctx.outlook[0] >= 2),
        "log_ahead": math.log1p(ctx.outlook[1]),
        "lead_ahead": float(ctx.outlook[2]),
        "log_before": math.log1p(ctx.outlook[3]),
        "next_lead": float(ctx.outlook[4]),
        "before_short": float(ctx.outlook[3] <= 1),
        "ahead_short": float(ctx.outlook[1] <= 1),
        "continued": float(ctx.continued),
        "title_back": ctx.title_back * 3,
        "title_ahead": ctx.title_ahead * 3,
        "head_ahead": ctx.head_ahead * 3,
        "cohesion_wide": ctx.cohesion_wide * 5,
        # ``（2020年5月28日第十三届全国人民代表大会第三次会议通过）`` under the title of a document
        "bracketed_line": float(any(_BRACKETED.match(line) for line in ctx.shorts[1:])),
        # the paragraph above the run: an intertitle follows a paragraph of the article's body, a
        # headline often follows an article's short closing line (a sign-off, a last sentence)
        "log_previous": math.log1p(len(ctx.previous)) / 3,
        # where the run stands on the page: the main story opens the page, its intertitles follow
        # below; the foot of a page holds short articles side by side
        "position": ctx.position,
    }
    return [values[name] for name in FEATURES]


def rule_says_headline(ctx: RunContext) -> bool:
    """The fallback without a model: a stack of lines, a column tag or a turn to another subject."""
    if _NUMBERED.match(ctx.shorts[0]) or ctx.previous[-1:] in ("：", ":"):
        return False
    if len(ctx.shorts) >= 2 or ENDS_WITH_TAG.match(ctx.shorts[-1]):
        return True
    return ctx.intertitles == 0 and ctx.cohesion < 0.03


@dataclass(frozen=True)
class BoundaryModel:
    """A logistic regression over ``features``, or, when the file has a hidden layer, a small
    network: standardised features, one layer of tanh units, a logistic output. Cues interact
    (a short run right after a lead is a headline, after a series of intertitles it is another
    one), which one layer of weights cannot say."""

    weights: tuple[float, ...]
    bias: float
    # the hidden layer, if any, with the standardising of the features folded in: a column of
    # weights per feature (one per unit), the units' biases
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()
    hidden: tuple[tuple[float, ...], ...] = ()
    hidden_bias: tuple[float, ...] = ()

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> BoundaryModel | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if tuple(data.get("features", ())) != FEATURES:
            return None  # written for other features: the rule is safer than misread weights
        hidden = data.get("hidden")
        if hidden:
            # Standardising is folded into the first layer: w·(x − mean)/scale = (w/scale)·x − w·mean/scale.
            mean = [float(v) for v in hidden["mean"]]
            scale = [float(v) for v in hidden["scale"]]
            rows = [[float(w) / sc for w, sc in zip(row, scale, strict=True)] for row in hidden["weights"]]
            bias = [float(b) - sum(w * m for w, m in zip(row, mean)) for row, b in zip(rows, hidden["bias"])]
            return cls(tuple(float(w) for w in hidden["output_weights"]), float(hidden["output_bias"]),
                       (), (), tuple(tuple(row) for row in zip(*rows)), tuple(bias))
        return cls(tuple(float(w) for w in data["weights"]), float(data["bias"]))

    def probability(self, ctx: RunContext) -> float:
        x = features(ctx)
        if self.hidden:
            # ``hidden`` holds a column per feature (its weight into each unit): most cues are 0,
            # so only the columns of those that are not are added up (a cue of 1, most of them,
            # adds its column as it is), feature after feature as the sum was always taken.
            acc = self.hidden_bias
            for column, v in compress(zip(self.hidden, x, strict=True), x):
                acc = list(map(add, acc, column if v == 1.0 else map(mul, column, repeat(v))))
            x = list(map(math.tanh, acc))
        z = self.bias + sum(map(mul, self.weights, x))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


_model: BoundaryModel | None = BoundaryModel.load()


def use_model(path: Path | None) -> None:
    """Decide with the model in ``path`` (``None``: with the rule) from now on, as when scoring a
    model trained on other pages."""
    global _model
    _model = BoundaryModel.load(path) if path is not None else None
    if path is not None and _model is None:
        raise ValueError(f"{path}: not a boundary model for these features")


def headline_probability(ctx: RunContext) -> float | None:
    """The model's probability that the run heads a new article (``None`` without a model: then
    ``rule_says_headline`` decides)."""
    return None if _model is None else _model.probability(ctx)

"""Repairs for the damage PDF extraction does to newspaper text.

Everything here is a pure function of strings; characters are kept as printed
except where the extraction itself added something (OCR markup, a doubled
paragraph, a line break inside a sentence).
"""
from __future__ import annotations

import re

# Sentence-final marks. A paragraph that ends with one of these is complete.
TERMINAL = "。！？!?…；;」』”\"）)】"
# Marks that never end a sentence: text broken after them continues on the next line.
CONTINUING = "，,、：:（(“‘《〈「『—-"
# Opening brackets and quotes: a paragraph that starts with one starts a new sentence.
OPENING = "“‘《〈「『（(【"

_LATEX_SPAN = re.compile(r"\$([^$\n]{1,200})\$")
_LATEX_SYMBOLS = {
    r"\geq": "≥", r"\geqslant": "≥", r"\ge": "≥",
    r"\leq": "≤", r"\leqslant": "≤", r"\le": "≤",
    r"\neq": "≠", r"\approx": "≈", r"\times": "×", r"\div": "÷", r"\pm": "±",
    r"\cdot": "·", r"\sim": "~", r"\rightarrow": "→", r"\to": "→", r"\leftarrow": "←",
    r"\%": "%", r"\permil": "‰", r"\mu": "μ", r"\alpha": "α", r"\beta": "β",
    r"\gamma": "γ", r"\Delta": "Δ", r"\pi": "π", r"\infty": "∞",
}
_SUPERSCRIPTS = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _latex_to_text(expr: str) -> str:
    s = expr
    # Degree signs first: ^{\circ}\text{C} is the usual OCR spelling of ℃.
    s = re.sub(r"\^\{?\\circ\}?\s*(?:\\(?:text|mathrm)\{C\}|C)", "℃", s)
    s = re.sub(r"\^\{?\\circ\}?", "°", s)
    s = re.sub(r"\\(?:text|mathrm|mathbf|textbf|rm|mbox)\{([^{}]*)\}", r"\1", s)
    for name in sorted(_LATEX_SYMBOLS, key=len, reverse=True):
        s = re.sub(re.escape(name) + r"(?![A-Za-z])", lambda _m, n=name: _LATEX_SYMBOLS[n], s)
    s = re.sub(r"\^\{([0-9+\-]+)\}", lambda m: m.group(1).translate(_SUPERSCRIPTS), s)
    s = re.sub(r"\^([0-9])", lambda m: m.group(1).translate(_SUPERSCRIPTS), s)
    s = re.sub(r"_\{([0-9]+)\}", lambda m: m.group(1).translate(_SUBSCRIPTS), s)
    s = re.sub(r"_([0-9])", lambda m: m.group(1).translate(_SUBSCRIPTS), s)
    s = re.sub(r"\\[A-Za-z]+", "", s)  # any command we do not know carries no printed text
    s = s.replace("{", "").replace("}", "")
    return re.sub(r"\s+", "", s)


def strip_ocr_markup(line: str) -> str:
    """Turn LaTeX-style OCR markup such as ``$\\geq 37.2^{\\circ}\\text{C}$`` into plain text."""
    if "$" not in line:
        return line
    return _LATEX_SPAN.sub(lambda m: _latex_to_text(m.group(1)), line)


def normalise_newlines(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_terminated(text: str) -> bool:
    return bool(text) and text[-1] in TERMINAL


def first_clause(text: str) -> str:
    """The text up to the first punctuation mark (the whole text if there is none)."""
    m = re.search(r"[，,、。！？!?；;：:（(“”]", text)
    return text[: m.start()] if m else text


_NOT_CJK = re.compile("[^\u4e00-\u9fff]+")


def cjk_ratio(text: str) -> float:
    if not text:
        return 0.0
    return len(_NOT_CJK.sub("", text)) / len(text)


def join_broken(before: str, after: str) -> str:
    """Join two halves of a sentence the layout split; a space only between Latin words."""
    if before and after and before[-1].isascii() and before[-1].isalnum() and after[0].isascii() and after[0].isalnum():
        return before + " " + after
    return before + after


_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_FULL_WIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
# A half-width mark after a Chinese character or closing mark (spaces after it dropped when Chinese
# follows), or between a number or Latin word and Chinese text: "太原:感动", "房间, 面对面", "5%,达到".
_HALF_WIDTH_IN_CHINESE = re.compile(
    rf"(?<=[{_CJK}”’）》」』】])([,;:?!])(?:[ \t]+(?=[{_CJK}“‘（《「『【]))?"
    rf"|(?<=[0-9A-Za-z%])([,;:?!])(?=[ \t]*[{_CJK}“‘（《「『【])"
)


def full_width_punctuation(text: str) -> str:
    """Half-width ``, ; : ? !`` that PDF extraction left in Chinese text become full-width; marks
    between numbers or Latin words keep their width (``3.5``, ``10:30``, ``1,000``, ``Hello, world``)."""
    if not any(mark in text for mark in _FULL_WIDTH):
        return text
    return _HALF_WIDTH_IN_CHINESE.sub(lambda m: _FULL_WIDTH[m.group(1) or m.group(2)], text)

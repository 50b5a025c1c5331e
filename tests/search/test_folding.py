"""Quoted rare characters do not fold too far (issue 14, item 16).

Precision of a quoted single character: of the articles a search for "乾" returns, the share
that contain 乾 itself. Measured over the seed issues, the search cases and a fixture of
characters that are traditional forms and normal simplified characters at once, with the
folding before this change (OpenCC's whole one-character table) and now.

    .venv/bin/python -m pytest tests/search/test_folding.py -q -s -p no:cacheprovider

prints the figures.
"""
from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from search import analysis

pytestmark = pytest.mark.django_db

FIXTURE = """乾隆年间的晋祠

本报讯（记者 李明）清代乾隆年间，晋祠曾经大修。专家介绍，乾隆皇帝曾为此题字。

秋季天气干燥 注意防火

本报讯（记者 李明）入秋以来天气干燥，消防部门提醒市民注意防火，不要乱扔烟头。

於氏宗祠修缮完工

本报讯（记者 王丽）位于小店区的於氏宗祠近日修缮完工，於姓族人前来参观。

关于加强社区管理的通知

本报讯（记者 王丽）关于加强社区管理，市里于近日出台办法，有关部门将于下月实施。

濛濛细雨中的汾河

本报讯（记者 赵安）空濛山色，细雨濛濛，汾河两岸游人如织。

崑曲名家来并演出

本报讯（记者 赵安）崑曲名家日前来到我市演出，观众称赞崑曲之美。

昆曲进校园

本报讯（记者 赵安）昆曲进校园活动在我市举行，学生们学唱昆曲。

蒙古族歌手演唱会

本报讯（记者 赵安）蒙古族歌手在我市举行演唱会。

頭髮與發展

本报讯（记者 张晓明）理髮店老闆說，頭髮護理行業發展很快。
"""

ISSUE_CHARACTERS = "乾濛崑於著覆"


def _opencc_full_table() -> dict[str, str]:
    """The folding before this change: OpenCC's first candidate for every one-character entry."""
    return {t: c[0] for t, c in analysis._opencc_table().items() if c and len(c[0]) == 1 and c[0] != t}


def _fold(text: str, table: dict[str, str]) -> str:
    return "".join(table.get(c, c) for c in unicodedata.normalize("NFKC", text).lower())


def _literal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def precision(texts: list[str], chars: str, table: dict[str, str]) -> dict:
    """Micro and macro precision of quoted single-character searches under a folding ``table``:
    a text matches where its folded form holds the folded character (what the literal index does),
    and is right where it holds the character itself."""
    folded = [_fold(t, table) for t in texts]
    literal = [_literal(t) for t in texts]
    per_char, returned_total, right_total = {}, 0, 0
    for char in chars:
        returned = [i for i, f in enumerate(folded) if _fold(char, table) in f]
        if not returned:
            continue
        right = [i for i in returned if char in literal[i]]
        per_char[char] = (len(right), len(returned))
        returned_total += len(returned)
        right_total += len(right)
    macro = sum(r / n for r, n in per_char.values()) / len(per_char) if per_char else 1.0
    return {"micro": right_total / returned_total if returned_total else 1.0, "macro": macro, "chars": per_char}


@pytest.fixture(scope="module")
def folding_archive(seeded_archive, django_db_blocker, tmp_path_factory):
    from articles.services import ingest_paths

    path = tmp_path_factory.mktemp("folding") / "folding_cases.txt"
    path.write_text(FIXTURE, encoding="utf-8")
    with django_db_blocker.unblock():
        report = ingest_paths(paths=[path], date=dt.date(2024, 2, 3))
        assert not report.failed
    return seeded_archive  # its teardown removes these articles too


def _texts() -> list[tuple[int, str]]:
    from articles.models import Article

    return [(a.pk, "\n".join([a.headline, a.subheadline, a.section.name if a.section_id else "", a.body,
                              *[c.contributor.name for c in a.credits.all()]]))
            for a in Article.objects.for_reading()]


def _search_ids(query: str) -> set[int]:
    from search.query import SearchPlan, parse
    from search.selectors import matching_ids

    return {int(r.pk) for r in matching_ids(plan=SearchPlan(query=parse(query)), limit=10_000)}


def test_characters_in_simplified_use_are_kept_and_the_rest_still_fold():
    kept = analysis.kept_characters()
    assert set("乾濛崑於") <= kept
    assert analysis.normalise("優勢 頭髮 發展 後來 颱風") == "优势 头发 发展 后来 台风"
    assert analysis.normalise("乾隆 於氏 空濛 崑曲 著作 覆盖") == "乾隆 於氏 空濛 崑曲 著作 覆盖"


def test_kept_in_simplified_rules():
    assert analysis.kept_in_simplified("乾", ["干", "乾"], {})  # OpenCC keeps it in some words
    assert analysis.kept_in_simplified("崑", ["昆"], {})  # a name character
    assert analysis.kept_in_simplified("濛", ["蒙"], {"濛": 14})  # in the simplified dictionary's words
    assert not analysis.kept_in_simplified("髮", ["发"], {"髮": 1})
    assert not analysis.kept_in_simplified("後", ["后"], {})  # in GB 2312, but in no simplified word


def test_quoted_rare_characters_find_only_articles_that_contain_them(folding_archive):
    texts = _texts()
    by_id = dict(texts)
    for char in ISSUE_CHARACTERS:
        found = _search_ids(f'"{char}"')
        holding = {pk for pk, text in texts if char in _literal(text)}
        assert found == holding, (char, [by_id[pk][:20] for pk in found - holding])
    # and folding still works where it should: traditional finds simplified and back
    assert _search_ids('"头发"') == _search_ids('"頭髮"') != set()
    assert _search_ids('"昆曲"') != _search_ids('"崑曲"')


def test_folding_precision_on_quoted_single_characters(folding_archive, capsys):
    texts = [text for _, text in _texts()]
    chars = "".join(sorted(analysis.kept_characters() | set(ISSUE_CHARACTERS)))
    before = precision(texts, chars, _opencc_full_table())
    after = precision(texts, chars, analysis._traditional_to_simplified())
    with capsys.disabled():
        print(f"\nquoted single characters over {len(texts)} articles (seeds + search cases + folding cases):")
        print(f"  before: micro {before['micro']:.3f}, macro {before['macro']:.3f} over {len(before['chars'])} "
              f"characters found: {before['chars']}")
        print(f"  after:  micro {after['micro']:.3f}, macro {after['macro']:.3f} over {len(after['chars'])} "
              f"characters found: {after['chars']}")
    assert after["micro"] == 1.0 and after["macro"] == 1.0
    assert before["micro"] < 0.5
    # the index agrees with the measurement: a quoted character returns what the analysis says
    for char, (right, returned) in after["chars"].items():
        assert len(_search_ids(f'"{char}"')) == returned == right

"""The segmenter on the phenomena of the seed issues, each from a small excerpt of a real page."""
from __future__ import annotations

import datetime as dt
import importlib.util
import json

import pytest

from articles.segmentation import infer_issue_date, segment
from articles.segmentation.bylines import parse_credit, split_trailing_credits
from articles.segmentation.dates import resolve_month_day
from articles.segmentation.text import strip_ocr_markup
from bench.segment_eval import segment_folder
from tests.conftest import FIXTURES, SEEDS, SHARED, seed_excerpt, seed_file

D000 = dt.date(2021, 10, 28)
D001 = dt.date(2022, 4, 19)
D002 = dt.date(2022, 3, 4)
D003 = dt.date(2023, 1, 5)
D004 = dt.date(2022, 3, 25)


def nospace(text):
    return "".join((text or "").split())


def test_banner_heads_the_articles_under_it_and_is_split_from_a_glued_headline():
    arts = segment(seed_excerpt("000", 1, 34), issue_date=D000).articles
    assert [a.section for a in arts] == ["政务之要", "关注村(社区)“两委”换届", "关注村(社区)“两委”换届"]
    assert nospace(arts[0].headline) == "紧盯重点环节全力筑牢疫情防控安全防线"
    assert nospace(arts[1].headline) == "万柏林区完成村(社区)党组织换届选举"
    assert arts[1].bylines == ["徐方伟", "赵继刚"]


def test_banner_printed_after_its_article_heads_the_article_above():
    arts = segment(seed_excerpt("000", 95, 114), issue_date=D000).articles
    assert [nospace(a.headline) for a in arts] == ["太原古县城、天龙山防疫有了新要求", "出台管理意见指导果农自救"]
    assert arts[0].section == "聚焦疫情防控"
    assert arts[1].section is None


def test_paragraph_broken_by_the_layout_is_rejoined_and_not_taken_for_a_headline():
    arts = segment(seed_excerpt("004", 45, 65), issue_date=D004).articles
    assert len(arts) == 1
    body = arts[0].body
    assert "高水平技术交易市场，加快现有" in body
    assert "经纪业务的自然人" in body
    assert "专职机构。鼓励技术转移机构" in body
    assert not any(p == "全省将统筹布局建设高水平技术交易" for p in arts[0].paragraphs)


def test_short_fragment_after_long_paragraph_is_rejoined():
    arts = segment(seed_excerpt("000", 108, 114), issue_date=D000).articles
    assert "保护树体，合理修剪" in arts[0].body


def test_intertitles_stay_inside_their_feature():
    arts = segment(seed_excerpt("000", 52, 82), issue_date=D000).articles
    assert len(arts) == 1
    art = arts[0]
    assert art.headline == "让知识产权更有价值"
    assert art.subheadline == "我市出台促进知识产权创新发展新政策"
    assert "知识产权可以质押融资" in art.paragraphs
    assert art.bylines == ["张勇"]
    assert art.kind == "feature"


def test_block_printed_apart_from_a_cut_article_is_its_own_segment():
    arts = segment(seed_excerpt("002", 67, 95), issue_date=D002).articles
    assert [a.headline for a in arts] == ["应对今春首个扬尘天气 全市重点强化三类扬尘管控", "稳！细致入微的民生关怀"]
    assert arts[0].body.endswith("停止厂(场)区内散")


def test_headline_run_into_its_first_paragraph_is_split_off():
    arts = segment(seed_excerpt("001", 9, 13), issue_date=D001).articles
    assert arts[1].headline == "中北大学表现突出 网络安全攻防演习 教育部发来感谢信"
    assert arts[1].body.startswith("2021年9月，教育部")
    assert arts[1].dateline is None  # a month without a day is no dateline


def test_byline_printed_twice_keeps_one_article_and_one_credit_each():
    arts = segment(seed_excerpt("001", 55, 59), issue_date=D001).articles
    assert len(arts) == 1
    assert arts[0].bylines == ["辛欣", "赵丹"]
    assert len(arts[0].paragraphs) == 2


def test_boxed_column_takes_the_title_printed_after_it():
    arts = segment(seed_excerpt("000", 34, 57), issue_date=D000).articles
    column = next(a for a in arts if a.kind == "column")
    assert column.headline == "中共太原历史上的今天"
    assert [(c.name, c.role) for c in column.credits] == [("中共太原市委党史研究室", "供稿")]
    assert column.body.startswith("1938年10月28日")
    assert arts[-1].headline == "让知识产权更有价值"


def test_ocr_markup_becomes_plain_text():
    assert strip_ocr_markup(r"体温异常($\geq 37.2^{\circ}\text{C}$),") == "体温异常(≥37.2℃),"
    assert strip_ocr_markup(r"面积$100\text{m}^{2}$") == "面积100m²"
    arts = segment(seed_excerpt("000", 95, 104), issue_date=D000).articles
    assert "≥37.2℃" in arts[0].body and "$" not in arts[0].body


def test_paragraph_printed_twice_is_kept_once():
    arts = segment(seed_excerpt("002", 37, 57), issue_date=D002).articles
    assert len(arts) == 1
    assert arts[0].body.count("每隔两天召开一次疫情防控专题会") == 1
    assert arts[0].kind == "continuation" and arts[0].continued_from_page == 1
    assert arts[0].headline == "太原：感动与坚定同在 隔离与温暖同行"


def test_continuations_without_headline_and_photo_captions():
    arts = segment(seed_excerpt("002", 59, 65) + seed_excerpt("002", 97, 115), issue_date=D002).articles
    assert [a.kind for a in arts] == ["photo", "continuation", "continuation", "continuation"]
    photo = arts[0]
    assert photo.headline is None
    assert [(c.name, c.role) for c in photo.credits] == [("张昊宇", "摄影")]
    assert photo.dateline == dt.date(2022, 3, 3)
    assert not photo.body.endswith("摄")
    assert all(a.continued_from_page == 1 for a in arts[1:])


def test_commentary_signed_under_the_headline():
    art = segment(seed_excerpt("003", 1, 23), issue_date=D003).articles[0]
    assert art.kind == "commentary"
    assert art.subheadline == "论深入贯彻落实市委经济工作会议精神①"
    assert [(c.name, c.role) for c in art.credits] == [("本报评论员", "评论员")]
    assert "推动太忻大道" in art.body and "服务保障雄安新区中彰显" in art.body


def test_lead_bylines_in_brackets():
    arts = segment(seed_excerpt("004", 25, 65), issue_date=D004).articles
    assert [(c.name, c.role) for c in arts[0].credits] == [("杨文", "记者")]
    assert arts[0].dateline == dt.date(2022, 3, 23)
    assert arts[1].bylines == ["郜蓉"]
    assert arts[1].dateline is None  # the lead names no date; a later paragraph's date is not the dateline


def test_trailing_reporter_byline_at_the_end_of_a_paragraph():
    art = segment(seed_excerpt("003", 97, 115), issue_date=D003).articles[0]
    assert art.bylines == ["弓凤飞"]
    assert art.body.endswith("推动文物事业日益繁荣。”")


def test_reporter_and_correspondent_roles():
    assert [(c.name, c.role) for c in parse_credit("记者 王勇 通讯员 王琦")] == [("王勇", "记者"), ("王琦", "通讯员")]
    assert parse_credit("以下简称山西农担") is None
    text, credits = split_trailing_credits("确保了项目建设所使用的钢构生产。(岳霞红) (图片由山西合成生物凯赛研究院提供)")
    assert text.endswith("钢构生产。")
    assert [(c.name, c.role) for c in credits] == [("岳霞红", "署名"), ("山西合成生物凯赛研究院", "图片提供")]


def test_notice():
    art = segment(seed_excerpt("003", 145, 149), issue_date=D003).articles[-1]
    assert (art.headline, art.kind, art.bylines) == ("寻亲启事", "notice", [])


def test_december_dateline_in_a_january_issue_is_the_year_before():
    assert resolve_month_day(12, 30, dt.date(2023, 1, 2)) == dt.date(2022, 12, 30)
    assert resolve_month_day(1, 2, dt.date(2022, 12, 31)) == dt.date(2023, 1, 2)
    text = "市场升温\n\n本报讯 12月30日，市场迎来年货采购高峰。(刘涛)\n"
    assert segment(text, issue_date=dt.date(2023, 1, 2)).articles[0].dateline == dt.date(2022, 12, 30)


def test_another_dailys_conventions():
    text = (FIXTURES / "national_daily_sample.txt").read_text(encoding="utf-8")
    arts = segment(text, issue_date=dt.date(2023, 10, 15)).articles
    assert [a.kind for a in arts] == ["news", "news", "news", "photo", "commentary"]
    assert arts[0].bylines == ["姜洁"] and arts[0].dateline == dt.date(2023, 10, 14)
    assert nospace(arts[0].headline).replace("——", "") == "为了人民群众的美好生活各地扎实推进民生实事"
    assert arts[1].bylines == ["刘菁", "赖星"]
    assert arts[2].bylines == ["王伟健"] and arts[2].body.startswith("走进江苏苏州")
    assert [(c.name, c.role) for c in arts[3].credits] == [("杨志礼", "摄影"), ("人民视觉", "图片提供")]
    assert arts[3].bylines == ["杨志礼"]
    assert (arts[4].headline, arts[4].section, arts[4].bylines) == ("多为群众办实事", "民生观", ["李斌"])


def test_source_span_points_at_the_raw_lines():
    text = seed_file("001").read_text(encoding="utf-8")
    art = segment(text, issue_date=D001).articles[0]
    lines = text.split("\n")
    assert (art.start_line, art.end_line) == (5, 7)
    assert lines[art.start_line - 1] == "全力以赴 保障物流畅通"


def test_issue_date_inference():
    assert infer_issue_date(seed_file("000").read_text(encoding="utf-8"))[0] == D000
    assert infer_issue_date(seed_file("004").read_text(encoding="utf-8"))[0] == D004
    masthead = "人民日报 2023年10月15日 星期日\n\n标题\n\n本报北京10月14日电 正文。\n"
    assert infer_issue_date(masthead) == (dt.date(2023, 10, 15), "masthead date")
    assert infer_issue_date("没有日期的文字。\n")[0] is None


@pytest.mark.skipif(not (SHARED / "tools" / "eval_segmentation.py").exists(), reason="../shared is not beside the repo")
def test_seed_segmentation_meets_the_bar_of_the_gold_file():
    spec = importlib.util.spec_from_file_location("eval_segmentation", SHARED / "tools" / "eval_segmentation.py")
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    gold = json.loads((SHARED / "gold" / "seeds.json").read_text(encoding="utf-8"))
    scores, problems = scorer.score(gold, segment_folder(SEEDS))
    assert scores["segmentation_f1"] >= 0.99, problems
    assert scores["fields_mean"] >= 0.99, problems


def test_hard_wrapped_indented_paragraphs_are_reflowed():
    """The same page with each paragraph indented by 　　 and wrapped at 30 characters."""
    plain = (FIXTURES / "national_daily_sample.txt").read_text(encoding="utf-8")
    wrapped = (FIXTURES / "national_daily_wrapped.txt").read_text(encoding="utf-8")
    assert len(wrapped.splitlines()) > len(plain.splitlines()) + 10
    date = dt.date(2023, 10, 15)
    expected = [(a.headline, a.bylines, nospace(a.body)) for a in segment(plain, issue_date=date).articles]
    got = [(a.headline, a.bylines, nospace(a.body)) for a in segment(wrapped, issue_date=date).articles]
    assert got == expected


def test_page_furniture_is_not_taken_for_headlines():
    text = ("人民日报  2023年10月15日  星期日\n\n第4版\n\n江西推动农村产业融合发展\n\n"
            "新华社南昌10月14日电  （记者 刘菁）  记者14日从江西省农业农村厅获悉，前三季度全省农产品加工业营业收入同比增长。\n\n"
            "责任编辑：王某某\n")
    arts = segment(text, issue_date=dt.date(2023, 10, 15)).articles
    assert [(a.headline, a.bylines) for a in arts] == [("江西推动农村产业融合发展", ["刘菁"])]
    assert "责任编辑" not in arts[0].body

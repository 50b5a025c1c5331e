"""The segmenter on the layout of a national daily: one paragraph a line, closing credit lines,
photo credit lines, box labels, editors' notes. The pages here are made up for the test, in the
conventions of such papers; no real page is copied."""
from __future__ import annotations

import datetime as dt

import pytest

from articles.segmentation import SegmentedArticle, segment
from articles.segmentation.text import full_width_punctuation

DATE = dt.date(2021, 3, 2)


def page(*blocks: str) -> str:
    return "\n\n".join(blocks) + "\n"


def heads(text: str) -> list[str | None]:
    return [a.headline for a in segment(text, issue_date=DATE).articles]


def test_headline_parts_are_kept_apart_and_joined_for_the_interchange():
    art = SegmentedArticle(position=1, kicker="山区小学迎来新操场——", title="孩子们跑起来了")
    assert art.headline == "山区小学迎来新操场—— 孩子们跑起来了"
    art.headline = "一个标题"
    assert (art.kicker, art.title, art.headline) == (None, "一个标题", "一个标题")
    assert SegmentedArticle(position=2).headline is None

    text = page("山区小学迎来新操场——", "孩子们跑起来了", "——来自西部县城的报道",
                "本报成都3月1日电  （记者张明）新学期开学第一天，县里最偏远的小学用上了塑胶跑道。")
    arts = segment(text, issue_date=DATE).articles
    assert (arts[0].kicker, arts[0].title, arts[0].subheadline) == ("山区小学迎来新操场——", "孩子们跑起来了", "来自西部县城的报道")
    assert arts[0].bylines == ["张明"] and arts[0].dateline == dt.date(2021, 3, 1)


def test_closing_line_ends_its_article_and_never_starts_the_next_headline():
    text = page(
        "河畔新村的春天",
        "清晨的河畔新村，村民们忙着翻地、育苗，田埂上一片热闹景象。",
        "村支书说，今年村里要把合作社办得更红火，让乡亲们的日子越过越好。",
        "（本报记者 李华 王强）",
        "多国专家研讨气候合作",
        "与会专家认为，应对气候变化需要各国携手，共同推动绿色低碳转型。",
        "（本报日内瓦3月1日电）",
        "人人都是护林员（人民时评）",
        "保护森林，不只是护林员的事，也是每个人的责任。",
        "（作者为某大学教授）",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["河畔新村的春天", "多国专家研讨气候合作", "人人都是护林员"]
    assert arts[2].section == "人民时评"  # a column tag: the gold format accepts the headline with or without it
    assert arts[0].bylines == ["李华", "王强"]
    assert all("本报" not in a.body and "作者为" not in a.body for a in arts)


def test_photo_credit_line_closes_its_caption_as_a_photo_and_no_empty_article_is_left():
    text = page(
        "春耕正忙",
        "3月1日，农民在田间驾驶农机翻耕土地。",
        "王小明摄（视觉中国）",
    )
    arts = segment(text, issue_date=DATE).articles
    assert len(arts) == 1
    assert (arts[0].headline, arts[0].kind, arts[0].bylines) == ("春耕正忙", "photo", ["王小明"])
    # The credit line stays the caption's last line, as printed (the gold splits keep it).
    assert arts[0].body == "3月1日，农民在田间驾驶农机翻耕土地。\n\n王小明摄（视觉中国）"


def test_box_label_opens_the_body_and_stays_out_of_the_headline():
    text = page(
        "数字经济为发展添动能",
        "核心阅读",
        "数字技术与实体经济加速融合，为经济增长带来新空间。",
        "本报北京3月1日电  （记者赵丽）记者从有关部门获悉，去年数字经济规模继续扩大。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["数字经济为发展添动能"]
    assert arts[0].body.startswith("核心阅读")


def test_signed_editors_note_does_not_cut_the_article_it_introduces():
    text = page(
        "走进新时代的乡村",
        "乡村在变，农民在变。本版今起推出系列报道，敬请关注。",
        "——编 者",
        "一条路带富一个村",
        "过去，村里只有一条泥巴路，雨天出门一身泥。如今，水泥路修到了家门口。",
        "路通了，山货卖出去了，游客走进来了，村民的腰包鼓了起来。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert len(arts) == 1
    assert "——编 者" in arts[0].body and arts[0].body.endswith("村民的腰包鼓了起来。")


def test_agency_lead_and_bracketed_reporter_give_the_byline():
    text = page(
        "两国签署合作协议",
        "据新华社开罗3月1日电  （记者刘洋）两国代表1日在开罗签署经贸合作协议。",
    )
    art = segment(text, issue_date=DATE).articles[0]
    assert art.bylines == ["刘洋"] and art.dateline == dt.date(2021, 3, 1)


def test_a_lead_dated_in_the_year_before_the_issue_heads_its_story():
    # A 1 January issue prints dispatches of 31 December with their year.
    text = page(
        "城市更新让老街焕发活力",
        "本报上海1月1日电  老街改造完成后，沿街商铺陆续开张，附近居民说这条街又热闹起来了。",
        "某某同志逝世",
        "新华社北京2020年12月31日电  （记者刘洋）某某同志因病医治无效，于2020年12月20日在北京逝世。",
    )
    arts = segment(text, issue_date=dt.date(2021, 1, 1)).articles
    assert [a.headline for a in arts] == ["城市更新让老街焕发活力", "某某同志逝世"]
    assert arts[1].dateline == dt.date(2020, 12, 31) and arts[1].bylines == ["刘洋"]
    from articles.segmentation.segmenter import is_lead

    assert is_lead("新华社北京2020年12月31日电  某某") and not is_lead("2020年12月31日，新华社北京电")


def test_continuation_marks_both_ways():
    text = page(
        "城市更新让老街焕发活力",
        "本报上海3月1日电  老街改造完成后，沿街商铺陆续开张。（下转第二版）",
        "（上接第一版）改造中，施工方保留了老街原有的青石板路。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert arts[0].continued_to_page == 2
    assert (arts[1].kind, arts[1].continued_from_page) == ("continuation", 1)


def test_a_two_megabyte_single_line_is_one_article():
    line = ("这是一段没有换行的长文字，用来检验分段的速度。" * 90_000)[:2_000_000]
    arts = segment(line, issue_date=DATE).articles
    assert len(arts) == 1 and len(arts[0].body) == len(line)


def test_a_hundred_thousand_short_lines_are_all_kept():
    lines = [f"第{i}行短标题" for i in range(100_000)]
    result = segment("\n".join(lines), issue_date=DATE)
    kept = "".join(a.body + (a.headline or "") for a in result.articles)
    assert all(line in kept for line in (lines[0], lines[50_000], lines[-1]))


@pytest.mark.parametrize(("text", "expected"), [
    ("太原:感动与坚定同在", "太原：感动与坚定同在"),
    ("房间,面对面", "房间，面对面"),
    ("房间, 面对面交流", "房间，面对面交流"),
    ("同比增长5%,达到新高", "同比增长5%，达到新高"),
    ("真的吗?", "真的吗？"),
    ("加油!中国", "加油！中国"),
    ("一是规划;二是落实", "一是规划；二是落实"),
    ("他说:“好”", "他说：“好”"),
])
def test_half_width_marks_in_chinese_text_become_full_width(text, expected):
    assert full_width_punctuation(text) == expected


@pytest.mark.parametrize("text", [
    "3.5", "COVID-19", "10:30", "1,000", "Hello, world! How are you?", "Python, Java; C", "时间10:30开始",
    "共1,000人",
])
def test_marks_in_latin_and_numeric_contexts_keep_their_width(text):
    assert full_width_punctuation(text) == text


def test_segmented_text_has_full_width_marks_between_chinese_characters():
    art = segment(page("太原:感动与坚定同在", "本报讯 走进隔离酒店的房间,面对面交流。"), issue_date=DATE).articles[0]
    assert art.headline == "太原：感动与坚定同在"
    assert "房间，面对面交流" in art.body


# A story, then a box of news in brief under its label with two signed items; a test adds the last.
BRIEFS_ABOVE_A_LAST_ITEM = (
    "春耕备耕有序推进",
    "本报北京3月1日电  （记者张明）各地抓住有利天气，组织农民开展春耕备耕。",
    "农资供应总体充足，价格基本稳定。",
    "简明新闻",
    "山区公路完成改造",
    "本报电  今年第一季度，全省山区公路改造工程全部完工，通车里程大幅增加。",
    "（李 华）",
    "城市书房再添新址",
    "本报电  市图书馆在老城区新开一家城市书房，全天向市民开放。",
    "（王 强）",
)


def test_a_box_of_news_in_brief_is_one_article_under_its_label_with_the_item_titles_in_its_text():
    text = page(
        *BRIEFS_ABOVE_A_LAST_ITEM,
        "博物馆推出夜场",
        "本报电  省博物馆本周起每逢周五延长开放时间，并推出讲解服务。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["春耕备耕有序推进", "简明新闻"]
    assert arts[1].paragraphs[0] == "山区公路完成改造" and "博物馆推出夜场" in arts[1].body


def test_lines_under_a_headline_closed_by_its_column_tag_open_the_text():
    text = page(
        "让好风气蔚然成风（民生观）",
        "好风气不是一天形成的，需要每个人从身边小事做起，持之以恒",
        "近日，一则视频在网上引发关注：一位老人在公交车上主动为孕妇让座。",
        "这样的小事，最能见出一座城市的文明程度。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert len(arts) == 1 and arts[0].headline == "让好风气蔚然成风"
    assert arts[0].paragraphs[0].startswith("好风气不是一天形成的")


def test_the_signature_and_date_of_a_decree_close_it():
    text = page(
        "市人民政府令",
        "《城市绿化管理办法》已经市政府常务会议通过，现予公布，自2021年5月1日起施行。",
        "市长  张 明",
        "2021年3月1日",
        "全市开展植树活动",
        "本报讯  3月1日，全市各区组织干部群众参加义务植树，共植树十万余株。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["市人民政府令", "全市开展植树活动"]
    assert arts[0].body.endswith("2021年3月1日") and arts[0].kind != "column"


def test_a_second_dispatch_without_a_headline_stays_in_the_article():
    text = page(
        "外长分别同两国外长通电话",
        "本报北京3月1日电  3月1日，外长应约同甲国外长通电话，双方就双边关系交换意见。",
        "甲国外长表示，愿同中方加强合作。",
        "本报北京3月1日电  同日，外长应约同乙国外长通电话。",
        "乙国外长表示，期待两国关系取得新发展。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert len(arts) == 1 and "乙国外长表示" in arts[0].body


def test_boundary_cues_read_chapter_numbers_and_headline_likeness():
    from articles.segmentation.boundaries import FEATURES, RunContext, features

    def cue(name: str, **kw) -> float:
        base = dict(shorts=["一个标题"], following="正文。", previous="上文。", paragraphs=3, characters=300,
                    intertitles=0, lead=False, headed=True, cohesion=0.1, intertitle_shapes=(), credit_ahead=0)
        return features(RunContext(**{**base, **kw}))[FEATURES.index(name)]

    # ``第七章  附则``: a chapter of a document, numbered as its points are
    assert cue("numbered", shorts=["第七章  党务工作人员队伍建设"]) == 1.0
    assert cue("numbered", shorts=["第二部分"]) == 1.0
    assert cue("numbered", shorts=["第一书记的新年"]) == 0.0
    # a run cut like the article's own headline (one line, about as long, no inner marks)
    assert cue("like_title", shorts=["文化创新擦亮老品牌"], title_shape=(1, 10, False)) == 1.0
    assert cue("like_title", shorts=["文化创新擦亮老品牌"], title_shape=(2, 10, False)) == 0.0
    assert cue("like_title", shorts=["文化创新，擦亮老品牌"], title_shape=(1, 10, False)) == 0.0
    assert cue("like_title", shorts=["品牌"], title_shape=(1, 12, False)) == 0.0


def test_boundary_cues_read_the_paragraph_above_and_the_place_on_the_page():
    from articles.segmentation.boundaries import FEATURES, RunContext, features

    def cue(name: str, **kw) -> float:
        base = dict(shorts=["一个标题"], following="正文。", previous="上文。", paragraphs=3, characters=300,
                    intertitles=0, lead=False, headed=True, cohesion=0.1, intertitle_shapes=(), credit_ahead=0)
        return features(RunContext(**{**base, **kw}))[FEATURES.index(name)]

    # a long body paragraph above the run against a short closing line
    assert cue("log_previous", previous="正" * 120) > cue("log_previous", previous="（完）") > 0.0
    assert cue("position", position=0.75) == 0.75

    text = page("山区小学迎来新操场", "开学第一天，孩子们在新操场上奔跑，老师们说这是多年的心愿，今天终于实现了。",
                "操场上的新跑道", "跑道铺好的那天，全村的人都来看，老人们说从来没见过这么好的跑道。")
    seen = [ctx.position for ctx in contexts_the_model_sees(text)]
    assert len(seen) == 1 and 0.0 < seen[0] < 1.0


def contexts_the_model_sees(text: str) -> list:
    """The context of every decision the segmenter asks the model for on a page (each answered
    "not a headline")."""
    from articles.segmentation import segmenter as seg

    seen: list = []

    def decide(ctx, _unit):
        seen.append(ctx)
        return False

    seg._Segmenter(text, DATE, decide=decide).run()
    return seen


def test_articles_headed_alike_pass_the_headline_shape_to_the_model():
    text = page("以品牌责任成就责任品牌", "只有积极承担社会责任的企业才是最有竞争力和生命力的企业，这是本文要说的道理。",
                "佛山制造以质取胜", "近年来，广东省佛山市积极实施品牌带动战略，做大做强品牌经济，推动经济发展。")
    assert [ctx.title_shape for ctx in contexts_the_model_sees(text)] == [(1, 11, False)]


def test_the_headline_words_in_the_text_ahead_are_a_cue():
    from articles.segmentation.boundaries import PageVocabulary

    texts = ["老街改造让商铺陆续开张。", "老街的青石板路保留了下来。", "山区的孩子们有了新操场。", "老街"]
    vocabulary = PageVocabulary(texts)
    assert vocabulary.affinity("老街焕发活力", vocabulary.seen([1])) > 0.0
    assert vocabulary.affinity("老街焕发活力", vocabulary.seen([2])) == 0.0


def test_short_lines_at_the_foot_of_the_page_close_the_text_above_them():
    # A line printed short after the last paragraph heads no text: it is the text's last line, not
    # an article of its own without a body (``武汉加油！湖北加油！中国加油！``, the names of a list).
    text = page(
        "隔绝疫情，凝聚真情（今日谈）",
        "“请湖北同胞安心，我们一起共渡难关。”各地的祝福和物资，一批批送到了武汉。",
        "就在前几天，火神山医院的直播画面，吸引了千万网友在线“监工”，为建设者加油鼓劲。",
        "武汉加油！湖北加油！中国加油！",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["隔绝疫情，凝聚真情"]
    assert arts[0].paragraphs[-1] == "武汉加油！湖北加油！中国加油！"
    assert all(a.body for a in arts)


@pytest.mark.parametrize("label", ["图片报道", "摄影报道"])
def test_a_photo_label_heads_a_photo_of_its_own_even_without_a_caption(label):
    # ``图片报道`` over a caption, or over nothing but its source line, is a photo the paper counts
    # apart, never an intertitle of the essay printed above it (``摄影报道`` is no photographer's credit).
    with_caption = page(
        "熟悉的声音",
        "从来没有想过，会对声音如此敏感和渴望。宅在家里的那些日子，每天从窗外传来社区广播的声音。",
        "如今，街上的声音又多了起来，叫卖声、汽笛声、孩子们的笑声，都是城市复苏的声音。",
        label,
        "在四川省凉山彝族自治州甘洛县，省级非遗项目彝族刺绣的传承人正在教村民刺绣。",
        "这正是：",
        "刺绣好技艺，传承又创收。",
    )
    arts = segment(with_caption, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["熟悉的声音", label]
    assert arts[1].paragraphs[0].startswith("在四川省凉山彝族自治州")

    source_only = page(
        "盈盈闪动的甘河",
        "火车驶入大兴安岭，便会跨过甘河。甘河流过加格达奇，给这座小城增了色。",
        "河打城南流过，水面宽阔，两岸的白桦林倒映在水中，盈盈闪动。",
        label,
        "图片来源：影像中国",
        "窗台上的小斑鸠",
        "拉开办公室的窗帘，我惊呆了——窗台上，竟然出现一个鸟巢。",
    )
    arts = segment(source_only, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["盈盈闪动的甘河", label, "窗台上的小斑鸠"]
    assert arts[1].body == "图片来源：影像中国"
    assert arts[0].body.endswith("盈盈闪动。")


def test_a_document_over_its_adoption_date_keeps_a_long_title_and_its_first_numbered_item():
    title = ("第十三届全国人民代表大会财政经济委员会关于二〇二〇年国民经济和社会发展计划执行情况"
             "与二〇二一年国民经济和社会发展计划草案的审查结果报告")
    assert len(title) > 60  # longer than any headline line: only the date under it makes it a title
    text = page(
        "十三届全国人大三次会议议程",
        "（2021年3月1日第十三届全国人民代表大会第三次会议预备会议通过）",
        "一、审议政府工作报告",
        "二、审查国民经济和社会发展计划执行情况与计划草案的报告",
        "三、审查中央和地方预算执行情况与预算草案的报告",
        "（新华社北京3月1日电）",
        title,
        "（2021年3月1日第十三届全国人民代表大会第三次会议主席团第二次会议通过）",
        "第十三届全国人民代表大会第三次会议审查了国务院提出的计划草案，财政经济委员会进行了审查。",
        "财政经济委员会认为，计划执行情况总体良好，主要目标任务较好完成。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.title for a in arts] == ["（2021年3月1日第十三届全国人民代表大会第三次会议预备会议通过）",
                                       "（2021年3月1日第十三届全国人民代表大会第三次会议主席团第二次会议通过）"]
    assert arts[0].kicker == "十三届全国人大三次会议议程"
    assert arts[0].paragraphs[0] == "一、审议政府工作报告"
    assert arts[1].kicker == title
    assert arts[1].paragraphs[0].startswith("第十三届全国人民代表大会第三次会议审查了")


def test_short_lines_closed_at_the_top_of_the_page_are_the_end_of_a_text_not_a_headline():
    # The last lines of a poem begun on another page, then its author's line: kept as that text.
    text = page(
        "春风又绿江南岸",
        "明月何时照我还",
        "（作者为山西省作家协会会员）",
        "全市开展植树活动",
        "本报讯  3月1日，全市各区组织干部群众参加义务植树，共植树十万余株。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == [None, "全市开展植树活动"]
    assert arts[0].paragraphs == ["春风又绿江南岸", "明月何时照我还"]


def test_a_box_of_signed_items_under_a_label_is_one_article_and_ends_with_its_last_item():
    # Deputies' remarks as reporters wrote them down, each closed by its own ``整理`` line: the
    # paper counts the box as one article under its label, the items' headings in its text.
    text = page(
        "全市春季植树活动启动",
        "本报讯  3月1日，全市春季义务植树活动启动，各区组织干部群众参加植树，共植树十万余株。",
        "活动将持续到4月底，各区还将开展护林宣传。",
        "发言席",
        "某省某市市长张某某代表：",
        "让农民在家门口就业",
        "发展县域经济，关键是让农民在家门口有活干、有钱挣。我们将继续培育特色产业。",
        "（本报记者李明整理）",
        "某大学校长王某某委员：",
        "培养更多技能人才",
        "职业教育与产业发展联系紧密，要让更多年轻人掌握一技之长，走上成才之路。",
        "（本报记者赵强整理）",
        "某集团董事长刘某某代表：",
        "加快企业数字化转型",
        "数字化转型是企业发展的必答题，要加大研发投入，提高生产效率。",
        "（本报记者孙丽整理）",
        "城市书房再添新址 市民阅读更方便",
        "市图书馆在老城区新开一家城市书房，全天向市民开放，藏书三万余册。",
        "书房还将定期举办读书分享会，邀请作家与读者交流。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["全市春季植树活动启动", "发言席", "城市书房再添新址 市民阅读更方便"]
    box = arts[1]
    assert box.paragraphs[0] == "某省某市市长张某某代表：" and "加快企业数字化转型" in box.body
    # Items under a reporter's credit line each: the box ends where an item comes without one.
    text = page(
        "议民生",
        "某省政协主席李某某委员",
        "提高脱贫质量",
        "本报记者  何  勇",
        "“提高脱贫的质量，要在脱贫摘帽和乡村振兴之间做好衔接。”李某某委员说。",
        "某市市长陈某某代表",
        "增强农业服务能力",
        "本报记者  赵  丽",
        "“现代农业发展，离不开完善的服务体系。”陈某某代表说，要加强农村服务网络建设。",
        "某县委书记周某某代表",
        "以改革激发市场活力",
        "“困难越大，越要深化改革。”周某某代表说，要用改革的办法激发市场主体活力。",
        "周某某代表说，县里建立了企业服务专班，及时帮助企业解决困难。",
    )
    assert heads(text) == ["议民生", "某县委书记周某某代表 以改革激发市场活力"]


def test_a_label_over_a_series_of_unsigned_parts_is_no_box():
    # Parts of one report, each under a label and a title, signed by nobody: intertitles or
    # stories as the model decides, never one box under the first part's label.
    text = page(
        "新春走基层",
        "本报讯  春节将至，记者走进社区、工厂和乡村，记录人们忙碌的身影。",
        "社区",
        "志愿服务暖人心",
        "清晨，社区志愿者们就忙着给独居老人送去年货和春联。",
        "工厂",
        "生产线上不停工",
        "车间里机器轰鸣，工人们加紧赶制订单，确保节前交货。",
    )
    assert "社区" not in [a.headline for a in segment(text, issue_date=DATE).articles]


def test_guest_commentaries_under_a_label_each_over_its_authors_name_are_one_box():
    text = page(
        "来论",
        "让文明新风吹进千家万户",
        "李  明",
        "近日，某市开展文明家庭评选，一个个平凡家庭的故事感动了许多人。",
        "文明新风的养成，离不开每个家庭的坚持，也离不开社会的引导。",
        "办好群众身边的小事",
        "张国庆",
        "岁末年初，各地纷纷晒出年度民生实事成绩单，修路、增设路灯等看似小事，却件件连着民心。",
        "民生工作没有小事，把小事办好，才能汇聚起百姓的大幸福。",
        "推动平台经济规范发展（时评）",
        "平台经济发展迅速，在方便群众生活的同时，也带来一些新问题，需要在发展中规范、在规范中发展。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["来论", "推动平台经济规范发展（时评）"]
    assert arts[0].paragraphs[0] == "让文明新风吹进千家万户" and "办好群众身边的小事" in arts[0].body


def test_a_line_ending_in_a_dash_under_the_main_line_opens_the_text():
    text = page(
        "新时代的乡村书屋",
        "乡村的阅读生活，迎来了新变化——",
        "一排排书架摆满了新书，村民们放下农活就来借书看报。",
        "书屋还定期举办读书分享会，邀请作家与村民交流。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["新时代的乡村书屋"]
    assert arts[0].paragraphs[0] == "乡村的阅读生活，迎来了新变化——"
    # above the main line, a dash ends a lead-in (引题) as it always did
    arts = segment(page("乡村的阅读生活，迎来了新变化——", "新时代的乡村书屋",
                        "一排排书架摆满了新书，村民们放下农活就来借书看报。"), issue_date=DATE).articles
    assert arts[0].kicker == "乡村的阅读生活，迎来了新变化——" and arts[0].title == "新时代的乡村书屋"


def test_a_quoted_sentence_short_enough_for_a_headline_ends_the_text_above_the_next_headline():
    text = page(
        "春播进度快于往年",
        "本报北京3月1日电  （记者张明）各地抓住有利天气，组织农民开展春耕春播。",
        "在某县田头，种粮大户李某边浇地边查看墒情：“春浇一水，亩产千斤啊！”",
        "全市为困难学生发放助学补助",
        "本报讯  市教育局近日为困难家庭学生发放助学补助，共惠及学生两千余人。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["春播进度快于往年", "全市为困难学生发放助学补助"]
    assert arts[0].paragraphs[-1].endswith("亩产千斤啊！”")


def test_a_speakers_line_with_several_titles_stays_over_its_headline_even_one_in_quotes():
    text = page(
        "某省委常委、某市委书记张某某代表：",
        "当好城市联动发展的“媒人”",
        "城市间文旅产业发展应该形成互补，以差异化的城市文化升级旅游产业，以旅游产业带动城市文化融合发展。",
        "两座城市山水相连、人文相亲，旅游资源各具特色，是联动发展的试验田。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert len(arts) == 1
    assert arts[0].kicker == "某省委常委、某市委书记张某某代表：" and arts[0].title == "当好城市联动发展的“媒人”"


def test_a_short_list_of_names_is_the_text_of_its_document_not_a_headline_line():
    text = page(
        "某市第十届人民代表大会第三次会议副秘书长名单",
        "（2021年3月1日某市第十届人民代表大会第三次会议主席团第一次会议决定）",
        "王建国  李红（女）  张伟  赵明  刘强",
        "市人代会举行预备会议",
        "本报讯  某市第十届人民代表大会第三次会议3月1日举行预备会议，选举大会主席团和秘书长。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.title for a in arts] == ["（2021年3月1日某市第十届人民代表大会第三次会议主席团第一次会议决定）",
                                       "市人代会举行预备会议"]
    assert arts[0].paragraphs == ["王建国  李红（女）  张伟  赵明  刘强"]


@pytest.mark.parametrize("credit", ["本报记者  张  明文/新华社图", "本报记者 张明文 某某开发公司供图", "受访者供图",
                                    "本报记者  张  明文  新华社记者  李  红摄", "张  明（人民视觉）",
                                    "供图：李某（某某博物院）"])
def test_a_photo_storys_text_and_picture_credits_close_it(credit):
    text = page(
        "图片报道",
        "工业园成立近六年来，已成为两国经贸合作的一张名片。图为园区一景。",
        credit,
        "友好的兄弟",
        "两国建交以来，双方在各个领域的合作不断深化，人民之间的友谊历久弥新。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["图片报道", "友好的兄弟"]
    assert arts[0].paragraphs[-1] == credit


def test_a_list_of_reporters_after_the_text_closes_it():
    text = page(
        "代表委员热议稳就业",
        "稳就业是头等大事。代表委员纷纷表示，要多措并举扩大就业渠道，让更多劳动者端稳饭碗。",
        "采写：本报记者张明、李红、王伟",
        "人代会各代表团全部报到",
        "新华社北京3月1日电  记者1日从大会秘书处获悉，出席会议的代表已全部报到。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["代表委员热议稳就业", "人代会各代表团全部报到"]
    assert arts[0].paragraphs[-1] == "采写：本报记者张明、李红、王伟"


def test_a_sentence_broken_after_a_dash_over_its_exclamation_ends_the_text_above():
    text = page(
        "湖畔白鹤",
        "清晨，我们又来到湖边。芦苇丛中，白鹤三三两两地觅食，不时引颈长鸣，声音传得很远很远。",
        "快看，又一对白鹤从天空滑翔降落，轻捷如纸鸢——",
        "那是老朋友，它又飞回来了！",
        "家山茶香",
        "故乡盛产茶叶。乡村人家，屋前屋后，都有几株茶树，春天一到，满山都是采茶人的歌声。",
    )
    arts = segment(text, issue_date=DATE).articles
    # (whether 家山茶香 heads an essay of its own or an intertitle is the model's to say)
    assert arts[0].headline == "湖畔白鹤" and all("纸鸢" not in (a.headline or "") for a in arts)
    assert arts[0].paragraphs[1:3] == ["快看，又一对白鹤从天空滑翔降落，轻捷如纸鸢——", "那是老朋友，它又飞回来了！"]


@pytest.mark.parametrize("label", ["■点评", "【点评】", "点评", "■小贴士·滑雪安全"])
def test_a_comment_or_tips_box_under_a_report_stays_in_it(label):
    text = page(
        "某国能源转型迈出新步伐（国际视点）",
        "核心阅读",
        "某国日前宣布关停最后一座燃煤电厂，成为该地区第一个告别煤电的国家。",
        "该国计划在十年内实现电力全部来自可再生能源，风电和光伏装机将大幅增加。",
        label,
        "王某（某研究所研究员）：能源转型需要长期投入，也需要稳定的政策预期。",
        "南非求解“电荒”难题",
        "本报约翰内斯堡1月7日电  （记者张明）南非国家电力公司近日实施了限电措施，多地居民生活受到影响。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.title for a in arts] == ["某国能源转型迈出新步伐", "南非求解“电荒”难题"]
    assert label in arts[0].paragraphs


def test_a_new_series_note_opens_the_text_under_the_series_name():
    text = page(
        "代表委员履职故事",
        "开栏的话",
        "建言察实情，履职在路上。本版今起推出专栏，讲述代表委员履职尽责的故事。",
        "张某某代表——",
        "立足本职 建言医卫",
        "作为一名医学专家，张某某带领团队完成了上千例手术。作为代表，他提出的多条建议都引起关注。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert arts[0].headline == "代表委员履职故事" and arts[0].paragraphs[0] == "开栏的话"


def test_two_lines_under_a_headline_closed_by_its_tag_head_the_texts_first_item():
    text = page(
        "书写全面小康精彩答卷（连线·部长通道）",
        "某部部长张某",
        "稳住外贸基本盘事关大局",
        "“外贸外资成为我国经济增长的重要拉动力。”张某说，要稳住外贸外资基本盘。",
        "某部部长李某",
        "让中小企业有更多获得感",
        "为帮助中小企业渡过难关，中央出台了财税、金融、社保等方面的政策。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert arts[0].headline == "书写全面小康精彩答卷（连线·部长通道）"
    assert arts[0].paragraphs[:2] == ["某部部长张某", "稳住外贸基本盘事关大局"]
    # one line under the tag is still the headline's own (a subtitle printed without its dash)
    arts = segment(page("去年跨境资金流动总体稳定（权威发布）", "我国经常账户有望保持小幅顺差",
                        "本报北京3月1日电  （记者张明）国家外汇管理局1日发布数据。"), issue_date=DATE).articles
    assert arts[0].title == "我国经常账户有望保持小幅顺差"


def test_a_figure_of_a_data_box_and_its_caption_are_text_not_headline_lines():
    text = page(
        "运用新技术提高办事便利度",
        "优化政务服务 助力复工复产",
        "1.6万人次",
        "截至5月9日，某新区共有1.6万人次在线进行远程身份核验",
        "16.7万家",
        "截至5月10日，某市平台累计为16.7万家企业兑付补贴",
        "某新区推出“远程核”“信用审”，深化政务服务“一网通办”，企业办事不用再跑腿。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert len(arts) == 1 and arts[0].headline == "运用新技术提高办事便利度 优化政务服务 助力复工复产"
    assert arts[0].paragraphs[:2] == ["1.6万人次", "截至5月9日，某新区共有1.6万人次在线进行远程身份核验"]


def test_a_sentence_trailing_off_is_text_and_a_list_trailing_off_can_head():
    text = page(
        "站台上的约定",
        "列车就要出发了，女儿拉着妈妈的手，把画好的“手表”戴在妈妈的手腕上，约好了回家的时间。",
        "火车缓缓开动，站台上只剩下父女俩望着火车渐渐远去……",
        "某区培训万名“第一响应人”",
        "本报深圳1月13日电  （记者张明）为提升社区群众应急救护技能，某区近日开展了培训。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["站台上的约定", "某区培训万名“第一响应人”"]
    assert arts[0].paragraphs[-1].endswith("渐渐远去……")
    arts = segment(page("写书、开公众号、做科普……", "她在最困难的时候奋力向前",
                        "本报北京1月5日电  （记者张明）生病、停工，在人生的低谷，她没有放弃。"), issue_date=DATE).articles
    assert arts[0].kicker == "写书、开公众号、做科普……"


def test_an_item_of_a_box_of_news_in_brief_may_carry_a_lead_in_ending_in_a_dash():
    text = page(
        *BRIEFS_ABOVE_A_LAST_ITEM,
        "省博物馆发布通知——",
        "本周起每逢周五推出夜场",
        "本报电  省博物馆本周起每逢周五延长开放时间，并推出讲解服务。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["春耕备耕有序推进", "简明新闻"]
    assert "本周起每逢周五推出夜场" in arts[1].paragraphs


def test_a_letter_under_its_label_and_the_dispatch_reporting_it_are_one_article():
    text = page(
        "某领导给某小学师生回信",
        "勉励同学们好好学习",
        "回 信",
        "某小学全体师生：",
        "你们好！来信收悉。得知你们在老师带领下坚持锻炼身体、认真学习，我很高兴。",
        "希望同学们珍惜时光，努力学习，健康成长。",
        "某 某",
        "2021年3月1日",
        "新华社北京3月1日电  某领导日前给某小学师生回信，勉励同学们好好学习、健康成长。",
        "某小学位于某县，现有学生六百余人。",
        "全市春季植树活动启动",
        "本报讯  （记者张明）全市春季植树活动1日启动，市民踊跃参加。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.title for a in arts] == ["勉励同学们好好学习", "全市春季植树活动启动"]
    assert arts[0].paragraphs[0] == "回 信" and arts[0].dateline == dt.date(2021, 3, 1)
    assert arts[0].paragraphs[-1] == "某小学位于某县，现有学生六百余人。"
    assert arts[0].bylines == []


def test_a_features_opening_and_closing_parts_printed_padded_are_no_reporters_names():
    text = page(
        "全市春季植树活动启动",
        "本报讯  （记者张明）全市春季植树活动1日启动，市民踊跃参加。",
        "山村教师的故事",
        "引 子",
        "一个个动人的故事，串联起一位山村教师三十年的坚守。",
        "他把青春留在了大山里，把希望带给了孩子们。",
        "尾 声",
        "又是一年开学季，他站在校门口，迎接新一批孩子。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["全市春季植树活动启动", "山村教师的故事"]
    assert arts[1].paragraphs[0] == "引 子" and "尾 声" in arts[1].paragraphs
    assert arts[1].bylines == []


def test_a_padded_pair_over_a_caption_and_its_photo_credit_is_the_photos_title():
    text = page(
        "全市春季植树活动启动",
        "本报讯  （记者张明）全市春季植树活动1日启动，市民踊跃参加。",
        "测 量",
        "位于某市的热电联产项目总投资7亿元，预计今年9月份即可投产运营。",
        "图为3月1日，建设者正在进行机组的测量安装。",
        "李红摄（人民视觉）",
    )
    arts = segment(text, issue_date=DATE).articles
    # (whether the photo is an article of its own or closes the story above is the model's to say)
    assert all("测量" not in a.bylines for a in arts) and arts[0].bylines[0] == "张明"
    assert any(a.headline == "测 量" or "测 量" in a.paragraphs for a in arts)


def test_phrases_set_side_by_side_are_a_headline_not_a_box_label_over_its_first_item():
    text = page(
        "某某工业园区",
        "高水平开放 助推高质量发展",
        "粉墙黛瓦、金属钢索，兼具中国风和工业感的园区里，一批新项目正在加紧建设。",
        "园区去年实际利用外资同比增长，新增外资项目百余个。",
        "喜上枝头",
        "1月1日，一名工人在广场悬挂灯笼，迎接新年的到来。",
        "李红摄（影像中国）",
    )
    arts = segment(text, issue_date=DATE).articles
    assert arts[0].kicker == "某某工业园区" and arts[0].title == "高水平开放 助推高质量发展"
    assert arts[0].paragraphs[0].startswith("粉墙黛瓦")


def test_a_padded_pair_between_paragraphs_is_an_intertitle_not_a_reporters_name():
    text = page(
        "古洞新生",
        "“面纱”从洞口缓缓揭开。一处四万年前的石铺地面，让这座山洞引起广泛关注。",
        "发 现",
        "这座石灰岩山体，在不同人眼中有着不同的价值，一场保护与开采的争论由此开始。",
        "考古队员们兴奋不已：“就像抱了个大金娃娃，这肯定是一处旧石器时代的洞穴遗址！”",
        "转 机",
        "山洞似乎迎来了命运转折的曙光，保护工作随即展开，矿山停止了开采。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["古洞新生"] and arts[0].bylines == []
    assert "发 现" in arts[0].paragraphs and "转 机" in arts[0].paragraphs
    # the same when the pair follows a short quoted sentence that closes the paragraph above
    text = page(
        "古洞新生",
        "“面纱”从洞口缓缓揭开。一处四万年前的石铺地面，让这座山洞引起广泛关注。",
        "厂长急了：“要是停止开采，矿石哪里找？”",
        "转 机",
        "山洞似乎迎来了命运转折的曙光，保护工作随即展开，矿山停止了开采。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["古洞新生"] and arts[0].bylines == []
    assert arts[0].paragraphs[1:3] == ["厂长急了：“要是停止开采，矿石哪里找？”", "转 机"]


def test_a_titled_speaker_over_a_headline_line_heads_an_article_of_its_own():
    # deputies' proposals printed side by side, each under the deputy's office and name (2.30)
    text = page(
        "代表委员建言献策",
        "本报北京5月22日电  （记者张明）代表委员们围绕稳就业、保民生积极建言献策。",
        "会场内外，大家讨论热烈，提出了许多具体可行的意见建议，涉及产业、民生等领域。",
        "某某集团董事长王某某代表",
        "推动制造业加快转型升级",
        "制造业是实体经济的基础，要加快数字化改造，提升产业链供应链稳定性和竞争力。",
        "企业要加大研发投入，培养更多技术人才，让创新成为发展的第一动力。",
        "某省某市市长李某某代表",
        "让农民在家门口就业",
        "要发展特色产业，建设扶贫车间，让群众在家门口就能实现就业增收。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.title for a in arts] == ["代表委员建言献策", "推动制造业加快转型升级", "让农民在家门口就业"]
    assert arts[1].kicker == "某某集团董事长王某某代表" and arts[2].kicker == "某省某市市长李某某代表"


def test_a_column_of_speakers_remarks_written_up_item_by_item_is_one_article():
    # heading / the speaker over his office / his words / 本报记者 X整理, item after item (2.30)
    text = page(
        "凝心聚力谋发展（两会·声音）",
        "坚定信心 奋力前行",
        "张某某代表（某省委书记）",
        "今年以来，我们坚持稳中求进工作总基调，统筹推进疫情防控和经济社会发展各项工作。",
        "下一步，我们将抓好各项政策落实，稳住经济基本盘，兜住民生底线。",
        "本报记者  王  明整理",
        "真抓实干 决战决胜",
        "李某某代表（某自治区党委书记、自治区人大常委会主任）",
        "面对前所未有的困难和挑战，全区上下众志成城，经济社会秩序加快恢复。",
        "我们将聚焦短板弱项，拿出过硬举措，确保如期完成目标任务。",
        "本报记者  赵  红整理",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == [arts[0].headline] and arts[0].headline.startswith("凝心聚力谋发展")
    assert "真抓实干 决战决胜" in arts[0].paragraphs and arts[0].paragraphs[-1] == "本报记者  赵  红整理"


# -- 2.31: rules of the way a daily prints orders, lists, reporters' notes and columns in parts ---------
# (unlike the pages above, these hold a few short lines of the realpages months, cut down and with
# some names and figures changed: small real fixtures of the layouts the rules were found on)

@pytest.fixture
def model_says(monkeypatch):
    """Make the boundary model answer every run it is asked about with probability ``p``, to show a
    rule decides whatever the model says."""
    def answer(p: float) -> None:
        monkeypatch.setattr("articles.segmentation.segmenter.headline_probability", lambda ctx: p)
    return answer


def test_an_order_or_a_notice_under_its_name_and_number_heads_an_article(model_says):
    model_says(0.0)  # the model takes every run for an intertitle
    text = page(
        "全国人大常委会举行宪法宣誓仪式",
        "本报北京5月18日电  （记者张明）全国人大常委会18日在人民大会堂举行宪法宣誓仪式，新任命的国家工作人员进行宪法宣誓。",
        "宣誓仪式由某某主持，全国人大机关有关负责同志参加了宣誓活动。",
        "全国人民代表大会常务委员会公告",
        "［十三届］第十四号",
        "某省人大常委会决定接受某某辞去第十三届全国人民代表大会代表职务。依照代表法的规定，某某的代表资格终止。",
        "截至目前，第十三届全国人民代表大会实有代表2957人。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.title for a in arts] == ["全国人大常委会举行宪法宣誓仪式", "［十三届］第十四号"]
    assert arts[1].kicker == "全国人民代表大会常务委员会公告" and arts[1].paragraphs[0].startswith("某省人大常委会")
    # a number alone under a line that names no order is left to the model
    text = text.replace("全国人民代表大会常务委员会公告", "代表资格审查情况")
    assert len(segment(text, issue_date=DATE).articles) == 1


def test_under_a_documents_date_a_post_and_its_holder_open_the_document():
    text = page(
        "中国人民政治协商会议第十三届全国委员会第三次会议秘书长、副秘书长名单",
        "（2020年5月19日政协第十三届全国委员会常务委员会第十次会议通过）",
        "秘书长：李斌（女）",
        "副秘书长：潘立刚 张裔炯 蒋作君 朱永新 邓宗良 刘家强 舒启明 李惠东 郭军 王小伟 欧阳泽华 王曙光",
        "（新华社北京5月19日电）",
    )
    art = segment(text, issue_date=DATE).articles[0]
    assert art.headline.startswith("中国人民政治协商会议") and "秘书长：李斌" not in art.headline
    assert art.paragraphs[:2] == ["秘书长：李斌（女）", text.split("\n\n")[3]]


def test_the_organisers_line_under_a_headline_opens_the_text():
    text = page(
        "科技战疫2020中国数字化转型成功案例揭晓",
        "主办单位：人民日报全国党媒信息公共平台     支持单位：腾讯云",
        "数字化，新浪潮。以数字化转型为标志的全球科技浪潮蔚为壮观，抗疫中的数字化实践为各行各业提供了借鉴。",
    )
    art = segment(text, issue_date=DATE).articles[0]
    assert art.headline == "科技战疫2020中国数字化转型成功案例揭晓"
    assert art.paragraphs[0].startswith("主办单位：") and art.paragraphs[1].startswith("数字化，新浪潮")


def test_a_column_of_accounts_told_in_the_first_person_is_one_article(model_says):
    model_says(1.0)  # the model takes every run for a headline
    text = page(
        "帮扶跟上，防返贫有保障（决战脱贫攻坚·一线故事）",
        "要高质量完成脱贫攻坚目标任务，必须解决好后续帮扶问题。我们请几位村民和企业负责人讲一讲他们的故事。",
        "——编 者",
        "四川马边县羊店儿村村民吉石罗布讲述：",
        "搬进新住处 学会新技术",
        "我今年25岁，去年和妻子在县里的组织下去浙江接受了两次培训，成了扶贫工厂的工人。",
        "就近就业，让我们易地搬迁贫困户在“搬得出”后“稳得住”。",
        "（本报记者 张 文整理）",
        "黑龙江甘南县永利村村民颜世龙讲述：",
        "脱贫摘帽后 又上防贫保",
        "去年，我大女儿考上了省城的大学。好在没过几天，帮扶责任人和网格员就上门了。",
        "（本报记者 张艺开整理）",
    )
    arts = segment(text, issue_date=DATE).articles
    assert len(arts) == 1 and "脱贫摘帽后 又上防贫保" in arts[0].paragraphs
    assert arts[0].paragraphs[-1].startswith("去年，我大女儿")


def test_deputies_words_written_up_item_by_item_under_one_headline_are_one_article(model_says):
    model_says(1.0)
    text = page(
        "牢记嘱托 服务人民（我和总书记面对面·特别策划）",
        "一年多来，代表委员深入学习贯彻总书记重要讲话精神，在各自岗位上履职尽责。",
        "——编  者",
        "着力保护生态 坚持绿色发展",
        "“从理论到实践真正理解生态文明、绿色发展的重要性。”",
        "——陈良代表",
        "去年上半年，陈良还在兴安盟草原监督管理局工作，今年他带来了关于国有林场改革的建议。",
        "（本报记者  张  枨）",
        "推动扶志扶智 确保稳定脱贫",
        "“让‘我要脱贫’成为贫困户内生的强烈愿望。”",
        "——范鹏代表",
        "一年多来，范鹏从省城兰州到偏远山村，走访了许多贫困户。",
        "（本报记者  王锦涛）",
    )
    arts = segment(text, issue_date=DATE).articles
    assert len(arts) == 1 and "推动扶志扶智 确保稳定脱贫" in arts[0].paragraphs and "——范鹏代表" in arts[0].paragraphs
    # a heading over anything but quoted words signed alike still heads an article of its own
    text = text.replace("“让‘我要脱贫’成为贫困户内生的强烈愿望。”\n\n——范鹏代表\n\n", "")
    assert len(segment(text, issue_date=DATE).articles) == 2


def test_a_reporters_note_closes_the_story_it_was_written_for(model_says):
    model_says(0.0)  # the model takes every run for an intertitle
    text = page(
        "何伟委员——",
        "身体力行 医疗扶贫（代表委员履职故事）",
        "毛毛细雨中，全国政协委员何伟正在乡村卫生室里，给村医讲解眼病筛查的要点。",
        "连任3届全国政协委员的何伟，在10余年里提出了100多份提案，始终聚焦医疗扶贫。",
        "■记者手记",
        "用心做好一件事",
        "作为一名知名眼科医生，何伟二十年如一日，身体力行致力于提高农村眼病防治水平。",
        "收获扶贫虾",
        "5月9日，江西省新余市高新区水西镇珍田村的稻虾养殖基地内，村民在收获小龙虾。",
        "赵春亮摄（影像中国）",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.title for a in arts] == ["身体力行 医疗扶贫（代表委员履职故事）", "收获扶贫虾"]
    assert arts[0].paragraphs[-2:] == ["用心做好一件事", "作为一名知名眼科医生，何伟二十年如一日，身体力行致力于提高农村眼病防治水平。"]
    # the note printed under its tagged title stays in the story, whatever the model says of it
    model_says(1.0)
    text = text.replace("■记者手记\n\n用心做好一件事", "用心做好一件事（记者手记）")
    arts = segment(text, issue_date=DATE).articles
    assert [a.title for a in arts] == ["身体力行 医疗扶贫（代表委员履职故事）", "收获扶贫虾"] and "用心做好一件事（记者手记）" in arts[0].paragraphs


def test_deputies_named_without_an_office_are_the_items_of_one_box(model_says):
    model_says(1.0)
    text = page(
        "五月二十五日，第二场代表通道开启，六位代表通过视频方式畅谈——",
        "使命扛在肩上 人民高于一切（连线·代表通道）",
        "栗生锐代表",
        "尽多大责任 有多大成就",
        "栗生锐代表是一名航空发动机装配工，他说，高超的技艺是练出来的，也是干出来的。",
        "李君代表",
        "抖音销农货 卖出好价格",
        "四川省苍溪县白驿镇岫云村党支部书记李君代表说，互联网让山里的农产品卖出了好价格。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert len(arts) == 1 and arts[0].paragraphs[:2] == ["栗生锐代表", "尽多大责任 有多大成就"]
    assert "李君代表" in arts[0].paragraphs and "抖音销农货 卖出好价格" in arts[0].paragraphs


def test_the_parts_of_a_report_headed_as_its_first_part_are_one_article(model_says):
    model_says(1.0)
    text = page(
        "代表委员履职建言",
        "落实“六保” 加油干（经济新方位）",
        "保居民就业——",
        "精准对接 吸纳更多人才",
        "“今年我们计划新招收员工3000人。”全国人大代表、某公司董事长说，企业将与高校精准对接。",
        "保基本民生——",
        "发展产业 巩固脱贫成果",
        "5月12日，湖北省武汉市新洲区潘塘街陈玉村的早熟桃迎来丰收，村民们忙着采摘装箱。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert len(arts) == 1 and arts[0].paragraphs[:2] == ["保居民就业——", "精准对接 吸纳更多人才"]
    assert "保基本民生——" in arts[0].paragraphs


def test_the_dispatch_after_a_telegram_printed_whole_goes_on_in_its_article():
    text = page(
        "长五B运载火箭首飞成功",
        "中共中央国务院中央军委致电祝贺",
        "新华社北京5月5日电  中共中央、国务院、中央军委5日致电，热烈祝贺长征五号B运载火箭首飞成功。贺电全文如下：",
        "在长征五号B运载火箭首飞成功之际，谨向参加研制、建设和试验的全体同志致以热烈的祝贺和诚挚的问候！",
        "中共中央  国 务 院  中央军委",
        "2020年5月5日",
        "本报北京5月5日电  （记者余建斌）据中国载人航天工程办公室消息：5日18时0分，长征五号B运载火箭首飞成功。",
    )
    arts = segment(text, issue_date=DATE).articles
    assert len(arts) == 1 and arts[0].paragraphs[-1].startswith("本报北京5月5日电")


def test_a_summary_of_speeches_opens_its_text_with_the_first_speakers_item():
    text = page(
        "在《反分裂国家法》实施15周年座谈会上的发言摘要",
        "坚决遏制“台独”分裂图谋 奋力推进新时代对台工作",
        "中共中央台办、国务院台办主任  刘结一",
        "《反分裂国家法》是党领导人民推进祖国和平统一的重要法律，实施15年来发挥了重要作用。",
    )
    art = segment(text, issue_date=DATE).articles[0]
    assert art.headline == "在《反分裂国家法》实施15周年座谈会上的发言摘要"
    assert art.paragraphs[:2] == ["坚决遏制“台独”分裂图谋 奋力推进新时代对台工作", "中共中央台办、国务院台办主任  刘结一"]


def test_a_letter_signed_by_a_group_with_its_place_is_signed(model_says):
    model_says(1.0)
    text = page(
        "身边事",
        "证明取消了 为啥还要开",
        "我是一名西部计划志愿者，服务于县级民政部门，发现一些已经取消的证明仍有部门要求群众开具。",
        "宁夏吴忠市 朱女士",
        "土地流转咋就走了样",
        "我们是某县某镇某村村民。合同在土地流转过程中走了样，村委会还一直拖欠土地租金。",
        "河南信阳市商城县鄢岗镇肖寨村部分村民",
        "防疫也要注意白色污染",
        "这段时间去超市购物，我发现很多超市的水果蔬菜都用塑料袋和保鲜膜层层包装。",
        "山东威海市 石志新",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["身边事"]
    assert "河南信阳市商城县鄢岗镇肖寨村部分村民" in arts[0].paragraphs and "防疫也要注意白色污染" in arts[0].paragraphs


def test_a_single_line_closed_by_an_exclamation_between_paragraphs_heads_nothing(model_says):
    model_says(1.0)  # the model takes every run for a headline
    text = page(
        "风雨无阻向前进",
        "面对这场全球的重大危机、全人类的共同战争，总书记的声音坚定有力：“全人类只有共同努力，才能战而胜之”。",
        "为世界康宁，为中国奋进！",
        "总书记谆谆告诫言犹在耳：“当今世界正经历百年未有之大变局，我们要准备经受风高浪急甚至惊涛骇浪的重大考验。”",
        "同志们！",
        "让我们更加紧密地团结起来，风雨无阻向前进！",
    )
    arts = segment(text, issue_date=DATE).articles
    assert [a.headline for a in arts] == ["风雨无阻向前进"]
    assert "为世界康宁，为中国奋进！" in arts[0].paragraphs and "同志们！" in arts[0].paragraphs
    # two lines, the second closed by an exclamation, are still the model's to decide
    text = text.replace("为世界康宁，为中国奋进！", "浙江桐乡辅警深夜救火\n\n开“火”车的你，真棒！")
    assert len(segment(text, issue_date=DATE).articles) == 2

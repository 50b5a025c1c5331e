from search.snippets import highlight, kwic


def test_highlight_escapes_text_and_marks_folded_hits():
    html = highlight("<b>優勢</b>明显", ["优势"])
    assert html == "&lt;b&gt;<mark>優勢</mark>&lt;/b&gt;明显"


def test_hits_split_by_a_stray_space_are_still_marked():
    assert highlight("疫情 防控", ["疫情防控"]) == "<mark>疫情 防控</mark>"


def test_kwic_windows_around_hits():
    text = "甲" * 100 + "防控" + "乙" * 100 + "防控" + "丙" * 100
    snippets = kwic(text, ["防控"], width=5)
    assert snippets == ["…甲甲甲甲甲<mark>防控</mark>乙乙乙乙乙…", "…乙乙乙乙乙<mark>防控</mark>丙丙丙丙丙…"]


def test_kwic_without_hit_shows_the_opening():
    assert kwic("开头的文字<script>", [], width=3) == ["开头的文字&lt;…"]


def test_hits_after_a_character_that_folds_to_several_map_back_to_the_source():
    assert highlight("㈱太原 ﬁ太原", ["太原"]) == "㈱<mark>太原</mark> ﬁ<mark>太原</mark>"

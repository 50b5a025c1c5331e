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


def test_the_numpy_folding_is_analysis_folding_with_its_offsets():
    """snippets.fold_with_offsets against analysis.normalise_with_offsets, on random texts of
    characters that fold to one (traditional, full-width, upper case), to several or none
    (…, ㎡, ½, ﬁ, ㈱), control characters, lone surrogates and characters beyond the BMP."""
    import random

    from search import analysis
    from search.snippets import fold_with_offsets

    alphabet = list("全市新增绿地城區優勢發展ＡＢＣａｂｃ０１２ABCdef ，。！　\n\t\r…㎡½ﬁ㈱①⑴ᴬ\u00ad\u200b\x00\x07\x85")
    alphabet += ["\ud800", "\udfff", "𠀀", "😀", "\U0002f800"]
    rng = random.Random(13)
    for round_ in range(400):
        pool = alphabet if round_ % 3 else [c for c in alphabet if ord(c) <= 0xFFFF]
        text = "".join(rng.choice(pool) for _ in range(rng.choice([0, 1, 2, 30, 500])))
        folded, offsets = fold_with_offsets(text)
        expected, expected_offsets = analysis.normalise_with_offsets(text)
        assert folded == expected, repr(text)
        assert (offsets is None) == (expected_offsets is None), repr(text)
        if offsets is not None:
            assert offsets.tolist() == expected_offsets, repr(text)


def test_a_text_first_seen_by_the_snippets_is_folded_as_the_index_folds_it():
    from search import analysis
    from search.snippets import fold_with_offsets

    text = "鬱鬱蔥蔥的㍿ＸＹＺ"  # characters the tests may not have folded before
    assert fold_with_offsets(text)[0] == analysis.normalise(text)
    assert highlight("鬱鬱蔥蔥的㍿ＸＹＺ", ["郁郁葱葱"]) == "<mark>鬱鬱蔥蔥</mark>的㍿ＸＹＺ"

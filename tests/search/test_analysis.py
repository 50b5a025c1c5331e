"""The analysis every document and query goes through (pure functions, no index)."""
import json

from search import analysis
from search.query import Term, parse


def test_folds_width_case_and_traditional_characters():
    assert analysis.normalise("優勢 ２０２１年 ＡＢＣ") == "优势 2021年 abc"


def test_control_characters_become_spaces_but_lines_survive():
    assert analysis.normalise("a\x00b\nc") == "a b\nc"


def test_word_positions_count_words_and_subwords_share_their_word_position():
    pairs = list(analysis.words("日本京都大学的学生"))
    positions = {word: pos for pos, word in pairs}
    assert positions["京都"] == positions["日本京都大学"]  # a sub-word, at its word's position
    assert positions["学生"] == positions["的"] + 1  # positions advance one per word


def test_single_characters_digits_and_latin_words_are_kept():
    words = [w for _, w in analysis.words("在2021年COVID疫苗")]
    assert {"在", "2021", "年", "covid"} <= set(words)


def test_query_words_are_plain_words_without_subwords():
    assert analysis.query_words("京都大学") == ["京都大学"]


def test_grams_are_bigrams_within_a_line_ignoring_spaces_and_each_line_end():
    pairs = list(analysis.grams("疫情 防控\n好"))
    assert (0, "疫情") in pairs and (1, "情防") in pairs  # the space inside the line is ignored
    assert not any(g == "控好" for _, g in pairs)  # no gram spans two lines
    assert (5, "好") in pairs  # the next line starts after a gap, so phrases cannot cross it
    assert (3, "控") in pairs and (0, "疫") not in pairs  # a line's last character stands alone


def test_query_grams_are_consecutive_bigrams_or_one_character():
    assert list(analysis.grams("疫情防控", for_query=True)) == [(0, "疫情"), (1, "情防"), (2, "防控")]
    assert list(analysis.grams("疫", for_query=True)) == [(0, "疫")]


def test_parse_terms_operators_and_fields():
    query = parse('太原 OR 晋阳 -疫情 "防控 工作" 作者:刘涛 栏目："民生 观" NOT 会议')
    assert [c.terms for c in query.required] == [
        (Term("太原"), Term("晋阳")),
        (Term("防控 工作", exact=True),),
        (Term("刘涛", field="byline"),),
        (Term("民生 观", field="section", exact=True),),
    ]
    assert [c.terms for c in query.excluded] == [(Term("疫情"),), (Term("会议"),)]


def test_parse_never_fails_on_broken_syntax():
    assert parse('"未闭合 的引号').required[0].terms == (Term("未闭合 的引号", exact=True),)
    assert parse('"未闭合').notices
    assert parse("OR OR NOT").is_empty
    assert parse('unknown:field').required[0].terms == (Term("unknown:field"),)
    assert parse("“弯引号”").required[0].terms == (Term("弯引号", exact=True),)


def test_parse_limits_query_length():
    import pytest

    from search.query import QueryTooLong

    with pytest.raises(QueryTooLong):
        parse("字" * 5000)


def test_curly_quotes_delimit_phrases_only_at_token_edges():
    assert parse("“疫情防控”").required[0].terms == (Term("疫情防控", exact=True),)
    assert parse("五”期间").required[0].terms == (Term("五”期间"),)
    assert parse('"-abc"').required[0].terms == (Term("-abc", exact=True),)
    assert parse('-"a b"').excluded[0].terms == (Term("a b", exact=True),)
    assert parse('-作者:"刘 涛"').excluded[0].terms == (Term("刘 涛", field="byline", exact=True),)


def test_offsets_map_each_folded_character_to_its_source_character():
    # … folds to three dots and ㎡ to "m2": the characters after them must still point home
    text = "全市新增绿地３０㎡……ＡＢＣ　城區½完成"
    folded, offsets = analysis.normalise_with_offsets(text)
    expected_parts, expected_offsets = [], []
    for index, char in enumerate(text):
        expected_parts.append(analysis.normalise(char))
        expected_offsets += [index] * len(analysis.normalise(char))
    assert folded == "".join(expected_parts) == analysis.normalise(text)
    assert offsets == expected_offsets
    assert folded[offsets.index(text.index("完"))] == "完"
    assert analysis.normalise_with_offsets("城區完成") == ("城区完成", None)


def test_the_folding_table_is_kept_beside_jiebas_cache_and_read_back_from_it(tmp_path, monkeypatch):
    import jieba

    monkeypatch.setattr(jieba.dt, "tmp_dir", str(tmp_path))
    analysis._traditional_to_simplified.cache_clear()
    try:
        made = analysis._traditional_to_simplified()
        (cached,) = tmp_path.glob("archive-folding-*.json")
        assert json.loads(cached.read_text(encoding="utf-8")) == made == analysis._make_folding()
        assert made["優"] == "优" and "乾" not in made
        cached.write_text('{"優": "X"}', encoding="utf-8")  # what a later process reads is the file
        analysis._traditional_to_simplified.cache_clear()
        assert analysis._traditional_to_simplified() == {"優": "X"}
    finally:
        analysis._traditional_to_simplified.cache_clear()


_DOCUMENTS = [
    "日本京都大学的学生\n\n在2021年COVID疫苗",
    "優勢　乾隆  ２０２１年\n  中华人民共和国国务院 总理\n\n\nA b",
    "一\n\n\n",
    "",
]


def _seed_paragraphs():
    from tests.conftest import SEEDS

    text = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    return [text[:3000], text[3000:9000]]


def test_a_documents_word_counts_are_its_words_counted():
    from collections import Counter

    for text in _DOCUMENTS + _seed_paragraphs():
        assert analysis.word_counts(text) == Counter(word for _, word in analysis.words(text))


def test_a_documents_gram_positions_are_its_grams_gathered():
    for text in _DOCUMENTS + _seed_paragraphs():
        gathered = {}
        for position, gram in analysis.grams(text):
            gathered.setdefault(gram, []).append(position)
        assert dict(analysis.gram_positions(text)) == gathered


def test_in_the_gram_lines_each_characters_index_is_its_grams_position():
    for text in _DOCUMENTS + _seed_paragraphs():
        lines = analysis.gram_lines(text)
        for position, gram in analysis.grams(text):
            assert lines[position:position + len(gram)] == gram
            # a gram alone is a line's last character
            assert len(gram) == 2 or position + 1 == len(lines) or lines[position + 1] == "\n"
        assert sum(1 for _ in analysis.grams(text)) == len(lines) - lines.count("\n")

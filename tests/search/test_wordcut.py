"""``wordcut.cut`` gives jieba's own words (``jieba.cut(text, HMM=True)``) on real text."""
import jieba
import pytest

from search import analysis, wordcut
from tests.conftest import SEEDS, SHARED

_EDGES = ["", " ", "\r\n", "ABC abc 123.45% C++ #tag", "優勢乾隆 的的的的", "\u3000全角　空格", "😀表情中文",
          "a\tb\nc", "中华人民共和国国务院总理李克强", "小明硕士毕业于中国科学院计算所，后在日本京都大学深造"]


def _pages():
    pages = sorted(SEEDS.glob("*.txt"))
    realpages = SHARED / "realpages"
    if realpages.is_dir():  # a month's first pages when the shared real pages are beside the repository
        pages += sorted(realpages.glob("*/pages/*.txt"))[::12]
    return [page.read_text(encoding="utf-8") for page in pages]


@pytest.mark.parametrize("text", _EDGES)
def test_the_words_of_edge_cases_are_jiebas(text):
    assert list(wordcut.cut(text)) == list(jieba.cut(text, HMM=True))


def test_the_words_of_real_pages_are_jiebas_as_written_and_as_folded():
    pages = _pages()
    assert sum(map(len, pages)) > 100_000
    for page in pages:
        assert list(wordcut.cut(page)) == list(jieba.cut(page, HMM=True))
        folded = analysis.normalise(page)
        assert list(wordcut.cut(folded)) == list(jieba.cut(folded, HMM=True))


def test_a_word_added_to_jiebas_dictionary_is_cut_as_jieba_cuts_it():
    text = "他在星海湾大桥上跑步"
    word = "星海湾大桥"
    tokenizer = jieba.dt
    tokenizer.check_initialized()
    total = tokenizer.total
    new_keys = [word[:n] for n in range(1, len(word) + 1) if word[:n] not in tokenizer.FREQ]
    jieba.add_word(word)
    try:
        assert word in list(wordcut.cut(text))
        assert list(wordcut.cut(text)) == list(jieba.cut(text, HMM=True))
    finally:  # jieba.del_word leaves the total and the prefixes changed: put the dictionary back as it was
        for key in new_keys:
            del tokenizer.FREQ[key]
        tokenizer.total = total
    assert word not in list(wordcut.cut(text))
    assert list(wordcut.cut(text)) == list(jieba.cut(text, HMM=True))

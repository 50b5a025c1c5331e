"""``wordcut.cut`` gives jieba's own words (``jieba.cut(text, HMM=True)``) on real text, compiled
(``search/_wordcut.c``) and in Python alike."""
import random

import jieba
import pytest
from jieba import finalseg

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


@pytest.fixture(params=["compiled", "python"])
def implementation(request, monkeypatch):
    """A test that takes it runs twice: with the compiled loops and with the Python reference."""
    if request.param == "python":
        monkeypatch.setattr(wordcut, "_wordcut", None)
    return request.param


def test_the_compiled_cut_is_built():
    assert wordcut._wordcut is not None, "search/_wordcut.c is not compiled: run `make install`"


@pytest.mark.parametrize("text", _EDGES)
def test_the_words_of_edge_cases_are_jiebas(text, implementation):
    assert list(wordcut.cut(text)) == list(jieba.cut(text, HMM=True))


def test_the_words_of_real_pages_are_jiebas_as_written_and_as_folded(implementation):
    pages = _pages()
    assert sum(map(len, pages)) > 100_000
    for page in pages:
        assert list(wordcut.cut(page)) == list(jieba.cut(page, HMM=True))
        folded = analysis.normalise(page)
        assert list(wordcut.cut(folded)) == list(jieba.cut(folded, HMM=True))


def test_a_word_added_to_jiebas_dictionary_is_cut_as_jieba_cuts_it(implementation):
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


def test_random_mixtures_of_real_characters_are_cut_as_jieba_cuts_them(implementation):
    """Strings drawn from real pages' characters, digits, letters and punctuation: runs of unknown
    characters (the hidden Markov model), runs holding letters (finalseg's own splitting), and
    near ties between paths."""
    alphabet = sorted(set("".join(_pages()[:3])) | set("abcXYZ0129.%+#&_-　 ，。\n"))
    rng = random.Random(13)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        assert list(wordcut.cut(text)) == list(jieba.cut(text, HMM=True)), text


def test_words_forced_apart_in_finalseg_are_cut_as_jieba_cuts_them(monkeypatch, implementation):
    text = "韩冰冰在乌鲁木齐见到了艾力江"
    joined = [word for word in jieba.cut(text, HMM=True) if len(word) > 1 and word not in jieba.dt.FREQ]
    assert joined, "the hidden Markov model joins an unknown name here"
    monkeypatch.setattr(finalseg, "Force_Split_Words", {joined[0]})
    assert joined[0] not in list(wordcut.cut(text))
    assert list(wordcut.cut(text)) == list(jieba.cut(text, HMM=True))


def test_a_documents_word_counts_are_its_words_counted_on_real_pages_and_mixtures(implementation):
    """``analysis.word_counts`` (in one compiled call where it is built) against ``analysis.words``
    counted: the same words, the same sub-words, the same counts."""
    from collections import Counter

    rng = random.Random(17)
    pages = _pages()
    alphabet = sorted(set("".join(pages[:3])) | set("abcXYZ0129.%+#&_-　 ，。\r\nΩЖ٣"))
    mixtures = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) for _ in range(1500)]
    for text in pages + mixtures:
        assert analysis.word_counts(text) == Counter(word for _, word in analysis.words(text)), text[:80]


@pytest.mark.parametrize("count", [2**70, 5.0, 7.5, True])
def test_counts_that_are_not_plain_ints_are_scored_as_python_scores_them(monkeypatch, count):
    """A count beyond 64 bits, a float (set in FREQ by hand): math.log's answer, not an error."""
    text = "他在星海湾大桥上跑步星海湾"
    monkeypatch.setitem(jieba.dt.FREQ, "星海", count)
    compiled = list(wordcut.cut(text))
    counts = analysis.word_counts(text + "。")
    monkeypatch.setattr(wordcut, "_wordcut", None)
    assert compiled == list(wordcut.cut(text))
    assert counts == analysis.word_counts(text + "。")


def test_a_negative_count_raises_as_in_python(monkeypatch):
    monkeypatch.setitem(jieba.dt.FREQ, "星海", -3)
    with pytest.raises(ValueError):
        list(wordcut.cut("星海湾"))
    monkeypatch.setattr(wordcut, "_wordcut", None)
    with pytest.raises(ValueError):
        list(wordcut.cut("星海湾"))


def test_a_dictionary_subclass_is_read_through_its_own_get(monkeypatch):
    class Renamed(dict):
        def get(self, key, default=None):
            return 0 if key == "海湾大桥" else super().get(key, default)  # a prefix only

    monkeypatch.setattr(jieba.dt, "FREQ", Renamed(jieba.dt.FREQ))
    compiled = list(wordcut.cut("他在星海湾大桥上"))
    monkeypatch.setattr(wordcut, "_wordcut", None)
    assert compiled == list(wordcut.cut("他在星海湾大桥上"))
    assert "海湾大桥" not in compiled


def test_a_fallback_that_gives_no_strings_is_an_error_not_a_crash():
    with pytest.raises(TypeError):  # finalseg.cut gives strings; a fallback that does not is refused
        wordcut._wordcut.count_words("星a1", {"星": 1, "a": 1, "1": 1}, 1.0, None, lambda run: [1, 2])


def test_runs_of_letters_digits_and_symbols_among_unknown_characters_are_split_as_finalseg_splits_them(
        implementation):
    """Dense mixtures of rare characters (which the path leaves single, so they reach finalseg) and
    ASCII letters, digits and the symbols jieba keeps in a clause: finalseg.cut's own regular
    expressions, [\u4E00-\u9FD5]+ and [a-zA-Z0-9]+(?:\\.\\d+)?%?, decide where they part."""
    rng = random.Random(29)
    alphabet = list("彧犇淼鑫垚燚骉䶮a9Z0.%+#&_-") + ["12.5%", ".3", "A.", "%%", "x.y"]
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14)))
        assert list(wordcut.cut(text)) == list(jieba.cut(text, HMM=True)), text
    assert "12.5%" in list(wordcut.cut("彧犇12.5%淼"))

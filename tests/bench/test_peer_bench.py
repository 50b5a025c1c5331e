"""The peer benchmark's engines answer the same literal queries as a scan of the same texts."""
from __future__ import annotations

import pytest

from bench.peer_bench import (PEER_MIX, _bigram_tokens, _terms, _timed_in_turn, build_sqlite, build_tantivy, sqlite_query,
                              tantivy_query)

DOCS = [
    (1, 20150101, "全面建成小康社会\n发展是第一要务"),
    (2, 20150305, "脱贫攻坚\n驰援武汉的医疗队"),
    (3, 20150310, "企业发展\n疫情防控"),
    (4, 20150401, "小康\n社会发展"),  # 小康社会 spans two lines: not a match
]


def _truth(terms, operator, days):
    test = all if operator == "and" else any
    return {pk for pk, day, text in DOCS
            if test(key in text for key in terms) and (not days or days[0] <= day <= days[1])}


def test_terms_follow_the_query_language():
    assert _terms({"q": '"全面建成小康社会"'}) == (["全面建成小康社会"], "and")
    assert _terms({"q": "驰援 OR 脱贫"}) == (["驰援", "脱贫"], "or")
    assert _terms({"q": "疫情 企业 发展"}) == (["疫情", "企业", "发展"], "and")
    assert set(PEER_MIX) >= {"common word", "8-char quoted phrase", "3-term AND", "OR", "date filter"}


def test_engines_are_timed_in_turn_each_round_after_a_warming_answer():
    calls = []

    def engine(name):
        def answer():
            calls.append(name)
            return name, len(calls)
        return answer

    timed = _timed_in_turn({"ours": engine("ours"), "peer": engine("peer"), "other": engine("other")}, 3)
    # one warming round, then three timed, each starting with the next engine
    assert calls == ["ours", "peer", "other"] * 2 + ["peer", "other", "ours", "other", "ours", "peer"]
    assert [len(timed[name][0]) for name in ("ours", "peer", "other")] == [3, 3, 3]
    assert timed["ours"][1] == ("ours", 11) and timed["peer"][1] == ("peer", 12)  # the last answers
    assert timed["other"][1] == ("other", 10)


def test_bigrams_never_join_two_lines():
    assert _bigram_tokens("小康\n社会") == "小康 ¶ 社会 ¶"


@pytest.mark.parametrize("terms, operator, days", [
    (["发展"], "and", None),
    (["小康社会"], "and", None),
    (["全面建成小康社会"], "and", None),
    (["企业", "发展"], "and", None),
    (["驰援", "脱贫"], "or", None),
    (["发展"], "and", (20150301, 20150331)),
])
def test_tantivy_and_sqlite_find_what_a_scan_finds(tmp_path, terms, operator, days):
    pytest.importorskip("tantivy")
    index, schema, built = build_tantivy(DOCS, tmp_path / "t")
    assert built["index_bytes"] > 0
    searcher = index.searcher()
    found = {searcher.doc(address)["pk"][0]
             for _, address in searcher.search(tantivy_query(schema, terms, operator, days), limit=10).hits}
    assert found == _truth(terms, operator, days)
    db, _ = build_sqlite(DOCS, tmp_path / "s.sqlite")
    clause, params, _ = sqlite_query(terms, operator, days)
    assert {row[0] for row in db.execute(f"SELECT rowid FROM docs WHERE {clause}", params)} == _truth(terms, operator, days)

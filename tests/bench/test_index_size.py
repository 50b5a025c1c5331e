"""bench/index_size.py: where an index's bytes go."""
from whoosh import index as whoosh_index
from whoosh.fields import ID, Schema

from bench.index_size import breakdown
from search.engine import backend
from search.engine.whoosh_analysis import CharGramTokenizer, JiebaWordTokenizer, PairsTEXT


def test_the_breakdown_counts_each_fields_terms_and_postings(tmp_path):
    schema = Schema(id=ID(stored=True, unique=True), grams=PairsTEXT(CharGramTokenizer()),
                    words=PairsTEXT(JiebaWordTokenizer(), positions=False))
    ix = whoosh_index.create_in(str(tmp_path), schema)
    writer = backend._open_writer(ix, lock=True)
    for number, text in enumerate(["太原日报社", "太原市民"]):
        writer.add_document(id=str(number), grams=text, words=text)
    writer.commit()
    result = breakdown(tmp_path)
    assert result["segments"] == 1
    # 太原 日报 报社 社 / 太原 原市 市民 民: six distinct bigrams and two line ends
    assert result["fields"]["grams"]["terms"] == len({"太原", "原日", "日报", "报社", "社", "原市", "市民", "民"})
    assert result["fields"]["id"]["terms"] == 2
    assert 0 < result["postings_bytes"] < result["files_bytes"]
    assert 0 < result["terms_bytes"] < result["files_bytes"] - result["postings_bytes"]

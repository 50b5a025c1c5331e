"""The writer's pool: a document's text fields pooled whole give the postings Whoosh's loop,
a posting at a time, gives, and so the same segment."""
import struct

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, Schema
from whoosh.writing import SegmentWriter

from search.engine.codec import ArchiveCodec
from search.engine.pool import ArchiveSegmentWriter, GramColumns, TermPool, WordColumns, _joined_all
from search.engine.whoosh_analysis import CharGramTokenizer, JiebaWordTokenizer, PairsTEXT
from tests.conftest import SEEDS


def _schema():
    return Schema(id=ID(stored=True, unique=True), text=PairsTEXT(JiebaWordTokenizer(), positions=False),
                  grams=PairsTEXT(CharGramTokenizer()), headline=PairsTEXT(CharGramTokenizer(), field_boost=2.0),
                  section=KEYWORD(commas=True, scorable=False, sortable=True),
                  day=NUMERIC(int, bits=32, sortable=True, signed=False))


def _documents():
    texts = [p for p in (SEEDS / next(SEEDS.glob("000_*.txt")).name).read_text(encoding="utf-8").split("\n\n")
             if p.strip()][:80]
    documents = []
    for number, text in enumerate(texts):
        document = {"id": str(number), "text": text, "grams": text, "headline": text[:20] + "\n優勢　２０２１",
                    "section": f"版{number % 3}", "day": 20210000 + number}
        if number % 7 == 3:
            document["_boost"] = 2.5  # a document's boost multiplies each of its weights
        if number % 11 == 5:
            document["_grams_boost"] = 0.5
        documents.append(document)
    documents.append({"id": "blank", "text": "", "grams": "\n\n", "headline": " ", "day": 1})
    return documents


class _OneByOne(TermPool):
    def iter_postings(self):
        return self.each_posting()  # a bare iterator: Whoosh's field writer loop, a posting at a time


def _build(path, writer_class, *, blocklimit=8, pool_class=TermPool):
    path.mkdir()
    ix = whoosh_index.create_in(str(path), _schema())
    writer = writer_class(ix, codec=ArchiveCodec(blocklimit=blocklimit))
    writer.pool = pool_class()
    for document in _documents():
        writer.add_document(**document)
    writer.commit(merge=False)
    return ix


def _contents(ix):
    """Every term's statistics, table row and postings, and every document's field lengths."""
    found = []
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            for key, info in leaf._terms._tindex.items():
                offset, length = struct.unpack_from("!qi", info, struct.calcsize("!BfIBBfII"))
                found.append((bytes(key), bytes(info), bytes(leaf._terms._postfile.get(offset, length))))
        for fieldname in ("text", "grams", "headline"):
            found.append([reader.doc_field_length(n, fieldname) for n in range(reader.doc_count_all())])
    return found


def test_text_fields_pooled_whole_write_the_segment_whooshs_loop_writes(tmp_path):
    ours = _contents(_build(tmp_path / "whole", ArchiveSegmentWriter))
    whooshs = _contents(_build(tmp_path / "loop", SegmentWriter))
    assert len(ours) > 2000
    assert ours == whooshs


def test_the_pools_postings_handed_over_one_by_one_write_the_same_segment(tmp_path):
    whole = _contents(_build(tmp_path / "whole", ArchiveSegmentWriter))
    one_by_one = _contents(_build(tmp_path / "one", ArchiveSegmentWriter, pool_class=_OneByOne))
    assert whole == one_by_one


def test_postings_a_posting_at_a_time_and_gram_texts_of_one_term_stay_in_document_order():
    pool = TermPool()
    # a term's postings handed over one by one and the same term in gram texts, whichever comes
    # first in document numbers
    pool.add(("grams", "京都".encode(), 5, 1.0, struct.pack("<I", 1)))
    pool.add(("grams", "京都".encode(), 9, 2.0, struct.pack("<2I", 2, 3)))
    pool.add_gram_text("grams", 7, "京都大学", 1.0)
    pool.add_gram_text("grams", 12, "在京都", 1.0)
    terms = dict(pool.sorted_terms())
    docnums, weights, lengths, values = terms[("grams", "京都".encode())]
    assert list(docnums) == [5, 7, 9, 12]
    assert list(weights) == [1.0, 1.0, 2.0, 1.0]
    assert list(lengths) == [4, 4, 8, 4]
    assert list(struct.unpack("<5I", values)) == [1, 0, 2, 3, 1]
    assert list(terms[("grams", "学".encode())][0]) == [7]


def test_one_terms_postings_from_several_sources_join_in_document_order():
    runs = [_postings([20, 21], [[4], [5, 6]]), _postings([0, 3], [[1], [2]]), _postings([10], [[3, 9]])]
    docnums, weights, lengths, values = _joined_all(list(runs))
    assert list(docnums) == [0, 3, 10, 20, 21] and list(weights) == [1.0, 1.0, 2.0, 1.0, 2.0]
    assert list(lengths) == [4, 4, 8, 4, 8] and list(struct.unpack("<7I", values)) == [1, 2, 3, 9, 4, 5, 6]
    interleaved = _joined_all([_postings([2, 8], [[1], [2]]), _postings([5], [[7]])])
    assert list(interleaved[0]) == [2, 5, 8] and list(struct.unpack("<3I", interleaved[3])) == [1, 7, 2]


def _postings(docnums, positions):
    from array import array

    return (array("I", docnums), array("f", [float(len(p)) for p in positions]),
            array("I", [4 * len(p) for p in positions]), b"".join(struct.pack("<%dI" % len(p), *p) for p in positions))


def test_gram_columns_give_every_gram_in_term_order_with_its_positions():
    columns = GramColumns()
    assert columns.add(0, "ab\nba", 1.0, 1.0) == 4
    assert columns.add(3, "\nb", 2.0, 1.0) == 1
    terms = [(key.decode(), list(docnums), list(weights), list(lengths),
              list(struct.unpack("<%dI" % (len(values) // 4), values)))
             for key, (docnums, weights, lengths, values) in columns.terms()]
    assert terms == [
        ("a", [0], [1.0], [4], [4]),
        ("ab", [0], [1.0], [4], [0]),
        ("b", [0, 3], [1.0, 2.0], [4, 4], [1, 1]),
        ("ba", [0], [1.0], [4], [3]),
    ]


def test_gram_columns_of_empty_documents_give_no_terms():
    alone = GramColumns()
    alone.add(0, "", 1.0, 1.0)
    assert list(alone.terms()) == []
    columns = GramColumns()
    assert columns.add(0, "", 1.0, 1.0) == 0
    assert columns.add(1, "\n\n", 1.0, 1.0) == 0
    assert list(columns.terms()) == []


def test_word_columns_give_each_term_in_byte_order_with_its_documents_and_boosted_counts():
    columns = WordColumns()
    assert columns.add(0, {"太原": 2, "b": 1, "😀": 1}, 1.0, 1.0) == 4
    assert columns.add(2, {}, 1.0, 1.0) == 0
    assert columns.add(5, {"\uffff": 3, "太原": 1}, 2.0, 1.5) == 4
    terms = [(key, list(docnums), list(weights), list(lengths), bytes(values))
             for key, (docnums, weights, lengths, values) in columns.terms()]
    # UTF-8 order: b < 太原 < U+FFFF < 😀, each term's postings in document order, count × boosts
    assert terms == [
        (b"b", [0], [1.0], [0], b""),
        ("太原".encode(), [0, 5], [2.0, 3.0], [0, 0], b""),
        ("\uffff".encode(), [5], [9.0], [0], b""),
        ("😀".encode(), [0], [1.0], [0], b""),
    ]
    assert list(WordColumns().terms()) == []

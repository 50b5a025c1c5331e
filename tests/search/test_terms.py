"""The term dictionary (search/engine/terms.py), in bare Whoosh: no Django, no database."""
import random
import struct
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filetables import OrderedHashWriter

from search.engine import terms
from search.engine.codec import ArchiveCodec
from search.engine.whoosh_analysis import CharGramTokenizer, JiebaWordTokenizer, PairsTEXT

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
_ROW = struct.Struct("!BfIBBfIIqi")  # Whoosh's W3TermInfo bytes and the postings' extent


def _rows(count: int) -> list[tuple[bytes, bytes]]:
    """Sorted keys as Whoosh makes them (field number, then the term's UTF-8) with Whoosh rows
    of every kind: whole and fractional weights, large document numbers, a long key, an inlined
    row."""
    random.seed(7)
    texts = sorted({"".join(random.choice("的一是在不了有和人这中大为上个国") for _ in range(random.randint(1, 4)))
                    for _ in range(count)})
    rows, offset = [], 4
    for number, text in enumerate(texts):
        field = number * 3 // len(texts)
        docfreq = random.choice([1, 1, 2, 5, 300])
        weight = float(docfreq * random.choice([1, 2])) if number % 11 else docfreq * 0.75
        first = random.randrange(0, 70_000)
        length = random.randint(30, 5000)
        row = _ROW.pack(0, weight, docfreq, 3, 200, weight if number % 13 else 2.5, first, first + docfreq * 7,
                        offset, length)
        offset += length
        rows.append((struct.pack("!H", field) + text.encode("utf-8"), row))
    rows.append((struct.pack("!H", 3) + "长".encode() * 90, _ROW.pack(0, 1.0, 1, 1, 1, 1.0, 0, 0, offset, 40)))
    rows.append((struct.pack("!H", 4) + b"inf", _ROW.pack(0, float("inf"), 1, 1, 1, float("inf"), 0, 0, offset, 40)))
    rows.append((struct.pack("!H", 4) + b"inlined", b"\x01" + bytes(range(60))))  # not Whoosh's plain row
    rows.append((struct.pack("!H", 4) + b"last before first", _ROW.pack(0, 1.0, 1, 1, 1, 1.0, 9, 2, offset, 40)))
    return rows


def _write(storage, name: str, rows, writer_class=None):
    dbfile = storage.create_file(name)
    writer = (writer_class or (lambda f: terms.TermDictionaryWriter(f, extras={})))(dbfile)
    writer.extras["fieldmap"] = {"grams": 0, "text": 1}
    for key, value in rows:
        writer.add(key, value)
    writer.close()
    return storage.open_file(name), storage.file_length(name)


def test_every_row_comes_back_exactly_and_in_order(tmp_path):
    storage = FileStorage(str(tmp_path))
    rows = _rows(3000)
    table = terms.TermDictionaryReader(*_write(storage, "dictionary", rows))
    assert table.extras["fieldmap"] == {"grams": 0, "text": 1}
    assert list(table.items()) == rows
    assert all(table.get(key) == value and key in table for key, value in rows)
    assert table[rows[1234][0]] == rows[1234][1]
    missing = [key + b"\xff" for key, _ in rows[::50]] + [b"", b"\x00", b"\xff\xff"]
    assert not any(key in table for key in missing)
    with pytest.raises(KeyError):
        table[missing[0]]
    middle = rows[1500][0][:-1]  # a prefix between rows: items from the first row after it
    assert list(table.items_from(middle)) == [row for row in rows if row[0] >= middle]
    assert list(table.keys_from(b"\x00\x02")) == [key for key, _ in rows if key >= b"\x00\x02"]


def _expected_extent(row: bytes) -> tuple[int, int, int, int]:
    values = _ROW.unpack_from(row)
    return row[0], values[2], values[8], values[9]


def _table_read(tmp_path, monkeypatch, compiled: bool, reader: str):
    """Rows of every kind written, and the dictionary reading them with the compiled ``reader``
    (a name in terms) or, not ``compiled``, with the Python alone."""
    if compiled and getattr(terms, reader) is None:
        pytest.skip("search/engine/_postings.c is not compiled")
    if not compiled:
        monkeypatch.setattr(terms, reader, None)
    rows = _rows(3000)
    return rows, terms.TermDictionaryReader(*_write(FileStorage(str(tmp_path)), "dictionary", rows))


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_a_rows_extent_is_read_as_from_whooshs_row(tmp_path, monkeypatch, compiled):
    rows, table = _table_read(tmp_path, monkeypatch, compiled, "_compiled_extent")
    assert [table.extent(key) for key, _ in rows] == [_expected_extent(row) for _, row in rows]
    keys = {key for key, _ in rows}
    missing = [key + b"\xff" for key, _ in rows[::7]] + [key[:-1] for key, _ in rows[::7] if key[:-1] not in keys]
    assert [table.extent(key) for key in missing + [b"", b"\x00", b"\xff\xff", b"\x00" * 2000]] == [None] * (len(missing) + 4)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_the_rows_extents_from_a_key_on_are_read_as_from_whooshs_rows(tmp_path, monkeypatch, compiled):
    rows, table = _table_read(tmp_path, monkeypatch, compiled, "_compiled_block_extents")
    expected = [(key, *_expected_extent(row)) for key, row in rows]
    assert list(table.extents_from(b"")) == expected
    for start in (rows[1500][0][:-1], rows[1500][0], rows[-1][0], b"\x00\x02", b"\xff"):  # between rows, on one, after all
        assert list(table.extents_from(start)) == [row for row in expected if row[0] >= start]


def test_a_blocks_extents_are_left_to_the_python_where_a_row_is_not_read_in_compiled_code():
    if terms._compiled_block_extents is None:
        pytest.skip("search/engine/_postings.c is not compiled")
    rows = [_ROW.pack(0, 2.0, 3, 1, 9, 2.0, 5, 8, 700, 40), _ROW.pack(0, 0.5, 1, 1, 9, 0.5, 9, 9, 740, 12)]
    packed = [terms._pack_info(row, 600) for row in rows]
    block = bytes((0, 2, len(packed[0]))) + b"ab" + packed[0] + bytes((1, 1, len(packed[1]))) + b"c" + packed[1]
    assert terms._compiled_block_extents(block, 600) == [(b"ab", 0, 3, 700, 40), (b"ac", 0, 1, 740, 12)]
    assert terms._compiled_block_extents(block[:-1], 600) is NotImplemented  # a row cut short
    assert terms._compiled_block_extents(bytes((3, 1, 1)) + b"x\x00", 600) is NotImplemented  # shares more than there is


def test_the_compiled_extent_leaves_what_it_does_not_read_to_the_python():
    if terms._compiled_extent is None:
        pytest.skip("search/engine/_postings.c is not compiled")
    row = _ROW.pack(0, 2.0, 3, 1, 9, 2.0, 5, 8, 700, 40)
    packed = terms._pack_info(row, 600)
    block = bytes((0, 2, len(packed))) + b"ab" + packed
    assert terms._compiled_extent(block, b"ab", 600) == (0, 3, 700, 40)
    assert terms._compiled_extent(block, b"aa", 600) is None and terms._compiled_extent(block, b"ac", 600) is None
    assert terms._compiled_extent(block[:-1], b"ab", 600) is NotImplemented  # a row cut short
    assert terms._compiled_extent(block, b"a" * 1025, 600) is NotImplemented  # a key past its buffer
    huge = bytes((0, 2, 0x80 | len(packed), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01))
    assert terms._compiled_extent(huge + b"ab" + packed, b"ab", 600) is NotImplemented  # a length of 2**63


def _packed_row(*, weight: bytes = b"\x02", first: int = 9, span: int = 3) -> bytes:
    """A packed row (terms._pack_info's layout) with whole weights, any numbers in it."""
    return b"".join((bytes((terms._WHOLE_WEIGHT | terms._WHOLE_MAX_WEIGHT,)), weight, terms._varint(3),
                     bytes((1, 9)), b"\x02", terms._varint(first), terms._varint(span), terms._varint(100),
                     terms._varint(40)))


@pytest.mark.parametrize("row", [
    _packed_row(first=1 << 32),  # a first document past Whoosh's 32 bits
    _packed_row(first=(1 << 32) - 2, span=5),  # a last document past them
    _packed_row(weight=terms._varint(1 << 200)),  # a whole weight no float32 holds
], ids=["first", "last", "weight"])
def test_the_compiled_extent_leaves_a_row_the_python_cannot_read_to_it(row):
    """A row the Python refuses (its numbers do not fit Whoosh's row) is not read otherwise in C:
    ``extent`` answers as ``get`` does, with the Python's error."""
    if terms._compiled_extent is None:
        pytest.skip("search/engine/_postings.c is not compiled")
    block = bytes((0, 2, len(row))) + b"ab" + row
    with pytest.raises((struct.error, OverflowError)):
        terms._unpack_info(block, 5, len(block), 600)
    assert terms._compiled_extent(block, b"ab", 600) is NotImplemented
    fitting = _packed_row()
    assert terms._compiled_extent(bytes((0, 2, len(fitting))) + b"ab" + fitting, b"ab", 600) == (0, 3, 700, 40)


def test_keys_must_increase(tmp_path):
    writer = terms.TermDictionaryWriter(FileStorage(str(tmp_path)).create_file("unsorted"), extras={})
    writer.add(b"b", _ROW.pack(0, 1.0, 1, 1, 1, 1.0, 0, 0, 0, 30))
    with pytest.raises(ValueError, match="Keys must increase"):
        writer.add(b"a", _ROW.pack(0, 1.0, 1, 1, 1, 1.0, 0, 0, 30, 30))


def test_real_rows_take_a_quarter_of_whooshs_table(tmp_path):
    ix = _build(tmp_path / "ix", ArchiveCodec(), _paragraphs())
    with ix.reader() as reader:
        rows = list(reader.leaf_readers()[0][0]._terms._tindex.items())
    storage = FileStorage(str(tmp_path))
    _, ours = _write(storage, "ours", rows)
    _, whooshs = _write(storage, "whoosh", rows, OrderedHashWriter)
    assert len(rows) > 2000 and ours < whooshs / 4


def _paragraphs() -> list[str]:
    text = (SEEDS / "000_f0b56df181bc18e0.txt").read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n") if len(p.strip()) > 30][:60]


def _build(path: Path, codec, texts: list[str]):
    schema = Schema(id=ID(stored=True, unique=True), grams=PairsTEXT(CharGramTokenizer()),
                    words=PairsTEXT(JiebaWordTokenizer(), positions=False))
    path.mkdir()
    ix = whoosh_index.create_in(str(path), schema)
    writer = ix.writer(codec=codec)
    for number, text in enumerate(texts):
        writer.add_document(id=str(number), grams=text, words=text)
    writer.commit()
    return ix


def test_whooshs_term_reader_answers_from_it_as_from_its_own_table(tmp_path):
    texts = _paragraphs()
    ours = _build(tmp_path / "ours", ArchiveCodec(), texts)
    stock = _build(tmp_path / "stock", W3Codec(), texts)
    with ours.reader() as mine, stock.reader() as theirs:
        assert isinstance(mine.leaf_readers()[0][0]._terms._tindex, terms.TermDictionaryReader)
        assert list(mine.all_terms()) == list(theirs.all_terms())
        for fieldname, text in list(theirs.all_terms())[::7]:
            assert mine.doc_frequency(fieldname, text) == theirs.doc_frequency(fieldname, text)
            assert mine.frequency(fieldname, text) == theirs.frequency(fieldname, text)
        assert mine.doc_frequency("grams", "不在索引") == theirs.doc_frequency("grams", "不在索引") == 0
        assert list(mine.expand_prefix("grams", "发")) == list(theirs.expand_prefix("grams", "发"))
        assert mine.most_frequent_terms("words", 5) == theirs.most_frequent_terms("words", 5)
        cursors = [reader.cursor("words") for reader in (mine.leaf_readers()[0][0], theirs.leaf_readers()[0][0])]
        walked = [[], []]
        for cursor, found in zip(cursors, walked):
            while cursor.is_valid():
                found.append((cursor.text(), cursor.term_info().doc_frequency()))
                cursor.next()
        assert walked[0] == walked[1] and len(walked[0]) > 100
        assert [c.find("发展") for c in cursors][0] == [c.find("发展") for c in cursors][1]
    queries = [wq.Prefix("grams", "市"), wq.FuzzyTerm("words", "发展", maxdist=1), wq.Term("words", "太原")]
    with ours.searcher() as mine, stock.searcher() as theirs:
        for q in queries:
            assert [h["id"] for h in mine.search(q, limit=None)] == [h["id"] for h in theirs.search(q, limit=None)]


def test_a_segment_written_with_whooshs_table_is_still_read(tmp_path, monkeypatch):
    from whoosh.codec.whoosh3 import W3FieldWriter

    from search.engine.codec import CompactFieldWriter

    texts = _paragraphs()
    with monkeypatch.context() as patched:  # the codec as it wrote segments before the dictionary
        patched.setattr(CompactFieldWriter, "__init__", W3FieldWriter.__init__)
        old = _build(tmp_path / "old", ArchiveCodec(), texts)
    new = _build(tmp_path / "new", ArchiveCodec(), texts)
    with old.reader() as before, new.reader() as now:
        assert not isinstance(before.leaf_readers()[0][0]._terms._tindex, terms.TermDictionaryReader)
        assert list(before.all_terms()) == list(now.all_terms())
        assert before.doc_frequency("grams", "发展") == now.doc_frequency("grams", "发展") > 0
        assert [before.term_info("words", w).weight() for w in ("发展", "太原")] == \
            [now.term_info("words", w).weight() for w in ("发展", "太原")]

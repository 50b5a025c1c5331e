"""Merging segments a term at a time (search/engine/merging.py), against Whoosh's own loop."""
import struct
from array import array
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, Schema
from whoosh.reading import SegmentReader

from search.engine import backend, codec, merging
from search.engine.codec import ArchiveCodec
from search.engine.whoosh_analysis import CharGramTokenizer, JiebaWordTokenizer, PairsTEXT

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _paragraphs() -> list[str]:
    text = (SEEDS / "001_83424e25a61f6bbd.txt").read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n") if len(p.strip()) > 20][:40]


def _index(path: Path, texts: list[str], deleted: set[int]):
    schema = Schema(id=ID(stored=True, unique=True), grams=PairsTEXT(CharGramTokenizer()),
                    words=PairsTEXT(JiebaWordTokenizer(), positions=False),
                    kind=KEYWORD(commas=True, sortable=True), day=NUMERIC(int, bits=32, sortable=True, signed=False))
    path.mkdir()
    ix = whoosh_index.create_in(str(path), schema)
    for start in range(0, len(texts), 6):  # small segments, as edits and days write them
        writer = backend._open_writer(ix, lock=True)
        for number, text in enumerate(texts[start:start + 6], start):
            writer.add_document(id=str(number), grams=text, words=text, kind=("news", "photo")[number % 2],
                                day=20200101 + number)
        writer.commit(mergetype=backend.keep_live_segments, merge=False)
    writer = backend._open_writer(ix, lock=True)
    for number in deleted:
        writer.delete_by_term("id", str(number))
    writer.commit(mergetype=backend.keep_live_segments, merge=False)
    return ix


def _merge_everything(writer, segments):
    for segment in segments:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return []


def _merge_all(ix, added: list[str] = ()):
    writer = backend._open_writer(ix, lock=True)
    for number, text in enumerate(added, 1000):  # documents of the merging writer's own
        writer.add_document(id=str(number), grams=text, words=text, kind="news", day=20210101 + number)
    writer.commit(mergetype=_merge_everything, merge=False)


def _contents(ix):
    with ix.reader() as reader:
        postings = sorted(reader.iter_postings())
        stored = sorted((fields["id"], docnum) for docnum, fields in reader.iter_docs())
        columns = {name: list(reader.column_reader(name)) for name in ("kind", "day")}
        lengths = [reader.doc_field_length(docnum, "grams") for docnum in range(reader.doc_count_all())]
        return postings, stored, columns, lengths, len(reader.leaf_readers())


@pytest.mark.parametrize("added", [0, 5])
@pytest.mark.parametrize("deleted", [set(), {0, 7, 8, 20}, set(range(6, 12))])
def test_a_merge_a_term_at_a_time_writes_what_whooshs_loop_writes(tmp_path, monkeypatch, deleted, added):
    texts = _paragraphs()
    fast, slow = _index(tmp_path / "fast", texts, deleted), _index(tmp_path / "slow", texts, deleted)
    segments_before = len(fast._segments())
    assert segments_before >= 3
    new_texts = [text[::-1] for text in texts[:added]]  # some terms shared, some new
    with fast.reader() as reader:
        totals_before = {name: reader.field_length(name) for name in ("grams", "words")}
    read = set()
    real = merging.renumbered_terms
    monkeypatch.setattr(merging, "renumbered_terms", lambda reader, *a: read.add(reader) or real(reader, *a))
    _merge_all(fast, new_texts)
    assert len(read) == segments_before  # every segment went the term-at-a-time way
    monkeypatch.setattr(merging, "readable", lambda reader: False)  # Whoosh's loop, posting by posting
    _merge_all(slow, new_texts)
    merged = _contents(fast)
    assert merged == _contents(slow)
    with fast.reader() as reader, slow.reader() as whooshs:
        totals = {name: reader.field_length(name) for name in ("grams", "words")}
        if deleted:  # the live documents' lengths as Whoosh sums them: their one-byte forms
            assert totals == {name: whooshs.field_length(name) for name in ("grams", "words")}
        elif not added:  # the merged segments' exact totals (Whoosh's are of the rounded lengths:
            assert totals == totals_before  # the same for these short texts; test_index_sync's differ)
    postings, stored, _, _, segments = merged
    assert segments == 1 and len(stored) == len(texts) - len(deleted) + added
    assert {fieldname for fieldname, *_ in postings} >= {"grams", "words", "kind", "day", "id"}


def test_a_merged_segment_is_read_only_as_the_new_one_is_written(tmp_path, monkeypatch):
    """The pool holds no merged postings: each segment is read a term at a time while the new
    segment is written, so merging a build's segments needs one term's postings in memory."""
    ix = _index(tmp_path / "ix", _paragraphs(), set())
    writer = backend._open_writer(ix, lock=True)
    for segment in ix._segments():
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()  # as merge_tiers does: the pool reads through a reader of its own
    assert not writer.pool._terms and len(writer.pool._segments) == len(ix._segments())
    written = []
    real = writer.fieldwriter.add_postings
    monkeypatch.setattr(writer.fieldwriter, "add_postings",
                        lambda schema, lengths, items: written.append(next(iter(items.terms()))) or real(schema, lengths, items))
    writer.commit(mergetype=backend.keep_live_segments, merge=False)
    assert written and not writer.pool._segments  # read while written, and the readers closed


@pytest.mark.parametrize("layout", ["as written", "four postings a block", "every block split"])
def test_a_terms_arrays_read_in_compiled_code_are_the_pythons(tmp_path, monkeypatch, layout):
    if merging._merge_arrays is None:
        pytest.fail("search/engine/_columnar.c is not compiled: run `make install`")
    if layout == "four postings a block":  # terms of many blocks, each with a header
        monkeypatch.setattr(codec.ArchiveCodec.__init__, "__defaults__", (4, 3, 1))
    if layout == "every block split":  # heads bit-packed, the rest deflated
        monkeypatch.setattr(codec, "_MIN_SPLIT_BYTES", 0)
    ix = _index(tmp_path / "ix", _paragraphs(), set())
    compiled_reads = []
    real = merging._merge_arrays
    for segment in ix._segments():
        with SegmentReader(ix.storage, ix.schema, segment) as reader:
            for fieldname in sorted(merging.merged_fields(reader, ix.schema)):
                for base in (0, 70_000):
                    monkeypatch.setattr(merging, "_merge_arrays", lambda *a: compiled_reads.append(1) or real(*a))
                    compiled = [_plain(term) for term in merging.field_terms(reader, ix.schema, fieldname, base)]
                    monkeypatch.setattr(merging, "_merge_arrays", None)
                    python = [_plain(term) for term in merging.field_terms(reader, ix.schema, fieldname, base)]
                    assert compiled == python and python, (fieldname, base)
                    assert all(min(docs) >= base for _, docs, *_ in python)
    assert len(compiled_reads) > 1000


def _plain(term):
    text, docs, weights, lengths, values = term
    return text, list(docs), list(weights), list(lengths), bytes(values)


def test_a_term_the_compiled_reading_cannot_read_is_left_to_the_python():
    if merging._merge_arrays is None:
        pytest.fail("search/engine/_columnar.c is not compiled: run `make install`")
    block = codec.encode_block([3, 9], [1.0, 2.0], [struct.pack("<I", 4), struct.pack("<2I", 1, 7)], None, narrow=True)
    record = codec.one_block_record(0, block)
    docs, weights, lengths, values = merging._merge_arrays(record, 2, 10, True)
    assert (array("I", docs), array("f", weights), array("I", lengths)) == (array("I", [13, 19]), array("f", [1.0, 2.0]), array("I", [4, 8]))
    assert array("I", bytes(values)).tolist() == [4, 1, 7]
    assert merging._merge_arrays(record[:-1], 2, 10, True) is None  # cut short
    assert merging._merge_arrays(record, 2, 2**32 - 5, True) is None  # a document past 32 bits
    assert merging._merge_arrays(record, 2, -1, True) is None


def test_only_segments_of_our_codec_are_read_a_term_at_a_time(tmp_path):
    from whoosh.codec.whoosh3 import W3Codec

    schema = Schema(id=ID(stored=True), grams=PairsTEXT(CharGramTokenizer()))
    (tmp_path / "ix").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "ix"), schema)
    for codec in (ArchiveCodec(), W3Codec()):
        writer = ix.writer(codec=codec)
        writer.add_document(id="1", grams="文字")
        writer.commit(merge=False)
    with ix.reader() as reader:
        assert [merging.readable(leaf) for leaf, _ in reader.leaf_readers()] == [True, False]

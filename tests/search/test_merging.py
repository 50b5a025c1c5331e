"""Merging segments a term at a time (search/engine/merging.py), against Whoosh's own loop."""
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, Schema
from whoosh.reading import SegmentReader

from search.engine import backend, merging
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


def _merge_all(ix):
    writer = backend._open_writer(ix, lock=True)
    writer.commit(mergetype=_merge_everything, merge=False)


def _contents(ix):
    with ix.reader() as reader:
        postings = sorted(reader.iter_postings())
        stored = sorted((fields["id"], docnum) for docnum, fields in reader.iter_docs())
        columns = {name: list(reader.column_reader(name)) for name in ("kind", "day")}
        lengths = [reader.doc_field_length(docnum, "grams") for docnum in range(reader.doc_count_all())]
        return postings, stored, columns, lengths, len(reader.leaf_readers())


@pytest.mark.parametrize("deleted", [set(), {0, 7, 8, 20}, set(range(6, 12))])
def test_a_merge_a_term_at_a_time_writes_what_whooshs_loop_writes(tmp_path, monkeypatch, deleted):
    texts = _paragraphs()
    fast, slow = _index(tmp_path / "fast", texts, deleted), _index(tmp_path / "slow", texts, deleted)
    segments_before = len(fast._segments())
    assert segments_before >= 3
    used = []
    real = merging.pool_segment
    monkeypatch.setattr(merging, "pool_segment", lambda *a, **k: used.append(1) or real(*a, **k))
    _merge_all(fast)
    assert len(used) == segments_before  # every segment went the term-at-a-time way
    monkeypatch.setattr(merging, "readable", lambda reader: False)  # Whoosh's loop, posting by posting
    _merge_all(slow)
    merged = _contents(fast)
    assert merged == _contents(slow)
    postings, stored, _, _, segments = merged
    assert segments == 1 and len(stored) == len(texts) - len(deleted)
    assert {fieldname for fieldname, *_ in postings} >= {"grams", "words", "kind", "day", "id"}


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

"""Segment files read in place (search/whoosh_buffers.py): no copy of a file as it is opened."""
from __future__ import annotations

from whoosh import index as whoosh_index
from whoosh.fields import ID, Schema
from whoosh.filedb.structfile import BufferFile

from search import whoosh_buffers
from search.codec import ArchiveCodec
from search.whoosh_analysis import CharGramTokenizer, PairsTEXT

whoosh_buffers.install()


def test_a_buffer_file_copies_nothing_until_it_is_read_as_a_stream():
    data = bytearray(b"0123456789")
    opened = BufferFile(memoryview(data), name="x")
    data[0:1] = b"A"  # the file is a view: it sees the buffer as it is, not a copy of it at opening
    assert opened._stream is None
    assert opened.get(0, 4) == b"A123"
    assert opened._stream is None
    opened.seek(4)
    assert opened.read(3) == b"456" and opened.tell() == 7  # a stream, made on first use
    opened.close()
    assert opened.is_closed and opened._stream.closed


def test_closing_an_unread_file_makes_no_stream_and_calls_its_onclose():
    closed = []
    opened = BufferFile(memoryview(b"abc"), onclose=closed.append)
    opened.close()
    assert closed == [opened] and opened._stream is None


def test_a_reader_on_an_index_opens_its_segments_without_copying_their_postings(tmp_path, monkeypatch):
    schema = Schema(id=ID(stored=True, unique=True), grams=PairsTEXT(CharGramTokenizer()))
    ix = whoosh_index.create_in(str(tmp_path), schema)
    writer = ix.writer(codec=ArchiveCodec())
    for number in range(50):
        writer.add_document(id=str(number), grams=f"太原市第{number}期晋祠古县城")
    writer.commit()
    streams = []
    original = BufferFile.file.fget
    monkeypatch.setattr(BufferFile, "file", property(lambda self: streams.append(self._name) or original(self),
                                                      BufferFile.file.fset))
    with ix.searcher() as searcher:
        postings = searcher.reader().postings("grams", "晋祠")
        assert len(list(postings.all_ids())) == 50
    assert not [name for name in streams if name and name.endswith(".pst")], streams

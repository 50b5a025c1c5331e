"""Segment files read in place (search/engine/whoosh_buffers.py): no copy of a file as it is opened."""
from __future__ import annotations

import os
import tracemalloc

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, Schema
from whoosh.filedb.structfile import BufferFile

from search.engine.codec import ArchiveCodec
from search.engine.whoosh_analysis import CharGramTokenizer, PairsTEXT
from search.engine.whoosh_buffers import LazyBufferFile


def test_a_buffer_file_copies_nothing_until_it_is_read_as_a_stream():
    data = bytearray(b"0123456789")
    opened = LazyBufferFile(memoryview(data), name="x")
    data[0:1] = b"A"  # the file is a view: it sees the buffer as it is, not a copy made at opening
    assert opened._stream is None
    assert opened.get(0, 4) == b"A123"
    assert opened._stream is None
    opened.seek(4)
    assert opened.read(3) == b"456" and opened.tell() == 7  # a stream, made on first use
    opened.close()
    assert opened.is_closed and opened._stream.closed


def test_a_buffer_file_read_as_a_stream_reads_the_view_in_place():
    data = bytearray(10_000_000)
    data[-6:] = b"end\nok"
    opened = LazyBufferFile(memoryview(data), name="terms")
    tracemalloc.start()
    try:
        opened.seek(-6, os.SEEK_END)
        data[-6:-5] = b"E"  # seen: the stream is the view, not a copy of it
        assert opened.readline() == b"End\n" and opened.read() == b"ok" and opened.read(5) == b""
        opened.seek(2)
        opened.seek(3, os.SEEK_CUR)
        assert opened.tell() == 5 and opened.read(2) == b"\0\0"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100_000  # BytesIO would have copied the 10 MB


def test_closing_an_unread_file_makes_no_stream_and_calls_its_onclose():
    closed = []
    opened = LazyBufferFile(memoryview(b"abc"), onclose=closed.append)
    opened.close()
    assert closed == [opened] and opened._stream is None


def _index(path, codec):
    schema = Schema(id=ID(stored=True, unique=True), grams=PairsTEXT(CharGramTokenizer()))
    path.mkdir()
    ix = whoosh_index.create_in(str(path), schema)
    writer = ix.writer(codec=codec)
    for number in range(50):
        writer.add_document(id=str(number), grams=f"太原市第{number}期晋祠古县城")
    writer.commit()
    return ix


def test_our_segments_open_their_postings_without_copying_them(tmp_path, monkeypatch):
    streams = []
    made = LazyBufferFile.file.fget
    monkeypatch.setattr(LazyBufferFile, "file", property(lambda self: streams.append(self._name) or made(self),
                                                          LazyBufferFile.file.fset))
    ix = _index(tmp_path / "ours", ArchiveCodec())
    with ix.searcher() as searcher:
        segment_files = searcher.reader()._segment.open_compound_file(ix.storage)
        assert isinstance(segment_files.open_file(segment_files.list()[0]), LazyBufferFile)
        postings = searcher.reader().postings("grams", "晋祠")  # Whoosh's own matcher
        assert len(list(postings.all_ids())) == 50
        # neither the postings nor the term dictionary is read as a stream (a copy) ...
        assert not streams, streams
        # ... which is what asking for one would record
        segment_files.open_file(next(n for n in segment_files.list() if n.endswith(".trm"))).file
    assert [name for name in streams if name.endswith(".trm")], streams


def test_segments_of_whooshs_own_codec_are_read_as_whoosh_reads_them(tmp_path):
    ix = _index(tmp_path / "stock", W3Codec())
    with ix.searcher() as searcher:
        segment_files = searcher.reader()._segment.open_compound_file(ix.storage)
        opened = segment_files.open_file(segment_files.list()[0])
        assert type(opened) is BufferFile


def test_an_index_written_before_the_engine_moved_is_opened_after_its_table_of_contents_is_rewritten(tmp_path, monkeypatch):
    """Whoosh pickles the segment and analyser classes into the table of contents by module: an
    index written when they lived in search.codec and search.whoosh_analysis names those."""
    import sys

    from whoosh.filedb.filestore import FileStorage

    from search.engine import codec, whoosh_analysis
    from search.engine.backend import _rewrite_toc_with_moved_names

    old_names = {"search.codec": codec, "search.whoosh_analysis": whoosh_analysis}
    with monkeypatch.context() as moved_back:
        for name, module in old_names.items():
            moved_back.setitem(sys.modules, name, module)
            for value in vars(module).values():
                if isinstance(value, type) and value.__module__ == module.__name__:
                    moved_back.setattr(value, "__module__", name)
        _index(tmp_path / "old", ArchiveCodec())
    toc = max((tmp_path / "old").glob("_MAIN_*.toc"))
    assert b"search.codec" in toc.read_bytes() and b"search.engine" not in toc.read_bytes()
    storage = FileStorage(str(tmp_path / "old"))
    try:
        storage.open_index()
        raise AssertionError("the old names should not be importable")
    except ModuleNotFoundError as exc:
        assert exc.name in old_names
    _rewrite_toc_with_moved_names(storage, "MAIN")
    with storage.open_index().searcher() as searcher:
        assert len(list(searcher.reader().postings("grams", "晋祠").all_ids())) == 50

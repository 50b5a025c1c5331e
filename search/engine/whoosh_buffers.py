"""Segment files read in place from the segment's memory map, not copied as they are opened.

Whoosh opens each file of a compound segment (terms, postings, columns) as a ``BufferFile``
over a memoryview of the segment's memory map, and wraps that view in a ``BytesIO``, which
copies it. Opening a reader on the 150k-article index copied every segment's postings: most of
850 MB, about a second, and as much memory in each process holding a reader, on every reopen
after an edit. The readers this archive uses take their bytes through ``BufferFile.get``,
which slices the view and copies only what it returns; here the stream is made the first time
something reads the file as a stream, and only for that file.

Only segments written by our codec (``codec.ArchiveSegment``) open their files this way:
Whoosh itself, and the stock setup the benchmarks compare with, are left as released.
"""
from __future__ import annotations

from io import BytesIO

from whoosh.compat import memoryview_
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.structfile import BufferFile


class LazyBufferFile(BufferFile):
    """A BufferFile whose stream is made when first used, not when opened."""

    def __init__(self, buf, name=None, onclose=None):  # BufferFile's, without the stream
        self._buf = buf
        self._name = name
        self._stream = None
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    @property
    def file(self) -> BytesIO:
        if self._stream is None:
            self._stream = BytesIO(self._buf)
        return self._stream

    @file.setter
    def file(self, stream) -> None:
        self._stream = stream

    def close(self) -> None:
        # StructFile.close, without making a stream only to close it
        if self.is_closed:
            raise Exception("This file is already closed")
        if self.onclose:
            self.onclose(self)
        if self._stream is not None:
            self._stream.close()
        self.is_closed = True


class InPlaceCompoundStorage(CompoundStorage):
    def open_file(self, name, *args, **kwargs):
        if self.is_closed or self._source is None:  # closed, or not memory-mapped: Whoosh's way
            return super().open_file(name, *args, **kwargs)
        offset, length = self.range(name)
        return LazyBufferFile(memoryview_(self._source, offset, length), name=name)

"""Segment files read in place from the segment's memory map, not copied as they are opened.

Whoosh opens each file of a compound segment (terms, postings, columns) as a ``BufferFile``
over a memoryview of the segment's memory map, and wraps that view in a ``BytesIO``, which
copies it. Opening a reader on the 150k-article index copied every segment's postings: most of
850 MB, about a second, and as much memory in each process holding a reader, on every reopen
after an edit. The readers this archive uses take their bytes through ``BufferFile.get``,
which slices the view and copies only what it returns. What reads a file as a stream (the
header and directory of Whoosh's term table, in a segment written before our term dictionary)
gets a read-only stream over the view: a ``BytesIO`` there copied every segment's term table, a
gigabyte at 150,000 articles in the process that indexes a day (it opens a searcher to delete
the documents it replaces).

Only segments written by our codec (``codec.ArchiveSegment``) open their files this way:
Whoosh itself, and the stock setup the benchmarks compare with, are left as released.
"""
from __future__ import annotations

import os

from whoosh.compat import memoryview_
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.structfile import BufferFile


class ViewStream:
    """A read-only stream over a memoryview: what BufferFile's BytesIO gives its readers, without
    the copy (``read`` copies only the bytes it returns)."""

    def __init__(self, view):
        self._view = view
        self._position = 0
        self.closed = False

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: len(self._view)}[whence]
        if base + offset < 0:
            raise ValueError(f"negative seek position {base + offset}")
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(len(self._view), self._position + size)
        data = bytes(self._view[self._position:end]) if end > self._position else b""
        self._position = max(self._position, end)
        return data

    def readline(self, size: int = -1) -> bytes:
        rest = bytes(self._view[self._position:] if size is None or size < 0
                     else self._view[self._position:self._position + size])
        cut = rest.find(b"\n")
        line = rest if cut < 0 else rest[:cut + 1]
        self._position += len(line)
        return line

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


class LazyBufferFile(BufferFile):
    """A BufferFile that reads its memoryview in place, without BufferFile's copy of it."""

    def __init__(self, buf, name=None, onclose=None):  # BufferFile's, without the stream
        self._buf = buf
        self._name = name
        self._stream = None
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    @property
    def file(self) -> ViewStream:
        if self._stream is None:
            self._stream = ViewStream(self._buf)
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

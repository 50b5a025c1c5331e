"""Segment files read in place from the segment's memory map, not copied as they are opened.

Whoosh opens each file of a compound segment (terms, postings, columns) as a ``BufferFile``
over a memoryview of the segment's memory map, and wraps that view in a ``BytesIO``, which
copies it. Opening a reader on the 150k-article index copied every segment's postings: most of
850 MB, about a second, and as much memory in each process holding a reader, on every reopen
after an edit. The readers this archive uses take their bytes through ``BufferFile.get``,
which slices the view and copies only what it returns; the stream is now made the first time
something reads the file as a stream, and only for that file.

``install()`` patches Whoosh's class once; the search backend calls it as it is imported.
"""
from __future__ import annotations

from io import BytesIO

from whoosh.filedb.structfile import BufferFile

_installed = False


def _init(self, buf, name=None, onclose=None):
    self._buf = buf
    self._name = name
    self._stream = None
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def _get_stream(self) -> BytesIO:
    if self._stream is None:
        self._stream = BytesIO(self._buf)
    return self._stream


def _set_stream(self, stream) -> None:
    self._stream = stream


def _close(self) -> None:
    # StructFile.close, without making a stream only to close it
    if self.is_closed:
        raise Exception("This file is already closed")
    if self.onclose:
        self.onclose(self)
    if self._stream is not None:
        self._stream.close()
    self.is_closed = True


def install() -> None:
    global _installed
    if _installed:
        return
    BufferFile.__init__ = _init
    BufferFile.file = property(_get_stream, _set_stream)
    BufferFile.close = _close
    _installed = True

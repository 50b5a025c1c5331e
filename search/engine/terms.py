"""The term dictionary: a segment's terms sorted and front-coded, their statistics packed.

Whoosh's term table (``filetables.OrderedHashWriter``) gives every term an eight-byte length
header, the key, 35 bytes of statistics and postings extent, two twelve-byte hash slots and a
four-byte entry in a sorted index: 79 bytes a term on real text. A segment of 5,000 real
articles holds some 180,000 terms (rare bigrams and names, most of them in one or two
documents), so the table was a third of the index, and every segment repeats the common terms.

Here the rows are written in key order in blocks of ``BLOCK_ROWS``. A row is the length of the
key it shares with the row before, the rest of the key, and the statistics as small numbers
(``_pack_info``): a row comes to about 20 bytes on real text. The first key of every block is
kept in memory when the segment is opened; a look-up bisects those keys and reads one block.
The values handed out are Whoosh's own 35-byte rows (``W3TermInfo`` and the postings' extent),
rebuilt exactly, so Whoosh's term reader, the columnar reader and the merge read this
dictionary as they read Whoosh's table, and a segment written before it is still read by
Whoosh's (``ArchiveTermsReader``).

The file keeps the header Whoosh's field writer has written when the writer takes it over,
and ends with ``MAGIC``; Whoosh's table ends with the length of its pickled extras instead.
"""
from __future__ import annotations

import math
import pickle
import struct
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from operator import itemgetter

from whoosh.codec import base
from whoosh.codec.whoosh3 import W3TermInfo, W3TermsReader
from whoosh.reading import TermNotFound

try:  # a row packed, and a row found, in compiled code (_postings.c, built by make install)
    from ._postings import block_extents as _compiled_block_extents
    from ._postings import term_extent as _compiled_extent
    from ._postings import term_row as _compiled_row
except ImportError:
    _compiled_row = _compiled_extent = _compiled_block_extents = None

MAGIC = b"ATD1"
BLOCK_ROWS = 16
# the rows' end (where the block index starts), the block count, where the extras start, MAGIC
_TRAILER = struct.Struct("<QQQ4s")
# Whoosh's row: W3TermInfo.to_bytes (flags, total weight, document frequency, min and max length
# bytes, max weight, first and last document) and the postings' offset and length.
_INFO = struct.Struct("!BfIBBfIIqi")
_F32 = struct.Struct("!f")

# A packed row's first byte: which of its numbers are written as whole numbers.
_WHOLE_WEIGHT, _WHOLE_MAX_WEIGHT, _RAW = 1, 2, 0x80


def _varint(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    byte = data[pos]
    if byte < 0x80:
        return byte, pos + 1
    value, shift = byte & 0x7F, 7
    while True:
        pos += 1
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos + 1
        shift += 7


def _weight(raw: bytes) -> bytes | None:
    """A float32 weight as a varint, if it is a whole number that comes back as the same bytes
    (term frequencies are); None if it must be written as it is."""
    (value,) = _F32.unpack(raw)
    if math.isfinite(value) and value >= 0 and value == int(value) and _F32.pack(float(int(value))) == raw:
        return _varint(int(value))
    return None


def _read_weight(data: bytes, pos: int, whole: bool) -> tuple[float, int]:
    if whole:
        return _read_varint(data, pos)
    return _F32.unpack_from(data, pos)[0], pos + 4


def _pack_info(value: bytes, base: int) -> bytes:
    """A Whoosh row in a few bytes: term frequencies are whole numbers, document numbers small,
    and the postings' offset is counted from the block's first term's."""
    if len(value) != _INFO.size or value[0]:  # inlined postings (never written here) kept as they are
        return bytes((_RAW,)) + value
    _, _, docfreq, minlength, maxlength, _, first, last, offset, length = _INFO.unpack(value)
    if offset < base or last < first:
        return bytes((_RAW,)) + value
    tag = 0
    weight_bytes, max_weight_bytes = _weight(value[1:5]), _weight(value[11:15])
    if weight_bytes is not None:
        tag |= _WHOLE_WEIGHT
    else:
        weight_bytes = value[1:5]
    if max_weight_bytes is not None:
        tag |= _WHOLE_MAX_WEIGHT
    else:
        max_weight_bytes = value[11:15]
    return b"".join((bytes((tag,)), weight_bytes, _varint(docfreq), bytes((minlength, maxlength)),
                     max_weight_bytes, _varint(first), _varint(last - first), _varint(offset - base),
                     _varint(length)))


def _unpack_info(data: bytes, pos: int, end: int, base: int) -> bytes:
    """The Whoosh row that _pack_info packed at data[pos:end]."""
    tag = data[pos]
    if tag == _RAW:
        return data[pos + 1:end]
    pos += 1
    weight, pos = _read_weight(data, pos, bool(tag & _WHOLE_WEIGHT))
    docfreq, pos = _read_varint(data, pos)
    minlength, maxlength = data[pos], data[pos + 1]
    pos += 2
    max_weight, pos = _read_weight(data, pos, bool(tag & _WHOLE_MAX_WEIGHT))
    first, pos = _read_varint(data, pos)
    span, pos = _read_varint(data, pos)
    offset, pos = _read_varint(data, pos)
    length, _ = _read_varint(data, pos)
    return _INFO.pack(0, weight, docfreq, minlength, maxlength, max_weight, first, first + span, base + offset,
                      length)


class TermDictionaryWriter:
    """Takes the term file over from Whoosh's table writer: ``add`` and ``close`` as it has them,
    with the same ``extras`` (the field numbers)."""

    def __init__(self, dbfile, *, extras: dict):
        self.dbfile = dbfile
        self.extras = extras
        self.lastkey = b""
        self._end = dbfile.tell()
        self._block = bytearray()
        self._rows = 0
        self._base = 0
        self._first_keys: list[bytes] = []
        self._block_starts = array("Q")
        self._block_bases = array("Q")

    def add(self, key: bytes, value: bytes) -> None:
        """A term and its Whoosh row (35 bytes: W3TermInfo and the postings' extent)."""
        base = _INFO.unpack(value)[8] if len(value) == _INFO.size and not value[0] else 0
        shared = self._start_row(key, base)
        self._add_row(key, shared, _pack_info(value, self._base))

    def add_stats(self, key: bytes, weight: float, docfreq: int, minlength: int, maxlength: int,
                  maxweight: float, first: int, last: int, offset: int, length: int) -> None:
        """A term and the numbers of its Whoosh row (the length bytes already coded), written as
        ``add`` writes the row they pack to, without packing and unpacking it."""
        shared = self._start_row(key, offset)
        if _compiled_row is not None and offset >= self._base and last >= first:
            row = _compiled_row(key, shared, weight, docfreq, minlength, maxlength, maxweight, first, last,
                                offset - self._base, length)
            if row is not None:
                self._block += row
                self._rows += 1
                self.lastkey = key
                return
        if offset < self._base or last < first:
            info = bytes((_RAW,)) + _INFO.pack(0, weight, docfreq, minlength, maxlength, maxweight, first, last,
                                               offset, length)
        else:
            tag = 0
            # a whole number from 1 to 2**24 is a float32 exactly: _weight's answer without its packing
            weight_bytes = _varint(int(weight)) if 1 <= weight < 1 << 24 and weight.is_integer() else _weight(
                _F32.pack(weight))
            if weight_bytes is not None:
                tag |= _WHOLE_WEIGHT
            else:
                weight_bytes = _F32.pack(weight)
            max_weight_bytes = (_varint(int(maxweight)) if 1 <= maxweight < 1 << 24 and maxweight.is_integer()
                                else _weight(_F32.pack(maxweight)))
            if max_weight_bytes is not None:
                tag |= _WHOLE_MAX_WEIGHT
            else:
                max_weight_bytes = _F32.pack(maxweight)
            info = b"".join((bytes((tag,)), weight_bytes, _varint(docfreq), bytes((minlength, maxlength)),
                             max_weight_bytes, _varint(first), _varint(last - first), _varint(offset - self._base),
                             _varint(length)))
        self._add_row(key, shared, info)

    def _start_row(self, key: bytes, base: int) -> int:
        """Checks the key's order, opens a block when one is due (``base``: the offset a new
        block's rows count theirs from) and returns how much of the key the row before shares."""
        if key <= self.lastkey:
            raise ValueError(f"Keys must increase: {self.lastkey!r}..{key!r}")
        if self._rows == BLOCK_ROWS:
            self._flush()
        if not self._rows:
            self._base = base
            self._first_keys.append(key)
            self._block_bases.append(base)
            return 0
        previous, shared, most = self.lastkey, 0, min(len(key), len(self.lastkey))
        while shared < most and key[shared] == previous[shared]:
            shared += 1
        return shared

    def _add_row(self, key: bytes, shared: int, info: bytes) -> None:
        self._block += b"".join((_varint(shared), _varint(len(key) - shared), _varint(len(info)), key[shared:], info))
        self._rows += 1
        self.lastkey = key

    def _flush(self) -> None:
        self._block_starts.append(self._end)
        self.dbfile.write(bytes(self._block))
        self._end += len(self._block)
        self._block = bytearray()
        self._rows = 0

    def close(self) -> int:
        if self._rows:
            self._flush()
        rows_end = self._end
        lengths = array("I", map(len, self._first_keys))
        parts = [self._block_starts, self._block_bases, lengths]
        if struct.pack("=I", 1) != struct.pack("<I", 1):
            for part in parts:
                part.byteswap()
        index = b"".join([part.tobytes() for part in parts] + self._first_keys)
        extras = pickle.dumps(self.extras, protocol=pickle.HIGHEST_PROTOCOL)
        self.dbfile.write(index)
        self.dbfile.write(extras)
        self.dbfile.write(_TRAILER.pack(rows_end, len(self._first_keys), rows_end + len(index), MAGIC))
        end = rows_end + len(index) + len(extras) + _TRAILER.size
        self.dbfile.close()
        return end


class TermDictionaryReader:
    """A segment's term dictionary, read with the mapping methods Whoosh's ordered hash reader
    offers (``get``, ``items``, ``keys_from`` …), returning the same values."""

    def __init__(self, dbfile, length: int):
        self.dbfile = dbfile
        self.is_closed = False
        rows_end, blocks, extras_at, _ = _TRAILER.unpack(dbfile.get(length - _TRAILER.size, _TRAILER.size))
        self.extras = pickle.loads(dbfile.get(extras_at, length - _TRAILER.size - extras_at))
        index = dbfile.get(rows_end, extras_at - rows_end)
        starts, bases, lengths = array("Q"), array("Q"), array("I")
        starts.frombytes(index[:8 * blocks])
        bases.frombytes(index[8 * blocks:16 * blocks])
        lengths.frombytes(index[16 * blocks:20 * blocks])
        if struct.pack("=I", 1) != struct.pack("<I", 1):
            for part in (starts, bases, lengths):
                part.byteswap()
        keys, at = [], 20 * blocks
        for size in lengths:
            keys.append(index[at:at + size])
            at += size
        self._keys = keys
        starts.append(rows_end)
        # arrays, not lists: at 150,000 articles a searcher holds some 350,000 blocks' numbers
        self._starts = starts
        self._bases = bases

    @staticmethod
    def written_here(dbfile, length: int) -> bool:
        return length >= _TRAILER.size and dbfile.get(length - len(MAGIC), len(MAGIC)) == MAGIC

    def _block(self, number: int) -> bytes:
        start = self._starts[number]
        return self.dbfile.get(start, self._starts[number + 1] - start)

    def get(self, key: bytes, default=None):
        number = bisect_right(self._keys, key) - 1
        if number < 0:
            return default
        data = self._block(number)
        # The row loop is written out here and in _rows_from rather than shared as a generator:
        # on a 150k index's terms that generator made a look-up 50 % slower (8.2 -> 12.7 us,
        # bench/terms_bench.py) and a walk 2.2 -> 3.4 us a row.
        previous, pos, end = b"", 0, len(data)
        while pos < end:
            shared, rest, size = data[pos], data[pos + 1], data[pos + 2]
            if (shared | rest | size) < 0x80:  # nearly every row: its three lengths one byte each
                pos += 3
            else:
                shared, pos = _read_varint(data, pos)
                rest, pos = _read_varint(data, pos)
                size, pos = _read_varint(data, pos)
            found = previous[:shared] + data[pos:pos + rest]
            pos += rest
            if found == key:
                return _unpack_info(data, pos, pos + size, self._bases[number])
            if found > key:
                return default
            pos += size
            previous = found
        return default

    def extent(self, key: bytes) -> tuple[int, int, int, int] | None:
        """What a query needs of a term's row, without making Whoosh's: (flags, document
        frequency, postings offset, postings length), or None. A query asks every segment for each
        of its terms (32 segments at 150,000 articles): in compiled code a look-up costs a sixth
        of ``get``'s."""
        number = bisect_right(self._keys, key) - 1
        if number < 0:
            return None
        if _compiled_extent is not None:
            found = _compiled_extent(self._block(number), key, self._bases[number])
            if found is not NotImplemented:
                return found
        row = self.get(key)
        if row is None:
            return None
        values = _INFO.unpack_from(row)
        return row[0], values[2], values[8], values[9]

    def __getitem__(self, key: bytes) -> bytes:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: bytes) -> bool:
        return self.get(key) is not None

    def _rows_from(self, number: int, stop: int | None = None) -> Iterator[tuple[bytes, bytes]]:
        for number in range(number, len(self._keys) if stop is None else stop):
            data, base = self._block(number), self._bases[number]
            previous, pos, end = b"", 0, len(data)
            while pos < end:
                shared, rest, size = data[pos], data[pos + 1], data[pos + 2]
                if (shared | rest | size) < 0x80:
                    pos += 3
                else:
                    shared, pos = _read_varint(data, pos)
                    rest, pos = _read_varint(data, pos)
                    size, pos = _read_varint(data, pos)
                key = previous[:shared] + data[pos:pos + rest]
                pos += rest
                yield key, _unpack_info(data, pos, pos + size, base)
                pos += size
                previous = key

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        return self._rows_from(0)

    def keys(self) -> Iterator[bytes]:
        return (key for key, _ in self._rows_from(0))

    def values(self) -> Iterator[bytes]:
        return (value for _, value in self._rows_from(0))

    __iter__ = keys

    def items_from(self, key: bytes) -> Iterator[tuple[bytes, bytes]]:
        """The rows from ``key`` (or the first key after it) on."""
        return ((found, value) for found, value in self._rows_from(max(0, bisect_right(self._keys, key) - 1))
                if found >= key)

    def extents_from(self, key: bytes) -> Iterator[tuple[bytes, int, int, int, int]]:
        """(key, flags, document frequency, postings offset, postings length) of each row from
        ``key`` (or the first key after it) on: ``extent``'s numbers, without making Whoosh's
        row. A merge reads every row of a field; in compiled code a block at a time."""
        for number in range(max(0, bisect_right(self._keys, key) - 1), len(self._keys)):
            rows = NotImplemented
            if _compiled_block_extents is not None:
                rows = _compiled_block_extents(self._block(number), self._bases[number])
            if rows is NotImplemented:
                rows = [(found, value[0], *itemgetter(2, 8, 9)(_INFO.unpack_from(value)))
                        for found, value in self._rows_from(number, number + 1)]
            for row in rows:
                if row[0] >= key:
                    yield row

    def keys_from(self, key: bytes) -> Iterator[bytes]:
        return (found for found, _ in self.items_from(key))

    def close(self) -> None:
        if not self.is_closed:
            self.dbfile.close()
            self.is_closed = True


class _DictionaryCursor(base.FieldCursor):
    """Whoosh's field cursor (first, find, next) over a term dictionary."""

    def __init__(self, tindex: TermDictionaryReader, fieldname, keycoder, fieldobj):
        self._tindex = tindex
        self._prefix = keycoder(fieldname, b"")
        self._fieldobj = fieldobj
        self._rows: Iterator[tuple[bytes, bytes]] = iter(())
        self._text = self._info = None
        self.first()

    def first(self):
        return self._start(self._prefix)

    def find(self, term):
        if not isinstance(term, bytes):
            term = self._fieldobj.to_bytes(term)
        return self._start(self._prefix + term)

    def _start(self, key: bytes):
        self._rows = self._tindex.items_from(key)
        return self.next()

    def next(self):
        for key, info in self._rows:
            if key.startswith(self._prefix):
                self._text = self._fieldobj.from_bytes(key[len(self._prefix):])
                self._info = info
                return self._text
            break
        self._rows = iter(())
        self._text = self._info = None
        return None

    def text(self):
        return self._text

    def term_info(self):
        return None if self._info is None else W3TermInfo.from_bytes(self._info)

    def is_valid(self):
        return self._text is not None


class ArchiveTermsReader(W3TermsReader):
    """Whoosh's term reader over a term dictionary, or over Whoosh's own table in a segment
    written before it."""

    def __init__(self, codec, dbfile, length, postfile):
        if not TermDictionaryReader.written_here(dbfile, length):
            super().__init__(codec, dbfile, length, postfile)
            return
        self._codec = codec
        self._dbfile = dbfile
        self._tindex = TermDictionaryReader(dbfile, length)
        self._fieldmap = self._tindex.extras["fieldmap"]
        self._postfile = postfile
        self._fieldunmap = [None] * len(self._fieldmap)
        for fieldname, number in self._fieldmap.items():
            self._fieldunmap[number] = fieldname

    def cursor(self, fieldname, fieldobj):
        if not isinstance(self._tindex, TermDictionaryReader):
            return super().cursor(fieldname, fieldobj)
        return _DictionaryCursor(self._tindex, fieldname, self._keycoder, fieldobj)

    # Whoosh reads these two at the row's place in its table file; here they come from the row.
    # A missing term raises KeyError, as Whoosh's do (its segment reader answers 0).
    def frequency(self, fieldname, tbytes):
        return W3TermInfo.from_bytes(self._tindex[self._keycoder(fieldname, tbytes)]).weight()

    def doc_frequency(self, fieldname, tbytes):
        return W3TermInfo.from_bytes(self._tindex[self._keycoder(fieldname, tbytes)]).doc_frequency()

"""A Whoosh codec whose posting blocks are packed arrays instead of pickles.

Whoosh 2.7's own codec pickles every block of postings: a tuple of document-number deltas, a
tuple of weights (nine bytes a float as soon as one posting's weight is not 1.0) and a tuple of
per-posting byte strings, each carrying a four-byte count and a pickled list of its positions.
On Chinese text indexed as character bigrams, where nearly every posting holds one or two
positions, that came to about 15 bytes a posting and most of an index seven times the size of
its text. Here a block is the document numbers as deltas in the narrowest array type that holds
them, the weights as bytes when they are small whole numbers (they are term frequencies), and
the positions as one array per posting; the block is then deflated as before.

Everything else (columns, stored fields, segments, merging) is Whoosh's own, except the term
dictionary, which ``terms`` writes and reads: the classes below change how a block of postings
is laid out and hand the term rows to it. Segments written with the
stock codec remain readable, since each segment records the codec that wrote it, and indexes
are rebuilt rather than converted. Whoosh pickles the codec and the format into the index, so
these names must stay importable.
"""
from __future__ import annotations

import struct
import sys
import zlib
from array import array
from collections import defaultdict
from itertools import accumulate, pairwise
from operator import itemgetter

import numpy as np
from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3PerDocReader,
    W3PostingsWriter,
    W3Segment,
)
from whoosh.formats import Existence, Positions
from whoosh.util.numeric import byte_to_length, length_to_byte

from .terms import ArchiveTermsReader, TermDictionaryWriter
from .whoosh_buffers import InPlaceCompoundStorage

try:  # the one-block record in compiled code (_postings.c, built by make install)
    from . import _postings
except ImportError:
    _postings = None
else:
    from whoosh.util.numeric import _length_byte_cache

    _postings.set_length_table(list(_length_byte_cache))


def _callable_writer(module):
    """The compiled writer if it calls back as this code expects, else None. A module compiled
    before its callback became ``deflated_record(data, count, level)`` would call it wrongly and
    fail every write: until `make speedups` builds it again, the Python writes the records."""
    return module if getattr(module, "RECORD_API", 1) >= 2 else None


_postings = _callable_writer(_postings)

# postings in the block, last document number, highest weight, zlib level, min and max length bytes
_BLOCK_INFO = struct.Struct("<IIfBBB")
_FLOAT = struct.Struct("<f")
# W3TermInfo.to_bytes's layout (flags, total weight, document frequency, min and max length bytes,
# max weight, first and last document), the postings' offset and length, and a term's field number.
_TERM_INFO = struct.Struct("!BfIBBfII")
_EXTENT = struct.Struct("!qi")
_FIELD_ID = struct.Struct("!H")
_BIG_ENDIAN = sys.byteorder == "big"
assert array("I").itemsize == 4, "positions are written as 32-bit numbers"
# Deflating a few bytes costs more time than it saves space.
_MIN_COMPRESSED_BYTES = 48
# A level byte with this bit set: the block's head bit-packed and the rest deflated (deflate_block).
# The level itself stays below 10, so a one-block record's first byte is still not Whoosh's "W".
SPLIT = 0x10
# Below this many bytes (encoded), a block is deflated whole: what a block's head costs to inflate
# matters for the long lists, and a short block deflated whole is smaller.
_MIN_SPLIT_BYTES = 1024
# Numbers are bit-packed a frame of this many at a time, each frame at the width of its largest.
_FRAME = 32
_HEAD_LENGTH = struct.Struct("<I")

_WEIGHTS_ALL_ONE, _WEIGHTS_ONE_VALUE, _WEIGHTS_BYTES, _WEIGHTS_FLOATS = range(4)
_COUNTS_ARE_WEIGHTS = b"\x00"  # where a narrow block's counts would start with their type code


def _narrowest(values) -> str:
    largest = max(values, default=0)
    if largest < 1 << 8:
        return "B"
    if largest < 1 << 16:
        return "H"
    return "I"


def _pack(typecode: str, values) -> bytes:
    packed = array(typecode, values)
    if _BIG_ENDIAN:  # files are little-endian whatever machine wrote them
        packed.byteswap()
    return packed.tobytes()


def _unpack(typecode: str, data) -> array:
    unpacked = array(typecode)
    unpacked.frombytes(data)
    if _BIG_ENDIAN:
        unpacked.byteswap()
    return unpacked


def pack_array(values) -> bytes:
    """Unsigned numbers in the narrowest type, after their type code.

    Numbers of two or four bytes are written a byte plane at a time, every number's low byte
    first, then every next byte (the "shuffle" of HDF5 and Blosc), under the type code in lower
    case: the high planes of a block's small numbers (document gaps, positions under a few
    thousand) are runs that deflate all but removes. On real text that took 8 % off the grams'
    deflated blocks and 12 % off the words'. Blocks written before are read as they are (their
    type codes are upper case)."""
    typecode = _narrowest(values)
    packed = _pack(typecode, values)
    if typecode == "B":
        return b"B" + packed
    size = 2 if typecode == "H" else 4
    return typecode.lower().encode() + b"".join(packed[plane::size] for plane in range(size))


def read_array(data, end: int, count: int) -> tuple[array, int]:
    """The ``count`` numbers pack_array wrote at ``end`` (or a plain array, as blocks were written
    before), and where they end."""
    code = chr(data[end])
    typecode = code.upper()
    size = array(typecode).itemsize
    start, stop = end + 1, end + 1 + count * size
    raw = data[start:stop]
    if code != typecode:  # byte planes, back to numbers
        interleaved = bytearray(len(raw))
        for plane in range(size):
            interleaved[plane::size] = raw[plane * count:(plane + 1) * count]
        raw = interleaved
    return _unpack(typecode, raw), stop


class CompactPositions(Positions):
    """Positions as packed little-endian 32-bit numbers.

    Absolute rather than delta-coded, and of one width, so that encoding stays in C and a
    block's positions can be read as one array (columnar.py); the block's deflate takes
    out most of what deltas and narrower numbers would have saved.
    """

    def encode(self, poslist) -> bytes:
        return _pack("I", poslist)

    def decode_positions(self, valuestring) -> list[int]:
        return _unpack("I", valuestring).tolist()

    def decode_frequency(self, valuestring) -> int:
        return len(valuestring) // 4

    def decode_weight(self, valuestring) -> float:
        return self.decode_frequency(valuestring) * self.field_boost

    def combine(self, vs) -> bytes:
        merged: set[int] = set()
        for value in vs:
            merged.update(self.decode_positions(value))
        return self.encode(sorted(merged))



class NarrowPositions(CompactPositions):
    """Positions whose blocks are written narrow (``encode_block(..., narrow=True)``).

    A posting's value is the same 32-bit string as CompactPositions' wherever Whoosh or the pool
    handles one; only the block on disk differs. There a block's positions are one array of the
    narrowest type that holds them (two bytes in any article under 65,536 characters, one in a
    short one), and each posting's count of positions is its weight, so the per-posting lengths
    are not written. On real text that was a third of the character grams' postings.
    """


def encode_block(ids, weights, values, fixedsize: int | None, *, narrow: bool = False) -> bytes:
    """One block's postings as bytes: id deltas, then weights, then values (``narrow``: the
    values are NarrowPositions', written as counts and one array of positions)."""
    parts = [pack_array([ids[0]] + [b - a for a, b in pairwise(ids)])]

    if all(w == 1.0 for w in weights):
        parts.append(bytes([_WEIGHTS_ALL_ONE]))
    elif all(w == weights[0] for w in weights):
        parts.append(bytes([_WEIGHTS_ONE_VALUE]) + _FLOAT.pack(weights[0]))
    else:
        whole = [int(w) for w in weights]
        if whole == list(weights) and max(whole) < 256 and min(whole) >= 0:
            parts.append(bytes([_WEIGHTS_BYTES]) + bytes(whole))
        else:
            parts.append(bytes([_WEIGHTS_FLOATS]) + _pack("f", weights))

    if narrow:
        parts += _narrow_positions(weights, values)
    elif fixedsize is None or fixedsize < 0:
        parts.append(pack_array([len(v) for v in values]))
        parts += values
    elif fixedsize > 0:
        parts += values
    return b"".join(parts)


def _one_number(n: int) -> bytes:
    """``pack_array([n])``: one number's byte planes are its little-endian bytes."""
    if n < 1 << 8:
        return b"B" + bytes((n,))
    if n < 1 << 16:
        return b"h" + n.to_bytes(2, "little")
    return b"i" + n.to_bytes(4, "little")


_ALL_ONE = bytes((_WEIGHTS_ALL_ONE,))
_ONE_VALUE = bytes((_WEIGHTS_ONE_VALUE,))


def encode_one_posting(docnum: int, weight: float) -> bytes:
    """``encode_block([docnum], [weight], (), 0)``: a block of one posting without values,
    written without the lists and loops a block of many needs (most terms are in one document)."""
    return _one_number(docnum) + (_ALL_ONE if weight == 1.0 else _ONE_VALUE + _FLOAT.pack(weight))


def encode_narrow_block(ids, weights, lengths, values) -> bytes:
    """``encode_block(ids, weights, <values cut at lengths>, narrow=True)`` from the postings'
    value lengths and their values joined, as the pool holds them (every length above 0)."""
    if len(ids) == 1:
        weight, count = weights[0], lengths[0] >> 2
        counts = _COUNTS_ARE_WEIGHTS if count == weight else _one_number(count)
        positions = _one_number(int.from_bytes(values, "little")) if count == 1 else pack_array(_unpack("I", values))
        return b"".join((encode_one_posting(ids[0], weight), counts, positions))
    return b"".join([encode_block(ids, weights, (), 0),
                     *_narrow_tail(weights, [length >> 2 for length in lengths], values)])


def _narrow_positions(weights, values: list[bytes]) -> list[bytes]:
    return _narrow_tail(weights, [len(v) >> 2 for v in values], b"".join(values))


def _narrow_tail(weights, counts: list[int], positions: bytes) -> list[bytes]:
    """Counts (a zero byte when they are the weights, as they are unless a field is boosted),
    then every posting's positions (32-bit, joined) in one array of the narrowest type."""
    return [_COUNTS_ARE_WEIGHTS if counts == list(weights) else pack_array(counts),
            pack_array(_unpack("I", positions))]


def narrow_counts(data, end: int, count: int, weights) -> tuple[array, int]:
    """The per-posting counts of a narrow block whose weights end at ``end``, and where they end."""
    if data[end] == 0:
        return array("I", map(int, weights)), end + 1
    counts, end = read_array(data, end, count)
    return array("I", counts), end


def narrow_positions(data, end: int, total: int) -> array:
    """The ``total`` positions of a narrow block that start (with their type) at ``end``."""
    return read_array(data, end, total)[0]


def decode_weights(data, end: int, count: int) -> tuple[array, int]:
    """A block's weights, from their flag at ``end`` (encode_block's layout), and where they end."""
    flag = data[end]
    end += 1
    if flag == _WEIGHTS_ALL_ONE:
        return array("f", [1.0]) * count, end
    if flag == _WEIGHTS_ONE_VALUE:
        return array("f", [_FLOAT.unpack_from(data, end)[0]]) * count, end + _FLOAT.size
    if flag == _WEIGHTS_BYTES:
        return array("f", list(data[end:end + count])), end + count
    return _unpack("f", data[end:end + 4 * count]), end + 4 * count


def decode_block(data, count: int, fixedsize: int | None, *, narrow: bool = False) -> tuple[tuple, array, tuple]:
    """The inverse of encode_block: (document numbers, weights, values)."""
    deltas, end = read_array(data, 0, count)
    ids = tuple(accumulate(deltas))

    weights, end = decode_weights(data, end, count)

    if narrow:
        counts, end = narrow_counts(data, end, count, weights)
        blob = _pack("I", narrow_positions(data, end, sum(counts)))
        offsets = list(accumulate((4 * c for c in counts), initial=0))
        values = tuple(map(blob.__getitem__, map(slice, offsets, offsets[1:])))
    elif fixedsize is None or fixedsize < 0:
        lengths, start = read_array(data, end, count)
        values = []
        for length in lengths:
            values.append(bytes(data[start:start + length]))
            start += length
        values = tuple(values)
    elif fixedsize == 0:
        values = (None,) * count
    else:
        values = tuple(bytes(data[i:i + fixedsize]) for i in range(end, end + count * fixedsize, fixedsize))
    return ids, weights, values

class WordCounts(Existence):
    """A posting without a value: the term's count in the document is the posting's weight,
    which every block keeps anyway (as bytes when counts are small), so nothing more is stored.
    Scoring reads the weight; Whoosh's ``decode_frequency`` (1) is never what ranks."""


# The pool marks a posting without a value (a field that stores no positions) with this length.
NO_VALUE = 0xFFFFFFFF


def one_block_record(level: int, data: bytes) -> bytes:
    """The postings of a term that fit one block (nearly every term: a rare bigram, a name).

    Whoosh writes a four-byte tag, the block's length and 15 bytes of block statistics before
    every term's postings; for a term of one block the term's own row holds every one of those
    numbers (its postings' length, document count, last document, highest weight and length
    range), so the record is the block's compression level and its bytes. The level is a byte
    below 10 (with ``SPLIT`` perhaps set: below 26) and Whoosh's tag starts with "W", so readers
    tell the two apart by the first byte."""
    return bytes((level,)) + data


def is_one_block_record(data) -> bool:
    return data[0] != WHOOSH3_HEADER_MAGIC[0]


def head_length(data, count: int) -> int:
    """The bytes a block's head takes (its document numbers, weight flag and weights: what a
    query without positions reads), from the start of ``encode_block``'s bytes of ``count``
    postings."""
    size = array(chr(data[0]).upper()).itemsize
    flag_end = 1 + count * size + 1
    flag = data[flag_end - 1]
    return flag_end + {_WEIGHTS_ALL_ONE: 0, _WEIGHTS_ONE_VALUE: 4, _WEIGHTS_BYTES: count}.get(flag, 4 * count)


def deflate_block(data: bytes, count: int, level: int) -> tuple[int, bytes]:
    """(the level byte, the bytes) that a block's ``encode_block`` bytes of ``count`` postings are
    written as: raw (level 0) when small or not compressed; one zlib stream when under
    ``_MIN_SPLIT_BYTES``; else split (``SPLIT`` set in the level byte): the head's length (four
    bytes, little-endian), the head bit-packed (``pack_head``), then the rest (value lengths,
    positions) as a zlib stream, or nothing when the block has no values.

    A query without positions (most) reads only heads, and inflating them was most of a common
    word's time: bit-packed numbers are read back several times faster. On real text the packed
    heads of the long blocks take about 13 % more room than deflated ones (about 1 % of the
    index), and a short block deflated whole is smaller than split."""
    if not level or len(data) < _MIN_COMPRESSED_BYTES:
        return 0, data
    if len(data) < _MIN_SPLIT_BYTES:
        return level, zlib.compress(data, level)
    end = head_length(data, count)
    head = pack_head(data, count)
    rest = zlib.compress(data[end:], level) if end < len(data) else b""
    return level | SPLIT, _HEAD_LENGTH.pack(len(head)) + head + rest


def deflated_record(data: bytes, count: int, level: int) -> bytes:
    """``one_block_record`` of a block's bytes, written as ``deflate_block`` writes them."""
    return one_block_record(*deflate_block(data, count, level))


def inflate_block(body, level: int, count: int, *, head_only: bool = False) -> bytes:
    """The ``encode_block`` bytes of a block of ``count`` postings written as ``deflate_block``
    wrote it (``head_only``: at least its head; a split block's head is then all that is read).
    A split block's head comes back with its document numbers as a plain array of 32-bit
    numbers (type code "I", as blocks were written before byte planes)."""
    if not level:
        return bytes(body)
    if not level & SPLIT:
        return zlib.decompress(body)
    (length,) = _HEAD_LENGTH.unpack_from(body)
    start = _HEAD_LENGTH.size + length
    if start > len(body):
        raise ValueError(f"a split block's head of {length} bytes runs past the block's {len(body)}")
    head = unpack_head(body[_HEAD_LENGTH.size:start], count)
    if head_only or start == len(body):
        return head
    return head + zlib.decompress(body[start:])


def pack_bits(values) -> bytes:
    """Numbers below 2**32, a frame of 32 at a time: each frame its width in bits (the largest
    number's), then 4 × width bytes, the numbers' bits one after another from the lowest bit up
    (a last frame short of 32 is padded with zeros)."""
    numbers = np.asarray(values).astype(np.uint64)
    frames = -(-len(numbers) // _FRAME)
    grid = np.zeros(frames * _FRAME, np.uint64)
    grid[:len(numbers)] = numbers
    grid = grid.reshape(frames, _FRAME)
    widths = np.frexp(grid.max(axis=1).astype(np.float64))[1]  # the largest's bit length (0 for 0)
    out = [b""] * frames
    for width in np.unique(widths).tolist():
        rows = np.flatnonzero(widths == width)
        if width == 0:
            packed = [b""] * len(rows)
        else:
            bits = ((grid[rows][:, :, None] >> np.arange(width, dtype=np.uint64)) & 1).astype(np.uint8)
            packed = np.packbits(bits.reshape(len(rows), _FRAME * width), axis=1, bitorder="little")
        marker = bytes((width,))
        for row, frame in zip(rows.tolist(), packed, strict=True):
            out[row] = marker + bytes(frame)
    return b"".join(out)


def unpack_bits(data, at: int, count: int) -> tuple[np.ndarray, int]:
    """The ``count`` numbers ``pack_bits`` wrote at ``at`` (as uint32), and where they end."""
    frames = -(-count // _FRAME)
    widths, starts = [], []
    for _ in range(frames):
        if at >= len(data):
            raise ValueError("bit-packed numbers cut short")
        width = data[at]
        if width > 32:
            raise ValueError(f"a frame of bit-packed numbers {width} bits wide")
        widths.append(width)
        starts.append(at + 1)
        at += 1 + 4 * width
    if at > len(data):
        raise ValueError("bit-packed numbers cut short")
    grid = np.zeros((frames, _FRAME), np.uint64)
    raw = np.frombuffer(data, np.uint8)
    widths, starts = np.array(widths, np.int64), np.array(starts, np.int64)
    for width in np.unique(widths).tolist():
        if width == 0:
            continue
        rows = np.flatnonzero(widths == width)
        frame_bytes = raw[starts[rows][:, None] + np.arange(4 * width)]
        bits = np.unpackbits(frame_bytes, axis=1, bitorder="little").reshape(len(rows), _FRAME, width)
        grid[rows] = (bits.astype(np.uint64) << np.arange(width, dtype=np.uint64)).sum(axis=2)
    return grid.reshape(-1)[:count].astype(np.uint32), at


def pack_head(data, count: int) -> bytes:
    """A block's head (``encode_block``'s document gaps, weight flag and weights) bit-packed: the
    weight flag, the gaps (``pack_bits``), then the weights as the flag says: none, one float,
    the small whole numbers bit-packed, or every float as written."""
    gaps, end = read_array(data, 0, count)
    flag = data[end]
    parts = [bytes((flag,)), pack_bits(gaps)]
    if flag == _WEIGHTS_ONE_VALUE:
        parts.append(bytes(data[end + 1:end + 1 + _FLOAT.size]))
    elif flag == _WEIGHTS_BYTES:
        parts.append(pack_bits(np.frombuffer(data, np.uint8, count, end + 1)))
    elif flag != _WEIGHTS_ALL_ONE:
        parts.append(bytes(data[end + 1:end + 1 + 4 * count]))
    return b"".join(parts)


def unpack_head(packed, count: int) -> bytes:
    """``pack_head``'s inverse, as ``encode_block``'s head (the gaps as a plain "I" array)."""
    if not len(packed):
        raise ValueError("an empty bit-packed head")
    flag = packed[0]
    gaps, end = unpack_bits(packed, 1, count)
    parts = [b"I", gaps.astype("<u4").tobytes(), bytes((flag,))]
    if flag == _WEIGHTS_ONE_VALUE:
        weights, end = bytes(packed[end:end + _FLOAT.size]), end + _FLOAT.size
    elif flag == _WEIGHTS_BYTES:
        values, end = unpack_bits(packed, end, count)
        if len(values) and int(values.max()) > 255:
            raise ValueError("a bit-packed head's byte weights above 255")
        weights = values.astype(np.uint8).tobytes()
    elif flag == _WEIGHTS_FLOATS:
        weights, end = bytes(packed[end:end + 4 * count]), end + 4 * count
    elif flag == _WEIGHTS_ALL_ONE:
        weights = b""
    else:
        raise ValueError(f"a bit-packed head's weight flag {flag}")
    if end != len(packed):
        raise ValueError("a bit-packed head's bytes do not end where its numbers do")
    parts.append(weights)
    return b"".join(parts)


class CompactPostingsWriter(W3PostingsWriter):
    def _write_block(self, last=False):
        self._terminfo.add_block(self)
        data = encode_block(self._ids, self._weights, self._values, self._format.fixed_value_size(),
                            narrow=isinstance(self._format, NarrowPositions))
        level, data = deflate_block(data, len(self._ids), self._compression)
        if last and not self._blockcount:  # the term's only block: see one_block_record
            self._postfile.write(one_block_record(level, data))
            self._blockcount += 1
            self._new_block()
            return
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        info = _BLOCK_INFO.pack(len(self._ids), self._ids[-1], self._maxweight, level,
                                length_to_byte(self._minlength), length_to_byte(self._maxlength))
        blocklength = len(info) + len(data)
        self._postfile.write_int(-blocklength if last else blocklength)
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()

    def add_term(self, docnums: array, weights: array, value_lengths: array, values: bytes | bytearray, *,
                 field_lengths: array | defaultdict) -> None:
        """All of a term's postings at once, in document order: the blocks and statistics that
        ``add_posting`` would make, posting by posting, from slices of the arrays. The last block
        stays buffered for ``finish_postings``, as after ``add_posting``."""
        count = len(docnums)
        blob = bytes(values)
        value_start = 0
        for start in range(0, count, self._blocklimit):
            if self._ids:
                self._write_block()
            end = min(start + self._blocklimit, count)
            self._ids = docnums[start:end]
            self._weights = weights[start:end]
            self._maxweight = max(0, max(self._weights))
            sizes = value_lengths[start:end]
            if sizes[0] == NO_VALUE:  # a field's postings all have values, or none has
                self._values = []
            else:
                offsets = list(accumulate(sizes, initial=value_start))
                value_start = offsets[-1]
                self._values = [value for value in map(blob.__getitem__, map(slice, offsets, offsets[1:])) if value]
            found = itemgetter(*self._ids)(field_lengths) if end - start > 1 else (field_lengths[self._ids[0]],)
            nonzero = list(filter(None, found))
            self._minlength = min(nonzero) if nonzero else None
            self._maxlength = max(nonzero) if nonzero else 0


class CompactLeafMatcher(W3LeafMatcher):
    def __init__(self, postfile, startoffset, length, format_, *, terminfo, term=None, scorer=None):
        self._terminfo = terminfo  # a one-block record's statistics are the term's
        super().__init__(postfile, startoffset, length, format_, term=term, scorer=scorer)

    def _read_header(self):
        tag = self._postfile.get(self._startoffset, 4)
        self._one_block = is_one_block_record(tag)
        if self._one_block:
            self._baseoffset = self._startoffset
        elif tag != WHOOSH3_HEADER_MAGIC:
            raise Exception(f"Block tag error at {self._startoffset}")
        else:
            self._baseoffset = self._startoffset + 4

    def _goto(self, position):
        # positioned reads (get), not seek and read: a segment's postings file is then read in
        # place from its memory map (whoosh_buffers), never copied whole into a stream
        postfile = self._postfile
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        if self._one_block:
            info = self._terminfo
            self._lastblock = True
            self._nextoffset = self._startoffset + self._length
            self._blocklength, self._maxid, self._maxweight = info.doc_frequency(), info.max_id(), info.max_weight()
            self._compression = postfile.get_byte(position)
            self._dataoffset = position + 1
            self._minlength, self._maxlength = info.min_length(), info.max_length()
            return
        length = postfile.get_int(position)
        if length < 0:
            self._lastblock = True
            length = -length
        self._nextoffset = position + 4 + length
        (self._blocklength, self._maxid, self._maxweight, self._compression,
         minlength, maxlength) = _BLOCK_INFO.unpack(postfile.get(position + 4, _BLOCK_INFO.size))
        self._dataoffset = position + 4 + _BLOCK_INFO.size
        self._minlength = byte_to_length(minlength)
        self._maxlength = byte_to_length(maxlength)

    def _read_data(self):
        data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        data = inflate_block(data, self._compression, self._blocklength)
        self._data = True
        self._ids, self._weights, self._values = decode_block(data, self._blocklength, self._fixedsize,
                                                              narrow=isinstance(self.format, NarrowPositions))

    def _read_ids(self):
        self._read_data()

    def _read_weights(self):
        if self._data is None:
            self._read_data()

    def _read_values(self):
        if self._data is None:
            self._read_data()


class _RememberedLengths:
    """Field lengths looked up once per document and field: Whoosh asks for them once per posting
    (for block statistics), and each ask was a seek and a read of the lengths column."""

    def __init__(self, lengths):
        self._lengths = lengths
        self._known: dict[tuple[int, str], int] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        key = (docnum, fieldname)
        try:
            return self._known[key]
        except KeyError:
            length = self._known[key] = self._lengths.doc_field_length(docnum, fieldname, default)
            return length


class ArchivePerDocReader(W3PerDocReader):
    """Whoosh's per-document reader, remembering which fields have no lengths column too: a
    merge asks every document's length in every field, and for a field without lengths (an id,
    a date) Whoosh looked for the column's file again at each ask, a system call each."""

    def _cached_reader(self, fieldname, column):
        try:
            return self._readers[fieldname]
        except KeyError:
            reader = self._readers[fieldname] = super()._cached_reader(fieldname, column)
            return reader


class CompactFieldWriter(W3FieldWriter):
    write_one_block_terms_directly = True  # the tests compare with the general path
    _postings_end: int | None = None  # where the next term's postings start, once known

    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        # The term file Whoosh's table writer has just opened (and written its header to) goes on
        # as a term dictionary, with the same extras: the field numbers Whoosh keeps in them.
        self._tindex = TermDictionaryWriter(self._tindex.dbfile, extras=self._tindex.extras)

    def add_postings(self, schema, lengths, items):
        terms = getattr(items, "terms", None)
        if terms is None:  # postings one by one (merging segments): Whoosh's loop
            super().add_postings(schema, _RememberedLengths(lengths) if lengths else lengths, items)
            return
        # A pool that holds each term's postings as arrays hands them over a term at a time.
        field_lengths: array = array("I")
        current = None
        for (fieldname, btext), postings in terms():
            if fieldname != current:
                if current is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                current = fieldname
                field_lengths = _document_lengths(lengths, fieldname)
                self._postings_end = None
            if self.write_one_block_terms_directly and len(postings[0]) <= self._postwriter._blocklimit:
                self._add_one_block_term(btext, *postings, field_lengths=field_lengths)
                continue
            self._postings_end = None  # Whoosh's path writes the postings file itself
            self.start_term(btext)
            self._postwriter.add_term(*postings, field_lengths=field_lengths)
            self.finish_term()
        if current is not None:
            self.finish_field()
        self._postings_end = None

    def _add_one_block_term(self, btext: bytes, docnums: array, weights: array, value_lengths: array,
                            values: bytes | bytearray, *, field_lengths: array | defaultdict) -> None:
        """A term whose postings fit one block (nearly every term: a rare bigram, a name),
        written as start_term, add_term and finish_term would write it (the same block, term
        info and table row) without the dozen calls and objects they make for each term."""
        postwriter = self._postwriter
        count = len(docnums)
        narrow = isinstance(self._format, NarrowPositions)
        fixed = self._format.fixed_value_size()
        made = None
        if _postings is not None:
            made = _postings.one_block_term(docnums, weights, value_lengths, values,
                                            field_lengths if isinstance(field_lengths, array) else None, narrow,
                                            -1 if fixed is None else fixed, postwriter._compression, deflated_record)
        if made is not None:
            record, minbyte, maxbyte, maxweight = made
            self._write_one_block_record(btext, record, sum(weights), count,
                                         minbyte, maxbyte, maxweight, docnums[0], docnums[-1])
            return
        if narrow and value_lengths[0] != NO_VALUE and all(value_lengths):
            # Every posting has positions: the block's counts and positions come straight from
            # the lengths and the values, without cutting the values into postings and joining them.
            data = encode_narrow_block(docnums, weights, value_lengths, values)
        elif count == 1 and not narrow and (value_lengths[0] == NO_VALUE or not values) and fixed is not None and fixed >= 0:
            # a word in one document: a format of fixed-size values (WordCounts: none) writes no value lengths
            data = encode_one_posting(docnums[0], weights[0])
        else:
            if value_lengths[0] == NO_VALUE:
                block_values = []
            elif count == 1:
                block_values = [bytes(values)] if values else []
            else:
                blob = bytes(values)
                offsets = list(accumulate(value_lengths, initial=0))
                block_values = [value for value in map(blob.__getitem__, map(slice, offsets, offsets[1:])) if value]
            data = encode_block(docnums, weights, block_values, fixed, narrow=narrow)
        record = deflated_record(data, count, postwriter._compression)
        if count == 1:
            nonzero = [field_lengths[docnums[0]]] if field_lengths[docnums[0]] else []
            maxweight = max(0, weights[0])
        else:
            nonzero = list(filter(None, itemgetter(*docnums)(field_lengths)))
            maxweight = max(0, max(weights))
        minlength = min(nonzero) if nonzero else None
        maxlength = max(nonzero) if nonzero else 0
        self._write_one_block_record(btext, record, sum(weights), count,
                                     0 if minlength is None else length_to_byte(minlength), length_to_byte(maxlength),
                                     maxweight, docnums[0], docnums[-1])

    def _write_one_block_record(self, btext: bytes, record: bytes, weight: float, count: int, minbyte: int,
                                maxbyte: int, maxweight: float, first: int, last: int) -> None:
        # The file's end is counted here rather than asked of the OS: each tell() is a system call,
        # and a day's segment writes some 60,000 terms.
        start = self._postings_end
        if start is None:
            start = self._postfile.tell()
        self._postfile.write(record)
        self._postings_end = start + len(record)
        self._tindex.add_stats(_FIELD_ID.pack(self._fieldid) + btext, weight, count, minbyte, maxbyte,
                               maxweight, first, last, start, len(record))


def _document_lengths(lengths, fieldname: str) -> array | defaultdict:
    """Each document's length in this field, as Whoosh's writer asks for it posting by posting
    (a codec without length statistics has none: every length is 0), as an array the compiled
    encoder reads too."""
    if not lengths:
        return defaultdict(int)
    return array("I", [lengths.doc_field_length(docnum, fieldname) or 0 for docnum in range(lengths.doc_count_all())])


class ArchiveSegment(W3Segment):
    """A segment whose files are read in place from its memory map (whoosh_buffers)."""

    def open_compound_file(self, storage):
        dbfile = storage.open_file(self.make_filename(self.COMPOUND_EXT))
        return InPlaceCompoundStorage(dbfile, use_mmap=storage.supports_mmap)


class ArchiveCodec(W3Codec):
    def __init__(self, blocklimit: int = 1024, compression: int = 3, inlinelimit: int = 1):
        # Blocks of 1,024 postings rather than Whoosh's 128: the columnar reader pays a few
        # Python calls per block, while Whoosh's own matcher, which skips block by block, is
        # only the fallback here.
        if not 0 <= compression <= 9:  # a one-block record's first byte is the level (one_block_record)
            raise ValueError(f"compression must be a zlib level from 0 to 9, not {compression}")
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def field_writer(self, storage, segment):
        return CompactFieldWriter(self, storage, segment)

    def new_segment(self, storage, indexname):
        return ArchiveSegment(self, indexname)

    def postings_writer(self, dbfile, byteids=False):
        if byteids:  # term vectors, which this archive does not store, keep Whoosh's layout
            return super().postings_writer(dbfile, byteids=True)
        return CompactPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=False,
                                     compression=self._compression, inlinelimit=self._inlinelimit)

    def per_document_reader(self, storage, segment):
        return ArchivePerDocReader(storage, segment)

    def terms_reader(self, storage, segment):
        name = segment.make_filename(self.TERMS_EXT)
        return ArchiveTermsReader(self, storage.open_file(name), storage.file_length(name),
                                  segment.open_file(storage, self.POSTS_EXT))

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        if isinstance(length, tuple):  # W3TermInfo.from_bytes keeps struct.unpack's tuple
            (length,) = length
        return CompactLeafMatcher(dbfile, offset, length, format_, terminfo=terminfo, term=term, scorer=scorer)

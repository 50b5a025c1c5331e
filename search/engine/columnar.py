"""Search plans evaluated a posting list at a time, with numpy, over the Whoosh index's files.

Whoosh answers a query one document at a time in Python: the matcher tree advances, scores the
document, and the collector files it under each facet. On this archive that is about 65 µs a
matching document, so a common word in 150,000 articles (90,000 matches) takes six seconds,
almost all of it spent on documents that are only counted. Here each term's whole posting list
is decoded in one pass (our codec packs a block as arrays, so a block is a few numpy calls), and
AND, OR, NOT, phrases, filters, BM25F scores, facet counts and sorting are array operations.

The answers are Whoosh's: the same documents for every query (the tests compare the two on the
seeded archive), scored with Whoosh's BM25F formula and its statistics. A literal of more than
one bigram is scored as one term (its occurrences in the document, the documents holding it),
where Whoosh weighs a phrase its own way: the same documents, in a close but not the same order
(tests/search/test_columnar.py compares single terms' scores with Whoosh's). Whoosh still writes
the index, keeps its term dictionary and stored fields, and answers anything that is not a
``SearchPlan``. A segment written by another codec makes ``IndexView`` refuse, and the backend
then falls back to Whoosh's own evaluation.
"""
from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, _lenfield
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length

from .. import analysis
from .codec import (
    _BLOCK_INFO,
    _EXTENT,
    _TERM_INFO,
    _WEIGHTS_ALL_ONE,
    _WEIGHTS_BYTES,
    _WEIGHTS_ONE_VALUE,
    SPLIT,
    ArchiveCodec,
    CompactPositions,
    NarrowPositions,
    inflate_block,
    is_one_block_record,
)
from ..query import Filters, SearchPlan, Term
from .whoosh_buffers import LazyBufferFile

try:  # a term's postings decoded whole in compiled code (_columnar.c; _decode_python is its reference)
    from . import _columnar
except ImportError:
    _columnar = None

_INT = struct.Struct("!i")
_TYPES = {ord("B"): np.dtype("u1"), ord("H"): np.dtype("<u2"), ord("I"): np.dtype("<u4"),
          # codec.pack_array's byte planes
          ord("h"): np.dtype("<u2"), ord("i"): np.dtype("<u4")}
_PLANES = {ord("h"), ord("i")}
_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_POSITION_BITS = 24  # a document's positions stay below 16 million
K1, B = 1.2, 0.75  # Whoosh's BM25F defaults

# Field names of the article index (search_indexes.ArticleIndex) that queries rely on.
WORDS, GRAMS = "text", "grams"
HEADLINE_WORDS, HEADLINE_GRAMS = "headline", "headline_grams"
BYLINE_GRAMS, SECTION_GRAMS = "bylines", "section_text"
MULTI_VALUED_FACETS = {"contributors"}
# Each document's primary key as a number, in a column of its own (the backend writes it; it is
# neither indexed nor stored): a page of results reads its ids from an array rather than
# unpickling every hit's stored fields, which cost more than a rare word's whole evaluation.
PK_COLUMN = "django_pk"
NO_PK = -1  # the column's value for a document written without it (an older segment)

# Ranking: a term found in the headline counts most, then as jieba words, then as a bare literal.
HEADLINE_BOOST = 4.0
WORD_BOOST = 2.0


class NotColumnar(Exception):
    """The index holds a segment this module cannot read (written by another codec)."""


@dataclass
class Matches:
    docs: np.ndarray  # global document numbers, ascending, unique
    scores: np.ndarray

    @classmethod
    def empty(cls) -> Matches:
        return cls(np.empty(0, np.int64), np.empty(0, np.float64))


def _blocks(data, *, count: int, positions: bool = True):
    """(postings in block, decompressed block) for each block of one term's postings; ``count``
    is the term's document frequency, which a one-block record (codec.one_block_record) leaves
    to the term's row.

    Without ``positions`` only the block's head is inflated: its document numbers and weights
    come first and its positions, most of its bytes, last (codec.encode_block), and inflating
    costs in proportion to what it writes out.
    """
    if is_one_block_record(data):
        yield count, _inflated(data[1:], count, data[0], positions)
        return
    if data[:4] != WHOOSH3_HEADER_MAGIC:
        raise NotColumnar("not a postings list")
    offset = 4
    while True:
        (length,) = _INT.unpack_from(data, offset)
        offset += 4
        last, length = length < 0, abs(length)
        count, _, _, level, _, _ = _BLOCK_INFO.unpack_from(data, offset)
        yield count, _inflated(data[offset + _BLOCK_INFO.size: offset + length], count, level, positions)
        offset += length
        if last:
            return


def _inflated(body, count: int, level: int, positions: bool) -> bytes:
    if not level:
        return bytes(body)
    if level & SPLIT:  # a bit-packed head (codec.deflate_block): it alone, or with the rest inflated
        return inflate_block(body, level, count, head_only=not positions)
    return zlib.decompress(body) if positions else _inflate_head(body, count)


def _inflate_head(body, count: int) -> bytes:
    """The document numbers and weights of a deflated block, and little more."""
    inflater = zlib.decompressobj()
    head = inflater.decompress(body, 1)
    ids_and_flag = count * _TYPES[head[0]].itemsize + 1
    head += inflater.decompress(inflater.unconsumed_tail, ids_and_flag)
    weights = {_WEIGHTS_ALL_ONE: 0, _WEIGHTS_ONE_VALUE: 4, _WEIGHTS_BYTES: count}.get(head[-1], 4 * count)
    if weights:
        head += inflater.decompress(inflater.unconsumed_tail, weights)
    return head


def _array(body: bytes, end: int, count: int) -> tuple[np.ndarray, int]:
    """The ``count`` numbers codec.pack_array wrote at ``end``, and where they end."""
    code = body[end]
    dtype = _TYPES[code]
    start, stop = end + 1, end + 1 + count * dtype.itemsize
    if code in _PLANES:
        planes = np.frombuffer(body, np.uint8, count * dtype.itemsize, start).reshape(dtype.itemsize, count)
        return np.ascontiguousarray(planes.T).view(dtype).reshape(count), stop
    return np.frombuffer(body, dtype, count, start), stop


def _decode(count: int, body: bytes, positions: bool, narrow: bool = False):
    """One block: document numbers, weights and (if asked) the position lists, as arrays
    (``narrow``: laid out as NarrowPositions' blocks are)."""
    deltas, end = _array(body, 0, count)
    ids = np.cumsum(deltas, dtype=np.int64)
    flag = body[end]
    end += 1
    if flag == _WEIGHTS_ALL_ONE:
        weights = np.ones(count, np.float64)
    elif flag == _WEIGHTS_ONE_VALUE:
        weights = np.full(count, np.frombuffer(body, "<f4", 1, end)[0], np.float64)
        end += 4
    elif flag == _WEIGHTS_BYTES:
        weights = np.frombuffer(body, "u1", count, end).astype(np.float64)
        end += count
    else:
        weights = np.frombuffer(body, "<f4", count, end).astype(np.float64)
        end += 4 * count
    if not positions:
        return ids, weights, None, None
    if narrow:
        if body[end] == 0:  # the counts are the weights
            counts = weights.astype(np.int64)
            end += 1
        else:
            counts, end = _array(body, end, count)
            counts = counts.astype(np.int64)
        found, _ = _array(body, end, int(counts.sum()))
        return ids, weights, counts, found.astype(np.int64)
    lengths, start = _array(body, end, count)
    lengths = lengths.astype(np.int64)
    total = int(lengths.sum())
    return ids, weights, lengths // 4, np.frombuffer(body, "<u4", total // 4, start).astype(np.int64)


def decode_postings(data, count: int, base: int, *, positions: bool, narrow: bool):
    """(docs + ``base``, weights, position counts, positions) of one term's postings ``data``
    (``count``: its document frequency, for a one-block record), every block decoded: in one
    compiled call when _columnar is built and reads the bytes, else by _decode_python."""
    if _columnar is not None:
        made = _columnar.decode(data, count, base, positions, narrow)
        if made is not None:
            return compiled_arrays(made)
    return _decode_python(data, count, base, positions=positions, narrow=narrow)


def compiled_arrays(made: tuple) -> tuple:
    """The arrays numpy reads in place from what ``_columnar.decode`` or ``gather`` made: docs
    (int64), weights (float64), and without positions None for the last two."""
    docs, weights, counts, found = made
    if counts is None:
        return np.frombuffer(docs, np.int64), np.frombuffer(weights, np.float64), None, None
    return (np.frombuffer(docs, np.int64), np.frombuffer(weights, np.float64),
            np.frombuffer(counts, np.int64), np.frombuffer(found, np.int64))


def _decode_python(data, count: int, base: int, *, positions: bool, narrow: bool):
    parts = [_decode(n, body, positions, narrow) for n, body in _blocks(data, count=count, positions=positions)]
    if len(parts) == 1:
        docs, weights, counts, found = parts[0]
        return docs + base, weights, counts, found
    docs = np.concatenate([p[0] for p in parts]) + base
    weights = np.concatenate([p[1] for p in parts])
    if not positions:
        return docs, weights, None, None
    return docs, weights, np.concatenate([p[2] for p in parts]), np.concatenate([p[3] for p in parts])


class SegmentView:
    """One segment's postings, columns and facet values, with its global document offset.

    What is read from the segment's columns and facet terms is kept in ``memo``, which outlives
    the view: a segment's documents never change (only which are deleted), so a new version of
    the index reloads only its new segments.
    """

    def __init__(self, reader, base: int, memo: dict):
        if not isinstance(reader._segment.codec(), ArchiveCodec):
            raise NotColumnar("segment written by another codec")
        self.reader = reader
        self.base = base
        self.count = reader.doc_count_all()
        self.memo = memo
        self._terms = reader._terms
        self._table = self._terms._tindex
        self._extent = getattr(self._table, "extent", None)
        self._postfile = self._terms._postfile
        self._field_prefixes: dict[str, bytes] = {}

    def postings(self, fieldname: str, text: str, *, positions: bool = False):
        """(global docs, weights, position counts, positions) of a term in this segment, or None.

        The term's row is read from the term dictionary directly (its postings' place is at a
        fixed offset in it) rather than made into Whoosh's TermInfo: a query asks every segment for
        each of its terms, and with the small segments of daily loads that is most of its time."""
        prefix = self._field_prefixes.get(fieldname)
        if prefix is None:
            prefix = self._field_prefixes[fieldname] = self._terms._keycoder(fieldname, b"")
        key = prefix + text.encode("utf-8")
        if self._extent is not None:
            found = self._extent(key)
            if found is None:
                return None
            flags, count, offset, length = found
        else:  # a segment with Whoosh's own term table
            row = self._table.get(key)
            if row is None:
                return None
            flags, count = row[0], _TERM_INFO.unpack_from(row)[2]
            offset, length = _EXTENT.unpack_from(row, _TERM_INFO.size)
        if flags:  # inlined postings: written with an inline limit above 0; this codec writes none
            raise NotColumnar("inlined postings")
        narrow = positions and isinstance(self.reader.schema[fieldname].format, NarrowPositions)
        return decode_postings(self._postfile.get(offset, length), count, self.base,
                               positions=positions, narrow=narrow)

    def table(self, fieldname: str) -> tuple | None:
        """What ``_columnar.gather`` reads of this segment to find a term of the field: the field's
        key prefix, the dictionary's block keys, starts and bases, the term and postings files'
        bytes in place, and the segment's base; None for a segment it cannot read (Whoosh's own
        term table, or files not opened from the segment's memory map)."""
        dictionary, postfile = self._table, self._postfile
        terms = getattr(dictionary, "dbfile", None)
        if (self._extent is None or not isinstance(terms, LazyBufferFile)
                or not isinstance(postfile, LazyBufferFile)):
            return None
        prefix = self._terms._keycoder(fieldname, b"")
        return (prefix, dictionary._keys, dictionary._starts, dictionary._bases, terms._buf, postfile._buf,
                self.base)

    def prefixed(self, fieldname: str, prefix: str) -> list[str]:
        return [_text(t) for t in self.reader.expand_prefix(fieldname, prefix)]

    def numeric_column(self, fieldname: str) -> np.ndarray:
        key = ("column", fieldname)
        if key not in self.memo:
            column = self.reader.column_reader(fieldname, translate=False)
            raw = column._dbfile.get(column._basepos, column._count * column._fixedlen)
            values = np.frombuffer(raw, np.dtype(">" + column._typecode)).astype(np.int64)
            self.memo[key] = _pad(values, self.count, column._default)
        return self.memo[key]

    def primary_keys(self) -> np.ndarray:
        """Each document's primary key; ``NO_PK`` throughout a segment written before the column
        (or read with an older layout's schema, which has no such field)."""
        if PK_COLUMN not in self.reader.schema or not self.reader.has_column(PK_COLUMN):
            return np.full(self.count, NO_PK, np.int64)
        return self.numeric_column(PK_COLUMN)

    def field_lengths(self, fieldname: str) -> np.ndarray:
        key = ("lengths", fieldname)
        if key not in self.memo:
            column = self.reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            if column is None:
                raw = np.zeros(self.count, np.uint8)
            else:
                raw = _pad(np.frombuffer(column._dbfile.get(column._basepos, column._count), np.uint8), self.count, 0)
            self.memo[key] = _BYTE_TO_LENGTH[raw]
        return self.memo[key]

    def facet(self, fieldname: str) -> dict[str, np.ndarray]:
        """Each value of a facet field with its documents (numbered within the segment)."""
        key = ("facet", fieldname)
        if key not in self.memo:
            values = {}
            for text in self.reader.lexicon(fieldname):
                found = self.postings(fieldname, _text(text))
                if found is not None:
                    values[_text(text)] = found[0] - self.base
            self.memo[key] = values
        return self.memo[key]


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


def _pad(values: np.ndarray, count: int, default) -> np.ndarray:
    if len(values) >= count:
        return values
    # Whoosh leaves a column's trailing defaults unwritten
    return np.concatenate([values, np.full(count - len(values), default, values.dtype)])


class IndexView:
    """Every segment of one version of the index, with the arrays its queries share.

    Made when a searcher is opened on a new version of the index, and kept as long as it.
    ``memos`` maps segment ids to what has been read from them, kept from earlier versions;
    ``threads``: how many a long posting list is decoded on (the backend passes
    ``SEARCH_DECODE_THREADS``).
    """

    def __init__(self, searcher, memos: dict[str, dict], *, threads: int = 1):
        if not all(isinstance(field.format, CompactPositions) for field in searcher.schema
                   if field.format is not None and field.format.supports("positions")):
            raise NotColumnar("positions written in another format")
        self.searcher = searcher
        self.segments = []
        for reader, base in searcher.ixreader.leaf_readers():
            if not isinstance(reader, SegmentReader):  # an empty index
                continue
            segid = reader._segment.segment_id()
            self.segments.append(SegmentView(reader, base, memos.setdefault(segid, {})))
        for segid in set(memos) - {s.reader._segment.segment_id() for s in self.segments}:
            memos.pop(segid, None)  # merged away or deleted (another thread's view may have gone first)
        self.size = sum(s.count for s in self.segments)
        self.live = np.ones(self.size, bool)
        for segment in self.segments:
            deleted = list(segment.reader._segment.deleted_docs())
            if deleted:
                self.live[np.asarray(deleted, np.int64) + segment.base] = False
        self.live_count = int(self.live.sum())
        self._columns: dict[str, np.ndarray] = {}
        self._lengths: dict[str, np.ndarray] = {}
        self._average_length: dict[str, float] = {}
        self._norms: dict[str, np.ndarray] = {}  # length_norms, by field
        self._facets: dict[str, tuple[list[str], object]] = {}
        self._holders: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # facet_holders
        self._gatherable: dict[str, tuple[tuple, bool]] = {}  # _gather_tables, by field
        self._primary_keys: np.ndarray | None = None
        self._sorted_columns: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # column_order, by field
        self.threads = threads

    def warm(self, *, facets: Iterable[str], columns: Iterable[str]) -> None:
        """Read now what queries share: every scored field's lengths, the facets, the sort columns."""
        for fieldname in self.searcher.schema.scorable_names():
            self.length_norms(fieldname)
        for fieldname in facets:
            self.facet(fieldname)
            if fieldname in MULTI_VALUED_FACETS:
                self.facet_holders(fieldname)
        for fieldname in columns:
            self.column(fieldname)
            if fieldname == "day":  # what a date filter reads (filter_mask)
                self.column_order(fieldname)
        self.primary_keys()

    def _concat(self, per_segment, dtype) -> np.ndarray:
        parts = [per_segment(s) for s in self.segments]
        return np.concatenate(parts) if parts else np.empty(0, dtype)

    def column(self, fieldname: str) -> np.ndarray:
        if fieldname not in self._columns:
            self._columns[fieldname] = self._concat(lambda s: s.numeric_column(fieldname), np.int64)
        return self._columns[fieldname]

    def column_order(self, fieldname: str) -> tuple[np.ndarray, np.ndarray]:
        """(documents, values): the documents in the order of their values in the column (ties
        by document), and those values, sorted; made once a version of the index. A range of
        values is then two binary searches and its documents a slice, where a comparison over
        the column was two passes over every document (a date filter at 150,000 articles)."""
        made = self._sorted_columns.get(fieldname)
        if made is None:
            values = self.column(fieldname)
            order = np.argsort(values, kind="stable")
            made = self._sorted_columns[fieldname] = (order, values[order])
        return made

    def primary_keys(self) -> np.ndarray:
        """Every document's primary key (``NO_PK`` for one written without the column)."""
        if self._primary_keys is None:
            self._primary_keys = self._concat(SegmentView.primary_keys, np.int64)
        return self._primary_keys

    def lengths(self, fieldname: str) -> np.ndarray:
        if fieldname not in self._lengths:
            self._lengths[fieldname] = self._concat(lambda s: s.field_lengths(fieldname), np.float64)
            self._average_length[fieldname] = self.searcher.avg_field_length(fieldname) or 1.0
        return self._lengths[fieldname]

    def facet(self, fieldname: str):
        """(values, data): data is each document's value number (-1 for none) for a single-valued
        facet, or each value's documents for a multi-valued one."""
        if fieldname not in self._facets:
            per_segment = [s.facet(fieldname) for s in self.segments]
            values = sorted({v for found in per_segment for v in found})
            if fieldname in MULTI_VALUED_FACETS:
                data = [np.concatenate([found[v] + s.base for s, found in zip(self.segments, per_segment, strict=True)
                                        if v in found]) for v in values]
            else:
                number = {v: i for i, v in enumerate(values)}
                data = np.full(self.size, -1, np.int64)
                for segment, found in zip(self.segments, per_segment, strict=True):
                    for value, docs in found.items():
                        data[docs + segment.base] = number[value]
            self._facets[fieldname] = (values, data)
        return self._facets[fieldname]

    def facet_holders(self, fieldname: str) -> tuple[np.ndarray, np.ndarray]:
        """A multi-valued facet's (documents, ends): each value's documents in a row, value after
        value, and where each value's row ends, so that a result set's count of each value is
        one running sum of its documents' flags, read at the ends."""
        if fieldname not in self._holders:
            _, data = self.facet(fieldname)
            docs = np.concatenate(data) if data else np.empty(0, np.int64)
            ends = np.cumsum([len(d) for d in data], dtype=np.int64)
            self._holders[fieldname] = (docs, ends)
        return self._holders[fieldname]

    # -- reading postings ------------------------------------------------------------------

    def postings(self, fieldname: str, text: str, *, positions: bool = False):
        """(docs, weights, position counts, positions) of a term across segments, or None.

        In one compiled call when every segment can be read so (``_columnar.gather``): a query
        asks each of 32 segments at 150,000 articles for each of its terms, and a segment's
        look-up and decoding cost a dozen Python and numpy calls (the article page's related
        reading asks for 32 terms: a thousand look-ups). Else, or where it leaves the bytes to
        the Python, segment by segment (``SegmentView.postings``, its reference)."""
        gather = getattr(_columnar, "gather", None)
        if gather is not None:
            tables, narrow = self._gather_tables_of(fieldname)
            if tables or not self.segments:
                gathered = gather(tables, text.encode("utf-8"), positions, positions and narrow, self.threads)
                if gathered is None:
                    return None
                if gathered is not NotImplemented:
                    return compiled_arrays(gathered)
        found = [p for p in (s.postings(fieldname, text, positions=positions) for s in self.segments) if p]
        if not found:
            return None
        if len(found) == 1:
            return found[0]
        docs, weights = np.concatenate([p[0] for p in found]), np.concatenate([p[1] for p in found])
        if not positions:
            return docs, weights, None, None
        return docs, weights, np.concatenate([p[2] for p in found]), np.concatenate([p[3] for p in found])

    def _gather_tables_of(self, fieldname: str) -> tuple[tuple, bool]:
        readable = self._gatherable.get(fieldname)
        if readable is None:
            readable = self._gatherable[fieldname] = self._gather_tables(fieldname)
        return readable

    def _gather_tables(self, fieldname: str) -> tuple[tuple, bool]:
        """Every segment's ``SegmentView.table`` for the field (() if one segment has none: then
        segment by segment), and whether its positions are laid out narrow; one tuple, so a
        thread sharing the view never sees the one without the other."""
        made = [s.table(fieldname) for s in self.segments]
        schema = self.searcher.schema
        # a field the schema lacks holds no terms: the segments' look-ups give None
        narrow = fieldname in schema and isinstance(schema[fieldname].format, NarrowPositions)
        return (tuple(made) if None not in made else ()), narrow

    def term_docs(self, fieldname: str, text: str) -> np.ndarray:
        found = self.postings(fieldname, text)
        return found[0] if found else np.empty(0, np.int64)

    # -- scoring, as Whoosh's BM25F ----------------------------------------------------------

    def _bm25(self, fieldname: str, docs: np.ndarray, frequencies: np.ndarray, document_frequency: int,
              boost: float) -> np.ndarray:
        idf = math.log(self.size / (document_frequency + 1)) + 1
        norms = self.length_norms(fieldname)
        if docs.dtype == np.int64 and frequencies.dtype == np.float64:
            # one pass instead of numpy's four over a common word's 100,000 matches (and as many
            # temporary arrays); the same operations in the same order, so the same doubles
            scores = None
            if hasattr(_columnar, "bm25_normed"):
                scores = _columnar.bm25_normed(np.ascontiguousarray(docs), np.ascontiguousarray(frequencies), norms,
                                               boost * idf, K1 + 1)
            elif hasattr(_columnar, "bm25"):  # a module built before bm25_normed (bench/engine_ab.py)
                scores = _columnar.bm25(np.ascontiguousarray(docs), np.ascontiguousarray(frequencies),
                                        self.lengths(fieldname), boost * idf, K1 + 1, K1, 1 - B, B,
                                        self._average_length[fieldname])
            if scores is not None:
                return np.frombuffer(scores, np.float64)
        return boost * idf * (frequencies * (K1 + 1)) / (frequencies + norms[docs])

    def length_norms(self, fieldname: str) -> np.ndarray:
        """BM25's length term of every document, ``K1 * ((1 - B) + B * length / average)``: the
        same for every term of a field, so made once a version of the index rather than once a
        term (a division a document: the compiled scoring then divides once, not twice)."""
        norms = self._norms.get(fieldname)
        if norms is None:
            lengths = self.lengths(fieldname)
            norms = self._norms[fieldname] = K1 * ((1 - B) + B * lengths / self._average_length[fieldname])
        return norms

    def term(self, fieldname: str, text: str, boost: float = 1.0, within: tuple[int, int] | None = None) -> Matches:
        """The term's documents and BM25 scores. With ``within`` (first, last), the documents in
        that range at least: the compiled reading leaves out blocks that hold none of them (a
        date filter's articles are a run of the index); anything outside may be there or not."""
        scored = getattr(_columnar, "gather_scored", None)
        if scored is not None and self.segments:
            # read and scored in one compiled call: a 3-term AND scores nine lists, and each
            # round trip through Python cost about as much as scoring a rare word's list
            tables, _ = self._gather_tables_of(fieldname)
            if tables:
                low, high = within or (0, -1)
                made = scored(tables, text.encode("utf-8"), self.threads, self.length_norms(fieldname), self.size,
                              boost, K1 + 1, _columnar.THREAD_MIN_SCORED_POSTINGS, low, high)
                if made is None:
                    return Matches.empty()
                if made is not NotImplemented:
                    return _compiled_matches(made)
        found = self.postings(fieldname, text)
        if found is None:
            return Matches.empty()
        docs, weights = found[0], found[1]
        return Matches(docs, self._bm25(fieldname, docs, weights, len(docs), boost))

    def phrase(self, fieldname: str, grams: list[tuple[int, str]], boost: float = 1.0) -> Matches:
        """Documents where each (offset, gram) stands at a common start position + offset. Like
        ``term`` and ``prefix``, deleted documents included: ``live_only`` leaves them out of the
        plan's answer."""
        lists = []
        for offset, gram in grams:
            found = self.postings(fieldname, gram, positions=True)
            if found is None:
                return Matches.empty()
            lists.append((offset, found))
        hits = np.zeros(self.size, np.int32)
        for _, (docs, *_) in lists:
            hits[docs] += 1
        candidate = hits == len(lists)
        if not candidate.any():
            return Matches.empty()
        keys = phrase_keys(candidate, lists)
        if not len(keys):
            return Matches.empty()
        docs, frequencies = np.unique(keys >> _POSITION_BITS, return_counts=True)
        return Matches(docs, self._bm25(fieldname, docs, frequencies.astype(np.float64), len(docs), boost))

    def prefix(self, fieldname: str, prefix: str, boost: float = 1.0) -> Matches:
        """Any term starting with the prefix; every match scores the boost, as Whoosh's Prefix."""
        texts = sorted({t for s in self.segments for t in s.prefixed(fieldname, prefix)})
        docs = [self.term_docs(fieldname, t) for t in texts]
        if not docs:
            return Matches.empty()
        unique = np.unique(np.concatenate(docs))
        return Matches(unique, np.full(len(unique), boost, np.float64))

    def every(self) -> Matches:
        docs = np.flatnonzero(self.live).astype(np.int64)
        return Matches(docs, np.ones(len(docs), np.float64))

    def live_only(self, matches: Matches) -> Matches:
        """The matches without the documents deleted from their segments. Applied once to a plan's
        answer, not to each term's list: a deleted document counts, scores and combines only
        for itself (its term statistics count it, as Whoosh's do), so leaving it out at the end
        gives the same answer, and a live archive's edits leave deletions in most segments."""
        if self.live_count == self.size:
            return matches
        keep = self.live[matches.docs]
        return Matches(matches.docs[keep], matches.scores[keep])


# -- combining ------------------------------------------------------------------------------
# Compiled where _columnar is built (two sorted lists merged; many long ones accumulated over
# arrays as long as the index), numpy's below being the reference and the fallback: over arrays
# as long as the index, since a pass over 150,000 flags costs less than sorting the tens of
# thousands of matches a common word has. Both sum a document's scores from 0.0 in the parts'
# order, so they make the same doubles.


def _compiled_matches(made) -> Matches:
    docs, scores = made
    return Matches(np.frombuffer(docs, np.int64), np.frombuffer(scores, np.float64))


def _as_part(matches: Matches) -> tuple[np.ndarray, np.ndarray]:
    return np.ascontiguousarray(matches.docs, np.int64), np.ascontiguousarray(matches.scores, np.float64)


def _combined(view: IndexView, parts: list[Matches], *, intersect: bool) -> Matches | None:
    compiled = getattr(_columnar, "combine", None)
    if compiled is None:
        return None
    made = compiled(view.size, tuple(_as_part(p) for p in parts), intersect)
    return None if made is None else _compiled_matches(made)


def union(view: IndexView, parts: list[Matches]) -> Matches:
    parts = [p for p in parts if len(p.docs)]
    if not parts:
        return Matches.empty()
    if len(parts) == 1:
        return parts[0]
    combined = _combined(view, parts, intersect=False)
    if combined is not None:
        return combined
    present, scores = np.zeros(view.size, bool), np.zeros(view.size, np.float64)
    for part in parts:
        present[part.docs] = True
        scores[part.docs] += part.scores
    docs = np.flatnonzero(present)
    return Matches(docs, scores[docs])


def intersection(view: IndexView, parts: list[Matches]) -> Matches:
    if len(parts) == 1:
        return parts[0]
    if any(not len(p.docs) for p in parts):
        return Matches.empty()
    combined = _combined(view, parts, intersect=True)
    if combined is not None:
        return combined
    hits, scores = np.zeros(view.size, np.int32), np.zeros(view.size, np.float64)
    for part in parts:
        hits[part.docs] += 1
        scores[part.docs] += part.scores
    docs = np.flatnonzero(hits == len(parts))
    return Matches(docs, scores[docs])


def and_maybe(view: IndexView, required: Matches, optional: Matches) -> Matches:
    if not len(optional.docs) or not len(required.docs):
        return required
    compiled = getattr(_columnar, "and_maybe", None)
    if compiled is not None:
        scores = compiled(view.size, _as_part(required), _as_part(optional))
        if scores is not None:
            return Matches(required.docs, np.frombuffer(scores, np.float64))
    extra = np.zeros(view.size, np.float64)
    extra[optional.docs] = optional.scores
    return Matches(required.docs, required.scores + extra[required.docs])


def and_not(view: IndexView, positive: Matches, negative: Matches) -> Matches:
    if not len(negative.docs):
        return positive
    excluded = np.zeros(view.size, bool)
    excluded[negative.docs] = True
    keep = ~excluded[positive.docs]
    return Matches(positive.docs[keep], positive.scores[keep])


# -- the plan, as backend.compile_plan builds it for Whoosh ---------------------------------


def _literal(view: IndexView, fieldname: str, text: str, boost: float = 1.0,
             within: tuple[int, int] | None = None) -> Matches:
    grams = list(analysis.grams(text, for_query=True))
    if not grams:
        return Matches.empty()
    if len(grams) == 1 and len(grams[0][1]) == 1:
        return view.prefix(fieldname, grams[0][1], boost)
    if len(grams) == 1:
        return view.term(fieldname, grams[0][1], boost, within)
    return view.phrase(fieldname, phrase_cover(grams), boost)


def _increasing(values: np.ndarray) -> bool:
    return bool(np.all(values[1:] > values[:-1]))


def intersect_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.intersect1d(a, b, assume_unique=True)``: the numbers in both, ascending. A phrase's
    keys come ascending (documents in order, each one's positions in order), so the shorter is
    looked up in the longer by binary search rather than both sorted together, which took most
    of a common phrase's time; keys in any other order are left to intersect1d."""
    if not (_increasing(a) and _increasing(b)):
        return np.intersect1d(a, b, assume_unique=True)
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return a.copy()
    at = np.searchsorted(b, a)
    np.minimum(at, len(b) - 1, out=at)
    return a[b[at] == a]


def phrase_keys(candidate: np.ndarray, lists: list[tuple[int, tuple]]) -> np.ndarray | None:
    """A document and a start position where each gram stands at start + offset, as one number
    ((document << _POSITION_BITS) + start) per occurrence in a ``candidate`` document, intersected
    gram by gram: the numbers every (offset, postings) of ``lists`` holds.

    In one compiled pass a gram (``_columnar.phrase_keys``) where it can: numpy made five arrays as
    long as a common bigram's occurrences (a million at 150,000 articles) and intersected them
    by binary search. The numpy below is its reference and fallback."""
    compiled = getattr(_columnar, "phrase_keys", None)
    if compiled is not None and all(a.dtype == np.int64 and a.flags.c_contiguous
                                    for _, (docs, _, counts, positions) in lists for a in (docs, counts, positions)):
        made = compiled(candidate.view(np.uint8),
                        tuple((offset, docs, counts, positions) for offset, (docs, _, counts, positions) in lists),
                        _POSITION_BITS)
        if made is not None:
            return np.frombuffer(made, np.int64)
    keys = None
    for offset, (docs, _, counts, positions) in lists:
        starts = positions - offset
        wanted = np.repeat(candidate[docs], counts) & (starts >= 0)
        found = (np.repeat(docs, counts)[wanted] << _POSITION_BITS) + starts[wanted]
        keys = found if keys is None else intersect_keys(keys, found)
        if not len(keys):
            break
    return keys


def phrase_cover(grams: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Enough of a literal's bigrams to pin down every character: every other one, and the last.

    Bigrams at offsets 0, 2, 4 … cover the string two characters at a time; positions are
    consecutive only within a line (lines are a position apart), so the cover cannot straddle
    two lines. Half the posting lists for the same answer.
    """
    cover = grams[::2]
    if cover[-1] != grams[-1]:
        cover.append(grams[-1])
    return cover


def _words(view: IndexView, fieldname: str, text: str, boost: float = 1.0,
           within: tuple[int, int] | None = None) -> Matches:
    words = analysis.query_words(text)
    if not words:
        return Matches.empty()
    return intersection(view, [view.term(fieldname, word, boost, within) for word in words])


TermParts = tuple[list[Matches], Matches | None]


def term_parts(view: IndexView, term: Term, within: tuple[int, int] | None = None) -> TermParts:
    """A term's lists, read and scored, not yet combined: (parts, optional), its matches being
    the union of the parts, boosted by the optional list where it matches too (``and_maybe``).
    With ``within``, each list holds at least its documents in that range (``IndexView.term``)."""
    if term.field == "words":  # a keyword, as jieba cuts it (related reading): no literal match
        return ([_words(view, WORDS, term.text, WORD_BOOST, within)],
                _words(view, HEADLINE_WORDS, term.text, HEADLINE_BOOST, within))
    if term.field == "byline":
        return [_literal(view, BYLINE_GRAMS, term.text, within=within)], None
    if term.field == "section":
        return [_literal(view, SECTION_GRAMS, term.text, within=within)], None
    if term.field == "headline":
        parts = [_literal(view, HEADLINE_GRAMS, term.text, HEADLINE_BOOST, within)]
        if not term.exact:
            parts.append(_words(view, HEADLINE_WORDS, term.text, HEADLINE_BOOST, within))
        return parts, None
    parts = [_literal(view, GRAMS, term.text, within=within)]
    if not term.exact:
        parts.append(_words(view, WORDS, term.text, WORD_BOOST, within))
    return parts, _literal(view, HEADLINE_GRAMS, term.text, HEADLINE_BOOST, within)


def term_matches(view: IndexView, parts: list[Matches], optional: Matches | None) -> Matches:
    matches = union(view, parts)
    return matches if optional is None else and_maybe(view, matches, optional)


def combine_clauses(view: IndexView, clauses: list[list[TermParts]]) -> Matches:
    """The intersection of the clauses, each the union of its terms' matches.

    In one compiled call where it can (``_columnar.combine_clauses``): a 3-term AND is nine
    lists, and combining them a step at a time (three unions, three boosts, an intersection,
    each a call making arrays the next one reads) took as long as reading them. The steps
    below are its reference and fallback; both make the same documents and doubles."""
    compiled = getattr(_columnar, "combine_clauses", None)
    if compiled is not None and clauses:
        made = compiled(view.size, tuple(
            tuple((tuple(_as_part(p) for p in parts), None if optional is None else _as_part(optional))
                  for parts, optional in clause)
            for clause in clauses))
        if made is not None:
            return _compiled_matches(made)
    return intersection(view, [union(view, [term_matches(view, *term) for term in clause]) for clause in clauses])


def evaluate_plan(view: IndexView, plan: SearchPlan) -> Matches:
    mask = filter_mask(view, plan.filters)
    within = None
    if mask is not None:
        allowed = np.flatnonzero(mask)
        if not len(allowed):
            return Matches.empty()
        # the filter's first and last documents: each list need hold only those between (a
        # month's articles are a run of the index, and a common word's other blocks go unread)
        within = int(allowed[0]), int(allowed[-1])
    required = [[term_parts(view, t, within) for t in clause.terms] for clause in plan.query.required]
    excluded = [combine_clauses(view, [[term_parts(view, t, within) for t in clause.terms]])
                for clause in plan.query.excluded]
    positive = combine_clauses(view, required) if required else view.every()
    if excluded:
        positive = and_not(view, positive, union(view, excluded))
    if mask is not None:
        keep = mask[positive.docs]
        positive = Matches(positive.docs[keep], positive.scores[keep])
    return view.live_only(positive)


def day_range(filters: Filters) -> tuple[int | None, int | None]:
    """The date filters as the index's ``day`` numbers (YYYYMMDD), either end open."""
    return (int(filters.date_from.strftime("%Y%m%d")) if filters.date_from else None,
            int(filters.date_to.strftime("%Y%m%d")) if filters.date_to else None)


def keyword_filters(filters: Filters) -> dict[str, str]:
    """The exact-value filters, by the index field that holds them."""
    exact = {
        "year": str(filters.year) if filters.year else None,
        "month": filters.month,
        "month_of_year": str(filters.month_of_year) if filters.month_of_year else None,
        "section": filters.section,
        "contributors": filters.contributor,
        "kind": filters.kind,
        "newspaper": filters.newspaper,
    }
    return {name: value for name, value in exact.items() if value}


def filter_mask(view: IndexView, filters: Filters) -> np.ndarray | None:
    allowed = None
    start, end = day_range(filters)
    if start is not None or end is not None:
        # the documents whose day is within: a slice of the column's sorted order
        order, days = view.column_order("day")
        first = 0 if start is None else int(np.searchsorted(days, start, "left"))
        last = len(days) if end is None else int(np.searchsorted(days, end, "right"))
        allowed = np.zeros(view.size, bool)
        allowed[order[first:last]] = True
    for name, value in keyword_filters(filters).items():
        holders = np.zeros(view.size, bool)
        holders[view.term_docs(name, value)] = True
        allowed = holders if allowed is None else allowed & holders
    return allowed


def facet_counts(view: IndexView, matches: Matches, names) -> dict[str, list[tuple[str, int]]]:
    """Counts per value, most first then by value, as haystack lists Whoosh's facets.

    ``names`` may be haystack's facets, a dictionary of each field's options: with ``limit``
    (haystack's option, as its Solr backend reads it), only that many values, the first of the
    whole order. A common word's result set holds tens of thousands of contributors, and sorting
    them all for the thirty a page shows was a quarter of the query's time at 150k."""
    counts: dict[str, list[tuple[str, int]]] = {}
    selected = None
    for name in names:
        limit = names[name].get("limit") if isinstance(names, dict) and names[name] else None
        if limit is not None and limit < 0:  # Solr's facet.limit=-1: every value
            limit = None
        values, data = view.facet(name)
        if isinstance(data, np.ndarray):
            # -1 (no value) counted in a first bin that is dropped: no pass to leave it out
            tally = np.bincount(data[matches.docs] + 1, minlength=len(values) + 1)[1:]
        else:  # each value's documents in a row: the selected ones counted by a running sum
            if selected is None:
                selected = np.zeros(view.size, bool)
                selected[matches.docs] = True
            holders, ends = view.facet_holders(name)
            running = np.concatenate(([0], np.cumsum(selected[holders], dtype=np.int64)))
            tally = np.diff(running[ends], prepend=0)
        # most first, then by value: the values are sorted, so by their number
        found = np.flatnonzero(tally)
        if limit is not None and 0 < limit < len(found):
            # the values counted at least as often as the limit-th most counted (its ties too)
            cut = np.partition(tally[found], len(found) - limit)[len(found) - limit]
            found = found[tally[found] >= cut]
        found = found[np.lexsort((found, -tally[found]))][:limit]
        counts[name] = list(zip(map(values.__getitem__, found.tolist()), tally[found].tolist()))
    return counts


def order(view: IndexView, matches: Matches, sort_by: list[str] | None, limit: int | None = None) -> np.ndarray:
    """The matching documents in result order: by score, or by the sort fields; then by document.

    With ``limit``, only the first ``limit`` of that order: by score, the documents scoring at
    least the ``limit``-th best score are sorted (ties at the cut included, so the answer is
    exactly the full order's head), not all of a common word's tens of thousands."""
    if not sort_by:
        docs, scores = matches.docs, matches.scores
        compiled = getattr(_columnar, "top", None)
        if compiled is not None and limit is not None and limit > 0:
            # a heap of the page's documents: at 10,000 articles the partition and sort cost as
            # much as scoring a common word
            head = compiled(np.ascontiguousarray(docs, np.int64), np.ascontiguousarray(scores, np.float64),
                            min(limit, max(len(docs), 1)))  # a page past any count (haystack's end_offset)
            if head is not None:
                return np.frombuffer(head, np.int64)
        if limit is not None and 0 < limit < len(docs):
            cut = np.partition(scores, len(scores) - limit)[len(scores) - limit]
            head = scores >= cut
            docs, scores = docs[head], scores[head]
        return docs[np.lexsort((docs, -scores))][:limit]
    keys = [matches.docs]
    for name in reversed(sort_by):
        column = view.column(name.lstrip("-"))[matches.docs]
        keys.append(-column if name.startswith("-") else column)
    return matches.docs[np.lexsort(keys)]


def locate(view: IndexView, docnum: int):
    """(segment, document number within it) of a global document number."""
    for segment in view.segments:
        if docnum < segment.base + segment.count:
            return segment, docnum - segment.base
    raise IndexError(docnum)

"""The writer's posting pool: a segment's postings gathered by term until the segment is written.

Whoosh's ``SegmentWriter`` hands its pool one tuple per posting and its ``PostingPool`` sorts
them all when the segment is written. On Chinese text, indexed as a character gram per character
and again as jieba words, that is about a thousand postings an article, and making, handing over
and sorting them was most of what a build spent outside jieba. Here:

* ``ArchiveSegmentWriter.add_document`` hands the pool a document's text fields whole: a
  word field's terms with their counts (``TermPool.add_counts``), gathered by term only when
  the segment is written (``WordColumns``), and a gram field as the text itself
  (``TermPool.add_gram_text``), whose grams are only made then too, for all its documents at
  once, with numpy (``GramColumns``);
* every other field goes a posting at a time (``TermPool.add``), and a merged segment is read
  a term at a time as the new segment is written (``TermPool.add_segment``, ``merging``);
* ``TermPool.sorted_terms`` gives each term's postings as arrays in term order, which the
  codec's field writer takes a term at a time (``codec.CompactFieldWriter.add_postings``).

The postings, and so the segment's bytes, are the same as Whoosh's own loop would pool (the
tests build both ways and compare).
"""
from __future__ import annotations

import heapq
from array import array
from functools import reduce
from itertools import groupby, pairwise
from operator import itemgetter

import numpy as np
from whoosh.fields import Schema
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from .. import analysis
from . import merging
from .codec import NO_VALUE
from .whoosh_analysis import CharGramTokenizer, PairsTEXT

# A gram's key while the pool sorts them: its first character's code point above 21 bits of its
# second's (0 for a line's last character alone). Code points need 21 bits, no folded text holds
# code point 0, and UTF-8 orders text as code points do, so the keys sort as the terms' bytes.
_SECOND_BITS = 21
_SECOND_MASK = (1 << _SECOND_BITS) - 1
_NEWLINE = ord("\n")
_SEPARATOR = "\n".encode("utf-32-le")


class TermPool:
    """Whoosh's posting pool, keyed by term as postings arrive.

    Whoosh keeps one tuple per posting and sorts them all when the segment is written (spilling
    to temporary files past ``limitmb``). Documents are added in document-number order, so the
    postings of a term arrive sorted already: only the terms need sorting. Each term's postings
    are packed arrays, its values one byte string, so a posting costs about 20 bytes instead of
    200, and a worker holds a segment of thousands of articles in a few hundred megabytes.

    Terms are kept per field. The text fields' postings come a document's field at a time
    (``ArchiveSegmentWriter.add_document``): a word field's terms with their counts
    (``add_counts``), which ``WordColumns`` keeps as numbers and gathers by term when the segment
    is written; a gram field as its text (``add_gram_text``), whose grams ``GramColumns`` makes
    for the whole segment at once. Everything else comes a posting at a
    time (``add``), keyed by bytes, as Whoosh hands it over; a merged segment's terms are read
    from it only as they are written (``add_segment``).
    """

    def __init__(self):
        self.fieldnames: set[str] = set()
        self._terms: dict[str, dict[bytes, tuple[array, array, array, bytearray]]] = {}
        self._texts: dict[str, WordColumns] = {}
        self._columns: dict[str, GramColumns] = {}
        self._segments: list[tuple[SegmentReader, Schema, int, dict[int, int] | None]] = []

    def _of(self, tables: dict, fieldname: str, make=dict):
        """The field's table in ``tables`` (its terms, or its gram columns), made if it is new."""
        table = tables.get(fieldname)
        if table is None:
            table = tables[fieldname] = make()
            self.fieldnames.add(fieldname)
        return table

    def add(self, item) -> None:
        fieldname, text, docnum, weight, value = item
        terms = self._of(self._terms, fieldname)
        try:
            docnums, weights, lengths, values = terms[text]
        except KeyError:
            docnums, weights, lengths, values = terms[text] = (array("I"), array("f"), array("I"), bytearray())
        docnums.append(docnum)
        weights.append(weight)
        if value is None:
            lengths.append(NO_VALUE)
        else:
            lengths.append(len(value))
            values += value

    def add_gram_text(self, fieldname: str, docnum: int, lines: str, boost: float, fieldboost: float = 1.0) -> int:
        """One document's gram field as ``analysis.gram_lines`` gives it; returns how many
        positions its grams have (the field's length in the document)."""
        return self._of(self._columns, fieldname, GramColumns).add(docnum, lines, boost, fieldboost)

    def add_counts(self, fieldname: str, docnum: int, counts: dict[str, int], boost: float,
                   fieldboost: float = 1.0) -> int:
        """One document's terms of a field without positions, each with its count; returns the
        sum of the counts (the field's length in the document)."""
        return self._of(self._texts, fieldname, WordColumns).add(docnum, counts, boost, fieldboost)

    def add_segment(self, reader, schema, startdoc: int, docmap: dict[int, int] | None) -> None:
        """A segment being merged in (one our codec wrote, ``merging.readable``), its documents
        renumbered from ``startdoc`` on or by ``docmap``. Its postings are read only as the new
        segment is written, a term at a time, merged in term order with the pool's own and the
        other segments': a merge holds a term's postings from each segment merged (and the
        pool's own documents, none in a build's merge), not the whole index's, so a build's
        segments can be merged into a few large ones. The pool closes the reader."""
        self._segments.append((reader, schema, startdoc, docmap))
        self.fieldnames |= merging.merged_fields(reader, schema)

    def iter_postings(self) -> PooledPostings:
        return PooledPostings(self)

    def sorted_terms(self):
        """((fieldname, term), (docnums, weights, value lengths, values)) in term order."""
        for fieldname in sorted(self.fieldnames):
            own = self._field_terms(fieldname)
            if not self._segments:
                for key, entry in own:
                    yield (fieldname, key), entry
                continue
            sources = [own] + [merging.renumbered_terms(reader, schema, fieldname, startdoc, docmap)
                               for reader, schema, startdoc, docmap in self._segments]
            for key, group in groupby(heapq.merge(*sources, key=itemgetter(0)), key=itemgetter(0)):
                entries = [entry for _, entry in group]
                yield (fieldname, key), entries[0] if len(entries) == 1 else _joined_all(entries)

    def _field_terms(self, fieldname: str):
        """(term, postings) of the documents added to the pool, in term order."""
        terms = self._terms.get(fieldname, {})
        made = self._columns.get(fieldname)  # a field's terms are gram columns or word columns, not both
        if made is None:
            made = self._texts.get(fieldname)
        if made is not None and not terms:
            yield from made.terms()  # already in term order
            return
        if made is not None:
            terms = dict(terms)
            for key, entry in made.terms():
                _put(terms, key, entry)
        for key in sorted(terms):
            yield key, terms[key]

    def each_posting(self):
        for (fieldname, text), (docnums, weights, lengths, values) in self.sorted_terms():
            start = 0
            for i, docnum in enumerate(docnums):
                length = lengths[i]
                if length == NO_VALUE:
                    yield fieldname, text, docnum, weights[i], None
                else:
                    yield fieldname, text, docnum, weights[i], bytes(values[start:start + length])
                    start += length

    def cleanup(self) -> None:
        readers = [reader for reader, *_ in self._segments]
        self._segments.clear()
        self._terms.clear()
        failed = None
        for reader in readers:  # every one, even after one fails
            try:
                reader.close()
            except Exception as exc:  # noqa: BLE001 - raised below, once all are closed
                failed = failed or exc
        if failed is not None:
            raise failed
        self._texts.clear()
        self._columns.clear()


def _put(terms: dict, key: bytes, entry: tuple) -> None:
    terms[key] = _joined(terms[key], entry) if key in terms else entry


def _joined_all(entries: list[tuple]) -> tuple:
    """One term's postings from several sources; each source's documents are a run of their own
    (a merged segment's, renumbered, or the pool's), so they join end to end once in order."""
    entries.sort(key=lambda entry: entry[0][0])
    if any(first[0][-1] >= second[0][0] for first, second in pairwise(entries)):
        return reduce(_joined, entries)
    docnums, weights, lengths, values = array("I"), array("f"), array("I"), bytearray()
    for entry in entries:
        docnums.extend(entry[0])
        weights.extend(entry[1])
        lengths.extend(entry[2])
        values += entry[3]
    return docnums, weights, lengths, values


def _joined(first: tuple, second: tuple) -> tuple:
    """One term's postings from two sources (say a posting at a time and a gram column), in document order."""
    if not first[0] or not second[0] or first[0][-1] < second[0][0]:
        return (first[0] + second[0], first[1] + second[1], first[2] + second[2], bytes(first[3]) + bytes(second[3]))
    postings = []
    for docnums, weights, lengths, values in (first, second):
        start = 0
        for docnum, weight, length in zip(docnums, weights, lengths):
            size = 0 if length == NO_VALUE else length
            postings.append((docnum, weight, length, bytes(values[start:start + size])))
            start += size
    postings.sort(key=lambda posting: posting[0])
    return (array("I", [p[0] for p in postings]), array("f", [p[1] for p in postings]),
            array("I", [p[2] for p in postings]), b"".join(p[3] for p in postings))


class PooledPostings:
    """The pool's postings in Whoosh's order: one by one when iterated, as Whoosh's writer does,
    or a term at a time through ``terms()``, which our codec's field writer takes instead."""

    def __init__(self, pool: TermPool):
        self._pool = pool

    def __iter__(self):
        return self._pool.each_posting()

    def terms(self):
        return self._pool.sorted_terms()


class ArchiveSegmentWriter(SegmentWriter):
    """Whoosh's writer, pooling a document's text fields a field at a time and merging the
    segments our codec wrote a term at a time (merging.py)."""

    def add_document(self, **fields):
        """Whoosh's ``add_document``, except that a gram field hands the pool its text and a word
        field its terms with their counts, each in one call, where Whoosh makes a tuple and a call
        for every posting: on real text a thousand postings an article, which was most of the
        time the build spent outside jieba. The pool ends up holding the same postings."""
        if not isinstance(self.pool, TermPool):
            return super().add_document(**fields)
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        docboost = self._doc_boost(fields)
        fieldnames = sorted([name for name in fields if not name.startswith("_")])
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            if field.separate_spelling() or field.vector:
                raise NotImplementedError(f"field {fieldname!r}: spelling and term vectors are not indexed here")
            length = 0
            if field.indexed:
                fieldboost = self._field_boost(fields, fieldname, docboost)
                whole = isinstance(field, PairsTEXT)
                if whole and field.keeps_positions and type(field.analyzer) is CharGramTokenizer:
                    length = pool.add_gram_text(fieldname, docnum, analysis.gram_lines(value),
                                                field.format.field_boost, fieldboost)
                elif whole and not field.keeps_positions:
                    length = pool.add_counts(fieldname, docnum, field.analyzer.counts(value),
                                             field.format.field_boost, fieldboost)
                else:  # another field, or positions of another tokenizer: Whoosh's loop
                    for tbytes, freq, weight, vbytes in field.index(value):
                        length += freq
                        pool.add((fieldname, tbytes, docnum, weight * fieldboost, vbytes))
                if not field.scorable:
                    length = 0
            customval = fields.get(f"_stored_{fieldname}", value)
            perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
            column = field.column_type
            if column and customval is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def add_reader(self, reader):
        """Whoosh's, except that a segment merged whole (without deletions) adds its fields' exact
        length totals. Whoosh adds each document's length as read back from its one-byte form,
        and BM25 divides by a field's average length: a build's scores moved by up to 1 % when
        its segments were merged. With deletions the live documents' exact lengths are not
        known, and Whoosh's sum of the rounded ones stands."""
        totals = getattr(self.perdocwriter, "_fieldlengths", None)
        exact = totals is not None and not reader.has_deletions()
        before = dict(totals) if exact else {}
        super().add_reader(reader)
        if exact:
            for fieldname in list(totals):
                totals[fieldname] = before.get(fieldname, 0) + reader.field_length(fieldname)

    def _close_segment(self):
        try:
            super()._close_segment()
        finally:  # the merged segments' readers, even when closing a file failed first
            if isinstance(self.pool, TermPool):
                self.pool.cleanup()

    def add_postings_to_pool(self, reader, startdoc, docmap):
        if isinstance(self.pool, TermPool) and merging.readable(reader):
            # A reader of its own: the caller closes its reader once this returns, and the
            # postings are read when the new segment is written (TermPool.add_segment).
            own = SegmentReader(self.storage, self.schema, reader.segment())
            self.pool.add_segment(own, self.schema, startdoc, docmap)
        else:
            super().add_postings_to_pool(reader, startdoc, docmap)


class WordColumns:
    """A word field's documents, kept as the numbers of their terms and counts until the segment
    is written; then every term's postings are gathered at once.

    A term's number is its place in the order terms were first met; a document's postings are its
    terms' numbers and counts, in the order ``analysis.word_counts`` gave them. Pooling a term
    and its count for each document a Python call and three appends at a time was the largest
    cost of a build after jieba's cut went to C."""

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self.ids = array("I")
        self.counts = array("I")
        self.docnums = array("I")
        self.sizes = array("I")
        self.boosts = array("d")  # each document's field boost and document boost

    def add(self, docnum: int, counts: dict[str, int], boost: float, fieldboost: float) -> int:
        vocabulary = self.vocabulary
        self.ids.extend([vocabulary.setdefault(word, len(vocabulary)) for word in counts])
        values = counts.values()
        self.counts.extend(values)
        self.docnums.append(docnum)
        self.sizes.append(len(counts))
        self.boosts.append(boost)
        self.boosts.append(fieldboost)
        return sum(values)

    def __len__(self) -> int:
        return len(self.docnums)

    def terms(self):
        """(term bytes, (document numbers, weights, value lengths, values)) in term order."""
        if not self.ids:
            return
        words = list(self.vocabulary)
        # Text sorts as its UTF-8 bytes do: the terms' order in the segment.
        order = sorted(range(len(words)), key=words.__getitem__)
        rank = np.empty(len(words), dtype=np.int64)
        rank[order] = np.arange(len(words))
        document = np.repeat(np.arange(len(self.docnums)), np.frombuffer(self.sizes, dtype=np.uint32))
        term_rank = rank[np.frombuffer(self.ids, dtype=np.uint32)]
        # documents were added in order: a stable sort leaves each term's postings in document order
        postings = np.argsort(term_rank, kind="stable")
        term_rank = term_rank[postings]
        document = document[postings]
        boosts = np.frombuffer(self.boosts, dtype=np.float64).reshape(-1, 2)
        # count × field boost × document boost, in Whoosh's order, then stored as 32-bit floats
        weights = _as_array("f", (np.frombuffer(self.counts, dtype=np.uint32)[postings] * boosts[document, 0]
                                  * boosts[document, 1]).astype(np.float32))
        docnums = _as_array("I", np.frombuffer(self.docnums, dtype=np.uint32)[document])
        lengths = array("I", bytes(4 * len(docnums)))  # no positions: every value's length is 0
        starts = np.flatnonzero(np.diff(term_rank, prepend=-1)).tolist()
        starts.append(len(docnums))
        for index, first in enumerate(starts[:-1]):
            last = starts[index + 1]
            yield words[order[index]].encode("utf-8"), (docnums[first:last], weights[first:last],
                                                        lengths[first:last], b"")


class GramColumns:
    """A gram field's documents, kept as the gram analysis reads them (``analysis.gram_lines``:
    folded, each line without white space, lines joined by newlines) until the segment is
    written; then every gram of every document is made and sorted at once.

    In that text a character's index is its gram's position, so a document's postings are, for
    each character but a newline, the gram of it and the next character, or the character alone
    where a line ends. That is what ``analysis.grams`` yields one by one."""

    def __init__(self) -> None:
        self.docnums = array("I")
        self.boosts = array("d")  # each document's weight per occurrence (field and document boost)
        self.texts: list[bytes] = []  # UTF-32 (little-endian), a code point per four bytes

    def add(self, docnum: int, lines: str, boost: float, fieldboost: float) -> int:
        """Pools a document's text; returns its number of postings' positions (the field's length)."""
        text = lines.encode("utf-32-le")  # first: text that cannot be encoded leaves the columns as they were
        self.docnums.append(docnum)
        self.boosts.append(boost)
        self.boosts.append(fieldboost)
        self.texts.append(text)
        return len(lines) - lines.count("\n")

    def __len__(self) -> int:
        return len(self.docnums)

    def terms(self):
        """(term bytes, (document numbers, weights, value lengths, values)) in term order."""
        postings = self._postings()
        if postings is None:
            return
        term_keys, bounds, value_bounds, docnums, weights, lengths, values = postings
        for index, key in enumerate(term_keys):
            first, last = bounds[index], bounds[index + 1]
            second_code = key & _SECOND_MASK
            text = chr(key >> _SECOND_BITS) + chr(second_code) if second_code else chr(key >> _SECOND_BITS)
            yield text.encode("utf-8"), (docnums[first:last], weights[first:last], lengths[first:last],
                                         values[value_bounds[index]:value_bounds[index + 1]])

    def _postings(self):
        """Every gram's postings, sorted: the terms' keys, where each term's postings start (and
        its values' bytes), and the postings' document numbers, weights, value lengths and values
        (the positions, little-endian). Only these outlive the call: a segment's worth of
        intermediate arrays is some hundreds of megabytes, not to be held while the terms are
        written."""
        if not self.texts:
            return None
        codes = np.frombuffer(_SEPARATOR.join(self.texts), dtype="<u4")
        sizes = np.fromiter(map(len, self.texts), dtype=np.int64, count=len(self.texts)) // 4
        total = codes.size
        if not total:  # one document, empty
            return None
        newline = codes == _NEWLINE
        keys = codes.astype(np.uint64)
        keys[:-1] <<= _SECOND_BITS
        keys[:-1] |= codes[1:]
        del codes
        keys[-1] <<= _SECOND_BITS
        # a line's last character stands alone: its key's second character is 0
        ends = np.append(newline[1:], True)
        keys[ends] &= ~np.uint64(_SECOND_MASK)
        del ends
        kept = ~newline
        del newline
        document = np.repeat(np.arange(len(self.texts), dtype=np.int32), sizes + 1)[:total][kept]
        starts = np.zeros(len(self.texts), dtype=np.int64)
        np.cumsum(sizes[:-1] + 1, out=starts[1:])
        keys = keys[kept]
        positions = (np.flatnonzero(kept) - starts[document]).astype(np.uint32)
        del kept, starts
        if not keys.size:  # every document empty (a section name no article has)
            return None
        # Documents were added in order and each one's positions ascend, so a stable sort by key
        # leaves every term's postings in document and position order.
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        document = document[order]
        values = positions[order].astype("<u4").tobytes()
        del order, positions
        count = keys.size
        new_term = np.empty(count, dtype=bool)
        new_term[0] = True
        np.not_equal(keys[1:], keys[:-1], out=new_term[1:])
        new_posting = new_term.copy()
        new_posting[1:] |= document[1:] != document[:-1]
        posting_starts = np.flatnonzero(new_posting)
        del new_posting
        occurrences = np.diff(np.append(posting_starts, count))
        posting_document = document[posting_starts]
        del document
        term_starts = np.flatnonzero(new_term[posting_starts])
        del new_term
        term_keys = keys[posting_starts[term_starts]].tolist()
        value_bounds = (np.append(posting_starts[term_starts], count) * 4).tolist()
        del keys, posting_starts
        boosts = np.frombuffer(self.boosts, dtype=np.float64).reshape(-1, 2)
        # count × field boost × document boost, in Whoosh's order, then stored as 32-bit floats
        weights = _as_array("f", (occurrences * boosts[posting_document, 0] * boosts[posting_document, 1])
                            .astype(np.float32))
        docnums = _as_array("I", np.frombuffer(self.docnums, dtype=np.uint32)[posting_document])
        lengths = _as_array("I", (occurrences * 4).astype(np.uint32))
        bounds = np.append(term_starts, occurrences.size).tolist()
        return term_keys, bounds, value_bounds, docnums, weights, lengths, values


def _as_array(typecode: str, values: np.ndarray) -> array:
    packed = array(typecode)
    packed.frombytes(values.astype(values.dtype.newbyteorder("=")).tobytes())
    return packed

"""Merging segments a term at a time: what a merge reads from the segments it folds in.

Whoosh merges a segment by handing its writer every posting as a tuple, one at a time (a
matcher per term, a generator step per posting): a day's segment of a hundred articles holds
about 60,000 terms and 140,000 postings, and was most of a day's indexing. A segment our codec
wrote is read here a term at a time instead, a field's terms straight from the term file's
rows in order (no dictionary look-up) and the packed blocks (``codec.encode_block``), each
term's postings as whole arrays, renumbered past the documents before them and without the
deleted ones. The writer's pool (``pool.TermPool.add_segment``) reads them only as the new
segment is written, merging every segment's terms in term order, so a merge holds one term's
postings from each segment at a time: that is what lets a full build's thirty segments become
two. The merged segment's postings are those Whoosh's loop would have written (its fields'
length totals exact where Whoosh's sum the one-byte lengths: ``pool.ArchiveSegmentWriter``).
"""
from __future__ import annotations

from array import array
from collections.abc import Iterator
from itertools import accumulate

from .codec import (
    _EXTENT,
    _FIELD_ID,
    _TERM_INFO,
    ArchiveCodec,
    NarrowPositions,
    _pack,
    decode_weights,
    narrow_counts,
    narrow_positions,
    read_array,
)
from .columnar import _blocks

try:  # a term's blocks read in one compiled call (_block_arrays is its reference and fallback)
    from ._columnar import merge_arrays as _merge_arrays
except ImportError:
    _merge_arrays = None


def readable(reader) -> bool:
    """Whether the segment is one this module can read: written by our codec, as a whole."""
    segment = getattr(reader, "_segment", None)
    return (segment is not None and isinstance(segment.codec(), ArchiveCodec)
            and hasattr(getattr(reader, "_terms", None), "_tindex"))


def _block_arrays(count: int, body: bytes, fixedsize: int | None,
                  narrow: bool = False) -> tuple[array, array, array, bytes]:
    """One block's document numbers, weights, value lengths and value bytes (``codec.encode_block``'s
    layout). Plain arrays, not numpy: most terms hold a posting or two, and numpy's cost per call
    is then most of the time."""
    deltas, end = read_array(body, 0, count)
    ids = array("I", accumulate(deltas))
    weights, end = decode_weights(body, end, count)
    if narrow:  # back to the values the pool holds: each posting's positions as 32-bit numbers
        counts, end = narrow_counts(body, end, count, weights)
        lengths = array("I", [4 * c for c in counts])
        values = _pack("I", narrow_positions(body, end, sum(counts)))
    elif fixedsize is None or fixedsize < 0:
        lengths, start = read_array(body, end, count)
        lengths = array("I", lengths)
        values = body[start:start + sum(lengths)]
    elif fixedsize == 0:
        lengths, values = array("I", [0]) * count, b""
    else:
        lengths, values = array("I", [fixedsize]) * count, body[end:end + count * fixedsize]
    return ids, weights, lengths, values


def merged_fields(reader, schema) -> set[str]:
    """The schema's indexed fields that have terms in the segment."""
    return {name for name in reader._terms._fieldmap
            if name in schema and schema[name].format is not None}


def _extents_from(tindex, key: bytes) -> Iterator[tuple[bytes, int, int, int, int]]:
    """(key, flags, document frequency, postings offset, postings length) of each row from
    ``key`` on: from our term dictionary's rows, or Whoosh's table's (a segment written before it)."""
    if hasattr(tindex, "extents_from"):
        yield from tindex.extents_from(key)
        return
    for found, info in tindex.items_from(key):
        offset, length = _EXTENT.unpack_from(info, _TERM_INFO.size)
        yield found, info[0], _TERM_INFO.unpack_from(info)[2], offset, length


def field_terms(reader, schema, fieldname: str, base: int = 0) -> Iterator[tuple[bytes, array, array, array, bytes]]:
    """(term, document numbers in the segment plus ``base``, weights, value lengths, values) of
    every term of one field, in term order (a field's rows are one run of the sorted term file).
    A term's blocks are read in one compiled call where the field's values are positions or
    nothing (``_columnar.merge_arrays``), else by ``_block_arrays``."""
    terms = reader._terms
    fieldid = terms._fieldmap.get(fieldname)
    if fieldid is None:
        return
    fieldformat = schema[fieldname].format
    fixedsize = fieldformat.fixed_value_size()
    narrow = isinstance(fieldformat, NarrowPositions)
    compiled = _merge_arrays if narrow or fixedsize == 0 else None
    postfile = terms._postfile
    prefix = _FIELD_ID.pack(fieldid)
    for key, flags, count, offset, length in _extents_from(terms._tindex, prefix):
        if not key.startswith(prefix):
            break
        if flags:  # inlined postings: this codec writes none
            raise ValueError(f"inlined postings in {fieldname}")
        data = postfile.get(offset, length)
        made = compiled(data, count, base, narrow) if compiled is not None else None
        if made is not None:
            docs, weights, lengths, values = made
            yield key[len(prefix):], array("I", docs), array("f", weights), array("I", lengths), values
            continue
        blocks = _blocks(data, count=count)
        ids, weights, lengths, values = _block_arrays(*next(blocks), fixedsize, narrow)
        for more_count, body in blocks:  # a term of more than one block (1,024 postings each)
            more = _block_arrays(more_count, body, fixedsize, narrow)
            ids += more[0]
            weights += more[1]
            lengths += more[2]
            values += more[3]
        if base:
            ids = array("I", [docnum + base for docnum in ids])
        yield key[len(prefix):], ids, weights, lengths, values


def renumbered_terms(reader, schema, fieldname: str, startdoc: int,
                     docmap: dict[int, int] | None) -> Iterator[tuple[bytes, tuple[array, array, array, bytes]]]:
    """One field's terms of the segment, each (term, (document numbers, weights, value lengths,
    values)), its documents renumbered as the writer numbered them (``docmap`` when the segment
    has deletions, else from ``startdoc`` on) and without the deleted ones."""
    if docmap is None:
        for text, docs, weights, lengths, values in field_terms(reader, schema, fieldname, startdoc):
            yield text, (docs, weights, lengths, values)
        return
    for text, ids, weights, lengths, values in field_terms(reader, schema, fieldname):
        kept = [i for i, docnum in enumerate(ids) if docnum in docmap]
        if len(kept) < len(ids):
            if not kept:
                continue
            if values:
                offsets = list(accumulate(lengths, initial=0))
                values = b"".join(values[offsets[i]:offsets[i + 1]] for i in kept)
            weights = array("f", [weights[i] for i in kept])
            lengths = array("I", [lengths[i] for i in kept])
            ids = [ids[i] for i in kept]
        yield text, (array("I", [docmap[docnum] for docnum in ids]), weights, lengths, values)

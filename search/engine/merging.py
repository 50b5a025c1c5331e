"""Merging segments a term at a time: what a tier's merge reads from the segments it folds in.

Whoosh merges a segment by handing its writer every posting as a tuple, one at a time (a
matcher per term, a generator step per posting): a day's segment of a hundred articles holds
about 60,000 terms and 140,000 postings, and was most of a day's indexing. A segment our codec
wrote is read here a term at a time instead, straight from the term file's entries (no
dictionary look-up) and the packed blocks (``codec.encode_block``), and each term's postings
join the writer's pool (``pool.TermPool``) as whole arrays, renumbered past the documents
already in it and without the deleted ones. The pool writes them as it writes any others, so
the merged segment is the one Whoosh's loop would have written.
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


def segment_terms(reader, schema) -> Iterator[tuple[str, bytes, array, array, array, bytes]]:
    """(field, term, document numbers in the segment, weights, value lengths, values) of every
    term of the schema's fields, in the term file's order."""
    terms = reader._terms
    fieldunmap = terms._fieldunmap
    postfile = terms._postfile
    fixedsizes = {name: field.format.fixed_value_size() for name, field in schema.items()
                  if field.format is not None}
    narrow = {name for name, field in schema.items() if isinstance(field.format, NarrowPositions)}
    for key, info in terms._tindex.items():
        fieldname = fieldunmap[_FIELD_ID.unpack_from(key)[0]]
        if fieldname not in fixedsizes:
            continue
        if info[0]:  # inlined postings: this codec writes none
            raise ValueError(f"inlined postings in {fieldname}")
        offset, length = _EXTENT.unpack_from(info, _TERM_INFO.size)
        fixedsize = fixedsizes[fieldname]
        is_narrow = fieldname in narrow
        blocks = _blocks(postfile.get(offset, length), count=_TERM_INFO.unpack_from(info)[2])
        ids, weights, lengths, values = _block_arrays(*next(blocks), fixedsize, is_narrow)
        for count, body in blocks:  # a term of more than one block (1,024 postings each)
            more = _block_arrays(count, body, fixedsize, is_narrow)
            ids += more[0]
            weights += more[1]
            lengths += more[2]
            values += more[3]
        yield fieldname, bytes(key[_FIELD_ID.size:]), ids, weights, lengths, values


def pool_segment(pool, reader, schema, startdoc: int, docmap: dict[int, int] | None) -> None:
    """Add every posting of the segment to the pool, its documents renumbered as the writer
    numbered them (``docmap`` when the segment has deletions, else from ``startdoc`` on)."""
    for fieldname, text, ids, weights, lengths, values in segment_terms(reader, schema):
        if docmap is None:
            docs = array("I", [docnum + startdoc for docnum in ids]) if startdoc else ids
        else:
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
            docs = array("I", [docmap[docnum] for docnum in ids])
        pool.extend(fieldname, text, docs, weights, lengths, values)

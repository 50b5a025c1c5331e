"""The packed posting blocks (search/codec.py), in bare Whoosh: no Django, no database."""
import struct
from array import array
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, Schema

from search.engine.codec import (
    ArchiveCodec,
    CompactPositions,
    NarrowPositions,
    decode_block,
    encode_block,
    pack_array,
    read_array,
)
from search.engine.whoosh_analysis import CharGramTokenizer, JiebaWordTokenizer, PairsTEXT

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.mark.parametrize("positions", [[0], [3, 9, 70000], list(range(0, 300, 7)), [65535], [65536]])
def test_positions_round_trip_with_their_frequency(positions):
    fmt = CompactPositions()
    encoded = fmt.encode(positions)
    assert fmt.decode_positions(encoded) == positions
    assert fmt.decode_frequency(encoded) == len(positions)
    assert fmt.decode_weight(encoded) == len(positions)


@pytest.mark.parametrize(
    "ids, weights, fixedsize",
    [
        ([5], [1.0], None),  # one posting
        ([0, 1, 2, 300, 70000, 70001], [1.0, 2.0, 1.0, 3.0, 255.0, 1.0], None),  # small whole weights
        ([10, 20], [2.0, 2.0], None),  # one shared weight
        ([1, 2, 3], [0.5, 1.5, 2.25], None),  # fractional weights are kept as floats
        ([1, 4], [1.0, 300.0], 0),  # no values at all (a field without positions)
        ([7, 8, 9], [1.0, 1.0, 1.0], 2),  # fixed-size values
    ],
)
def test_blocks_round_trip(ids, weights, fixedsize):
    fmt = CompactPositions()
    if fixedsize is None:
        values = [fmt.encode([i, i + 70000]) for i in range(len(ids))]
    elif fixedsize == 0:
        values = []
    else:
        values = [bytes([i, i]) for i in range(len(ids))]
    data = encode_block(array("I", ids), array("f", weights), values, fixedsize)
    got_ids, got_weights, got_values = decode_block(data, len(ids), fixedsize)
    assert list(got_ids) == ids
    assert list(got_weights) == pytest.approx(weights)
    assert list(got_values) == (values if fixedsize != 0 else [None] * len(ids))


@pytest.mark.parametrize("values", [[7], [0, 255], [256, 3, 65535], [65536, 0, 1 << 31], list(range(0, 3000, 7))])
def test_arrays_are_written_a_byte_plane_at_a_time_and_read_back_as_written_before(values):
    from search.engine.columnar import _array

    packed = pack_array(values)
    got, end = read_array(b"x" + packed + b"rest", 1, len(values))
    assert got.tolist() == values and end == 1 + len(packed)
    got, end = _array(b"x" + packed, 1, len(values))
    assert got.tolist() == values and end == 1 + len(packed)
    if max(values) > 255:  # the high plane: one byte per number, after every low byte
        typecode = packed[:1].decode()
        assert typecode in "hi" and packed[1 + len(values):1 + 2 * len(values)] == bytes((v >> 8) & 255 for v in values)
    plain = ("B" if max(values) < 256 else "H" if max(values) < 65536 else "I")  # as blocks were written before
    old = plain.encode() + array(plain, values).tobytes()
    assert read_array(old, 0, len(values))[0].tolist() == values
    assert _array(old, 0, len(values))[0].tolist() == values


@pytest.mark.parametrize(
    "positions, weights, typecode",
    [
        ([[5]], None, "B"),  # one posting, one position under 256: one byte
        ([[3, 9], [0], [300, 301, 302]], None, "H"),  # counts are the weights: not written
        ([[7], [65535, 70000]], None, "I"),  # an article past 65,535 characters: four bytes
        ([[1, 2], [4]], [8.0, 4.0], "B"),  # a boosted field: counts written beside the weights
    ],
)
def test_narrow_blocks_round_trip_and_write_positions_in_the_narrowest_type(positions, weights, typecode):
    from search.engine.columnar import _decode

    fmt = NarrowPositions()
    ids = array("I", range(10, 10 + 3 * len(positions), 3))
    weights = array("f", weights or [len(p) for p in positions])
    values = [fmt.encode(p) for p in positions]
    data = encode_block(ids, weights, values, fmt.fixed_value_size(), narrow=True)
    assert decode_block(data, len(ids), fmt.fixed_value_size(), narrow=True) == (tuple(ids), weights, tuple(values))
    got_ids, got_weights, counts, flat = _decode(len(ids), data, True, True)
    assert got_ids.tolist() == list(ids) and got_weights.tolist() == list(weights)
    assert counts.tolist() == [len(p) for p in positions]
    assert flat.tolist() == [n for p in positions for n in p]
    total = sum(map(len, positions))
    planes = array(typecode, flat.tolist()).tobytes()
    size = array(typecode).itemsize
    code = typecode if size == 1 else typecode.lower()  # two- and four-byte numbers a byte plane at a time
    assert data.endswith(code.encode() + b"".join(planes[plane::size] for plane in range(size)))
    wide = encode_block(ids, weights, values, fmt.fixed_value_size())
    lengths = 1 + len(ids)  # the wide block's type code and byte lengths, one byte each here
    counts_written = 1 if weights.tolist() == counts.tolist() else 1 + len(ids)
    narrowed = total * (4 - array(typecode).itemsize)
    assert len(data) == len(wide) - lengths + counts_written + 1 - narrowed


def _build(path: Path, codec, texts: list[str]):
    schema = Schema(id=ID(stored=True, unique=True), grams=PairsTEXT(CharGramTokenizer()),
                    words=PairsTEXT(JiebaWordTokenizer()))
    path.mkdir()
    ix = whoosh_index.create_in(str(path), schema)
    # several commits without merging, so the answers come from more than one segment
    for start in range(0, len(texts), 7):
        writer = ix.writer(codec=codec)
        for number, text in enumerate(texts[start:start + 7], start):
            writer.add_document(id=str(number), grams=text, words=text)
        writer.commit(merge=False)
    return ix


def _paragraphs() -> list[str]:
    text = (SEEDS / "000_f0b56df181bc18e0.txt").read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n") if len(p.strip()) > 30][:60]


def _answers(ix, queries):
    with ix.searcher() as searcher:
        return [
            [(hit["id"], round(hit.score, 4)) for hit in searcher.search(q, limit=None)] for q in queries
        ]


@pytest.mark.parametrize("weights", [[1.0] * 300, [2.0] * 300, [float(i % 7 + 1) for i in range(300)],
                                     [i / 4 for i in range(300)]])
def test_a_deflated_blocks_head_gives_its_documents_and_weights_without_its_positions(weights):
    import zlib

    from search.engine.columnar import _decode, _inflate_head

    fmt = CompactPositions()
    ids = array("I", range(3, 3 + 300 * 260, 260))  # gaps over 255: two-byte deltas
    values = [fmt.encode(list(range(i, i + 50))) for i in range(300)]
    data = encode_block(ids, array("f", weights), values, None)
    head = _inflate_head(zlib.compress(data, 3), 300)
    assert len(head) < len(data) // 4  # the positions were left deflated
    got_ids, got_weights, _, _ = _decode(300, head, False)
    assert got_ids.tolist() == list(ids)
    assert got_weights.tolist() == pytest.approx(weights)


def test_an_index_written_with_packed_blocks_answers_like_whooshs_own(tmp_path):
    texts = _paragraphs()
    ours = _build(tmp_path / "ours", ArchiveCodec(), texts)
    stock = _build(tmp_path / "stock", W3Codec(), texts)
    queries = [
        wq.Term("grams", "太原"),
        wq.Phrase("grams", ["疫情", "情防", "防控"]),
        wq.Prefix("grams", "市"),
        wq.And([wq.Term("words", "太原"), wq.Term("words", "发展")]),
        wq.Phrase("words", ["高质量", "发展"]),
    ]
    answers = _answers(ours, queries)
    assert answers == _answers(stock, queries)
    assert all(answers[:2])  # the queries do find something

    # merging segments reads and rewrites every block
    ours.writer(codec=ArchiveCodec()).commit(optimize=True)
    stock.writer(codec=W3Codec()).commit(optimize=True)
    assert len(ours.reader().leaf_readers()) == 1
    assert _answers(ours, queries) == _answers(stock, queries)

    def size(ix):
        return sum(f.stat().st_size for f in Path(ix.storage.folder).iterdir())

    # on sixty paragraphs the term dictionary, which is Whoosh's own in both, is most of the index
    assert size(ours) < 0.65 * size(stock)


def _terms_as_stored(reader):
    """(field, term, its postings' bytes, its document count) of every term of a segment."""
    from search.engine.codec import _EXTENT, _FIELD_ID, _TERM_INFO

    terms = reader._terms
    for key, info in terms._tindex.items():
        offset, length = _EXTENT.unpack_from(info, _TERM_INFO.size)
        yield (terms._fieldunmap[_FIELD_ID.unpack_from(key)[0]], bytes(key[_FIELD_ID.size:]),
               terms._postfile.get(offset, length), _TERM_INFO.unpack_from(info)[2])


def _first_level(data) -> int:
    from search.engine.codec import _BLOCK_INFO, is_one_block_record

    return data[0] if is_one_block_record(data) else _BLOCK_INFO.unpack_from(data, 8)[3]


def test_blocks_whose_head_is_deflated_apart_are_read_alike_by_whoosh_numpy_and_c(tmp_path, monkeypatch):
    import numpy as np

    from search.engine import codec, columnar

    # every block with positions split, even the short ones of sixty paragraphs
    monkeypatch.setattr(codec, "_MIN_SPLIT_BYTES", 0)
    texts = _paragraphs()
    ours = _build(tmp_path / "ours", ArchiveCodec(), texts * 3)
    stock = _build(tmp_path / "stock", W3Codec(), texts * 3)
    queries = [wq.Term("grams", "太原"), wq.Phrase("grams", ["疫情", "情防", "防控"]), wq.Prefix("grams", "市"),
               wq.Phrase("words", ["高质量", "发展"])]
    assert _answers(ours, queries) == _answers(stock, queries)

    def read_alike(ix) -> int:
        split = 0
        with ix.searcher() as searcher:
            for reader, _ in searcher.reader().leaf_readers():
                for fieldname, text, data, count in _terms_as_stored(reader):
                    split += bool(_first_level(data) & codec.SPLIT)
                    fmt = ix.schema[fieldname].format
                    narrow, has_positions = isinstance(fmt, NarrowPositions), fmt.supports("positions")
                    matcher = reader.postings(fieldname, text)
                    ids, values = [], []
                    while matcher.is_active():
                        ids.append(matcher.id())
                        values.append(matcher.value_as("positions") if has_positions else None)
                        matcher.next()
                    for positions in {False, has_positions}:
                        python = columnar._decode_python(data, count, 0, positions=positions,
                                                         narrow=narrow and positions)
                        compiled = columnar._columnar.decode(data, count, 0, positions, narrow and positions)
                        assert compiled is not None
                        assert np.frombuffer(compiled[0], np.int64).tolist() == python[0].tolist() == ids
                        assert np.frombuffer(compiled[1], np.float64).tobytes() == python[1].tobytes()
                        if positions:
                            assert np.frombuffer(compiled[3], np.int64).tolist() == python[3].tolist() == [
                                p for found in values for p in found]
        return split

    assert read_alike(ours) >= 10
    # merging reads every block and writes them again, split
    ours.writer(codec=ArchiveCodec()).commit(optimize=True)
    stock.writer(codec=W3Codec()).commit(optimize=True)
    assert _answers(ours, queries) == _answers(stock, queries)
    assert read_alike(ours) >= 100


def test_a_block_is_deflated_whole_below_a_kilobyte_and_split_above():
    from search.engine import codec

    fmt = CompactPositions()
    for postings, split in ((10, False), (300, True)):
        ids = array("I", range(3, 3 + postings * 9, 9))
        data = encode_block(ids, array("f", [2.0] * postings), [fmt.encode([i, i + 40]) for i in range(postings)], None)
        level, body = codec.deflate_block(data, postings, 3)
        assert bool(level & codec.SPLIT) == split and level & ~codec.SPLIT == 3
        assert decode_block(codec.inflate_block(body, level, postings), postings, None) == decode_block(
            data, postings, None)
        head = codec.inflate_block(body, level, postings, head_only=True)
        if split:  # the head alone, its gaps as a plain array
            assert head[0] == ord("I") and len(head) == 1 + 4 * postings + 1 + 4
    # a block without values (a word field's) is its head, bit-packed, and nothing after it
    ids = array("I", range(0, 300_000, 300))  # two bytes a gap: 2 KB
    data = encode_block(ids, [1.0] * 1000, [], 0)
    level, body = codec.deflate_block(data, 1000, 3)
    assert level == 3 | codec.SPLIT and len(body) < 0.6 * len(data)  # nine bits a gap, not sixteen
    assert decode_block(codec.inflate_block(body, level, 1000), 1000, 0)[0] == tuple(ids)
    assert codec.deflate_block(b"x" * 40, 1, 3) == (0, b"x" * 40)


@pytest.mark.parametrize("count", [1, 31, 32, 33, 1000, 1025])
def test_bit_packed_numbers_round_trip_at_every_width(count):
    import numpy as np

    from search.engine import codec

    rng = np.random.default_rng(count)
    for width in range(33):
        values = rng.integers(0, 1 << width, count, dtype=np.uint64) if width else np.zeros(count, np.uint64)
        values[rng.integers(count)] = (1 << width) - 1 if width else 0  # the widest number of the width
        packed = codec.pack_bits(values)
        assert len(packed) == -(-count // 32) * 1 + sum(4 * int(values[i:i + 32].max()).bit_length()
                                                          for i in range(0, count, 32))
        unpacked, end = codec.unpack_bits(b"xy" + packed + b"z", 2, count)
        assert unpacked.tolist() == values.tolist() and end == 2 + len(packed)
    with pytest.raises(ValueError, match="cut short"):
        codec.unpack_bits(codec.pack_bits(range(100))[:-1], 0, 100)
    with pytest.raises(ValueError, match="33 bits wide"):
        codec.unpack_bits(bytes([33]) + bytes(132), 0, 1)


def _pooled_index(path: Path, pool, texts: list[str]):
    from whoosh.writing import SegmentWriter

    schema = Schema(id=ID(stored=True, unique=True), grams=PairsTEXT(CharGramTokenizer()),
                    words=PairsTEXT(JiebaWordTokenizer()))
    path.mkdir()
    ix = whoosh_index.create_in(str(path), schema)
    writer = SegmentWriter(ix, codec=ArchiveCodec(blocklimit=8))  # small blocks: terms span several
    writer.pool = pool
    for number, text in enumerate(texts):
        writer.add_document(id=str(number), grams=text, words=text)
    writer.commit(merge=False)
    return ix


def _everything(ix) -> list:
    with ix.reader() as reader:
        found = []
        for fieldname, text in reader.all_terms():
            if fieldname == "id":
                continue
            info = reader.term_info(fieldname, text)
            matcher = reader.postings(fieldname, text)
            postings = []
            while matcher.is_active():
                postings.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            found.append((fieldname, text, info.weight(), info.doc_frequency(), info.min_length(),
                          info.max_length(), info.max_weight(), info.min_id(), info.max_id(), postings))
        return found


def test_a_pooled_term_is_written_whole_as_whoosh_writes_it_posting_by_posting(tmp_path):
    from search.engine.backend import TermPool

    class OneByOne(TermPool):
        def iter_postings(self):
            return self.each_posting()  # a bare iterator: Whoosh's loop, a posting at a time

    texts = _paragraphs()
    whole = _everything(_pooled_index(tmp_path / "whole", TermPool(), texts))
    one_by_one = _everything(_pooled_index(tmp_path / "one", OneByOne(), texts))
    assert whole == one_by_one
    assert any(len(postings) > 8 for *_, postings in whole)  # some term took several blocks


def _term_rows(ix) -> list[tuple[bytes, bytes, bytes]]:
    """Every term's table row and postings bytes, segment by segment."""
    rows = []
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            terms = leaf._terms
            for key, info in terms._tindex.items():
                offset, length = struct.unpack_from("!qi", info, struct.calcsize("!BfIBBfII"))
                rows.append((bytes(key), bytes(info), bytes(terms._postfile.get(offset, length))))
    return rows


def test_one_block_terms_are_written_as_the_general_path_writes_them(tmp_path, monkeypatch):
    from search.engine import backend, codec

    texts = _paragraphs()

    def build(path):
        path.mkdir()
        schema = Schema(id=ID(stored=True, unique=True), grams=PairsTEXT(CharGramTokenizer()),
                        words=PairsTEXT(JiebaWordTokenizer(), positions=False))
        ix = whoosh_index.create_in(str(path), schema)
        writer = backend._open_writer(ix, lock=True)
        for number, text in enumerate(texts):
            writer.add_document(id=str(number), grams=text, words=text)
        writer.commit(merge=False)
        return ix

    fused = _term_rows(build(tmp_path / "fused"))
    monkeypatch.setattr(codec.CompactFieldWriter, "write_one_block_terms_directly", False)
    general = _term_rows(build(tmp_path / "general"))
    assert len(fused) > 1000 and fused == general


def test_a_term_of_one_block_is_written_without_a_block_header_and_read_like_any_other(tmp_path):
    from search.engine.codec import is_one_block_record

    texts = _paragraphs()
    ours = _build(tmp_path / "ours", ArchiveCodec(blocklimit=8), texts)
    stock = _build(tmp_path / "stock", W3Codec(blocklimit=8), texts)
    ours.writer(codec=ArchiveCodec(blocklimit=8)).commit(optimize=True)
    stock.writer(codec=W3Codec(blocklimit=8)).commit(optimize=True)
    kinds = set()
    with ours.reader() as mine, stock.reader() as theirs:
        terms = mine.leaf_readers()[0][0]._terms
        for (fieldname, text), info in terms.items():
            if fieldname == "id":
                continue
            offset, length = struct.unpack_from("!qi", terms._tindex[terms._keycoder(fieldname, text)],
                                                struct.calcsize("!BfIBBfII"))
            one_block = is_one_block_record(terms._postfile.get(offset, 4))
            assert one_block == (info.doc_frequency() <= 8)
            kinds.add(one_block)
            got, expected = mine.postings(fieldname, text), theirs.postings(fieldname, text)
            assert list(got.items_as("positions" if fieldname == "grams" else "frequency")) == \
                list(expected.items_as("positions" if fieldname == "grams" else "frequency"))
    assert kinds == {True, False}


@pytest.mark.parametrize("compression", [-1, 10])
def test_a_compression_level_that_would_not_fit_a_one_block_records_first_byte_is_refused(compression):
    with pytest.raises(ValueError, match="zlib level from 0 to 9"):
        ArchiveCodec(compression=compression)

"""The compiled posting decoder (``search/engine/_columnar.c``) makes the arrays the Python
decoder (``columnar._decode_python``) makes, on random terms of every block layout
``search/engine/codec.py`` writes: one-block records and lists of blocks, deflated or not,
document numbers and position arrays of one, two and four bytes (as byte planes, and as the plain
arrays of blocks written before them), the four weight flags, with and without positions, narrow
and compact positions."""
import random
import struct
import types
import zlib
from array import array

import numpy as np
import pytest
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC

from search.engine import codec, columnar
from search.engine.codec import _BLOCK_INFO, _MIN_COMPRESSED_BYTES, encode_block, one_block_record

_INT = struct.Struct("!i")


def test_the_compiled_decoder_is_built():
    assert columnar._columnar is not None, "search/engine/_columnar.c is not compiled: run `make install`"


def _plain_pack_array(values) -> bytes:
    """pack_array as blocks were written before byte planes: upper-case codes, numbers whole."""
    typecode = codec._narrowest(values)
    return typecode.encode() + codec._pack(typecode, values)


def _weights(rng: random.Random, count: int, occurrences: list[int] | None) -> list[float]:
    kinds = ["one", "same", "bytes", "floats"] + (["counts"] if occurrences else [])
    kind = rng.choice(kinds)
    if kind == "one":
        return [1.0] * count
    if kind == "same":
        return [rng.choice([2.0, 0.5, 1.5, 3.25])] * count
    if kind == "bytes":
        return [float(rng.randint(0, 255)) for _ in range(count)]
    if kind == "counts":  # narrow blocks then write a zero byte for the counts
        return [float(n) for n in occurrences]
    return [float(np.float32(rng.random() * rng.choice([1, 10, 1000]))) for _ in range(count)]


def _block(rng: random.Random, first: int, count: int, *, positions: bool, narrow: bool):
    gap = rng.choice([1, 3, 200, 70_000, 5_000_000])
    if first + (gap + 1) * count >= 1 << 31:  # document numbers stay 32-bit
        gap = 3
    ids = sorted(rng.sample(range(first, first + gap * count + count), count))
    occurrences = [rng.choice([1, 1, 2, rng.randint(1, 40)]) for _ in range(count)] if positions else None
    weights = array("f", _weights(rng, count, occurrences)).tolist()
    if not positions:
        return ids, weights, [], 0, None
    top = rng.choice([200, 60_000, 3_000_000])
    values = [codec._pack("I", sorted(rng.randrange(top) for _ in range(n))) for n in occurrences]
    return ids, weights, values, None, values


def _term(rng: random.Random, *, positions: bool, narrow: bool, blocks: int):
    """A term's postings bytes as the codec writes them, its document count, and what went in."""
    encoded, postings, first = [], [], 0
    for _ in range(blocks):
        count = rng.choice([1, 1, 2, 5, rng.randint(1, 1024), 1024])
        ids, weights, values, fixed, kept = _block(rng, first, count, positions=positions, narrow=narrow)
        first = ids[-1] + 1
        data = encode_block(ids, weights, values, fixed, narrow=narrow)
        level = rng.choice([0, 1, 3, 9]) if len(data) >= _MIN_COMPRESSED_BYTES else 0
        if level:
            # one stream (as blocks were written before), as the codec writes it now (a long
            # block's head deflated apart), or every block with values split
            how = rng.choice(["one stream", "as written", "split"])
            if how == "one stream":
                data = zlib.compress(data, level)
            else:
                with pytest.MonkeyPatch.context() as patch:
                    if how == "split":
                        patch.setattr(codec, "_MIN_SPLIT_BYTES", 0)
                    level, data = codec.deflate_block(data, count, level)
        encoded.append((count, ids[-1], max(weights), level, data))
        postings.append((ids, weights, kept))
    if blocks == 1 and rng.random() < 0.7:
        count, _, _, level, data = encoded[0]
        return one_block_record(level, data), count, postings
    out = [WHOOSH3_HEADER_MAGIC]
    for number, (count, last_id, top, level, data) in enumerate(encoded):
        info = _BLOCK_INFO.pack(count, last_id, top, level, 0, 255)
        length = len(info) + len(data)
        out += [_INT.pack(-length if number == len(encoded) - 1 else length), info, data]
    return b"".join(out), sum(len(p[0]) for p in postings), postings


def _both(data, count, base, *, positions, narrow):
    compiled = columnar._columnar.decode(data, count, base, positions, narrow)
    assert compiled is not None, "the compiled decoder should read every layout the codec writes"
    ours = columnar.decode_postings(data, count, base, positions=positions, narrow=narrow)
    python = columnar._decode_python(data, count, base, positions=positions, narrow=narrow)
    return ours, python


def _same(ours, python):
    assert len(ours) == len(python) == 4
    for mine, theirs in zip(ours, python, strict=True):
        if theirs is None:
            assert mine is None
            continue
        assert mine.dtype == theirs.dtype and mine.shape == theirs.shape
        assert mine.tobytes() == theirs.tobytes()  # bit for bit, floats included


LAYOUTS = [
    pytest.param(True, True, id="narrow positions (the gram fields)"),
    pytest.param(True, False, id="compact positions"),
    pytest.param(False, False, id="no positions (the word and keyword fields)"),
]


@pytest.mark.parametrize("plain", [False, True], ids=["byte planes", "plain arrays"])
@pytest.mark.parametrize("positions,narrow", LAYOUTS)
def test_random_terms_decode_the_same_compiled_and_in_python(positions, narrow, plain, monkeypatch):
    if plain:
        monkeypatch.setattr(codec, "pack_array", _plain_pack_array)
    rng = random.Random(f"{positions} {narrow} {plain}")
    for round_ in range(120):
        blocks = rng.choice([1, 1, 1, 2, 3, rng.randint(4, 9)])
        data, count, postings = _term(rng, positions=positions, narrow=narrow, blocks=blocks)
        base = rng.choice([0, 7, 150_000])
        # read as stored, and (a gram field asked for its documents only) without positions
        for with_positions in {positions, False}:
            ours, python = _both(data, count, base, positions=with_positions, narrow=narrow and with_positions)
            _same(ours, python)
            expected_ids = [i + base for ids, _, _ in postings for i in ids]
            assert ours[0].tolist() == expected_ids, round_
            assert ours[1].tolist() == [w for _, weights, _ in postings for w in weights], round_
            if with_positions:
                expected = [p for _, _, kept in postings for value in kept for p in codec._unpack("I", value)]
                assert ours[3].tolist() == expected, round_
                assert ours[2].tolist() == [len(v) // 4 for _, _, kept in postings for v in kept], round_


def test_every_layout_was_drawn():
    """The random terms above hold every type code and weight flag (so a layout the compiled
    decoder misreads cannot go untested)."""
    codes, flags = set(), set()
    for plain in (False, True):
        rng = random.Random(f"True True {plain}")
        with pytest.MonkeyPatch.context() as patch:
            if plain:
                patch.setattr(codec, "pack_array", _plain_pack_array)
            for _ in range(120):
                blocks = rng.choice([1, 1, 1, 2, 3, rng.randint(4, 9)])
                data, count, _ = _term(rng, positions=True, narrow=True, blocks=blocks)
                for n, body in columnar._blocks(data, count=count, positions=True):
                    codes.add(chr(body[0]))
                    end = 1 + n * {"B": 1, "H": 2, "h": 2, "I": 4, "i": 4}[chr(body[0])]
                    flags.add(body[end])
    assert codes == {"B", "H", "h", "I", "i"}
    assert flags == {0, 1, 2, 3}


def _levels(data) -> list[int]:
    """Each block's level byte, of a term's postings bytes."""
    if codec.is_one_block_record(data):
        return [data[0]]
    levels, offset = [], 4
    while True:
        (length,) = _INT.unpack_from(data, offset)
        levels.append(_BLOCK_INFO.unpack_from(data, offset + 4)[3])
        offset += 4 + abs(length)
        if length < 0:
            return levels


def test_the_random_terms_hold_blocks_deflated_whole_and_split():
    kinds = set()
    for positions, narrow in ((True, True), (True, False), (False, False)):
        rng = random.Random(f"{positions} {narrow} False")
        for _ in range(120):
            data, _, _ = _term(rng, positions=positions, narrow=narrow, blocks=rng.choice([1, 1, 1, 2, 3, 5]))
            kinds.update("split" if level & codec.SPLIT else "whole" if level else "raw" for level in _levels(data))
    assert kinds == {"split", "whole", "raw"}


def test_the_arrays_are_writable_as_the_pythons_are():
    rng = random.Random(3)
    data, count, _ = _term(rng, positions=True, narrow=True, blocks=3)
    for array_ in columnar.decode_postings(data, count, 0, positions=True, narrow=True):
        array_ += 1


@pytest.mark.parametrize("cut", ["torn", "bad code", "not a list", "truncated list", "torn split head",
                                 "torn split rest", "split head past the end", "frame too wide",
                                 "bytes after the head"])
def test_bytes_the_codec_did_not_write_are_left_to_the_python_which_raises(cut):
    rng = random.Random(cut)
    ids, weights, values, fixed, _ = _block(rng, 0, 300, positions=True, narrow=True)
    body = encode_block(ids, weights, values, fixed, narrow=True)
    level, split = codec.deflate_block(body, 300, 3)
    assert level == 3 | codec.SPLIT
    head_end = 4 + int.from_bytes(split[:4], "little")
    if cut == "torn":
        data = one_block_record(3, zlib.compress(body, 3)[:-20])
    elif cut == "torn split head":
        data = one_block_record(level, (head_end - 7).to_bytes(4, "little") + split[4:head_end - 3] + split[head_end:])
    elif cut == "torn split rest":
        data = one_block_record(level, split[:-20])
    elif cut == "split head past the end":
        data = one_block_record(level, (len(split) + 1).to_bytes(4, "little") + split[4:])
    elif cut == "frame too wide":  # the gaps' first frame (after the weight flag)
        data = one_block_record(level, split[:5] + bytes([40]) + split[6:])
    elif cut == "bytes after the head":
        data = one_block_record(level, (head_end - 3).to_bytes(4, "little") + split[4:head_end] + b"\x00"
                                + split[head_end:])
    elif cut == "bad code":
        data = one_block_record(0, b"X" + body[1:])
    elif cut == "not a list":
        data = b"Wxyz" + body
    else:
        info = _BLOCK_INFO.pack(300, ids[-1], 1.0, 0, 0, 255)
        data = WHOOSH3_HEADER_MAGIC + _INT.pack(-(len(info) + len(body))) + info + body[:-10]
    for positions in (True, False):
        if cut in ("torn", "truncated list", "torn split rest") and not positions:
            # the block's head is whole, and Python reads the documents: so does decode_postings
            # (compiled, or for a list longer than its bytes, by the Python)
            _same(columnar.decode_postings(data, 300, 0, positions=False, narrow=False),
                  columnar._decode_python(data, 300, 0, positions=False, narrow=False))
            continue
        assert columnar._columnar.decode(data, 300, 0, positions, positions) is None
        with pytest.raises(Exception) as raised:
            columnar._decode_python(data, 300, 0, positions=positions, narrow=positions)
        with pytest.raises(raised.type):
            columnar.decode_postings(data, 300, 0, positions=positions, narrow=positions)


def test_without_the_compiled_module_the_python_decodes(monkeypatch):
    rng = random.Random(5)
    data, count, postings = _term(rng, positions=True, narrow=True, blocks=2)
    monkeypatch.setattr(columnar, "_columnar", None)
    docs, *_ = columnar.decode_postings(data, count, 10, positions=True, narrow=True)
    assert docs.tolist() == [i + 10 for ids, _, _ in postings for i in ids]


def test_make_speedups_compiles_the_decoder_with_zlib(tmp_path):
    import importlib.util
    import shutil
    from pathlib import Path

    from search import build_speedups

    source = Path(columnar.__file__).with_name("_columnar.c")
    shutil.copy(source, tmp_path / source.name)
    shutil.copy(source.with_name("_termrows.h"), tmp_path / "_termrows.h")
    built = build_speedups.build(tmp_path / source.name)
    assert built is not None and built.is_file()
    spec = importlib.util.spec_from_file_location("_columnar", built)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # links: zlib's symbols resolved
    data = one_block_record(3, zlib.compress(encode_block([5, 9], [1.0, 2.0], [], 0) * 1, 3))
    docs, weights, counts, found = module.decode(data, 2, 0, False, False)
    assert np.frombuffer(docs, np.int64).tolist() == [5, 9] and counts is None and found is None


def _numpy_bm25(docs, frequencies, lengths, boost, idf, average):
    """IndexView._bm25's numpy formula, the compiled bm25's reference."""
    K1, B = columnar.K1, columnar.B
    return boost * idf * (frequencies * (K1 + 1)) / (frequencies + K1 * ((1 - B) + B * lengths[docs] / average))


def test_bm25_in_one_pass_makes_the_same_doubles_as_numpy():
    rng = np.random.default_rng(11)
    for size in (1, 7, 1000, 150_000):
        lengths = columnar._BYTE_TO_LENGTH[rng.integers(0, 256, size)]
        count = int(rng.integers(1, size + 1))
        docs = np.sort(rng.choice(size, count, replace=False)).astype(np.int64)
        frequencies = rng.integers(1, 300, count).astype(np.float64)
        boost, idf, average = float(rng.choice([1.0, 2.0, 4.0])), float(rng.random() * 12), float(rng.random() * 900 + 1)
        ours = np.frombuffer(columnar._columnar.bm25(docs, frequencies, lengths, boost * idf, columnar.K1 + 1,
                                                     columnar.K1, 1 - columnar.B, columnar.B, average), np.float64)
        assert ours.tobytes() == _numpy_bm25(docs, frequencies, lengths, boost, idf, average).tobytes(), size


def test_bm25_leaves_a_document_out_of_range_to_numpy_which_raises():
    lengths = np.ones(10, np.float64)
    for docs in (np.array([3, 10], np.int64), np.array([-1], np.int64)):
        assert columnar._columnar.bm25(docs, np.ones(len(docs)), lengths, 1.0, 2.2, 1.2, 0.25, 0.75, 1.0) is None
    assert columnar._columnar.bm25(np.array([1], np.int64), np.ones(2), lengths, 1.0, 2.2, 1.2, 0.25, 0.75, 1.0) is None


def _gram_lists(rng, size: int, grams: int, top: int):
    """Postings of ``grams`` grams as IndexView.postings gives them (docs, weights, counts, positions)."""
    lists = []
    for offset in range(0, 2 * grams, 2):
        docs = np.sort(rng.choice(size, int(rng.integers(1, size + 1)), replace=False)).astype(np.int64)
        counts = rng.integers(1, 6, len(docs)).astype(np.int64)
        positions = np.concatenate([np.sort(rng.choice(top, int(c), replace=False)) for c in counts]).astype(np.int64)
        lists.append((offset, (docs, counts.astype(np.float64), counts, positions)))
    return lists


def _numpy_phrase_keys(candidate, lists, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(columnar, "_columnar", None)
        return columnar.phrase_keys(candidate, lists)


def test_phrase_keys_in_one_pass_are_the_numpy_intersection(monkeypatch):
    rng = np.random.default_rng(5)
    compared = found = 0
    for _ in range(400):
        size = int(rng.integers(1, 60))
        lists = _gram_lists(rng, size, int(rng.integers(1, 5)), top=int(rng.choice([8, 40, 3000])))
        candidate = rng.random(size) < rng.choice([0.3, 0.9, 1.0])
        ours = columnar.phrase_keys(candidate, lists)
        assert ours.dtype == np.int64
        assert ours.tolist() == _numpy_phrase_keys(candidate, lists, monkeypatch).tolist()
        compared += 1
        found += len(ours) > 0
    assert compared == 400 and found > 50  # many phrases found something


def test_phrase_keys_not_increasing_are_left_to_numpy(monkeypatch):
    # a position past 2 ** 24 runs into the next document's numbers: the compiled pass declines
    docs = np.array([0, 1], np.int64)
    counts = np.array([1, 1], np.int64)
    positions = np.array([(1 << 24) + 5, 0], np.int64)
    lists = [(0, (docs, counts.astype(np.float64), counts, positions)), (0, (docs, counts.astype(np.float64),
                                                                              counts, positions))]
    candidate = np.ones(2, bool)
    assert columnar._columnar.phrase_keys(candidate.view(np.uint8), tuple((o, d, c, p) for o, (d, _, c, p) in lists),
                                          24) is None
    assert columnar.phrase_keys(candidate, lists).tolist() == _numpy_phrase_keys(candidate, lists, monkeypatch).tolist()
    # a document beyond the candidates
    assert columnar._columnar.phrase_keys(np.ones(1, np.uint8), ((0, docs, counts, np.array([3, 4], np.int64)),),
                                          24) is None


def test_a_block_whose_checksum_fails_is_left_to_the_python_which_raises():
    # a block short enough that reading its head inflates it to the end, where the checksum is:
    # zlib's decompressobj raises there, so the compiled reading of the head must not answer
    body = encode_block([3, 9, 40], [1.0, 1.0, 1.0], [], 0)
    deflated = bytearray(zlib.compress(body, 3))
    deflated[-1] ^= 0xFF  # the Adler-32 after the data
    data = one_block_record(3, bytes(deflated))
    with pytest.raises(zlib.error):
        columnar._decode_python(data, 3, 0, positions=False, narrow=False)
    assert columnar._columnar.decode(data, 3, 0, False, False) is None
    with pytest.raises(zlib.error):
        columnar.decode_postings(data, 3, 0, positions=False, narrow=False)


@pytest.mark.parametrize("positions", [False, True])
@pytest.mark.parametrize("spoil", ["checksum", "check bits", "preset dictionary", "method"])
def test_a_block_zlib_would_refuse_is_left_to_the_python_which_raises(spoil, positions):
    # the compiled reader inflates without zlib's header and checksum handling (a head read
    # alone skips the running checksum), so it checks both itself, as zlib would
    # without positions, a block of none: its head is all of it, so both readers reach the end
    body = (encode_block([3, 9, 40], [1.0, 2.0, 1.0], [b"\x01\x00\x00\x00"] * 3, None) if positions
            else encode_block([3, 9, 40], [1.0, 1.0, 1.0], [], 0))
    deflated = bytearray(zlib.compress(body, 3))
    if spoil == "checksum":
        deflated[-2] ^= 0x10
    elif spoil == "check bits":
        deflated[1] ^= 0x01
    elif spoil == "preset dictionary":
        deflated[1] |= 0x20
        deflated[1] = (deflated[1] & 0xE0) | (31 - ((deflated[0] << 8) | (deflated[1] & 0xE0)) % 31) % 31
    elif spoil == "method":
        deflated[0] = (deflated[0] & 0xF0) | 0x07
        deflated[1] = (deflated[1] & 0xE0) | (31 - ((deflated[0] << 8) | (deflated[1] & 0xE0)) % 31) % 31
    data = one_block_record(3, bytes(deflated))
    with pytest.raises(zlib.error):
        columnar._decode_python(data, 3, 0, positions=positions, narrow=False)
    assert columnar._columnar.decode(data, 3, 0, positions, False) is None
    # and the block unspoilt is read alike by both
    whole = one_block_record(3, zlib.compress(body, 3))
    ours = columnar._columnar.decode(whole, 3, 0, positions, False)
    reference = columnar._decode_python(whole, 3, 0, positions=positions, narrow=False)
    assert np.frombuffer(ours[0], np.int64).tolist() == reference[0].tolist() == [3, 9, 40]


def test_a_split_heads_byte_weight_above_255_is_left_to_the_python_which_raises():
    """Weights of a byte each, bit-packed: a frame may hold a number no byte holds. The compiled
    reader refuses it with or without positions (a head read alone goes straight into the rows)."""
    count = 40
    gaps = [3] * count
    weights = [1] * (count - 1) + [300]
    head = bytes((codec._WEIGHTS_BYTES,)) + codec.pack_bits(gaps) + codec.pack_bits(weights)
    rest = zlib.compress(b"", 3)
    data = one_block_record(3 | codec.SPLIT, len(head).to_bytes(4, "little") + head + rest)
    for positions in (False, True):
        assert columnar._columnar.decode(data, count, 0, positions, False) is None
    with pytest.raises(ValueError, match="above 255"):
        columnar._decode_python(data, count, 0, positions=False, narrow=False)
    # the same head with every weight a byte is read
    head = bytes((codec._WEIGHTS_BYTES,)) + codec.pack_bits(gaps) + codec.pack_bits([2] * count)
    data = one_block_record(3 | codec.SPLIT, len(head).to_bytes(4, "little") + head + rest)
    docs, frequencies, _, _ = columnar.compiled_arrays(columnar._columnar.decode(data, count, 0, False, False))
    assert docs.tolist() == list(range(3, 3 * count + 1, 3)) and frequencies.tolist() == [2.0] * count


def test_a_split_block_whose_count_its_bytes_cannot_hold_is_left_to_the_python():
    # a torn row or block header: the count is refused before room is made for its postings
    body = encode_block(list(range(0, 3000, 3)), [2.0] * 1000, [b"\x01\x00\x00\x00"] * 1000, None)
    level, split = codec.deflate_block(body, 1000, 3)
    assert level & codec.SPLIT
    data = one_block_record(level, split)
    for count in (100_000_000, 40_000):
        assert columnar._columnar.decode(data, count, 0, False, False) is None
        with pytest.raises(ValueError):
            columnar._decode_python(data, count, 0, positions=False, narrow=False)


def test_an_old_compiled_writer_is_left_unused():
    """A _postings module built before its callback became codec.deflated_record (no RECORD_API)
    would fail every write: the codec then writes records in Python."""
    import types

    assert codec._postings is not None and codec._postings.RECORD_API == 2
    assert codec._callable_writer(codec._postings) is codec._postings
    built_before = types.SimpleNamespace(one_block_term=codec._postings.one_block_term)
    assert codec._callable_writer(built_before) is None
    assert codec._callable_writer(None) is None


def test_a_block_without_the_end_of_its_checksum_is_read_as_zlib_reads_it():
    # zlib.decompress refuses a stream cut within its checksum; a head read (decompressobj) does not
    # reach the checksum's end and answers: so does the compiled reading
    body = encode_block([3, 9, 40], [1.0, 1.0, 1.0], [], 0)
    data = one_block_record(3, zlib.compress(body, 3)[:-2])
    with pytest.raises(zlib.error):
        columnar._decode_python(data, 3, 0, positions=True, narrow=False)
    assert columnar._columnar.decode(data, 3, 0, True, False) is None
    assert columnar._decode_python(data, 3, 0, positions=False, narrow=False)[0].tolist() == [3, 9, 40]
    assert np.frombuffer(columnar._columnar.decode(data, 3, 0, False, False)[0], np.int64).tolist() == [3, 9, 40]


def test_phrase_keys_whose_counts_do_not_add_up_to_the_positions_are_left_to_numpy(monkeypatch):
    docs = np.array([0, 1], np.int64)
    counts = np.array([1, 1], np.int64)
    candidate = np.ones(2, bool)
    for positions in (np.array([4, 5, 6], np.int64), np.array([4], np.int64)):
        lists = [(0, (docs, counts.astype(np.float64), counts, positions))]
        assert columnar._columnar.phrase_keys(candidate.view(np.uint8), ((0, docs, counts, positions),), 24) is None
        with pytest.raises((ValueError, IndexError)):
            _numpy_phrase_keys(candidate, lists, monkeypatch)
        with pytest.raises((ValueError, IndexError)):
            columnar.phrase_keys(candidate, lists)


def test_phrase_keys_of_no_grams_are_the_numpys():
    candidate = np.ones(2, bool)
    assert columnar._columnar.phrase_keys(candidate.view(np.uint8), (), 24) is None
    assert columnar.phrase_keys(candidate, []) is None  # the numpy loop's answer: no keys were made


def test_phrase_keys_wrap_around_as_numpys_int64s_do(monkeypatch):
    # signed overflow in C is undefined (an -fsanitize=undefined build stops on it); numpy wraps
    docs, counts = np.array([0, 2], np.int64), np.array([1, 1], np.int64)
    candidate = np.ones(3, bool)
    for offset, positions in ((-(1 << 62), [1 << 62, (1 << 62) + 5]), (-(1 << 63), [1, 2]),
                              ((1 << 63) - 1, [-5, -1])):
        lists = [(offset, (docs, counts.astype(np.float64), counts, np.array(positions, np.int64)))]
        made = columnar._columnar.phrase_keys(candidate.view(np.uint8), ((offset, docs, counts, lists[0][1][3]),), 24)
        expected = _numpy_phrase_keys(candidate, lists, monkeypatch)
        assert made is not None and np.frombuffer(made, np.int64).tolist() == expected.tolist()


@pytest.mark.parametrize("level", [0, 3])
@pytest.mark.parametrize("where", ["the row", "the block's header"])
def test_a_count_more_than_the_bytes_hold_is_left_to_the_python_which_raises(level, where):
    # a torn count (the row's document frequency, or a block's) asked the compiled decoder for
    # arrays of billions of postings: a MemoryError where the Python raises its ValueError
    body = encode_block([3, 9, 40], [1.0, 1.0, 1.0], [], 0)
    if level:
        body = zlib.compress(body, level)
    count = (1 << 32) - 1
    if where == "the row":
        data = one_block_record(level, body)
    else:
        info = _BLOCK_INFO.pack(count, 40, 1.0, level, 0, 255)
        data = WHOOSH3_HEADER_MAGIC + _INT.pack(-(len(info) + len(body))) + info + body
    for positions in (False, True):
        assert columnar._columnar.decode(data, count, 0, positions, positions) is None
        with pytest.raises(Exception) as raised:
            columnar._decode_python(data, count, 0, positions=positions, narrow=positions)
        assert not isinstance(raised.value, MemoryError)
        with pytest.raises(raised.type):
            columnar.decode_postings(data, count, 0, positions=positions, narrow=positions)


def test_phrase_keys_of_arrays_not_int64_are_made_by_numpy(monkeypatch):
    rng = np.random.default_rng(9)
    lists = _gram_lists(rng, 30, 3, top=40)
    candidate = np.ones(30, bool)
    expected = columnar.phrase_keys(candidate, lists).tolist()
    narrowed = [(offset, (docs.astype(np.int32), weights, counts.astype(np.int32), positions.astype(np.int32)))
                for offset, (docs, weights, counts, positions) in lists]
    calls = []
    monkeypatch.setattr(columnar, "_columnar", type("Compiled", (), {"phrase_keys": staticmethod(
        lambda *args: calls.append(args))}))
    assert columnar.phrase_keys(candidate, narrowed).tolist() == expected
    assert not calls  # the compiled pass would have read the int32s as int64s


# -- combining: the compiled union, intersection, optional boost and page head against numpy's -----

_COMBINING = ("combine", "combine_clauses", "and_maybe", "top", "bm25_normed")


@pytest.fixture
def numpy_only(monkeypatch):
    """A way to run columnar's combining as numpy does it (the compiled module less its combining)."""
    compiled = columnar._columnar

    def run(function, *args):
        monkeypatch.setattr(columnar, "_columnar", types.SimpleNamespace(
            **{name: getattr(compiled, name) for name in dir(compiled)
               if not name.startswith("_") and name not in _COMBINING}))
        try:
            return function(*args)
        finally:
            monkeypatch.setattr(columnar, "_columnar", compiled)
    return run


def _random_matches(rng, size: int, density: float) -> columnar.Matches:
    count = int(rng.binomial(size, density)) if size else 0
    docs = np.sort(rng.choice(size, count, replace=False)).astype(np.int64)
    # few distinct scores, so that sums and ties are exercised; some with many decimals
    scores = rng.choice([0.5, 1.0, 2.25, 3.0, 0.1, 1 / 3, 7.0], count) * rng.choice([1.0, 1.0000001], count)
    return columnar.Matches(docs, scores)


class _View:
    def __init__(self, size: int):
        self.size = size


def _same_matches(ours: columnar.Matches, reference: columnar.Matches) -> bool:
    return (ours.docs.astype(np.int64).tobytes() == reference.docs.astype(np.int64).tobytes()
            and ours.scores.tobytes() == reference.scores.tobytes())


def test_union_and_intersection_make_numpys_documents_and_doubles(numpy_only):
    rng = np.random.default_rng(5)
    shapes = 0
    for size in (1, 2, 50, 1000, 20_000):
        view = _View(size)
        # two parts (merged), many sparse parts (merged a part at a time), many dense parts (accumulated)
        for parts_count in (2, 3, 5, 17):
            for density in (0.001, 0.05, 0.4, 0.95):
                parts = [_random_matches(rng, size, density * rng.random()) for _ in range(parts_count)]
                for combine in (columnar.union, columnar.intersection):
                    ours = combine(view, parts)
                    reference = numpy_only(combine, view, parts)
                    assert _same_matches(ours, reference), (combine.__name__, size, parts_count, density)
                    shapes += 1
    assert shapes == 5 * 4 * 4 * 2
    # the compiled call answered (None would have left it to numpy)
    parts = [_random_matches(rng, 100, 0.5) for _ in range(3)]
    assert columnar._columnar.combine(100, tuple(columnar._as_part(p) for p in parts), False) is not None


def test_combining_leaves_lists_that_are_not_matches_to_numpy():
    combine = columnar._columnar.combine
    good = (np.array([1, 4], np.int64), np.array([1.0, 2.0]))
    for bad in ((np.array([4, 1], np.int64), np.array([1.0, 2.0])),  # not ascending
                (np.array([1, 1], np.int64), np.array([1.0, 2.0])),  # a document twice
                (np.array([1, 10], np.int64), np.array([1.0, 2.0])),  # past the index
                (np.array([-1, 1], np.int64), np.array([1.0, 2.0])),
                (np.array([1, 4], np.int64), np.array([1.0])),  # scores not as many
                (np.array([1, 4], np.int32), np.array([1.0, 2.0]))):  # not int64
        for intersect in (False, True):
            assert combine(10, (good, bad), intersect) is None
            assert combine(10, (bad, good, good), intersect) is None
        assert columnar._columnar.and_maybe(10, good, bad) is None
        assert columnar._columnar.and_maybe(10, bad, good) is None
    assert combine(10, (good,), False) is None  # one part is the part itself: the Python's
    with pytest.raises(TypeError, match="each part is a tuple"):
        combine(10, (good, [good[0], good[1]]), False)


def test_the_headlines_optional_boost_makes_numpys_doubles(numpy_only):
    rng = np.random.default_rng(8)
    for size in (3, 500, 30_000):
        view = _View(size)
        for required_density, optional_density in ((0.5, 0.01), (0.01, 0.5), (0.3, 0.3), (0.9, 0.9)):
            required = _random_matches(rng, size, required_density)
            optional = _random_matches(rng, size, optional_density)
            ours = columnar.and_maybe(view, required, optional)
            assert _same_matches(ours, numpy_only(columnar.and_maybe, view, required, optional)), (size, required_density)


def test_the_page_head_is_numpys_order_ties_and_all(numpy_only):
    rng = np.random.default_rng(13)
    view = _View(0)
    for count in (1, 2, 19, 20, 21, 500, 10_000):
        docs = np.sort(rng.choice(4 * count, count, replace=False)).astype(np.int64)
        for scores in (rng.random(count), rng.choice([1.0, 2.0, 0.0, -0.0], count), np.ones(count)):
            matches = columnar.Matches(docs, scores)
            for limit in (1, 5, 20, count, count + 7, 1000):
                ours = columnar.order(view, matches, None, limit=limit)
                reference = numpy_only(columnar.order, view, matches, None, limit)
                assert ours.astype(np.int64).tolist() == reference.tolist(), (count, limit)
    # a page past any count, as haystack's end_offset may ask
    matches = columnar.Matches(np.array([1, 3], np.int64), np.array([1.0, 2.0]))
    assert columnar.order(view, matches, None, limit=10**20).tolist() == [3, 1]
    top = columnar._columnar.top
    assert np.frombuffer(top(np.array([3, 1], np.int64), np.array([1.0, 2.0]), 5), np.int64).tolist() == [1, 3]
    # NaN, lengths that differ, no room: left to numpy
    assert top(np.array([1, 2], np.int64), np.array([1.0, np.nan]), 1) is None
    assert top(np.array([1, 2], np.int64), np.array([1.0]), 1) is None
    assert top(np.array([1, 2], np.int64), np.array([1.0, 2.0]), 0) is None


def test_bm25_with_the_length_terms_made_once_makes_the_same_doubles_as_numpy():
    rng = np.random.default_rng(17)
    K1, B = columnar.K1, columnar.B
    for size in (1, 7, 1000, 150_000):
        lengths = columnar._BYTE_TO_LENGTH[rng.integers(0, 256, size)]
        average = float(rng.random() * 900 + 1)
        norms = K1 * ((1 - B) + B * lengths / average)  # IndexView.length_norms
        count = int(rng.integers(1, size + 1))
        docs = np.sort(rng.choice(size, count, replace=False)).astype(np.int64)
        frequencies = rng.integers(1, 300, count).astype(np.float64)
        boost, idf = float(rng.choice([1.0, 2.0, 4.0])), float(rng.random() * 12)
        ours = np.frombuffer(columnar._columnar.bm25_normed(docs, frequencies, norms, boost * idf, K1 + 1), np.float64)
        # the formula as it was before the length terms were made once
        assert ours.tobytes() == _numpy_bm25(docs, frequencies, lengths, boost, idf, average).tobytes(), size
    assert columnar._columnar.bm25_normed(np.array([7], np.int64), np.ones(1), np.ones(7), 1.0, 2.2) is None


def _random_part(rng, size: int) -> columnar.Matches:
    density = float(rng.choice([0.0, 0.001, 0.05, 0.5, 0.95]))
    matches = _random_matches(rng, size, density * rng.random() if density < 0.9 else density)
    # zeros of both signs: a list alone in a union keeps its -0.0; summed from 0.0 it is +0.0
    signed = rng.random(len(matches.docs)) < 0.25
    return columnar.Matches(matches.docs, np.where(signed, rng.choice([0.0, -0.0], len(matches.docs)), matches.scores))


def _random_clauses(rng, size: int) -> list[list[columnar.TermParts]]:
    return [[([_random_part(rng, size) for _ in range(int(rng.integers(0, 4)))],
              None if rng.random() < 0.3 else _random_part(rng, size))
             for _ in range(int(rng.integers(1, 4)))]
            for _ in range(int(rng.integers(1, 4)))]


def _clauses_argument(clauses) -> tuple:
    return tuple(tuple((tuple(columnar._as_part(p) for p in parts), None if optional is None else columnar._as_part(optional))
                       for parts, optional in clause)
                 for clause in clauses)


@pytest.mark.parametrize("dense", [-1, 0, 1], ids=["as chosen", "merged", "over dense arrays"])
def test_a_plans_clauses_combined_in_one_call_make_numpys_documents_and_doubles(dense, numpy_only):
    rng = np.random.default_rng(21)
    for size in (1, 3, 60, 2000, 40_000):
        view = _View(size)
        for _ in range(60 if size < 40_000 else 8):
            clauses = _random_clauses(rng, size)
            made = columnar._columnar.combine_clauses(size, _clauses_argument(clauses), dense)
            assert made is not None
            ours = columnar._compiled_matches(made)
            reference = numpy_only(columnar.combine_clauses, view, clauses)
            assert _same_matches(ours, reference), (size, [[(len(parts), optional is not None) for parts, optional in c]
                                                           for c in clauses])


def test_the_dense_arrays_stamps_run_out_and_begin_again(numpy_only):
    rng = np.random.default_rng(22)
    stamps = columnar._columnar.dense_stamp
    view = _View(500)
    clauses = [[([_random_matches(rng, 500, 0.6) for _ in range(2)], _random_matches(rng, 500, 0.2))] for _ in range(3)]
    reference = numpy_only(columnar.combine_clauses, view, clauses)
    before = stamps()
    try:
        for last in (2**32 - 9, 2**32 - 8, 2**32 - 7, 2**32 - 2):  # three terms take six stamps
            stamps(last)
            made = columnar._columnar.combine_clauses(500, _clauses_argument(clauses), 1)
            assert _same_matches(columnar._compiled_matches(made), reference), last
            # the stamps went on, or the arrays were cleared and they began again
            assert stamps() == (last + 6 if last + 6 + 2 <= 2**32 - 1 else 6)
            made = columnar._columnar.combine_clauses(500, _clauses_argument(clauses), 1)
            assert _same_matches(columnar._compiled_matches(made), reference), last
    finally:
        stamps(max(before, stamps()))


def test_combining_clauses_leaves_lists_that_are_not_matches_to_numpy():
    combine_clauses = columnar._columnar.combine_clauses
    good = (np.array([1, 4], np.int64), np.array([1.0, 2.0]))
    bad = (np.array([4, 1], np.int64), np.array([1.0, 2.0]))
    for dense in (-1, 0, 1):
        # clauses of terms of (parts, optional)
        assert combine_clauses(10, ((((good, bad), None),),), dense) is None
        assert combine_clauses(10, ((((good,), bad),),), dense) is None  # the optional part too
        assert combine_clauses(10, ((((good,), None),), (((good,), good),)), dense) is not None
        assert combine_clauses(10, ((((good,), None),), (((bad,), good),)), dense) is None
    assert combine_clauses(10, ()) is None  # no clause: every document, the Python's
    with pytest.raises(TypeError, match="each term is a tuple"):
        combine_clauses(10, ((((good,),),),))
    with pytest.raises(TypeError, match="each clause is a tuple"):
        combine_clauses(10, ([((good,), None)],))


@pytest.mark.parametrize("dense", [0, 1], ids=["merged", "over dense arrays"])
def test_combining_clauses_keeps_the_sign_of_zero_as_numpy_does(dense, numpy_only):
    """A list alone in a union keeps its scores as they are (-0.0 too); summed from 0.0, or
    boosted by 0.0, they are +0.0: the edges where the order of the additions shows."""
    def matches(docs, scores):
        return columnar.Matches(np.array(docs, np.int64), np.array(scores, np.float64))

    negative = matches([1, 2, 3], [-0.0, -0.0, 1.0])
    plans = {
        "two clauses of one list": [[([negative], None)], [([matches([1, 2, 3], [-0.0, 2.0, -0.0])], None)]],
        "boosted by -0.0": [[([negative], matches([1, 3], [-0.0, -0.0]))], [([matches([1, 2, 3], [-0.0] * 3)], None)]],
        "one clause, boosted": [[([negative], matches([2], [-0.0]))]],
        "one clause of two terms": [[([negative], None), ([matches([2, 3], [-0.0, -0.0])], None)]],
    }
    view = _View(5)
    for name, clauses in plans.items():
        made = columnar._columnar.combine_clauses(5, _clauses_argument(clauses), dense)
        assert _same_matches(columnar._compiled_matches(made), numpy_only(columnar.combine_clauses, view, clauses)), name


def test_combining_clauses_of_an_index_too_large_for_the_dense_arrays_merges():
    # four terms of an index of 2**62 documents: their arrays would be 2**64 entries (a count
    # that wraps to 0); the lists are merged instead
    term = (((np.array([5, 2**40], np.int64), np.array([1.0, 2.0])),), None)
    for dense in (-1, 1):
        made = columnar._columnar.combine_clauses(2**62 + 1, ((term,),) * 4, dense)
        assert np.frombuffer(made[0], np.int64).tolist() == [5, 2**40]
        assert np.frombuffer(made[1], np.float64).tolist() == [4.0, 8.0]


def test_combining_leaves_unaligned_buffers_to_numpy():
    docs = bytearray(8 * 3 + 1)
    docs[1:] = np.array([1, 2, 3], np.int64).tobytes()
    unaligned = (memoryview(docs)[1:], np.array([1.0, 2.0, 3.0]))
    good = (np.array([1, 2], np.int64), np.array([1.0, 2.0]))
    assert columnar._columnar.combine(10, (good, unaligned), False) is None
    assert columnar._columnar.combine_clauses(10, ((((good, unaligned), None),),)) is None


def test_the_dense_arrays_stamps_set_lower_are_cleared(numpy_only):
    rng = np.random.default_rng(23)
    stamps = columnar._columnar.dense_stamp
    view = _View(300)
    clauses = [[([_random_matches(rng, 300, 0.5) for _ in range(2)], _random_matches(rng, 300, 0.1))] for _ in range(3)]
    others = [[([_random_matches(rng, 300, 0.5)], None)] for _ in range(3)]
    reference = numpy_only(columnar.combine_clauses, view, clauses)
    before = stamps()
    try:
        columnar._columnar.combine_clauses(300, _clauses_argument(others), 1)
        stamps(before)  # the stamps just given to other lists given again: the arrays cleared
        made = columnar._columnar.combine_clauses(300, _clauses_argument(clauses), 1)
        assert _same_matches(columnar._compiled_matches(made), reference)
    finally:
        stamps(max(before + 6, stamps()))

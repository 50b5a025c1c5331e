"""The compiled one-block record and term row (``search/engine/_postings.c``) write the bytes
the Python encoders write, on random postings of every layout the archive's fields use."""
import io
import random
from array import array
from types import SimpleNamespace

import pytest

from search.engine import codec, terms
from search.engine.codec import NO_VALUE, CompactFieldWriter, CompactPositions, NarrowPositions, WordCounts


def test_the_compiled_encoders_are_built():
    assert codec._postings is not None and terms._compiled_row is not None, \
        "search/engine/_postings.c is not compiled: run `make install`"


class _Rows:
    def __init__(self):
        self.rows = []

    def add_stats(self, *numbers):
        self.rows.append(numbers)


def _write(fmt, postings, field_lengths, *, compiled: bool, monkeypatch) -> tuple[bytes, list]:
    """What _add_one_block_term writes for each term: the postings file's bytes and the rows' numbers."""
    made = []
    if compiled:
        encoder = codec._postings.one_block_term
        monkeypatch.setattr(codec, "_postings", SimpleNamespace(
            one_block_term=lambda *args: made.append(encoder(*args)) or made[-1]))
    else:
        monkeypatch.setattr(codec, "_postings", None)
    writer = CompactFieldWriter.__new__(CompactFieldWriter)
    writer._postwriter = SimpleNamespace(_compression=3)
    writer._format = fmt
    writer._postfile = io.BytesIO()
    writer._postings_end = None
    writer._tindex = _Rows()
    writer._fieldid = 3
    lengths = array("I", field_lengths) if field_lengths is not None else codec.defaultdict(int)
    for btext, term in postings:
        writer._add_one_block_term(btext, *term, field_lengths=lengths)
    monkeypatch.undo()
    if compiled:  # the compiled encoder wrote every term of the layouts it takes, and none of the others
        left_to_python = type(fmt) is CompactPositions
        assert made and all((record is None) == left_to_python for record in made)
    return writer._postfile.getvalue(), writer._tindex.rows


def _weights(rng: random.Random, count: int) -> list[float]:
    kind = rng.choice(["one", "same", "small", "large", "fraction", "boosted"])
    if kind == "one":
        return [1.0] * count
    if kind == "same":
        return [rng.choice([2.0, 0.5, 1.5])] * count
    if kind == "small":
        return [float(rng.randint(0, 255)) for _ in range(count)]
    if kind == "large":
        return [float(rng.randint(0, 70000)) for _ in range(count)]
    if kind == "fraction":
        return [rng.random() * 10 for _ in range(count)]
    return [rng.randint(1, 6) * 1.5 for _ in range(count)]


def _term(rng: random.Random, documents: int, *, positions: bool, no_value: bool):
    count = min(documents, rng.choice([1, 1, 1, 2, 3, rng.randint(4, 60)]))
    docnums = array("I", sorted(rng.sample(range(documents), count)))
    weights = array("f", _weights(rng, count))
    if no_value:
        return docnums, weights, array("I", [NO_VALUE] * count), b""
    if not positions:
        return docnums, weights, array("I", [0] * count), b""
    top = rng.choice([200, 60_000, 3_000_000])
    occurrences = [rng.choice([1, 1, 2, rng.randint(1, 30)]) for _ in range(count)]
    if rng.random() < 0.5:  # counts equal to the weights, as unboosted fields have them
        weights = array("f", map(float, occurrences))
    values = array("I", sorted(rng.randrange(top) for _ in range(sum(occurrences))))
    return docnums, weights, array("I", [4 * n for n in occurrences]), values.tobytes()


@pytest.mark.parametrize("fmt,positions,no_value", [
    (NarrowPositions(), True, False),  # the gram fields
    (WordCounts(), False, False),  # the word fields
    (WordCounts(), False, True),  # the keyword fields
    (CompactPositions(), True, False),  # a layout the compiled encoder leaves to Python
])
@pytest.mark.parametrize("with_lengths", [True, False])
def test_random_terms_are_written_the_same_compiled_and_in_python(fmt, positions, no_value, with_lengths, monkeypatch):
    rng = random.Random(f"{type(fmt).__name__} {positions} {no_value} {with_lengths}")
    documents = rng.choice([50, 3000, 300_000])
    field_lengths = [rng.choice([0, rng.randint(1, 120_000)]) for _ in range(documents)] if with_lengths else None
    postings = [(f"t{n:05d}".encode(), _term(rng, documents, positions=positions, no_value=no_value))
                for n in range(400)]
    compiled = _write(fmt, postings, field_lengths, compiled=True, monkeypatch=monkeypatch)
    python = _write(fmt, postings, field_lengths, compiled=False, monkeypatch=monkeypatch)
    assert compiled == python


def _dictionary(rows, *, compiled: bool, monkeypatch) -> bytes:
    monkeypatch.setattr(terms, "_compiled_row", terms._compiled_row if compiled else None)
    out = io.BytesIO()
    out.close = lambda: None
    writer = terms.TermDictionaryWriter(out, extras={"fieldmap": {}})
    for row in rows:
        writer.add_stats(*row)
    writer.close()
    return out.getvalue()


def test_random_term_rows_are_packed_the_same_compiled_and_in_python(monkeypatch):
    rng = random.Random(7)
    weights = [1.0, 3.0, 2.0 ** 24, 2.0 ** 24 + 1, 0.5, 0.1 + 0.2, -0.0, 0.0, 1e30, 2.0 ** 70, 123456.75,
               float(2 ** 64), 3.3e38]
    keys = sorted({b"\x00\x01" + rng.choice(["太原", "疫情", "ab", "人民日报"]).encode()[:rng.randint(1, 12)]
                   + bytes(rng.randrange(256) for _ in range(rng.randint(0, 3))) for _ in range(3000)})
    rows, offset = [], 0
    for key in keys:
        first = rng.randrange(1 << rng.choice([4, 12, 30]))
        length = rng.randint(1, 5000)
        rows.append((key, rng.choice(weights + [rng.random() * 100]), rng.randint(1, 1 << 20), rng.randrange(256),
                     rng.randrange(256), rng.choice(weights), first, first + rng.randrange(1 << 20), offset, length))
        offset += length
    assert _dictionary(rows, compiled=True, monkeypatch=monkeypatch) == \
        _dictionary(rows, compiled=False, monkeypatch=monkeypatch)


def test_numbers_beyond_64_bits_in_a_row_are_left_to_python(monkeypatch):
    """A document frequency, document number, offset or length of 2**64 or more is written as the
    Python writes it (its whole varint), not wrapped round to a small number."""
    for position in (2, 6, 7, 9):
        row = [b"\x00\x01ab", 2.0, 3, 1, 2, 1.0, 5, 9, 0, 40]
        row[position] = 2 ** 64 + 7 if position != 6 else 2 ** 64
        if position == 6:
            row[7] = 2 ** 64 + 5
        assert _dictionary([tuple(row)], compiled=True, monkeypatch=monkeypatch) == \
            _dictionary([tuple(row)], compiled=False, monkeypatch=monkeypatch)

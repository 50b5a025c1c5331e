"""Fixtures of the search tests."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import FIXTURES, SEEDS, clear_search_index


@pytest.fixture
def cases(transactional_db):
    """The issue of search edge cases (tests/fixtures/search_cases.txt) ingested into an empty index."""
    from articles.services import ingest_paths

    clear_search_index()
    report = ingest_paths(paths=[FIXTURES / "search_cases.txt"], date=dt.date(2024, 1, 2))
    assert not report.failed
    yield
    clear_search_index()


def first_blocks(terms):
    """(zlib level byte, record length, whether a one-block record) of each term's first block
    in a segment's terms reader (our codec's)."""
    from search.engine import codec

    for _, info in terms._tindex.items():
        offset, length = codec._EXTENT.unpack_from(info, codec._TERM_INFO.size)
        data = terms._postfile.get(offset, length)
        one_block = codec.is_one_block_record(data)
        yield (data[0] if one_block else codec._BLOCK_INFO.unpack_from(data, 8)[3]), length, one_block


@pytest.fixture
def seeds(transactional_db):
    """The five seed issues (46 articles) ingested into an empty index, for tests that rebuild it."""
    from articles.services import ingest_paths

    clear_search_index()
    report = ingest_paths(paths=[SEEDS])
    assert not report.failed
    yield
    clear_search_index()

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


@pytest.fixture
def seeds(transactional_db):
    """The five seed issues (46 articles) ingested into an empty index, for tests that rebuild it."""
    from articles.services import ingest_paths

    clear_search_index()
    report = ingest_paths(paths=[SEEDS])
    assert not report.failed
    yield
    clear_search_index()

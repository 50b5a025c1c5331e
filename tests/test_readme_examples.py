"""The README's search examples find something in the seeds (a newcomer tries them first)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from search.forms import SearchForm
from search.selectors import search_articles
from tests.conftest import SEEDS, clear_search_index

pytestmark = pytest.mark.django_db(transaction=True)

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_queries() -> list[str]:
    text = README.read_text(encoding="utf-8")
    table = text.split("| you type | it finds |", 1)[1].split("\n\n", 1)[0]
    queries = [q for row in table.splitlines()[2:] for q in re.findall(r"`([^`]+)`", row.split("|")[1])]
    # the examples in the paragraph under the table: `A` finds `B`, `X` = `Y`
    after = text.split("| you type | it finds |", 1)[1].split("\n\n", 2)[1]
    queries += re.findall(r"`([^`]+)` finds `", after)
    queries += [q for pair in re.findall(r"\(`([^`]+)` = `([^`]+)`\)", after) for q in pair]
    return queries


def test_every_search_example_of_the_readme_finds_something_in_the_seeds():
    from articles.services import ingest_paths

    clear_search_index()
    assert not ingest_paths(paths=[SEEDS]).failed
    queries = readme_queries()
    assert len(queries) >= 12, queries
    found = {}
    for query in queries:
        form = SearchForm({"q": query})
        assert form.is_valid(), query
        found[query] = search_articles(plan=form.plan(), page_size=1, with_facets=False).total
    clear_search_index()
    assert all(found.values()), {q: n for q, n in found.items() if not n}

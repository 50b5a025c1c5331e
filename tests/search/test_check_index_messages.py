"""What `check_index --fix` tells a newcomer on a fresh setup: that it built the index, and how big."""
from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from articles.models import Article
from tests.conftest import clear_search_index, seed_file

pytestmark = pytest.mark.django_db


def test_check_index_fix_says_it_built_the_index_and_how_many_documents():
    call_command("ingest", str(seed_file("000")), "--date", "2021-10-28", stdout=StringIO())
    clear_search_index()  # a fresh setup: articles in the database, an empty index
    articles = Article.objects.count()
    out = StringIO()
    call_command("check_index", "--fix", stdout=out)
    text = out.getvalue()
    assert re.search(rf"built the index in \S+: {articles} document\(s\), one per article; index and database agree",
                     text), text
    out = StringIO()
    call_command("check_index", "--fix", stdout=out)
    assert "index and database agree: the index in" in out.getvalue()
    assert f"holds {articles} document(s), one per article; nothing to do" in out.getvalue()
    clear_search_index()

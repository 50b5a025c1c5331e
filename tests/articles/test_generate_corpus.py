"""The synthetic archive for benchmarks: deterministic, in the seed format, its own newspaper."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.models import Issue, Newspaper
from articles.services import SYNTHETIC_NEWSPAPER

pytestmark = pytest.mark.django_db


def test_same_seed_same_files_and_the_real_ingest_splits_them(tmp_path):
    call_command("generate_corpus", "--issues", "4", "--seed", "9", "--out", str(tmp_path / "a"), stdout=StringIO())
    call_command("generate_corpus", "--issues", "4", "--seed", "9", "--out", str(tmp_path / "b"), stdout=StringIO())
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(files) == 5 and "manifest.csv" in files
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    call_command("ingest", str(tmp_path / "a"), stdout=StringIO(), stderr=StringIO())
    issues = Issue.objects.filter(newspaper__slug=SYNTHETIC_NEWSPAPER[0]).order_by("date")
    assert [i.date.isoformat() for i in issues] == ["2015-01-01", "2015-01-02", "2015-01-03", "2015-01-04"]
    for issue in issues:
        leads = issue.pages.get(number=1).raw_text.count("本报讯（记者")
        assert 10 <= leads <= 40 and issue.articles.count() == leads


def test_different_seeds_differ_and_the_real_newspaper_is_untouched(tmp_path):
    call_command("generate_corpus", "--issues", "1", "--seed", "1", "--out", str(tmp_path / "a"), stdout=StringIO())
    call_command("generate_corpus", "--issues", "1", "--seed", "2", "--out", str(tmp_path / "b"), stdout=StringIO())
    first = next((tmp_path / "a").glob("0*.txt")).read_text(encoding="utf-8")
    second = next((tmp_path / "b").glob("0*.txt")).read_text(encoding="utf-8")
    assert first != second
    assert list(Newspaper.objects.values_list("slug", flat=True)) == [SYNTHETIC_NEWSPAPER[0]]


@pytest.mark.parametrize("args, message", [
    (["--issues", "0"], "--issues must be at least 1"),
    (["--issues", "2", "--start", "2015-02-30"], "--start"),
])
def test_bad_arguments(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_corpus", *args, "--out", str(tmp_path / "c"), stdout=StringIO())


def test_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "old.txt").write_text("x", encoding="utf-8")
    with pytest.raises(CommandError, match="not empty"):
        call_command("generate_corpus", "--issues", "1", "--out", str(tmp_path), stdout=StringIO())

"""The ingest command, end to end on real Postgres, through call_command."""
from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, ArticleContributor, Contributor, Issue, Page
from tests.conftest import SEEDS, seed_file

pytestmark = pytest.mark.django_db


def ingest(*args, **kwargs):
    out, err = StringIO(), StringIO()
    call_command("ingest", *[str(a) for a in args], stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def ingest_failing(*args):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("ingest", *[str(a) for a in args], stdout=out, stderr=err)
    return str(excinfo.value), out.getvalue(), err.getvalue()


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    folder = tmp_path / "issues"
    shutil.copytree(SEEDS, folder)
    return folder


def test_ingests_the_seed_folder_with_manifest_dates(seed_copy):
    out, _ = ingest(seed_copy)
    assert Issue.objects.count() == 5
    assert Article.objects.count() == 46
    page = Page.objects.get(source_file=seed_file("000").name)
    issue = page.issue
    assert issue.date.isoformat() == "2021-10-28"
    assert issue.date_source == Issue.DateSource.MANIFEST
    assert page.number == 1 and page.raw_text == seed_file("000").read_text(encoding="utf-8")
    first = page.articles.get(position=1)
    assert first.section.name == "政务之要"
    assert [(c.contributor.name, c.role) for c in first.credits.all()] == [("刘涛", "author")]
    assert first.segmented["headline"] == first.headline and first.segmented["kicker"] == (first.kicker or None)
    assert not first.is_corrected
    assert "5 created; 46 articles" in out


def test_second_run_does_nothing_and_says_so(seed_copy):
    ingest(seed_copy)
    before = list(Article.objects.order_by("pk").values_list("pk", "updated_at"))
    out, _ = ingest(seed_copy)
    assert "5 unchanged (nothing to do)" in out
    assert list(Article.objects.order_by("pk").values_list("pk", "updated_at")) == before


def test_dry_run_writes_interchange_json_and_never_touches_the_database(seed_copy, tmp_path, django_assert_num_queries):
    target = tmp_path / "out.json"
    with django_assert_num_queries(0):
        out, _ = ingest("--dry-run", "--json", target, seed_copy)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert [i["file"] for i in data["issues"]] == sorted(p.name for p in SEEDS.glob("*.txt"))
    first = data["issues"][0]["articles"][0]
    assert set(first) == {"headline", "subheadline", "section", "bylines", "dateline", "kind",
                          "continued_from_page", "body"}
    assert first["bylines"] == ["刘涛"] and first["dateline"] == "2021-10-27"
    assert Issue.objects.count() == 0
    assert "dry run, nothing stored" in out


def test_date_option_and_inferred_dates(tmp_path):
    lone = tmp_path / "lone.txt"
    lone.write_bytes(seed_file("004").read_bytes())
    ingest(lone, "--date", "2022-03-25")
    assert Issue.objects.get().date_source == Issue.DateSource.COMMAND_LINE
    Issue.objects.all().delete()
    out, _ = ingest(lone)
    issue = Issue.objects.get()
    assert issue.date.isoformat() == "2022-03-25"
    assert issue.date_source == Issue.DateSource.INFERRED
    assert "an editor should confirm it" in out


@pytest.mark.parametrize("bad", ["2021-13-01", "yesterday", "2021/10/28"])
def test_a_date_that_is_not_a_date_is_refused(bad, tmp_path):
    with pytest.raises(CommandError, match="is not a date"):
        call_command("ingest", str(seed_file("000")), "--date", bad, stdout=StringIO(), stderr=StringIO())
    assert Issue.objects.count() == 0


def test_date_option_gives_every_file_its_date_and_two_files_for_one_page_are_refused(seed_copy):
    message, out, err = ingest_failing(seed_file("000"), seed_file("001"), "--date", "2021-10-28")
    assert message == "1 of 2 file(s) failed"
    assert Issue.objects.get().date.isoformat() == "2021-10-28"
    # two files without page numbers are both page 1 of that day: the second is refused, naming both
    assert Page.objects.get().source_file == seed_file("000").name
    [line] = [line for line in err.splitlines() if line.startswith("error:")]
    assert seed_file("001").name in line and seed_file("000").name in line and "page 1" in line


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_bad_files_fail_alone_with_one_line_each_and_the_good_ones_are_stored(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(seed_file("000"), folder / "good.txt")
    write(folder / "empty.txt", b"")
    write(folder / "blank.txt", b"\n\n  \n")
    write(folder / "binary.txt", bytes(range(256)) * 10)
    (folder / "manifest.csv").write_text("file,newspaper,issue_date\ngood.txt,taiyuan-daily,2021-10-28\n", encoding="utf-8")
    message, out, err = ingest_failing(folder, tmp_path / "missing.txt")
    assert message == "4 of 5 file(s) failed"
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 4
    assert any("empty.txt: file is empty" in line for line in lines)
    assert any("blank.txt: file is empty" in line for line in lines)
    assert any("binary.txt: not a text file" in line for line in lines)
    assert any("missing.txt: no such file or folder" in line for line in lines)
    assert Issue.objects.count() == 1 and Page.objects.get().source_file == "good.txt"


def test_gb18030_bom_and_crlf_are_decoded_and_reported(tmp_path):
    text = seed_file("004").read_text(encoding="utf-8")
    gbk = write(tmp_path / "gbk.txt", text.encode("gb18030"))
    out, _ = ingest(gbk, "--date", "2022-03-25", "-v", "2")
    assert "decoded as GB18030/GBK" in out
    assert Page.objects.get().encoding == "gb18030"
    assert Article.objects.count() == 3
    Issue.objects.all().delete()
    bom = write(tmp_path / "bom.txt", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    out, _ = ingest(bom, "--date", "2022-03-25", "-v", "2")
    assert "byte-order mark removed" in out and "CRLF line ends normalised" in out
    assert Article.objects.count() == 3
    assert Article.objects.get(position=1).full_headline.startswith("省委常委会议召开会议")


def test_file_over_the_size_limit_is_refused(tmp_path, settings):
    settings.INGEST_MAX_BYTES = 1000
    message, _, err = ingest_failing(seed_file("000"), "--date", "2021-10-28")
    assert "KB, over the 1000 bytes limit" in err
    assert Issue.objects.count() == 0


def test_unreadable_file_is_reported(tmp_path, monkeypatch):
    target = write(tmp_path / "locked.txt", seed_file("000").read_bytes())
    import os

    original = os.open

    def deny(path, *args, **kwargs):
        if Path(path) == target:
            raise PermissionError(13, "Permission denied")
        return original(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    _, _, err = ingest_failing(target, "--date", "2021-10-28")
    assert "locked.txt: cannot read (Permission denied)" in err


def test_bad_manifest_date_names_the_manifest_line(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    shutil.copy(seed_file("000"), folder / "a.txt")
    (folder / "manifest.csv").write_text("file,newspaper,issue_date\na.txt,taiyuan-daily,2021-02-30\n", encoding="utf-8")
    _, _, err = ingest_failing(folder)
    assert "manifest.csv, line 2: issue_date '2021-02-30' is not a date" in err


def test_unknown_newspaper_is_refused_without_writing(tmp_path):
    _, _, err = ingest_failing(seed_file("000"), "--date", "2021-10-28", "--newspaper", "no-such-paper")
    assert "unknown newspaper 'no-such-paper'" in err
    assert Issue.objects.count() == 0


def edit_as_editor(article: Article, **fields) -> Article:
    for name, value in fields.items():
        setattr(article, name, value)
    article.save()
    article.refresh_corrections()
    article.refresh_from_db()
    return article


def test_reparse_keeps_editor_corrections_and_updates_the_rest(seed_copy):
    ingest(seed_copy)
    issue = Page.objects.get(source_file=seed_file("000").name)
    article = issue.articles.get(position=5)
    edit_as_editor(article, headline="让知识产权更有价值(编辑修订)")
    credit = article.credits.get()
    credit.contributor = Contributor.objects.create(name="张勇军")
    credit.save()
    article.refresh_corrections()
    untouched = issue.articles.get(position=6)
    # Simulate an older segmentation so --reparse has something to change in an uncorrected field.
    Article.objects.filter(pk=untouched.pk).update(headline="旧标题", segmented={**untouched.segmented, "headline": "旧标题"})
    out, _ = ingest("--reparse")
    article.refresh_from_db()
    untouched.refresh_from_db()
    assert article.headline == "让知识产权更有价值(编辑修订)"
    assert [c.contributor.name for c in article.credits.all()] == ["张勇军"]
    assert set(article.corrected_fields) == {"headline", "bylines"}
    assert article.segmented["headline"] == "让知识产权更有价值"
    assert untouched.full_headline == "“核酸检测地图”上线 动动手指即可查找"
    assert "kept the corrections editors made to 1 article(s)" in out
    assert Article.objects.count() == 46


def test_changed_file_is_resegmented_and_a_correction_that_cannot_be_carried_is_reported(seed_copy):
    ingest(seed_copy)
    target = seed_copy / seed_file("003").name
    issue = Page.objects.get(source_file=target.name)
    notice = issue.articles.get(headline="寻亲启事")
    edit_as_editor(notice, headline="寻亲启事(已核)")
    kept = issue.articles.get(position=1)
    edit_as_editor(kept, kind=Article.Kind.FEATURE)
    text = target.read_text(encoding="utf-8")
    target.write_text(text[: text.index("寻亲启事")], encoding="utf-8")  # the notice is gone from the new file
    out, _ = ingest(seed_copy)
    assert "1 updated" in out
    assert "had editor corrections (headline) that match no article" in out
    issue.refresh_from_db()
    assert issue.articles.count() == 8
    assert issue.articles.get(position=1).kind == Article.Kind.FEATURE
    assert Article.history.filter(id=notice.pk, history_type="-").exists()  # its last version is kept


def test_no_paths_is_an_error():
    with pytest.raises(CommandError, match="name at least one PATH"):
        call_command("ingest", stdout=StringIO(), stderr=StringIO())


def test_quiet_verbosity_prints_nothing(seed_copy):
    out, _ = ingest(seed_copy, verbosity=0)
    assert out == ""
    assert ArticleContributor.objects.exists()

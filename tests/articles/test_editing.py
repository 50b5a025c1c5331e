"""Editors' tools: unchanged saves, one history per article, reverts, merges and splits that survive
``ingest --reparse``, what a reparse reports, and the editors group's permission for each."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.utils import timezone

from articles import selectors
from articles.models import Article, ArticleContributor, Contributor, Issue, PageEdit, Section
from articles.services import EDITORS_GROUP, editing, reparse_stored
from tests.articles.test_admin import change_form_data

pytestmark = pytest.mark.django_db

DAY = "2021-10-28"


@pytest.fixture
def outsider(client):
    """Staff, but not an editor: may look at articles, nothing more."""
    user = User.objects.create_user("outsider", password="pw-for-tests-only", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=[
        "view_article", "view_contributor", "view_section", "view_issue"]))
    client.force_login(user)
    return user


def article_at(position: int, day: str = DAY) -> Article:
    return Article.objects.get(issue__date=day, page__number=1, position=position)


def reparse() -> list:
    report = reparse_stored(jobs=1)
    return report.outcomes


def outcome_of(outcomes, day: str):
    return next(o for o in outcomes if o.issue_date.isoformat() == day)


# -- saving what nobody touched -------------------------------------------------------------------
def test_a_save_with_crlf_line_ends_and_nothing_changed_writes_nothing(client, editor, seeded):
    article = next(a for a in Article.objects.filter(issue__date=DAY) if "\n" in a.body and a.credits.exists())
    rows = article.history.count()
    credit_rows = ArticleContributor.history.filter(article_id=article.pk).count()
    url = f"/admin/articles/article/{article.pk}/change/"
    data = change_form_data(article, body=article.body.replace("\n", "\r\n"))
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert "\r" not in article.body
    assert article.corrected_fields == [] and not article.is_corrected
    assert article.history.count() == rows
    assert ArticleContributor.history.filter(article_id=article.pk).count() == credit_rows


def test_a_real_body_change_with_crlf_is_stored_with_lf_and_is_the_only_correction(client, editor, seeded):
    article = article_at(1)
    body = article.body.replace("\n", "\r\n") + "\r\n\r\n补记一段。"
    assert client.post(f"/admin/articles/article/{article.pk}/change/",
                       change_form_data(article, body=body)).status_code == 302
    article.refresh_from_db()
    assert article.body.endswith("\n\n补记一段。") and "\r" not in article.body
    assert article.corrected_fields == ["body"]
    # readers are told, with the day, and led to the text as printed
    client.logout()
    html = client.get(article.get_absolute_url()).content.decode()
    assert f"经编辑校订（{timezone.localdate():%Y-%m-%d}）" in html
    assert f'href="{article.page.get_absolute_url()}source/"' in html
    untouched = Article.objects.filter(issue__date=DAY, is_corrected=False).first()
    assert "经编辑校订" not in client.get(untouched.get_absolute_url()).content.decode()


# -- one history ---------------------------------------------------------------------------------
def test_history_lists_field_credit_section_and_link_changes_with_who_and_the_reason_only_when_given(
        client, editor, seeded):
    article = article_at(2)
    url = f"/admin/articles/article/{article.pk}/change/"
    section = Section.objects.create(name="测试栏目")
    data = change_form_data(article, headline="新的标题", section=section.pk, change_reason="标题印错了",
                            body=article.body + "\n\n新加的一段")
    assert client.post(url, data).status_code == 302
    article.refresh_from_db()
    # credits: one added, one role changed, and then removed
    new_name = Contributor.objects.create(name="新作者")
    data = change_form_data(article)
    total = int(data["credits-TOTAL_FORMS"])
    data.update({f"credits-{total}-contributor": new_name.pk, f"credits-{total}-role": "reporter",
                 f"credits-{total}-position": total, f"credits-{total}-article": article.pk,
                 "credits-TOTAL_FORMS": total + 1})
    assert client.post(url, data).status_code == 302
    credit = article.credits.get(contributor=new_name)
    data = change_form_data(article)
    index = next(i for i in range(total + 1) if data.get(f"credits-{i}-id") == credit.pk)
    data[f"credits-{index}-role"] = "photographer"
    assert client.post(url, data).status_code == 302
    data = change_form_data(article, **{f"credits-{index}-DELETE": "on"})
    assert client.post(url, data).status_code == 302
    other = article_at(1)
    assert client.post(url, change_form_data(article, continues=other.pk)).status_code == 302
    article.refresh_from_db()
    assert article.continues_set_by_editor

    entries = editing.article_history(article)
    labels = [c["label"] for e in entries for c in e["changes"]]
    for label in ("标题", "栏目", "正文", "增加署名", "署名角色更改", "删除署名", "上接文章"):
        assert label in labels, (label, labels)
    body_change = next(c for e in entries for c in e["changes"] if c["field"] == "body")
    assert "<ins>" in body_change["diff"] and "新加的一段" in body_change["diff"]
    assert all(e["user"] == editor for e in entries if e["kind"] != "created")

    html = client.get(f"/admin/articles/article/{article.pk}/history/").content.decode()
    assert "标题印错了" in html and "修改原因: 标题印错了" in html
    assert html.count("修改原因:") == 1  # the reason only where given; never "None"
    assert "None" not in html.split('id="content-main"')[1]
    assert "新的标题" in html and "editor" in html


# -- revert -------------------------------------------------------------------------------------
def test_revert_to_the_segmenters_value_and_to_an_earlier_version(client, editor, seeded):
    article = article_at(1)
    url = f"/admin/articles/article/{article.pk}/change/"
    assert client.post(url, change_form_data(article, headline="第一次改")).status_code == 302
    article.refresh_from_db()
    assert client.post(url, change_form_data(article, headline="第二次改")).status_code == 302
    first_version = article.history.filter(headline="第一次改").first()
    revert = f"/admin/articles/article/{article.pk}/revert/"
    assert client.get(revert).status_code == 405
    response = client.post(revert, {"field": "headline", "history_id": first_version.history_id})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "第一次改" and article.corrected_fields == ["headline"]
    assert "headline reverted" in article.history.first().history_change_reason
    assert client.post(revert, {"field": "headline"}).status_code == 302
    article.refresh_from_db()
    assert article.headline == article.segmented["headline"] and not article.is_corrected
    assert article.history.first().history_user == editor


def test_reverting_a_link_to_an_old_version_follows_merges_and_refuses_what_is_gone(editor, seeded):
    article = next(a for a in Article.objects.filter(issue__date=DAY) if a.section_id)
    old_section = article.section
    old_version = article.history.first()
    keep = Section.objects.create(name="合并后的栏目")
    article.section = keep
    article.save()
    editing.merge_sections(survivor=keep, merged=[old_section], user=editor)
    article.refresh_from_db()
    article.section = Section.objects.create(name="又改的栏目")
    article.save()
    editing.revert_field(article=article, field="section", history_id=old_version.history_id, user=editor)
    article.refresh_from_db()
    assert article.section == keep  # the old version's section now lives on as the survivor
    other = Article.objects.filter(issue__date=DAY).exclude(pk=article.pk).first()
    article.continues = other
    article.save()
    linked_version = article.history.first()
    other.delete()
    with pytest.raises(editing.EditError):
        editing.revert_field(article=article, field="continues", history_id=linked_version.history_id, user=editor)


def test_revert_credits_to_the_segmenters(client, editor, seeded):
    article = next(a for a in Article.objects.filter(issue__date=DAY) if a.credits.exists())
    segmented = article.segmented["bylines"]
    article.credits.all().delete()
    article.refresh_corrections()
    assert "bylines" in article.corrected_fields
    assert client.post(f"/admin/articles/article/{article.pk}/revert/", {"field": "bylines"}).status_code == 302
    article.refresh_from_db()
    assert [[c.contributor.name, c.role] for c in article.credits.all()] == segmented
    assert not article.is_corrected


def test_a_revert_needs_the_change_permission(client, outsider, seeded):
    article = article_at(1)
    response = client.post(f"/admin/articles/article/{article.pk}/revert/", {"field": "headline"})
    assert response.status_code == 403


# -- merging contributors and sections ---------------------------------------------------------------
def credited_contributors(day=DAY):
    return list(Contributor.objects.filter(credits__article__issue__date=day).distinct().order_by("name"))


def test_merge_contributors_moves_credits_redirects_and_survives_a_reparse(client, editor, seeded):
    keep, gone = credited_contributors()[:2]
    moved = gone.credits.count()
    response = client.post("/admin/articles/contributor/", {
        "action": "merge_entries", "_selected_action": [keep.pk, gone.pk]})
    assert response.status_code == 200 and "合并" in response.content.decode()  # the confirmation page
    response = client.post("/admin/articles/contributor/", {
        "action": "merge_entries", "_selected_action": [keep.pk, gone.pk], "survivor": keep.pk, "post": "yes",
        "reason": "同一人"})
    assert response.status_code == 302
    gone.refresh_from_db()
    assert gone.merged_into == keep and gone.credits.count() == 0
    assert keep.credits.count() >= moved
    assert selectors.merged_survivor(gone) == keep and selectors.merged_survivor(keep) is None
    public = client.get(f"/contributors/{gone.pk}/")  # the emptied entry's address still leads somewhere
    assert public.status_code == 301 and public["Location"] == f"/contributors/{keep.pk}/"
    assert gone.history.first().history_user == editor
    reparse()
    assert gone.credits.count() == 0 and not Contributor.objects.filter(name=gone.name).exclude(pk=gone.pk).exists()


def test_a_contributor_who_credits_nothing_has_no_public_page(client, seeded):
    orphan = Contributor.objects.create(name="无稿可署")
    assert client.get(f"/contributors/{orphan.pk}/").status_code == 404


def test_merge_sections_moves_articles_and_survives_a_reparse(client, editor, seeded):
    sections = list(Section.objects.filter(articles__isnull=False).distinct().order_by("name")[:2])
    keep, gone = sections
    count = gone.articles.count()
    response = client.post("/admin/articles/section/", {
        "action": "merge_entries", "_selected_action": [keep.pk, gone.pk], "survivor": keep.pk, "post": "yes"})
    assert response.status_code == 302
    assert gone.articles.count() == 0 and keep.articles.count() >= count
    moved = Article.objects.filter(section=keep, segmented__section=gone.name)
    assert moved.count() == count
    assert all(a.history.first().history_user == editor for a in moved)
    reparse()
    assert gone.articles.count() == 0 and Article.objects.filter(section=keep, segmented__section=gone.name).count()


def test_merging_needs_the_merge_permission(client, outsider, seeded):
    keep, gone = credited_contributors()[:2]
    client.post("/admin/articles/contributor/", {
        "action": "merge_entries", "_selected_action": [keep.pk, gone.pk], "survivor": keep.pk, "post": "yes"})
    gone.refresh_from_db()
    assert gone.merged_into is None


# -- merging and splitting articles -----------------------------------------------------------------
def test_merge_two_adjacent_articles_and_it_survives_a_reparse(client, editor, seeded):
    first, second = article_at(3), article_at(4)
    count = Article.objects.filter(page=first.page).count()
    body = first.body + "\n\n" + second.body
    response = client.post("/admin/articles/article/", {
        "action": "merge_adjacent", "_selected_action": [first.pk, second.pk]})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.body == body and not Article.objects.filter(pk=second.pk).exists()
    assert Article.objects.filter(page=first.page).count() == count - 1
    assert list(Article.objects.filter(page=first.page).values_list("position", flat=True)) == list(range(1, count))
    assert second.history.first().history_type == "-"  # the merged-away article's history stays
    assert PageEdit.objects.get().kind == "merge"
    outcome = outcome_of(reparse(), DAY)
    assert outcome.status == "unchanged", outcome.warnings
    first.refresh_from_db()
    assert first.body == body and Article.objects.filter(page=first.page).count() == count - 1


def test_merge_refuses_articles_that_are_not_adjacent(client, editor, seeded):
    response = client.post("/admin/articles/article/", {
        "action": "merge_adjacent", "_selected_action": [article_at(1).pk, article_at(3).pk]}, follow=True)
    assert "相邻" in response.content.decode()
    assert Article.objects.filter(issue__date=DAY, page__number=1).count() == 11


def split_candidate() -> Article:
    return next(a for a in Article.objects.filter(issue__date=DAY).order_by("position")
                if len(a.body.split("\n\n")) >= 3)


def test_split_an_article_at_a_paragraph_and_it_survives_a_reparse(client, editor, seeded):
    article = split_candidate()
    paragraphs = article.body.split("\n\n")
    count = Article.objects.filter(page=article.page).count()
    url = f"/admin/articles/article/{article.pk}/split/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"at": 2, "reason": "两篇稿子"}).status_code == 302
    article.refresh_from_db()
    new = Article.objects.get(page=article.page, position=article.position + 1)
    assert article.body == "\n\n".join(paragraphs[:2]) and new.body == "\n\n".join(paragraphs[2:])
    assert new.headline == "" and not new.is_corrected and not article.is_corrected
    assert Article.objects.filter(page=article.page).count() == count + 1
    outcome = outcome_of(reparse(), DAY)
    assert outcome.status == "unchanged", outcome.warnings
    assert Article.objects.filter(page=article.page).count() == count + 1
    assert Article.objects.get(pk=new.pk).body == "\n\n".join(paragraphs[2:])


def test_splitting_needs_the_merge_permission(client, outsider, seeded):
    article = split_candidate()
    assert client.post(f"/admin/articles/article/{article.pk}/split/", {"at": 1}).status_code == 403
    response = client.post("/admin/articles/article/", {
        "action": "merge_adjacent", "_selected_action": [article_at(1).pk, article_at(2).pk]})
    assert Article.objects.filter(pk=article_at(2).pk).exists() and response.status_code in (200, 302, 403)


def test_a_reparse_reports_an_edit_it_cannot_carry_over(editor, seeded):
    first, second = article_at(3), article_at(4)
    editing.merge_articles(first=first, second=second, user=editor)
    edit = PageEdit.objects.get()
    edit.details = {**edit.details, "bodies": ["不存在的正文甲", "不存在的正文乙"]}
    edit.save()
    outcome = outcome_of(reparse(), DAY)
    assert any("could not carry over" in w and "merge" in w for w in outcome.warnings), outcome.warnings
    edit.refresh_from_db()
    assert not edit.active and edit.note
    assert outcome_of(reparse(), DAY).status == "unchanged"  # said once, then the new segmentation stands


# -- what a reparse says --------------------------------------------------------------------------
def test_reparse_lists_what_changed(seeded):
    assert all(o.status == "unchanged" for o in reparse())
    article = article_at(2)
    Article.objects.filter(pk=article.pk).update(segmented={**article.segmented, "headline": "旧的标题"})
    victim = article_at(5)
    Article.objects.filter(pk=victim.pk).update(segmented={**victim.segmented, "body": "完全不同的旧正文内容" * 5})
    outcome = outcome_of(reparse(), DAY)
    assert outcome.status == "updated"
    assert any("article 2" in w and "headline changed" in w for w in outcome.warnings), outcome.warnings
    assert any(w.startswith("removed article 5") for w in outcome.warnings), outcome.warnings
    assert any(w.startswith("added article 5") for w in outcome.warnings), outcome.warnings


# -- issues ------------------------------------------------------------------------------------------
def issue_data(issue: Issue, date: str) -> dict:
    return {"date": date, "pages-TOTAL_FORMS": 0, "pages-INITIAL_FORMS": 0, "pages-MIN_NUM_FORMS": 0,
            "pages-MAX_NUM_FORMS": 1000}


def test_moving_an_issue_onto_another_issues_date_is_a_form_error_not_a_500(client, editor, seeded):
    one, other = Issue.objects.order_by("date")[:2]
    response = client.post(f"/admin/articles/issue/{one.pk}/change/", issue_data(one, other.date.isoformat()))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"已有 {other.date.isoformat()} 这一期" in html
    one.refresh_from_db()
    assert one.date != other.date


@pytest.mark.parametrize("date", ["0001-01-01", "1799-12-31", "2101-01-01"])
def test_an_issue_date_outside_1800_2100_is_refused(client, editor, seeded, date):
    issue = Issue.objects.first()
    response = client.post(f"/admin/articles/issue/{issue.pk}/change/", issue_data(issue, date))
    assert response.status_code == 200 and "1800 年至 2100 年" in response.content.decode()


def test_changing_an_issue_date_by_hand_still_works(client, editor, seeded):
    issue = Issue.objects.order_by("date").first()
    response = client.post(f"/admin/articles/issue/{issue.pk}/change/", issue_data(issue, "1999-01-02"))
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.date.isoformat() == "1999-01-02" and issue.date_source == Issue.DateSource.EDITOR


# -- the editors group ------------------------------------------------------------------------------
def test_the_editors_group_holds_every_new_permission():
    perms = set(Group.objects.get(name=EDITORS_GROUP).permissions.values_list("codename", flat=True))
    assert {"merge_article", "merge_contributor", "merge_section", "change_article", "view_pageedit"} <= perms
    assert "delete_article" not in perms and "delete_contributor" not in perms


def test_the_whole_article_revert_of_simple_history_leads_to_the_per_field_history(client, editor, seeded):
    article = article_at(1)
    record = article.history.first()
    response = client.get(f"/admin/articles/article/{article.pk}/history/{record.history_id}/")
    assert response.status_code == 302 and response["Location"].endswith(f"/{article.pk}/history/")


def test_the_change_form_shows_the_segmenters_values_beside_the_corrected_ones_with_a_revert_button(
        client, editor, seeded):
    article = article_at(1)
    url = f"/admin/articles/article/{article.pk}/change/"
    assert client.post(url, change_form_data(article, headline="改过的标题")).status_code == 302
    html = client.get(url).content.decode()
    table = html.split('class="segmenter-values"')[1].split("</table>")[0]
    assert article.segmented["headline"] in table and "改过的标题" in table
    assert 'form="revert-form" name="field" value="headline"' in table
    assert f'id="revert-form" method="post" action="/admin/articles/article/{article.pk}/revert/"' in html
    response = client.post(f"/admin/articles/article/{article.pk}/revert/", {"field": "headline", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    article.refresh_from_db()
    assert article.headline == article.segmented["headline"]


def test_a_dateline_outside_1800_2100_is_a_form_error(client, editor, seeded):
    article = article_at(1)
    response = client.post(f"/admin/articles/article/{article.pk}/change/",
                           change_form_data(article, dateline="0001-01-01"))
    assert response.status_code == 200 and "1800 年至 2100 年" in response.content.decode()


def test_the_migration_turns_stored_crlf_into_lf_and_drops_line_end_only_corrections(seeded):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("articles.migrations.0003_editors_merges_labels")
    article = article_at(1)
    crlf = article.body.replace("\n", "\r\n")
    assert crlf != article.body
    Article.objects.filter(pk=article.pk).update(body=crlf, corrected_fields=["body"], is_corrected=True)
    migration.normalise_line_ends(apps, None)
    article.refresh_from_db()
    assert "\r" not in article.body and article.corrected_fields == [] and not article.is_corrected

"""The load test's editor: it must submit the admin's change form as a browser would."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User

from articles.models import Article
from bench.load_test import _FormFields

pytestmark = pytest.mark.django_db


def test_the_change_form_is_resubmitted_whole_with_only_the_headline_changed(client, seeded):  # noqa: F811
    client.force_login(User.objects.create_superuser("load", "load@example.org", "pw-for-tests-only"))
    article = Article.objects.filter(credits__isnull=False, section__isnull=False).first()
    body, credits = article.body, list(article.credits.values_list("contributor_id", "role"))
    page = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    form = _FormFields("article_form")
    form.feed(page)
    names = {name for name, _ in form.fields}
    assert {"csrfmiddlewaretoken", "headline", "body", "credits-TOTAL_FORMS", "credits-0-contributor"} <= names
    fields = [(n, "负载校订0001 号稿" if n == "headline" else v) for n, v in form.fields] + [("_save", "Save")]
    response = client.post(f"/admin/articles/article/{article.pk}/change/", data=urlencode(fields),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.headline == "负载校订0001 号稿"
    assert article.body == body  # the textarea came back exactly, newlines and all
    assert list(article.credits.values_list("contributor_id", "role")) == credits

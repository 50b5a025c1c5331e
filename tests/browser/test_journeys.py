"""What readers, researchers and editors do, in a real browser."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def total(page) -> int:
    return int(page.locator("#total").inner_text())


def test_from_the_home_calendar_to_an_issue_and_an_article(page, archive):
    page.goto(archive + "/")
    screenshot(page, "home")
    page.locator(".calendar a").first.click()
    page.wait_for_url(re.compile(r"/taiyuan-daily/\d{4}-\d{2}-\d{2}/$"))
    assert "篇" in page.locator("main .meta").first.inner_text()
    screenshot(page, "issue")
    page.locator("ol.articles a").first.click()
    page.wait_for_url(re.compile(r"/\d+/$"))
    assert page.locator("article.full h1").inner_text()
    assert "[N]. 太原日报" in page.locator("#citation").inner_text()
    screenshot(page, "article")
    assert page.csp_violations == []


def test_search_facet_date_filter_and_pagination(page, archive):
    page.goto(archive + "/search/")
    page.fill("#id_q", "太原")
    page.locator("form.search button[type=submit]").click()
    everything = total(page)
    assert everything > 5 and page.locator("ol.results mark").count() > 0
    screenshot(page, "search")
    page.locator(".facets a", has_text="2022").first.click()
    in_2022 = total(page)
    assert 0 < in_2022 < everything and "year=2022" in page.url
    page.fill("#id_date_from", "2022-03-01")
    page.fill("#id_date_to", "2022-03-31")
    page.locator("form.search button[type=submit]").click()
    dates = page.locator("ol.results .meta").all_inner_texts()
    assert dates and all(text.startswith("2022-03-") for text in dates)
    page.goto(archive + "/search/?q=%E7%9A%84")  # 的: in nearly every article, so several pages
    first_page = page.locator("ol.results h3").all_inner_texts()
    page.locator("a[rel=next]").click()
    assert "page=2" in page.url and page.locator("ol.results h3").all_inner_texts() != first_page
    assert page.csp_violations == []


def test_a_trend_bar_narrows_the_search_to_its_month(page, archive):
    page.goto(archive + "/search/?q=%E7%96%AB%E6%83%85")
    bars = page.locator(".trend svg a")
    assert bars.count() >= 2
    label = bars.nth(0).get_attribute("aria-label")  # e.g. "2021-10：2 篇"
    month, count = re.match(r"(\d{4}-\d{2})：(\d+) 篇", label).groups()
    bars.nth(0).click()
    assert f"month={month}" in page.url and total(page) == int(count)


def test_csv_export_downloads_and_opens_as_utf8(page, archive):
    page.goto(archive + "/search/?q=%E7%96%AB%E6%83%85")
    expected = total(page)
    with page.expect_download() as info:
        page.locator("a", has_text="CSV").click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == expected and any("疫情" in row["headline"] for row in rows)


def test_an_editor_changes_a_headline_and_readers_see_it(page, archive):
    from articles.models import Article

    User.objects.create_superuser("chief", password="pw-for-tests-only")
    article = Article.objects.select_related("issue__newspaper").get(kicker="紧盯重点环节")
    page.goto(archive + "/admin/login/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", "pw-for-tests-only")
    page.locator("input[type=submit]").click()
    page.goto(archive + f"/admin/articles/article/{article.pk}/change/")
    page.fill("#id_headline", "编辑改过的标题：筑牢防线")
    page.locator("input[name=_save]").click()
    page.wait_for_url(re.compile(r"/admin/articles/article/$"))
    page.goto(archive + article.get_absolute_url())
    assert page.locator("article.full h1").inner_text() == "编辑改过的标题：筑牢防线"
    page.goto(archive + "/search/?q=" + "编辑改过的标题")
    assert page.locator("ol.results h3").first.inner_text() == "编辑改过的标题：筑牢防线"


def test_a_phone_never_scrolls_sideways(phone, archive):
    from articles.models import Article, Contributor, Section

    article = Article.objects.select_related("issue__newspaper", "page").order_by("-body").first()
    paths = ("/", "/taiyuan-daily/", "/taiyuan-daily/2022/", "/taiyuan-daily/2022-03-04/",
             "/taiyuan-daily/2022-03-04/p1/", "/taiyuan-daily/2022-03-04/p1/source/", article.get_absolute_url(),
             article.get_absolute_url() + "?q=%E5%A4%AA%E5%8E%9F&hit=2",
             f"/contributors/{Contributor.objects.first().pk}/", f"/sections/{Section.objects.first().pk}/",
             "/search/", "/search/?q=%E5%A4%AA%E5%8E%9F", "/search/?q=%E5%A4%AA%E5%8E%9F&terms=%E5%A4%AA%E5%8E%9F,%E7%96%AB%E6%83%85",
             "/search/?q=%E6%B2%A1%E6%9C%89xyz", "/no-such-page/")
    for language in ("zh-hans", "en"):
        if language == "en":
            phone.goto(archive + "/")
            phone.locator("form.language button").click()
            phone.wait_for_load_state()
        for width in (320, 375):
            phone.set_viewport_size({"width": width, "height": 740})
            for path in paths:
                phone.goto(archive + path)
                scroll = phone.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width, (language, width, path, scroll)


AXE = Path(__file__).resolve().parents[2] / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


def test_pages_pass_an_axe_core_check(browser, archive):
    if not AXE.exists():
        pytest.skip("axe-core is not installed: `make test` installs it")
    from articles.models import Article

    # axe is injected through the DevTools protocol; the pages' own policy stays as served
    context = browser.new_context(bypass_csp=True, locale="zh-CN")
    page = context.new_page()
    article = Article.objects.select_related("issue__newspaper", "page").get(kicker="紧盯重点环节")
    problems = {}
    pages = ("/", "/taiyuan-daily/", "/taiyuan-daily/2022/", "/taiyuan-daily/2022-03-04/",
             "/taiyuan-daily/2022-03-04/p1/", "/taiyuan-daily/2022-03-04/p1/source/",
             article.get_absolute_url(), article.get_absolute_url() + "?q=%E7%96%AB%E6%83%85&hit=2",
             "/search/?q=%E7%96%AB%E6%83%85", "/search/?q=%E5%A4%AA%E5%8E%9F&terms=%E5%A4%AA%E5%8E%9F,%E7%96%AB%E6%83%85",
             "/search/?q=%E6%B2%A1%E6%9C%89%E8%BF%99%E4%B8%AA%E8%AF%8Dxyz", "/no-such-page/")
    # every page in Chinese, then the main ones again in English (chosen with the header's switch)
    for language, paths in (("zh-hans", pages), ("en", pages[:1] + pages[3:5] + pages[7:10])):
        if language == "en":
            page.goto(archive + "/")
            page.locator("form.language button").click()
            page.wait_for_load_state()
        for path in paths:
            page.goto(archive + path)
            assert page.evaluate("document.documentElement.lang") == ("en" if language == "en" else "zh-Hans")
            page.evaluate(AXE.read_text(encoding="utf-8"))
            violations = page.evaluate("""async () => (await axe.run(document)).violations
                .map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')}`)""")
            if violations:
                problems[f"{path} ({language})"] = violations
    context.close()
    assert not problems, "\n".join(f"{path}: {v}" for path, found in problems.items() for v in found)

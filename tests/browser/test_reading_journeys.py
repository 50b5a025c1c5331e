"""Readers' journeys of issue 14, in a real browser: the interface switched to English and back,
reading a result list article by article, keywords and related articles, the text size without
JavaScript, and headings that never leave one character alone on a phone."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)

# The characters of an element grouped into the lines the browser laid them out on.
LINES_JS = """(element) => {
  const tops = [];
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i++) {
      if (/[\\s·]/.test(node.data[i])) continue;
      const range = document.createRange();
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (rect) tops.push([rect.top + rect.height / 2, node.data[i]]);
    }
  }
  const lines = [];
  for (const [middle, char] of tops) {
    const line = lines.find((l) => Math.abs(l.middle - middle) < 8);
    if (line) line.text += char; else lines.push({ middle, text: char });
  }
  return lines.map((l) => l.text);
}"""


def test_switch_to_english_and_back(page, archive):
    from articles.models import Article

    article = Article.objects.select_related("issue__newspaper", "page").get(kicker="紧盯重点环节")
    page.goto(archive + article.get_absolute_url())
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    assert page.locator("#cite-heading").inner_text() == "引用本文"
    page.locator("form.language button", has_text="English").click()
    page.wait_for_url(archive + article.get_absolute_url())  # the same address
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#cite-heading").inner_text() == "Cite this article"
    assert page.locator("legend").inner_text() == "Text size"
    assert page.locator("article.full").get_attribute("lang") == "zh-Hans"  # the article stays Chinese
    assert page.locator("article.full h1").inner_text() == article.headline
    screenshot(page, "article-en")
    # the choice follows the reader to the other pages
    page.locator("nav.crumbs a").nth(1).click()
    assert "Search this issue" in page.locator("main").inner_text()
    assert re.search(r"\d+ pages? · \d+ articles?", page.locator("main .meta").first.inner_text())
    page.goto(archive + "/search/?q=%E7%96%AB%E6%83%85")
    assert "articles found" in page.locator(".hits .meta").first.inner_text()
    page.locator("form.language button", has_text="中文").click()
    page.wait_for_url(re.compile(r"/search/\?q="))
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    assert "共" in page.locator(".hits .meta").first.inner_text()
    assert page.csp_violations == []


def test_reading_a_result_list_article_by_article(page, archive):
    page.goto(archive + "/search/?q=%E5%A4%AA%E5%8E%9F&sort=newest")
    results_url = page.url
    headlines = page.locator("ol.results h3").all_inner_texts()
    page.locator("ol.results h3 a").nth(1).click()
    page.wait_for_url(re.compile(r"hit=2$"))
    nav = page.locator("nav.hits-nav")
    assert re.search(r"“太原”的第 2 / \d+ 条结果", nav.inner_text())
    nav.locator("a.next-hit").click()
    page.wait_for_url(re.compile(r"hit=3$"))
    title = page.locator("article.full h1").inner_text()
    assert title.replace(" ", "") in headlines[2].replace(" ", "") or headlines[2].replace(" ", "") in \
        (page.locator("article.full").inner_text().replace(" ", "").replace("\n", ""))
    page.locator("nav.hits-nav a.prev-hit").click()
    page.wait_for_url(re.compile(r"hit=2$"))
    page.locator("nav.hits-nav a", has_text="返回检索结果").click()
    page.wait_for_url(results_url)
    assert page.locator("ol.results h3").all_inner_texts() == headlines
    assert page.csp_violations == []


def test_keywords_and_related_articles_lead_on(page, archive):
    from articles.models import Article

    article = Article.objects.select_related("issue__newspaper", "page").get(kicker="紧盯重点环节")
    page.goto(archive + article.get_absolute_url())
    keywords = page.locator("ul.keywords a")
    assert 4 <= keywords.count() <= 8
    related = page.locator("ul.related-articles a")
    assert related.count() == 5
    screenshot(page, "article-related")
    word = keywords.first.inner_text()
    keywords.first.click()
    page.wait_for_url(re.compile(r"/search/\?q="))
    assert page.input_value("#id_q") == word and int(page.locator("#total").inner_text()) >= 1
    page.go_back()
    href = related.first.get_attribute("href")
    related.first.click()
    page.wait_for_url(archive + href)
    assert page.url != archive + article.get_absolute_url()


def test_text_size_without_javascript_and_remembered_with_it(browser, archive):
    from articles.models import Article

    urls = [a.get_absolute_url() for a in Article.objects.select_related("issue__newspaper", "page")[:2]]
    size = "parseFloat(getComputedStyle(document.querySelector('article.full p:last-child')).fontSize)"
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(archive + urls[0])
    normal = page.evaluate(size)
    page.locator("label[for=size-l]").click()
    large = page.evaluate(size)
    page.locator("label[for=size-xl]").click()
    larger = page.evaluate(size)
    page.locator("label[for=size-s]").click()
    small = page.evaluate(size)
    assert small < normal < large < larger, (small, normal, large, larger)
    context.close()
    # with scripts on, the choice is kept for the next article (localStorage; CSP-clean static script)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(archive + urls[0])
    page.locator("label[for=size-xl]").click()
    page.goto(archive + urls[1])
    assert page.locator("#size-xl").is_checked() and page.evaluate(size) == larger
    context.close()


def test_on_a_phone_headings_never_leave_a_character_alone(phone, archive):
    """Defect 12: the issue heading left "日" alone on a line at 375 px."""
    from articles.models import Issue

    for language in ("zh-hans", "en"):
        if language == "en":
            phone.goto(archive + "/")
            phone.locator("form.language button").click()
            phone.wait_for_load_state()
        for width in (320, 360, 375, 414):
            phone.set_viewport_size({"width": width, "height": 740})
            for issue in Issue.objects.select_related("newspaper"):
                for path in (f"/{issue.newspaper.slug}/{issue.date}/", f"/{issue.newspaper.slug}/{issue.date}/p1/"):
                    phone.goto(archive + path)
                    lines = phone.locator("main h1").evaluate(LINES_JS)
                    assert all(len(line) > 1 for line in lines), (language, width, path, lines)
    phone.set_viewport_size({"width": 375, "height": 740})
    phone.goto(archive + "/")
    phone.locator("form.language button").click()  # back to Chinese for the screenshots
    phone.wait_for_load_state()
    phone.goto(archive + "/taiyuan-daily/2022-03-04/")
    screenshot(phone, "issue-phone")


def test_the_home_page_is_short_with_one_search_box(page, phone, archive):
    """Defect 5: the home page was 3,097 px tall with a 12-month calendar holding one issue."""
    page.goto(archive + "/")
    assert page.locator("input[type=search]").count() == 1
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 1800, height
    screenshot(page, "home")
    phone.goto(archive + "/")
    assert phone.locator("input[type=search]").count() == 1
    box = phone.locator("#home-q").bounding_box()
    assert box["y"] < 200 and box["width"] > 200
    screenshot(phone, "home-phone")
    from articles.models import Article

    article = Article.objects.select_related("issue__newspaper", "page").get(kicker="紧盯重点环节")
    phone.goto(archive + article.get_absolute_url())
    screenshot(phone, "article-phone")

"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

`make test` installs Chromium (apt-get install chromium); `playwright install` cannot download here.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking",
                  "--no-first-run", "--disable-extensions", "--mute-audio"]

# Playwright's sync API runs an event loop in the test's thread; the Django calls the tests make
# between browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.csp_violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text
            and page.csp_violations.append(message.text))
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True,
                                  device_scale_factor=2, has_touch=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def archive(transactional_db, live_server):
    """The seed issues, ingested (and so indexed) for the live server."""
    from articles.services import ingest_paths
    from tests.conftest import SEEDS, clear_search_index

    clear_search_index()
    report = ingest_paths(paths=[SEEDS])
    assert not report.failed
    yield live_server.url
    clear_search_index()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)

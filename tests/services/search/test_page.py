"""The web page in a real headless Chromium (Playwright), served by uvicorn on a free port:
searching, facets, entity chips, paging, and article text that stays text."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from elasticsearch import Elasticsearch

from services.search.api import create_app
from services.search.settings import SearchSettings
from shared.names import Names
from tests.services.search.conftest import CORPUS, Doc, article, index_articles

pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = pytest.mark.integration
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
XSS_TITLE = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>'
SCREENSHOT = Path("/tmp/search-page.png")


@pytest.fixture
def base_url(es: Elasticsearch, names: Names, settings: SearchSettings) -> Iterator[str]:
    hostile = Doc(
        "xss",
        "en",
        XSS_TITLE,
        'Body with <b>tags</b> and "quotes" & ampersands, about the xss payload.',
        "evil.example",
        datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        (('<svg onload="window.__xss=3">', "ORG", None),),
    )
    index_articles(es, names, [article(d) for d in (*CORPUS, hostile)])
    # Port 0: uvicorn binds a free port itself (a socket made here would lack TCP_NODELAY).
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)


@pytest.fixture
def page(base_url: str) -> Iterator[Page]:
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("needs Debian's chromium (scripts/bootstrap installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto(base_url + "/")
        yield tab
        # The page runs under its own CSP without a single violation or script error.
        assert errors == []
        browser.close()


def _titles(page: Page) -> list[str]:
    return list(page.locator("#hits .hit h3").all_inner_texts())


def _wait_for_count(page: Page, count: int) -> None:
    expect(page.locator("#hits .hit")).to_have_count(count)


def test_search_facets_and_chips(page: Page) -> None:
    _wait_for_count(page, len(CORPUS) + 1)  # the page opens on every article
    page.fill("#q", "arme nucleaire")
    page.press("#q", "Enter")
    _wait_for_count(page, 1)
    hit = page.locator("#hits .hit").first
    expect(hit.locator("h3")).to_have_text(
        "Les armes nucléaires au cœur des négociations de Vienne"
    )
    assert hit.locator("h3 mark").all_inner_texts() == ["armes", "nucléaires"]
    assert "armes" in hit.locator(".snippet mark").all_inner_texts()
    assert "q=arme+nucleaire" in page.url

    # A facet click filters; clicking it again removes the filter.
    page.fill("#q", "")
    page.press("#q", "Enter")
    _wait_for_count(page, len(CORPUS) + 1)
    page.locator('.facet[data-facet="languages"] button', has_text="fr").click()
    _wait_for_count(page, 4)
    assert set(page.locator("#hits .meta .lang").all_text_contents()) == {"fr"}
    expect(page.locator("#active .chip")).to_have_text(["fr \u00d7"])
    # The language facet still offers the others; another source narrows the French ones.
    page.locator('.facet[data-facet="sources"] button', has_text="france24.com").click()
    _wait_for_count(page, 1)
    page.locator("#active .chip", has_text="france24.com").click()
    page.locator("#active .chip", has_text="fr").click()
    _wait_for_count(page, len(CORPUS) + 1)

    # An entity chip on a result filters by that entity (by id: both spellings of Putin).
    page.locator("#hits .hit .chip", has_text="Vladimir Poutine").first.click()
    _wait_for_count(page, 2)
    assert set(_titles(page)) == {
        "Les armes nucléaires au cœur des négociations de Vienne",
        "Leaders sign two treaties in Geneva",
    }
    expect(page.locator("#active .chip")).to_have_text(["Vladimir Poutine \u00d7"])
    assert "entity=Q7747" in page.url
    page.locator("#hits .hit .chip", has_text="Geneva").click()
    _wait_for_count(page, 1)
    page.locator("#active .chip", has_text="Geneva").click()
    page.locator("#active .chip", has_text="Vladimir Poutine").click()
    _wait_for_count(page, len(CORPUS) + 1)

    page.fill("#q", "treaty | traité | nucléaire | vertrag")
    page.press("#q", "Enter")
    _wait_for_count(page, 4)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_more_button_pages_with_the_cursor(page: Page, base_url: str) -> None:
    page.goto(base_url + "/?sort=newest&size=3")
    _wait_for_count(page, 3)
    more = page.locator("#more")
    seen = 3
    while seen < len(CORPUS) + 1:
        more.click()
        seen = min(seen + 3, len(CORPUS) + 1)
        _wait_for_count(page, seen)
    expect(more).to_be_hidden()
    dates = page.locator("#hits time").evaluate_all("nodes => nodes.map(n => n.dateTime)")
    assert dates == sorted(dates, reverse=True)
    assert len(set(page.locator("#hits .hit").evaluate_all("n => n.map(e => e.dataset.id)"))) == 10


def test_article_text_is_inert(page: Page) -> None:
    page.fill("#q", "xss payload")
    page.press("#q", "Enter")
    _wait_for_count(page, 1)
    hit = page.locator("#hits .hit").first
    expect(hit.locator("h3")).to_have_text(XSS_TITLE)
    assert hit.locator("img, script, svg, b").count() == 0
    expect(hit.locator(".chip")).to_have_text(['<svg onload="window.__xss=3">'])
    assert 'Body with <b>tags</b> and "quotes" & ampersands' in hit.locator(".snippet").inner_text()
    # Unfiltered: the payload also sits among the other results and in the facets.
    page.fill("#q", "")
    page.press("#q", "Enter")
    _wait_for_count(page, len(CORPUS) + 1)
    expect(page.get_by_text(XSS_TITLE)).to_have_count(1)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#hits img, #hits script, #facets svg").count() == 0

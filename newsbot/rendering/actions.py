"""Page actions run by scrapy-playwright (as `PageMethod`s) after the page has loaded.

Each action is bounded twice: by a count (clicks, scrolls) and by a timeout per step; a step
that brings no new links ends the action instead of failing the page.
"""

from __future__ import annotations

import logging

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

logger = logging.getLogger(__name__)

_COUNT_ABOVE = "([css, n]) => document.querySelectorAll(css).length > n"


async def _wait_for_more(page: Page, links: str, before: int, timeout_ms: int) -> bool:
    try:
        await page.wait_for_function(_COUNT_ABOVE, arg=[links, before], timeout=timeout_ms)
        return True
    except PlaywrightTimeoutError:
        return False


async def wait_for_selector(page: Page, selector: str, timeout_ms: int) -> bool:
    """Wait until `selector` is attached; False (and a log line) when it never comes."""
    try:
        await page.wait_for_selector(selector, state="attached", timeout=timeout_ms)
        return True
    except PlaywrightTimeoutError:
        logger.warning("rendered page %s: %r did not appear within %d ms", page.url, selector, timeout_ms)
        return False


async def click_load_more(page: Page, button: str, links: str, max_clicks: int, timeout_ms: int) -> int:
    """Click the "Load more" `button` up to `max_clicks` times while each click adds links."""
    clicks = 0
    while clicks < max_clicks:
        target = page.locator(button).first
        try:
            if not await target.count() or not await target.is_visible():
                break
            before = await page.locator(links).count()
            await target.click(timeout=timeout_ms)
        except PlaywrightError as exc:
            logger.info("rendered page %s: load-more click stopped (%s)", page.url, str(exc).splitlines()[0])
            break
        clicks += 1
        if not await _wait_for_more(page, links, before, timeout_ms):
            break
    return clicks


async def scroll_for_links(page: Page, links: str, max_scrolls: int, timeout_ms: int) -> int:
    """Scroll to the bottom until no new links appear or `max_scrolls` is reached."""
    scrolls = 0
    while scrolls < max_scrolls:
        before = await page.locator(links).count()
        await page.evaluate("() => window.scrollTo(0, document.scrollingElement.scrollHeight)")
        scrolls += 1
        if not await _wait_for_more(page, links, before, timeout_ms):
            break
    return scrolls

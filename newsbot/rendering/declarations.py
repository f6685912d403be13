"""From an outlet's declarations to scrapy-playwright request meta.

An outlet (a `PoliticsSpider` subclass) declares:

    render_listings = True              # every listing page; or a regex: matching listing URLs
    render_articles = False             # article pages stay plain HTTP unless set
    render_actions = {"wait_for": ".card", "load_more": "button.load-more", "max_clicks": 5,
                      "scroll": 0, "links": ".card a", "step_timeout_ms": 5000}

The setting NEWSBOT_RENDERING overrides declarations globally: "auto" (default, declarations
decide), "always" (every listing and article page) or "never" (no browser at all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from scrapy.settings import BaseSettings
from scrapy_playwright.page import PageMethod

from . import actions

MODES = ("auto", "always", "never")


def rendering_mode(settings: BaseSettings) -> str:
    mode = str(settings.get("NEWSBOT_RENDERING") or "auto").strip().lower()
    if mode not in MODES:
        raise ValueError(f"NEWSBOT_RENDERING must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


@dataclass(frozen=True)
class RenderPlan:
    """What to do on a rendered page once it has loaded."""

    wait_for: str | None = None        # CSS that must appear (e.g. the first card)
    load_more: str | None = None       # CSS of the "Load more" button
    max_clicks: int = 5
    scroll: int = 0                    # max scrolls to the bottom (infinite scroll); 0 = none
    links: str | None = None           # CSS of the elements counted as "new links"
    step_timeout_ms: int = 5000

    @classmethod
    def from_declaration(cls, actions_decl: dict[str, Any], article_links: str | None) -> RenderPlan:
        unknown = set(actions_decl) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown render_actions keys: {', '.join(sorted(unknown))}")
        plan = cls(**actions_decl)
        if plan.links is None:
            plan = cls(**{**actions_decl, "links": element_css(article_links)})
        return plan

    def page_methods(self) -> list[PageMethod]:
        methods = []
        if self.wait_for:
            methods.append(PageMethod(actions.wait_for_selector, self.wait_for, self.step_timeout_ms))
        if self.load_more and self.max_clicks > 0:
            methods.append(PageMethod(actions.click_load_more, self.load_more, self.links,
                                      self.max_clicks, self.step_timeout_ms))
        if self.scroll > 0:
            methods.append(PageMethod(actions.scroll_for_links, self.links, self.scroll, self.step_timeout_ms))
        return methods


def element_css(link_css: str | None) -> str:
    """`.card a::attr(href)` → `.card a` (Playwright counts elements, not attributes)."""
    if not link_css:
        return "a[href]"
    return ", ".join(re.sub(r"::(attr\([^)]*\)|text)\s*$", "", part.strip()) for part in link_css.split(","))


def spider_renders(spider: Any, settings: BaseSettings) -> bool:
    """Whether a crawl of `spider` will need a browser (checked at start)."""
    mode = rendering_mode(settings)
    if mode == "never":
        return False
    if mode == "always":
        return True
    return bool(getattr(spider, "render_listings", False) or getattr(spider, "render_articles", False))


def _declared(spider: Any, url: str, kind: str) -> bool:
    decl = getattr(spider, f"render_{kind}s", False)
    if isinstance(decl, str):
        return re.search(decl, url) is not None
    return bool(decl)


def render_meta(spider: Any, url: str, kind: str) -> dict[str, Any]:
    """Request meta for a `kind` ("listing" or "article") page at `url`: {} for plain HTTP."""
    mode = rendering_mode(spider.settings)
    if mode == "never" or (mode == "auto" and not _declared(spider, url, kind)):
        return {}
    meta: dict[str, Any] = {"playwright": True, "newsbot_rendered": True}
    if kind == "listing":
        plan = RenderPlan.from_declaration(dict(getattr(spider, "render_actions", {}) or {}),
                                           getattr(spider, "article_links", None))
        meta["playwright_page_methods"] = plan.page_methods()
    return meta

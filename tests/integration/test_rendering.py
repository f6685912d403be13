"""Rendering with real headless Chromium against a local JavaScript site (tests/support/jssite.py).

Each crawl runs in its own process (tests/support/render_crawl.py): Twisted's reactor cannot restart.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
from scrapy.settings import Settings

from newsbot.rendering.blocking import ResourceBlocker
from newsbot.rendering.declarations import RenderPlan, element_css, render_meta, spider_renders
from newsbot.rendering.proctree import tree_usage

from tests.conftest import ROOT, require_binary
from tests.support.jssite import TRACKER_HOST, JsSite

PYTHON = sys.executable


def crawl(tmp_path, config: dict) -> dict:
    cfg, out = tmp_path / "config.json", tmp_path / "result.json"
    cfg.write_text(json.dumps(config))
    proc = subprocess.run([PYTHON, "-m", "tests.support.render_crawl", str(cfg), str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(out.read_text())
    result["log"] = proc.stderr
    return result


@pytest.fixture
def site():
    with JsSite() as running:
        yield running


def site_settings(site: JsSite, chromium: str, **extra) -> dict:
    return {"PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": chromium},
            "NEWSBOT_CHROMIUM_EXTRA_ARGS": [site.resolver_rules], **extra}


# --- units (no browser) ---------------------------------------------------------------------

class Outlet(SimpleNamespace):
    pass


def outlet(mode: str = "auto", **decl) -> Outlet:
    return Outlet(settings=Settings({"NEWSBOT_RENDERING": mode}), article_links=".card a::attr(href)", **decl)


def test_declarations_choose_which_pages_are_rendered():
    spider = outlet(render_listings=r"/Politics/Japan-election", render_actions={"load_more": "button.more"})
    meta = render_meta(spider, "https://x.test/Politics/Japan-election", "listing")
    assert meta["playwright"] is True and [pm.args[0] for pm in meta["playwright_page_methods"]] == ["button.more"]
    assert render_meta(spider, "https://x.test/Politics", "listing") == {}
    assert render_meta(spider, "https://x.test/Politics/Japan-election/Some-article-here", "article") == {}
    assert spider_renders(spider, spider.settings)
    assert not spider_renders(outlet(), outlet().settings)


def test_rendering_setting_forces_or_forbids():
    assert render_meta(outlet("always"), "https://x.test/a", "article")["playwright"] is True
    never = outlet("never", render_listings=True)
    assert render_meta(never, "https://x.test/Politics", "listing") == {}
    assert not spider_renders(never, never.settings)
    with pytest.raises(ValueError, match="NEWSBOT_RENDERING"):
        render_meta(outlet("sometimes"), "https://x.test/", "listing")


def test_render_plan_counts_link_elements_and_rejects_unknown_actions():
    assert element_css(".card a::attr(href), h3 a::attr(href)") == ".card a, h3 a"
    plan = RenderPlan.from_declaration({"scroll": 3}, ".card a::attr(href)")
    assert plan.links == ".card a" and len(plan.page_methods()) == 1
    with pytest.raises(ValueError, match="scrol"):
        RenderPlan.from_declaration({"scrol": 3}, None)


def test_blocker_blocks_heavy_types_and_trackers_only():
    blocker = ResourceBlocker.from_settings(Settings({"NEWSBOT_RENDER_BLOCK_DOMAINS": ["ads.example"]}))

    def req(kind, url):
        return SimpleNamespace(resource_type=kind, url=url)

    assert blocker(req("image", "https://asia.nikkei.com/a.jpg"))
    assert blocker(req("font", "https://asia.nikkei.com/a.woff2"))
    assert blocker(req("script", "https://www.googletagmanager.com/gtm.js"))
    assert blocker(req("xhr", "https://cdn.ads.example/x"))
    assert not blocker(req("script", "https://asia.nikkei.com/app.js"))
    assert not blocker(req("fetch", "https://asia.nikkei.com/api/list"))
    assert not blocker(req("document", "https://notgoogle-analytics.com.example/"))


def test_tree_usage_counts_children():
    before = tree_usage(include_root=False).processes
    child = subprocess.Popen(["sleep", "5"])
    try:
        usage = tree_usage(include_root=False)
        assert usage.processes == before + 1 and "sleep" in usage.names and usage.rss_bytes > 0
    finally:
        child.kill()
        child.wait()


def test_rendering_benchmark_fails_loudly_when_a_mode_measured_nothing(tmp_path):
    from benchmarks.rendering import shortfall

    whole = {"label": "bare", "pages": 3, "links": 6, "rendered": True}
    assert shortfall({"bare": whole, "plain": {**whole, "links": 0, "rendered": False}}, 3) is None
    refused = shortfall({"bare": whole, "newsbot": {**whole, "pages": 0, "why": "3 requests refused by the netguard"}}, 3)
    assert refused == ("rendering benchmark: 'newsbot' crawled 0 of 3 pages (3 requests refused by the netguard); "
                       "nothing to compare")
    assert "found 2 of 6 links" in shortfall({"bare": {**whole, "links": 2}}, 3)
    # No browser: one line and a non-zero exit before any crawl starts.
    proc = subprocess.run([PYTHON, "benchmarks/rendering.py", "--pages", "1"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "NEWSBOT_CHROMIUM": str(tmp_path / "no-chromium")}, timeout=60)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"rendering benchmark: Chromium not found at {tmp_path / 'no-chromium'} "
        "(install Debian's chromium package or set NEWSBOT_CHROMIUM)"]


# --- real Chromium ----------------------------------------------------------------------------

# The listing's cards come from a fetch its script starts; the page's load event does not wait for
# it, so (as an outlet would) the test spider declares the first card to wait for. Without it the
# page is read whenever the fetch loses the race with `load`: no links on a loaded CI machine.
FIRST_CARD = "li.card a"
ACTIONS = {"wait_for": FIRST_CARD, "load_more": "#load-more", "max_clicks": 10, "scroll": 10, "step_timeout_ms": 3000}


def js_listings(site: JsSite) -> list[str]:
    # Button listing: articles 1-20; scroll listing: articles 101-121.
    return [f"{site.base}/listing?mode=button&per=5&pages=4&start=0",
            f"{site.base}/listing?mode=scroll&per=7&pages=3&start=100"]


@pytest.mark.slow
def test_rendered_listing_finds_links_plain_download_finds_none(tmp_path, site, chromium):
    plain = crawl(tmp_path, {"urls": js_listings(site), "render_actions": ACTIONS,
                             "settings": site_settings(site, chromium, NEWSBOT_RENDERING="never")})
    assert plain["links"] == []
    assert "newsbot/render/pages" not in plain["stats"] and "playwright/browser_count" not in plain["stats"]
    assert plain["idle"][0]["processes"] == 0  # no browser, no Playwright driver

    rendered = crawl(tmp_path, {"urls": js_listings(site), "render_actions": ACTIONS,
                                "settings": site_settings(site, chromium)})
    numbers = sorted(int(u.rsplit("/", 1)[1]) for u in rendered["links"])
    assert numbers == list(range(1, 21)) + list(range(101, 122))  # every click and scroll paid off
    assert rendered["stats"]["newsbot/render/pages"] == 2
    assert rendered["stats"]["newsbot/render/open_pages_at_close"] == 0


@pytest.mark.slow
def test_blocked_resources_are_never_requested(tmp_path, site, chromium):
    url = [f"{site.base}/listing?mode=button&per=3&pages=1"]
    crawl(tmp_path, {"urls": url, "settings": site_settings(site, chromium)})
    assert "/listing" in site.paths() and "/api/items" in site.paths()
    assert "/static/pic.png" not in site.paths() and "/static/font.woff2" not in site.paths()
    assert site.paths(TRACKER_HOST) == []

    # Control: the same page without blocking does load them (so the check above can fail).
    crawl(tmp_path, {"urls": url, "settings": site_settings(site, chromium, NEWSBOT_RENDER_BLOCK=False)})
    assert "/static/pic.png" in site.paths() and "/static/font.woff2" in site.paths()
    assert site.paths(TRACKER_HOST) == ["/analytics.js"]


@pytest.mark.slow
def test_page_that_never_settles_times_out_and_is_closed(tmp_path, site, chromium):
    started = time.monotonic()
    # The deadline applies to both pages: 10 s is far inside /never's 60 s hang, and leaves the
    # listing page (under 1 s alone) room on a loaded CI machine, where 3 s once was not enough.
    result = crawl(tmp_path, {"urls": [f"{site.base}/never", f"{site.base}/listing?mode=button&per=2&pages=1"],
                              "render_actions": {"wait_for": FIRST_CARD, "step_timeout_ms": 8000},
                              "settings": site_settings(site, chromium, NEWSBOT_RENDER_TIMEOUT=10, RETRY_ENABLED=False,
                                                        PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT=60000)})
    stats = result["stats"]
    assert stats["newsbot/render/timeouts"] == 1
    assert stats["newsbot/render/pages_closed_after_failure"] == 1
    assert stats["newsbot/render/open_pages_at_close"] == 0
    assert len(result["links"]) == 2  # the other page is unaffected
    assert "NEWSBOT_RENDER_TIMEOUT" in result["log"]
    assert time.monotonic() - started < 40


@pytest.mark.slow  # 200 pages rendered in a real Chromium: ~40 s, an end-to-end test
def test_browser_processes_and_memory_return_to_baseline_after_200_pages(tmp_path, site, chromium):
    urls = [f"{site.base}/listing?mode=button&per=2&pages=1&start={n * 2}" for n in range(200)]
    result = crawl(tmp_path, {"urls": urls, "batches": [20, 180], "settle": 1.0,
                              "render_actions": {"wait_for": FIRST_CARD, "step_timeout_ms": 20000},
                              "settings": site_settings(site, chromium, NEWSBOT_RENDER_CONTEXT_PAGES=50)})
    stats = result["stats"]
    assert stats["newsbot/render/pages"] == 200 and len(result["links"]) == 400, {k: v for k, v in stats.items() if "retry" in k or "exception" in k}
    assert stats["newsbot/render/contexts_recycled"] >= 3
    assert stats["playwright/context_count/max_concurrent"] <= 2
    assert stats["playwright/page_count/max_concurrent"] <= 8
    baseline, final = result["idle"][0], result["idle"][1]
    # One renderer per open page: a leaked page or context would leave renderers behind. Chromium
    # also starts and reaps helper processes on its own schedule (a spare process, services), so
    # those may differ by one from the baseline.
    renderers = [sum(name.endswith(":renderer") for name in m["names"]) for m in (baseline, final)]
    assert renderers[1] <= renderers[0], (baseline["names"], final["names"])
    assert final["processes"] - renderers[1] <= baseline["processes"] - renderers[0] + 1, (baseline["names"], final["names"])
    assert final["pss"] <= baseline["pss"] * 1.25 + 64 * 2**20, (baseline["pss"], final["pss"])
    assert stats["newsbot/render/open_pages_at_close"] == 0
    assert result["after"] == 0  # browser and driver gone with the crawl


@pytest.mark.slow
def test_missing_browser_is_a_config_error_at_start(tmp_path):
    env = {**os.environ, "NEWSBOT_REPLAY": str(ROOT / "tests/fixtures/replay"),
           "NEWSBOT_CHROMIUM": str(tmp_path / "no-such-chromium")}
    out = tmp_path / "items.jsonl"
    proc = subprocess.run([os.path.join(os.path.dirname(PYTHON), "scrapy"), "crawl", "nikkei_asia",
                           "-O", f"{out}:jsonl", "-s", "LOG_LEVEL=INFO"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 6, proc.stderr[-3000:]
    assert "browser not found" in proc.stderr and "no-such-chromium" in proc.stderr
    assert "newsbot/replay/served" not in proc.stderr  # stopped before any page was requested
    assert not out.exists() or out.read_text() == ""


RUNOFF = "https://asia.nikkei.com/Politics/Japan-election/LDP-runoff-rules-give-lawmakers-final-say-on-next-premier"


def crawl_nikkei(tmp_path, *extra: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess, list[dict]]:
    out = tmp_path / "nikkei.jsonl"
    proc = subprocess.run([os.path.join(os.path.dirname(PYTHON), "scrapy"), "crawl", "nikkei_asia",
                           "-O", f"{out}:jsonl", "-s", "LOG_LEVEL=INFO", *extra], cwd=ROOT,
                          env={**os.environ, "NEWSBOT_REPLAY": str(ROOT / "tests/fixtures/replay"), **(env or {})},
                          capture_output=True, text=True, timeout=180)
    items = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return proc, items


@pytest.mark.slow
def test_nikkei_load_more_listing_is_rendered_from_the_recording(tmp_path, chromium):
    proc, items = crawl_nikkei(tmp_path, env={"NEWSBOT_CHROMIUM": chromium})
    assert proc.returncode == 0, proc.stderr[-3000:]
    runoff = [item for item in items if item["url"] == RUNOFF]
    assert len(runoff) == 1 and runoff[0]["title"] == "LDP runoff rules give lawmakers final say on next premier"
    assert "'newsbot/render/pages': 1," in proc.stderr  # only the Japan-election listing
    assert "'newsbot/replay/missing'" not in proc.stderr  # the browser was served recordings only
    assert "'playwright/request_count/aborted'" in proc.stderr  # its images were blocked


@pytest.mark.slow
def test_nikkei_without_rendering_misses_only_the_js_listing(tmp_path):
    proc, items = crawl_nikkei(tmp_path, "-s", "NEWSBOT_RENDERING=never")
    assert proc.returncode == 0, proc.stderr[-3000:]
    urls = {item["url"] for item in items}
    assert RUNOFF not in urls and len(urls) == 4
    assert "no article links on listing page https://asia.nikkei.com/Politics/Japan-election" in proc.stderr
    assert "playwright/browser_count" not in proc.stderr and "newsbot/render/" not in proc.stderr


@pytest.mark.slow
def test_replayed_browser_never_reaches_the_network(tmp_path, chromium):
    # Without blocking the page asks for its (unrecorded) images: they are aborted and counted,
    # not fetched from asia.nikkei.com, and the listing still yields its recorded links.
    proc, items = crawl_nikkei(tmp_path, "-s", "NEWSBOT_RENDER_BLOCK=False", env={"NEWSBOT_CHROMIUM": chromium})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert RUNOFF in {item["url"] for item in items}
    assert "replay (browser): no recording for https://asia.nikkei.com/var/site/storage/images/section/" in proc.stderr
    assert "'newsbot/replay/missing'" in proc.stderr

"""newsbot.compat: every private Scrapy / scrapy-playwright hook newsbot relies on still exists with
the parameters newsbot uses. A failure here after a pinned upgrade names each moved hook; fix it
in newsbot/compat.py (and, for scrapy-playwright overrides, in newsbot/rendering/handler.py)."""

from __future__ import annotations

import pytest
import scrapy.contracts
from scrapy.extensions.feedexport import FeedExporter
from scrapy.http import HtmlResponse, TextResponse
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from newsbot import compat
from newsbot.rendering.handler import RenderingDownloadHandler


def test_no_hook_has_moved():
    assert compat.problems() == [], "\n".join(compat.problems())


@pytest.mark.parametrize("check", sorted(compat.CHECKS))
def test_hook(check):
    assert compat.CHECKS[check]() == []


def _reported(fragment: str) -> list[str]:
    return [line for line in compat.problems() if fragment in line]


# --- the checks fail loudly, naming the hook ---------------------------------------------------

def test_a_removed_private_method_is_named(monkeypatch):
    monkeypatch.delattr(FeedExporter, "_start_new_batch")
    assert _reported("_start_new_batch no longer exists")


def test_a_changed_signature_is_named(monkeypatch):
    def _create_testcase(method, description):  # renamed parameter
        raise AssertionError

    monkeypatch.setattr(scrapy.contracts, "_create_testcase", _create_testcase)
    [line] = _reported("_create_testcase takes (method, description)")
    assert "newsbot calls it with (method, desc)" in line


def test_every_moved_hook_is_reported_at_once(monkeypatch):
    monkeypatch.delattr(scrapy.contracts.ContractsManager, "_clean_req")
    monkeypatch.delattr(ScrapyPlaywrightDownloadHandler, "_create_page")
    monkeypatch.delattr(ScrapyPlaywrightDownloadHandler, "_launch")
    found = compat.problems()
    assert any("_clean_req" in line for line in found)
    assert any("_create_page" in line and "overridden" in line for line in found)
    assert any("_launch " in line and "called" in line for line in found)


def test_a_lost_selector_cache_is_named(monkeypatch):
    # A Scrapy that builds a new selector each time (no private cache to release).
    monkeypatch.setattr(TextResponse, "selector", property(lambda self: object()))
    assert _reported("_cached_selector")


def test_engine_without_slot_is_named(monkeypatch):
    import scrapy.core.engine

    monkeypatch.delattr(scrapy.core.engine._Slot, "remove_request")
    assert _reported("engine._slot.remove_request")


def test_an_undeclared_private_override_is_named(monkeypatch):
    async def _create_browser_context(self, *args, **kwargs):
        raise AssertionError

    assert hasattr(ScrapyPlaywrightDownloadHandler, "_create_browser_context")
    monkeypatch.setattr(RenderingDownloadHandler, "_create_browser_context", _create_browser_context, raising=False)
    assert _reported("RenderingDownloadHandler._create_browser_context: overrides a private")


def test_a_declared_override_that_is_gone_is_named(monkeypatch):
    monkeypatch.delattr(RenderingDownloadHandler, "_close")
    assert _reported("RenderingDownloadHandler._close: declared")


def test_a_clash_with_newsbots_own_private_names_is_named(monkeypatch):
    monkeypatch.setattr(ScrapyPlaywrightDownloadHandler, "_retire", lambda self, name: None, raising=False)
    assert _reported("RenderingDownloadHandler._retire: newsbot's own name")


def test_an_undeclared_private_name_of_our_own_is_named(monkeypatch):
    monkeypatch.setattr(RenderingDownloadHandler, "_warm_up", lambda self: None, raising=False)
    assert _reported("RenderingDownloadHandler._warm_up: a private name of newsbot's own")


def test_a_check_that_cannot_run_is_reported(monkeypatch):
    def broken() -> list[str]:
        raise ImportError("scrapy.extensions.feedexport moved")

    monkeypatch.setitem(compat.CHECKS, "feed_exporter", broken)
    assert compat.problems() == ["feed_exporter: check failed: ImportError: scrapy.extensions.feedexport moved"]


# --- the wrappers do what the private calls did -----------------------------------------------

def test_cached_selector_never_builds_one():
    response = HtmlResponse("https://example.com/", body=b"<p>x</p>")
    assert compat.cached_selector(response) is None
    assert compat.cached_selector(response) is None
    selector = response.selector
    assert compat.cached_selector(response) is selector
    assert compat.cached_selector(None) is None


def test_engine_request_removal_runs_before_the_engine_lets_go():
    calls = []

    class Slot:
        def remove_request(self, request):
            calls.append(("engine", request))

    class Engine:
        _slot = Slot()

    engine = Engine()
    compat.hook_engine_request_removal(engine, lambda request: calls.append(("before", request)))
    engine._slot.remove_request("r")
    assert calls == [("before", "r"), ("engine", "r")]


def test_engine_request_removal_refuses_an_engine_without_the_hook():
    class Engine:
        _slot = None

    with pytest.raises(RuntimeError, match="slot.remove_request"):
        compat.hook_engine_request_removal(Engine(), lambda request: None)

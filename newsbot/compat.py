"""The one place newsbot touches Scrapy's and scrapy-playwright's private internals.

Each hook below exists because the public API has no way to do the same thing; each is pinned
to the versions in requirements.txt and checked by `problems()` (tests/unit/test_compat.py), so a
pinned upgrade that moves or changes one fails with the hook's name instead of misbehaving in
the middle of a crawl. Call sites use the functions here, never the private names.

Scrapy:
- `engine._slot.remove_request` (fleet leases, newsbot.leases.scheduler): Scrapy has no signal
  for "the engine is done with this request" (scraped, items processed, follow-ups scheduled; or
  failed, or replaced by a redirect/retry); the engine slot's remove_request is that moment, for
  every outcome.
- `FeedExporter._get_uri_params`, `_schedule_slot_close`, `_start_new_batch` (batch rollover by
  age, newsbot.delivery.extension): FeedExporter rolls a batch over only at
  FEED_EXPORT_BATCH_ITEM_COUNT; closing a batch by age must do what its own rollover does.
- `scrapy.contracts._create_testcase`, `ContractsManager._clean_req` (newsbot.contracts): the
  per-spider contract blocks build their requests themselves and must report results and clean
  requests exactly as `scrapy check` does for docstring contracts.
- `ScrapyCommand._create_crawler` (commands crawl, crawlall): the commands need the Crawler
  object before it runs, to read its health for the exit code; `crawler_process.crawl(name)`
  would create one they cannot see.
- `TextResponse._cached_selector` (newsbot.middlewares.pages): releasing a parsed page must touch
  only a selector already built; `response.selector` would build one.

scrapy-playwright (subclass methods cannot move here, so they are declared instead):
- `PLAYWRIGHT_PRIVATE_OVERRIDES`: the private methods RenderingDownloadHandler overrides (lazy
  start, per-page deadline and page cleanup, context recycling, offline replay, close stats).
- `PLAYWRIGHT_PRIVATE_CALLS`: the private methods it calls without overriding.
- `PLAYWRIGHT_OWN_PRIVATE`: newsbot's own private names on the subclass; if the base class ever
  defines one of them, one side would silently replace the other.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

# --- Scrapy -----------------------------------------------------------------------------------


def hook_engine_request_removal(engine: Any, before: Callable[[Any], None]) -> None:
    """Call `before(request)` each time the engine is done with a request, then let it go."""
    slot = getattr(engine, "_slot", None)
    original = getattr(slot, "remove_request", None)
    if original is None:
        raise RuntimeError("this Scrapy version's engine has no slot.remove_request: fleet leases "
                           "cannot be acknowledged")

    def remove_request(request: Any) -> None:
        before(request)
        original(request)

    slot.remove_request = remove_request


def feed_uri_params(exporter: Any, spider: Any, uri_params: Any, slot: Any) -> dict[str, Any]:
    return exporter._get_uri_params(spider, uri_params, slot)


def close_feed_slot(exporter: Any, slot: Any, spider: Any) -> Any:
    return exporter._schedule_slot_close(slot, spider)


def start_feed_batch(exporter: Any, *, batch_id: int, uri: str, feed_options: dict[str, Any],
                     spider: Any, uri_template: str) -> Any:
    return exporter._start_new_batch(batch_id=batch_id, uri=uri, feed_options=feed_options,
                                     spider=spider, uri_template=uri_template)


def create_testcase(method: Callable[..., Any], desc: str) -> Any:
    from scrapy.contracts import _create_testcase

    return _create_testcase(method, desc)


def clean_contract_request(manager: Any, request: Any, method: Callable[..., Any], results: Any) -> None:
    manager._clean_req(request, method, results)


def create_crawler(command: Any, spidercls: Any) -> Any:
    return command._create_crawler(spidercls)


def cached_selector(response: Any) -> Any:
    """The selector Scrapy already built for the response, or None (never builds one)."""
    return getattr(response, "_cached_selector", None)


# --- scrapy-playwright ------------------------------------------------------------------------

PLAYWRIGHT_PRIVATE_OVERRIDES: dict[str, tuple[str, ...]] = {
    "_maybe_launch_in_thread": ("self",),
    "_download_request": ("self", "request", "spider"),
    "_create_page": ("self", "request", "spider"),
    # Overridden with **kwargs and passed on whole, but the replay handler relies on the request
    # handler being built per request with these.
    "_make_request_handler": ("self", "context_name", "method", "url", "headers", "body", "encoding",
                              "spider", "initial_request_done"),
    "_close": ("self",),
}

PLAYWRIGHT_PRIVATE_CALLS: dict[str, tuple[str, ...]] = {
    "_launch": ("self",),
    "_maybe_launch_browser": ("self",),
    "_get_total_page_count": ("self",),
}

PLAYWRIGHT_OWN_PRIVATE = ("_ensure_started", "_retire", "_close_if_retired", "_close_context",
                          "_generation", "_generation_pages", "_retired", "_in_use", "_started",
                          "_start_lock", "_start_error", "_page_slots", "_slot_release")


# --- checks -----------------------------------------------------------------------------------

def _params(function: Any) -> tuple[str, ...]:
    return tuple(inspect.signature(function).parameters)


def _check_function(problems: list[str], hook: str, owner: Any, name: str, expected: tuple[str, ...]) -> None:
    function = getattr(owner, name, None)
    if function is None or not callable(function):
        problems.append(f"{hook}: {name} no longer exists")
        return
    try:
        found = _params(function)
    except (TypeError, ValueError):
        problems.append(f"{hook}: signature of {name} cannot be read")
        return
    if found != expected:
        problems.append(f"{hook}: {name} takes ({', '.join(found)}), newsbot calls it with "
                        f"({', '.join(expected)})")


def _engine_slot_problems() -> list[str]:
    import scrapy.core.engine as engine

    problems: list[str] = []
    hook = "engine._slot.remove_request (compat.hook_engine_request_removal)"
    if not re.search(r"self\._slot\b", inspect.getsource(engine.ExecutionEngine)):
        problems.append(f"{hook}: ExecutionEngine no longer keeps self._slot")
    slot_cls = getattr(engine, "_Slot", None)
    if slot_cls is None:
        problems.append(f"{hook}: scrapy.core.engine._Slot no longer exists")
    else:
        _check_function(problems, hook, slot_cls, "remove_request", ("self", "request"))
    return problems


def _feed_problems() -> list[str]:
    from scrapy.extensions.feedexport import FeedExporter

    problems: list[str] = []
    _check_function(problems, "FeedExporter._get_uri_params (compat.feed_uri_params)", FeedExporter,
                    "_get_uri_params", ("self", "spider", "uri_params_function", "slot"))
    _check_function(problems, "FeedExporter._schedule_slot_close (compat.close_feed_slot)", FeedExporter,
                    "_schedule_slot_close", ("self", "slot", "spider"))
    _check_function(problems, "FeedExporter._start_new_batch (compat.start_feed_batch)", FeedExporter,
                    "_start_new_batch", ("self", "batch_id", "uri", "feed_options", "spider", "uri_template"))
    return problems


def _contracts_problems() -> list[str]:
    import scrapy.contracts as contracts

    problems: list[str] = []
    _check_function(problems, "scrapy.contracts._create_testcase (compat.create_testcase)", contracts,
                    "_create_testcase", ("method", "desc"))
    _check_function(problems, "ContractsManager._clean_req (compat.clean_contract_request)",
                    contracts.ContractsManager, "_clean_req", ("self", "request", "method", "results"))
    return problems


def _command_problems() -> list[str]:
    from scrapy.commands.crawl import Command

    problems: list[str] = []
    _check_function(problems, "ScrapyCommand._create_crawler (compat.create_crawler)", Command,
                    "_create_crawler", ("self", "spidercls"))
    return problems


def _selector_problems() -> list[str]:
    from scrapy.http import HtmlResponse

    hook = "TextResponse._cached_selector (compat.cached_selector)"
    response = HtmlResponse("https://example.com/", body=b"<html><body><p>x</p></body></html>")
    if not hasattr(response, "_cached_selector"):
        return [f"{hook}: TextResponse no longer has _cached_selector"]
    if cached_selector(response) is not None:
        return [f"{hook}: _cached_selector is set before response.selector is used"]
    selector = response.selector
    if cached_selector(response) is not selector:
        return [f"{hook}: response.selector is no longer kept in _cached_selector"]
    if getattr(selector, "response", None) is not response:
        return [f"{hook}: the selector no longer keeps its response in .response"]
    return []


def _playwright_problems() -> list[str]:
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler as Base

    from .rendering.handler import RenderingDownloadHandler

    problems: list[str] = []
    base_source = inspect.getsource(inspect.getmodule(Base))
    for name, expected in PLAYWRIGHT_PRIVATE_OVERRIDES.items():
        hook = f"ScrapyPlaywrightDownloadHandler.{name} (overridden, compat.PLAYWRIGHT_PRIVATE_OVERRIDES)"
        _check_function(problems, hook, Base, name, expected)
        # An override the base class no longer calls does nothing, silently.
        if hasattr(Base, name) and not re.search(rf"\.{name}\b", base_source):
            problems.append(f"{hook}: scrapy-playwright no longer calls {name}")
    for name, expected in PLAYWRIGHT_PRIVATE_CALLS.items():
        _check_function(problems, f"ScrapyPlaywrightDownloadHandler.{name} "
                        "(called, compat.PLAYWRIGHT_PRIVATE_CALLS)", Base, name, expected)
    overridden = {name for name, value in vars(RenderingDownloadHandler).items()
                  if name.startswith("_") and not name.startswith("__") and hasattr(Base, name)
                  and (isinstance(value, (staticmethod, classmethod, property)) or inspect.isfunction(value))}
    for name in sorted(overridden - set(PLAYWRIGHT_PRIVATE_OVERRIDES) - set(PLAYWRIGHT_OWN_PRIVATE)):
        problems.append(f"RenderingDownloadHandler.{name}: overrides a private scrapy-playwright method "
                        "not declared in compat.PLAYWRIGHT_PRIVATE_OVERRIDES")
    for name in sorted(set(PLAYWRIGHT_PRIVATE_OVERRIDES) - set(vars(RenderingDownloadHandler))):
        problems.append(f"RenderingDownloadHandler.{name}: declared in compat.PLAYWRIGHT_PRIVATE_OVERRIDES "
                        "but no longer overridden")
    own = {name for name in vars(RenderingDownloadHandler)
           if name.startswith("_") and not name.startswith("__") and not hasattr(Base, name)}
    own |= set(re.findall(r"self\.(_[a-z]\w*)\s*[:=]", inspect.getsource(RenderingDownloadHandler)))
    for name in sorted(own - set(PLAYWRIGHT_OWN_PRIVATE) - set(PLAYWRIGHT_PRIVATE_OVERRIDES)):
        problems.append(f"RenderingDownloadHandler.{name}: a private name of newsbot's own not declared in "
                        "compat.PLAYWRIGHT_OWN_PRIVATE (nothing would notice scrapy-playwright taking it)")
    for name in PLAYWRIGHT_OWN_PRIVATE:
        if hasattr(Base, name) or re.search(rf"self\.{name}\b", base_source):
            problems.append(f"RenderingDownloadHandler.{name}: newsbot's own name now also exists in "
                            "scrapy-playwright's handler (one would replace the other)")
    return problems


CHECKS: dict[str, Callable[[], list[str]]] = {
    "engine_slot": _engine_slot_problems,
    "feed_exporter": _feed_problems,
    "contracts": _contracts_problems,
    "commands": _command_problems,
    "cached_selector": _selector_problems,
    "playwright": _playwright_problems,
}


def problems() -> list[str]:
    """One line per private hook the installed Scrapy / scrapy-playwright no longer provides as
    newsbot uses it; empty when all hold."""
    found: list[str] = []
    for name, check in CHECKS.items():
        try:
            found.extend(check())
        except Exception as exc:  # noqa: BLE001 - a check that cannot run is itself a moved hook
            found.append(f"{name}: check failed: {type(exc).__name__}: {exc}")
    return found

"""Spider contracts declared per spider, and newsbot's custom contracts.

Scrapy reads contracts from callback docstrings, but every outlet shares PoliticsSpider's
callbacks, so an outlet declares its contracts as data instead:

    contracts = {
        "parse_article": [
            '''@url https://example.com/politics/some-article
               @returns items 1 1
               @schema
               @nojunk
               @coverage 1.0 title body published_at authors''',
        ],
        "parse_listing": ["@url https://example.com/politics\\n@returns requests 5"],
    }

Each block is one contract request (one recorded URL). `scrapy check` (newsbot/commands/check.py)
runs them offline through the replay recordings, `scrapy check --live` against the site.

Custom contracts (SPIDER_CONTRACTS):
- @schema: the callback's items, passed through the offline-safe item pipelines, match the JSON
  Schema (newsbot/schema/article.schema.json); a dropped item fails with the drop reason.
- @nojunk [PHRASE_REGEX...]: no template junk in the final body (markup, entities, script/JSON
  remnants, ad/newsletter/share lines, repeated paragraphs, or the given regexes).
- @coverage MIN_SHARE FIELD...: at least MIN_SHARE of the items have each FIELD filled.

Requests for a callback reuse the spider's own request factory (`contract_request_meta`), so
meta a spider puts on its requests — scrapy-playwright's `playwright: True` and page methods,
for instance — is on the contract request too, whichever engineer's code adds it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

from itemadapter import ItemAdapter, is_item
from scrapy import Request, Spider
from scrapy.contracts import Contract, ContractsManager
from scrapy.exceptions import DropItem
from scrapy.utils.misc import load_object

from .compat import clean_contract_request, create_testcase
from .extensions.health import is_filled
from .parsing.text import paragraphs_of
from .pipelines.validate import schema_errors
from .stats import OfflineStats

CHECK_PIPELINES = "NEWSBOT_CHECK_PIPELINES"


def _items(output: Iterable[Any]) -> list[Any]:
    return [x for x in output if is_item(x)]


def offline_pipelines(spider: Spider) -> list[Any]:
    """The item pipelines a crawl would run that are safe offline, in order.

    `scrapy check` empties ITEM_PIPELINES (a check writes nothing); the command keeps the real
    list under NEWSBOT_CHECK_PIPELINES.
    """
    settings = spider.crawler.settings
    configured = settings.getdict(CHECK_PIPELINES) or settings.getwithbase("ITEM_PIPELINES")
    stats = OfflineStats()
    chain = []
    for path, order in sorted(configured.items(), key=lambda kv: (kv[1] is None, kv[1] or 0)):
        if order is None:
            continue
        cls = load_object(path)
        if getattr(cls, "offline_safe", False):
            chain.append(cls(settings, stats))
    return chain


def finished_items(spider: Spider, output: Iterable[Any]) -> list[tuple[Any, str | None]]:
    """(item, drop reason or None) for each item of the callback output, after the pipelines."""
    results = []
    chain = offline_pipelines(spider)
    for item in _items(output):
        item = type(item)(**ItemAdapter(item).asdict()) if hasattr(item, "__dataclass_fields__") else item
        try:
            for pipeline in chain:
                item = pipeline.process_item(item)
        except DropItem as exc:
            results.append((item, str(exc)))
            continue
        results.append((item, None))
    return results


class _NewsbotContract(Contract):
    def __init__(self, method: Callable[..., Any], *args: Any):
        super().__init__(method, *args)
        self.owner: Spider = method.__self__  # type: ignore[attr-defined]

    def spider(self) -> Spider:
        return self.owner


class SchemaContract(_NewsbotContract):
    """@schema"""

    name = "schema"

    def post_process(self, output: list[Any]) -> None:
        results = finished_items(self.spider(), output)
        if not results:
            raise AssertionError("@schema: the callback returned no items")
        for item, dropped in results:
            url = ItemAdapter(item).get("url")
            if dropped:
                raise AssertionError(f"@schema: item dropped by the pipelines: {dropped}")
            errors = schema_errors(item)
            if errors:
                raise AssertionError(f"@schema: {url}: " + "; ".join(f"{f}: {m}" for f, m in errors))


JUNK_PATTERNS = {
    "html tag": r"</?(?:p|div|span|a|br|script|style|iframe|img|figure|aside)\b[^>]*>",
    "html entity": r"&(?:[a-z]{2,8}|#\d{2,6});",
    "script or json": r"(?:\{\s*\"@context\"|function\s*\(|window\.\w+\s*=|googletag|dataLayer)",
    "ad slot": r"^\s*(?:advertisement|sponsored content|ad)\s*$",
    "call to action": r"^\s*(?:sign up|subscribe|read more|read next|related:|share (?:this|on)|follow us|click here|"
                      r"download our app|newsletter)\b.{0,120}$",
}


class NoJunkContract(_NewsbotContract):
    """@nojunk [REGEX...] — no template junk left in the final (cleaned) body."""

    name = "nojunk"

    def post_process(self, output: list[Any]) -> None:
        patterns = {name: re.compile(p, re.IGNORECASE | re.MULTILINE) for name, p in JUNK_PATTERNS.items()}
        patterns.update({f"/{p}/": re.compile(p, re.IGNORECASE) for p in self.args if p})
        for item, _dropped in finished_items(self.spider(), output):
            body = ItemAdapter(item).get("body") or ""
            url = ItemAdapter(item).get("url")
            for name, pattern in patterns.items():
                found = pattern.search(body)
                if found:
                    raise AssertionError(f"@nojunk: {url}: {name} in body: {found.group(0)[:80]!r}")
            paragraphs = [p for p in paragraphs_of(body) if len(p) > 30]
            repeated = {p for p in paragraphs if paragraphs.count(p) > 1}
            if repeated:
                raise AssertionError(f"@nojunk: {url}: repeated paragraph {next(iter(repeated))[:80]!r}")


class CoverageContract(_NewsbotContract):
    """@coverage MIN_SHARE FIELD... — every FIELD is filled in at least MIN_SHARE of the items."""

    name = "coverage"

    def __init__(self, method: Callable[..., Any], *args: Any):
        super().__init__(method, *args)
        if len(args) < 2:
            raise ValueError("@coverage needs MIN_SHARE and at least one FIELD")
        self.min_share = float(args[0])
        self.fields = args[1:]

    def post_process(self, output: list[Any]) -> None:
        items = [item for item, dropped in finished_items(self.spider(), output)]
        if not items:
            raise AssertionError("@coverage: the callback returned no items")
        short = []
        for field in self.fields:
            share = sum(is_filled(ItemAdapter(i).get(field)) for i in items) / len(items)
            if share < self.min_share:
                short.append(f"{field} {share:.0%}")
        if short:
            raise AssertionError(f"@coverage: below {self.min_share:.0%} in {len(items)} item(s): {', '.join(short)}")


class BodyContract(_NewsbotContract):
    """@body PATH... — the article's body came from one of these paths (selectors, structured,
    embedded, generic). An outlet's pages say `@body selectors`: when the page's
    markup changed and another path's body won, the contract fails naming the selector, which is
    how `scrapy check --live` reports selector drift."""

    name = "body"

    def __init__(self, method: Callable[..., Any], *args: Any):
        super().__init__(method, *args)
        if not args:
            raise ValueError("@body needs at least one PATH")
        self.paths = set(args)
        self.response: Any = None

    def pre_process(self, response: Any) -> None:
        self.response = response

    def post_process(self, output: list[Any]) -> None:
        meta = getattr(self.response, "meta", {}) or {}
        source = meta.get(BODY_SOURCE_META)
        if source is None or source in self.paths:
            return  # no item (other contracts say so) or the expected path
        drift = meta.get(BODY_DRIFT_META)
        lost = f"selector drift: the body selector {drift!r} lost, " if drift else ""
        raise AssertionError(f"@body: {lost}the body came from {source}, expected {' or '.join(sorted(self.paths))}")


# Response meta the spider sets on an article page: which path gave the body, and the outlet's
# body selector when it lost to another path.
BODY_SOURCE_META = "newsbot_body_source"
BODY_DRIFT_META = "newsbot_body_drift"


def article_contract(url: str, coverage: str, *junk: str, body: str = "selectors") -> str:
    """The contract every recorded article page keeps: one item, valid against the schema, no
    junk left in the body (nor the outlet's own `junk` regexes), each `coverage` field filled, and
    the body from the `body` path(s) (space-separated; the outlet's selectors unless told)."""
    return (f"@url {url}\n@returns items 1 1\n@schema\n@nojunk {' '.join(junk)}\n@coverage 1.0 {coverage}"
            f"\n@body {body}")


def requests_contract(url: str, minimum: int, maximum: int | None = None) -> str:
    """A listing, feed or sitemap page that leads to at least `minimum` (at most `maximum`) requests."""
    return f"@url {url}\n@returns requests {minimum}" + (f" {maximum}" if maximum is not None else "")


_CONTRACT_LINE = re.compile(r"^\s*@(\w+)\s*(.*)$")


def declared_blocks(spider: type[Spider] | Spider) -> dict[str, list[str]]:
    """callback name -> contract blocks, from the spider's (class or instance) `contracts` attribute."""
    declared = getattr(spider, "contracts", None) or {}
    return {name: [blocks] if isinstance(blocks, str) else list(blocks) for name, blocks in declared.items()}


def contract_request_meta(spider: Spider, callback: str, url: str) -> dict[str, Any]:
    """The meta the spider itself would put on a request for `callback` (PoliticsSpider says)."""
    own = getattr(spider, "contract_request_meta", None)
    return dict(own(callback, url) or {}) if callable(own) else {}


def missing_browser(spider: Spider) -> str | None:
    """Why a rendered contract cannot run here (no browser binary), or None."""
    from .rendering.handler import launch_options, missing_executable
    return missing_executable(launch_options(spider.settings))


class DeclaredContractsManager(ContractsManager):
    """Contracts from docstrings (Scrapy's way) plus the spider's `contracts` declaration."""

    def tested_methods_from_spidercls(self, spidercls: type[Spider]) -> list[str]:
        return sorted(set(super().tested_methods_from_spidercls(spidercls)) | set(declared_blocks(spidercls)))

    def parse_block(self, method: Callable[..., Any], block: str) -> list[Contract]:
        contracts = []
        for line in block.splitlines():
            match = _CONTRACT_LINE.match(line)
            if match is None:
                continue
            name, args = match.groups()
            if name not in self.contracts:
                raise ValueError(f"unknown contract @{name} (SPIDER_CONTRACTS)")
            contracts.append(self.contracts[name](method, *re.split(r"\s+", args.strip()) if args.strip() else ()))
        return contracts

    def from_spider(self, spider: Spider, results) -> list[Request | None]:
        requests: list[Request | None] = []
        blocks = declared_blocks(spider)
        for method_name in self.tested_methods_from_spidercls(type(spider)):
            bound = getattr(spider, method_name)
            method_blocks = list(blocks.get(method_name, []))
            if bound.__doc__ and re.search(r"^\s*@", bound.__doc__, re.MULTILINE):
                method_blocks.append(bound.__doc__)
            for block in method_blocks:
                try:
                    requests.append(self.request_for(spider, bound, self.parse_block(bound, block), results))
                except Exception:
                    results.addError(create_testcase(bound, "contract"), sys.exc_info())
        return requests

    def request_for(self, spider: Spider, method, contracts: list[Contract], results) -> Request | None:
        if not contracts:
            return None
        kwargs: dict[str, Any] = {"dont_filter": True, "callback": method}
        for contract in contracts:
            kwargs = contract.adjust_request_args(kwargs)
        if "url" not in kwargs:
            raise ValueError(f"contract block for {method.__name__} has no @url")
        # The spider's own meta first (e.g. playwright), then any @meta the block gives.
        kwargs["meta"] = {**contract_request_meta(spider, method.__name__, kwargs["url"]), **(kwargs.get("meta") or {})}
        for contract in contracts:
            # Name the URL in each result line: one callback has several contract blocks.
            contract.testcase_pre = create_testcase(method, f"@{contract.name} pre-hook, {kwargs['url']}")
            contract.testcase_post = create_testcase(method, f"@{contract.name} post-hook, {kwargs['url']}")
        if kwargs["meta"].get("playwright"):
            problem = missing_browser(spider)
            if problem:
                # Like the test suite: a user's machine without Chromium skips what needs it
                # (with the reason), CI must not.
                testcase = create_testcase(method, f"rendered, {kwargs['url']}")
                if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
                    raise RuntimeError(f"rendered contract for {kwargs['url']} cannot run: {problem}")
                results.addSkip(testcase, problem)
                return None
        request_cls = Request
        for contract in contracts:
            if contract.request_cls is not None:
                request_cls = contract.request_cls
        request = request_cls(**kwargs)
        for contract in reversed(contracts):
            request = contract.add_pre_hook(request, results)
        for contract in contracts:
            request = contract.add_post_hook(request, results)
        clean_contract_request(self, request, method, results)
        return request


def contract_urls(spider: Spider) -> list[tuple[str, str]]:
    """(callback name, @url) of every declared contract block, for `scrapy record`."""
    found = []
    for callback, blocks in declared_blocks(spider).items():
        for block in blocks:
            for line in block.splitlines():
                match = _CONTRACT_LINE.match(line)
                if match and match.group(1) == "url":
                    found.append((callback, match.group(2).strip()))
    return found

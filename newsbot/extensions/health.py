"""Health policy of a run, evaluated when the crawl is over; each broken rule is one log line and
makes the run exit with UNHEALTHY (3) via newsbot.exitcodes.fail_run.

Rules (settings, per spider through `custom_settings` or `-s`):

- NEWSBOT_HEALTH_MIN_ITEMS: fewer items scraped than this is unhealthy (0 items = broken spider).
- NEWSBOT_HEALTH_MAX_ERROR_RATIO: (failed requests + callback exceptions) / finished requests.
  A request failed when its last attempt was an HTTP status >= 400 or a download error.
- NEWSBOT_HEALTH_MAX_MISSING_RATIO: share of items (scraped or dropped) missing a required field;
  broken selectors show up here first. Required fields: the spider's `required_fields`
  attribute, else NEWSBOT_HEALTH_REQUIRED_FIELDS.
- NEWSBOT_HEALTH_FAIL_ON_SELECTOR_DRIFT: an outlet's body selector lost to another body path on
  too many articles (newsbot/extensions/drift.py): the site changed its markup.
- NEWSBOT_HEALTH_REQUIRE_DELIVERY: the delivery code sets `newsbot/delivery/undelivered_batches`
  and asks for exit 4 itself; this rule reports it among the broken rules and the summary.

Evaluated on `engine_stopped`, after every spider_closed handler (feed delivery included) ran.
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from ..exitcodes import STAT_REASONS, UNDELIVERED, UNHEALTHY, fail_run
from ..pipelines.validate import InvalidItem
from . import outcomes
from .drift import STAT_DRIFT

logger = logging.getLogger(__name__)

STAT_BROKEN = "newsbot/health/broken"
STAT_ITEMS_SEEN = "newsbot/fields/items"
STAT_PRESENT = "newsbot/fields/present/"
STAT_MISSING_REQUIRED = "newsbot/health/items_missing_required"
STAT_MISSING_FIELD = "newsbot/health/missing/"
STAT_UNDELIVERED = "newsbot/delivery/undelivered_batches"
STAT_INVALID = "newsbot/health/items_invalid"
# A fleet worker's view of the articles its whole fleet run found (newsbot.distributed): a worker
# that found the queue empty is not a broken discovery when the fleet found articles.
STAT_FLEET_FOUND = "newsbot/fleet/items_found"
DEFAULT_REQUIRED = ("title", "body", "published_at")
# Finish reasons for which health rules say nothing: the run never really ran (a browser check
# that failed after the engine started; refusals before it never get this far).
SKIP_REASONS = {"newsbot_config"}


def is_filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, dict, set)):
        return bool(value)
    return True


def required_fields(spider: Any, settings: Any) -> tuple[str, ...]:
    declared = getattr(spider, "required_fields", None)
    if declared:
        return tuple(declared)
    return tuple(settings.getlist("NEWSBOT_HEALTH_REQUIRED_FIELDS") or DEFAULT_REQUIRED)


def evaluate(stats: dict[str, Any], policy: dict[str, Any]) -> list[str]:
    """One human line per broken rule, from a run's stats and the policy (pure, for tests)."""
    broken = []
    # Articles the spider found: written, dropped (duplicates, invalid) or skipped before download
    # as already known. A scheduled run that finds only known articles is healthy; one that finds
    # none at all means discovery is broken.
    # Items the schema refused are not articles found: a spider whose every item is invalid is broken.
    invalid = int(stats.get(STAT_INVALID, 0))
    items = int(stats.get(STAT_ITEMS_SEEN, stats.get("item_scraped_count", 0))) + \
        int(stats.get("newsbot/dedup/skipped_known_url", 0)) - invalid
    fleet = stats.get(STAT_FLEET_FOUND)
    if items < policy["min_items"] and (fleet is None or int(fleet) < policy["min_items"]):
        refused = f"; {invalid} more dropped as invalid, see newsbot/invalid/*" if invalid else ""
        whole = f"; the fleet run {int(fleet)}" if fleet is not None else ""
        broken.append(f"min_items: {items} article(s) found (written, dropped or already known{refused}{whole}), "
                      f"policy requires at least {policy['min_items']}")
    failed = int(stats.get(outcomes.FAILED, 0))
    finished = failed + int(stats.get(outcomes.OK, 0))
    callback_errors = int(stats.get("spider_exceptions/count", 0))
    if finished or callback_errors:
        ratio = (failed + callback_errors) / max(finished, 1)
        if ratio > policy["max_error_ratio"]:
            kinds = ", ".join(f"{k.removeprefix(outcomes.ERRORS)}={v}" for k, v in sorted(stats.items())
                              if k.startswith(outcomes.ERRORS)) or "none"
            broken.append(f"max_error_ratio: {ratio:.0%} errors ({failed} failed request(s), "
                          f"{callback_errors} callback exception(s) in {finished} request(s); {kinds}), "
                          f"policy allows {policy['max_error_ratio']:.0%}")
    seen = int(stats.get(STAT_ITEMS_SEEN, 0))
    missing = int(stats.get(STAT_MISSING_REQUIRED, 0))
    if seen and missing / seen > policy["max_missing_ratio"]:
        fields = ", ".join(f"{k.removeprefix(STAT_MISSING_FIELD)}={v}" for k, v in sorted(stats.items())
                           if k.startswith(STAT_MISSING_FIELD))
        broken.append(f"max_missing_ratio: {missing} of {seen} item(s) miss a required field ({fields}), "
                      f"policy allows {policy['max_missing_ratio']:.0%}")
    drift = stats.get(STAT_DRIFT) or []
    if policy.get("fail_on_selector_drift") and drift:
        broken.append("selector_drift: " + "; ".join(drift))
    undelivered = int(stats.get(STAT_UNDELIVERED, 0))
    if policy["require_delivery"] and undelivered > 0:
        broken.append(f"delivery: {undelivered} batch(es) undelivered (kept in the spool)")
    return broken


class HealthExtension:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.policy = {
            "min_items": settings.getint("NEWSBOT_HEALTH_MIN_ITEMS", 1),
            "max_error_ratio": settings.getfloat("NEWSBOT_HEALTH_MAX_ERROR_RATIO", 0.2),
            "max_missing_ratio": settings.getfloat("NEWSBOT_HEALTH_MAX_MISSING_RATIO", 0.2),
            "require_delivery": settings.getbool("NEWSBOT_HEALTH_REQUIRE_DELIVERY", True),
            "fail_on_selector_drift": settings.getbool("NEWSBOT_HEALTH_FAIL_ON_SELECTOR_DRIFT", False),
        }
        self.required: tuple[str, ...] = ()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.item_seen, signal=signals.item_scraped)
        crawler.signals.connect(self.item_seen, signal=signals.item_dropped)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthExtension:
        if not crawler.settings.getbool("NEWSBOT_HEALTH_ENABLED", True):
            raise NotConfigured("NEWSBOT_HEALTH_ENABLED is off")
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        self.required = required_fields(spider, self.crawler.settings)

    def item_seen(self, item, **kwargs) -> None:
        # Runs for every item, ~20 increments: Scrapy's stats collector looks its methods up
        # through a wrapping __getattribute__ on every access, so the bound method is taken once.
        inc = self.crawler.stats.inc_value
        adapter = ItemAdapter(item)
        inc(STAT_ITEMS_SEEN)
        if isinstance(kwargs.get("exception"), InvalidItem):
            inc(STAT_INVALID)
        if "exception" not in kwargs:   # field coverage of what was written
            for name in adapter.field_names():   # 0 counts too, so empty fields show as 0%
                inc(f"{STAT_PRESENT}{name}", 1 if is_filled(adapter.get(name)) else 0)
        missing = [name for name in self.required if not is_filled(adapter.get(name))]
        if missing:
            inc(STAT_MISSING_REQUIRED)
            for name in missing:
                inc(f"{STAT_MISSING_FIELD}{name}")

    def engine_stopped(self) -> None:
        stats = self.crawler.stats
        if stats.get_value("finish_reason") in SKIP_REASONS:
            return
        broken = evaluate(stats.get_stats(), self.policy)
        stats.set_value(STAT_BROKEN, broken)
        already = " ".join(stats.get_value(STAT_REASONS) or [])
        for line in broken:
            if line.startswith("delivery:"):
                # The delivery code asked for exit 4 itself; ask again only if it could not.
                if f"[exit {UNDELIVERED}]" not in already:
                    fail_run(self.crawler, UNDELIVERED, f"health: {line}")
                continue
            fail_run(self.crawler, UNHEALTHY, f"health: {line}")
        if not broken and not already:
            logger.info("health: all rules passed (%s)", ", ".join(f"{k}={v}" for k, v in self.policy.items()))
        elif not broken:
            # The run failed for another reason (its own line says which): "all passed" next to it
            # reads as a contradiction.
            logger.info("health: no rule broken; the run failed for the reason above")

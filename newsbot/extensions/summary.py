"""Run summary: `run-summary.json` per run under <NEWSBOT_HOME>/runs/<spider>/<start>/ and a
one-screen human summary at the end of the log. Written on `engine_stopped`, after the health
rules (HealthExtension connects first, see EXTENSIONS orders) so it carries the exit code.

Everything comes from the crawl's stats, so any component that counts under `newsbot/` shows up
without this module knowing it (dedup: newsbot/dedup/*, junk rules: newsbot/junk/*, delivery:
newsbot/delivery/*).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from ..exitcodes import STAT_REASONS, exit_code_of
from ..paths import newsbot_home
from . import outcomes
from .drift import STAT_DRIFT
from .health import STAT_BROKEN, STAT_ITEMS_SEEN, STAT_PRESENT

logger = logging.getLogger(__name__)

STAT_DROPPED = "newsbot/dropped/"
STAT_SUMMARY_PATH = "newsbot/summary/path"


def _iso(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    return None


def _prefixed(stats: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k.removeprefix(prefix): v for k, v in sorted(stats.items()) if k.startswith(prefix)}


def drop_reason(exception: BaseException) -> str:
    """A short, stable key for why an item was dropped (the message names URLs, keys do not)."""
    message = str(exception)
    field = re.search(r"field '([\w/]+)'", message)
    if field:
        return f"invalid/{field.group(1)}"
    for word in ("duplicate", "paywall", "too short", "language"):
        if word in message.lower():
            return word.replace(" ", "_")
    return type(exception).__name__


def run_identity(crawler: Crawler) -> tuple[str, str]:
    """The run's spider name and outlet (the outlet defaults to the spider's name)."""
    name = getattr(crawler.spider, "name", None) or crawler.spidercls.name
    return name, getattr(crawler.spider, "outlet", None) or name


def build_summary(stats: dict[str, Any], spider_name: str, outlet: str, exit_code: int) -> dict[str, Any]:
    items = int(stats.get("item_scraped_count", 0))
    written = items or 1
    callback_errors = _prefixed(stats, "spider_exceptions/")
    callback_errors.pop("count", None)
    errors = {**_prefixed(stats, outcomes.ERRORS), **{f"callback_{k}": v for k, v in callback_errors.items()}}
    coverage = {field: round(count / written, 3) for field, count in _prefixed(stats, STAT_PRESENT).items()} if items else {}
    dedup = _prefixed(stats, "newsbot/dedup/")
    return {
        "spider": spider_name,
        "outlet": outlet,
        "start": _iso(stats.get("start_time")),
        "end": _iso(stats.get("finish_time")),
        "elapsed_seconds": round(float(stats.get("elapsed_time_seconds") or 0), 3),
        "finish_reason": stats.get("finish_reason"),
        "pages": int(stats.get("response_received_count", 0)),
        "requests": {"ok": int(stats.get(outcomes.OK, 0)), "failed": int(stats.get(outcomes.FAILED, 0))},
        "items": items,
        "items_seen": int(stats.get(STAT_ITEMS_SEEN, 0)),
        "new": dedup.get("new"),
        # Articles earlier runs delivered: not fetched again (known URL) or dropped as duplicates.
        "already_known": int(dedup.get("skipped_known_url", 0)) + int(dedup.get("duplicate") or 0),
        "duplicate": dedup.get("duplicate"),
        "updated": dedup.get("updated"),
        "dropped": _prefixed(stats, STAT_DROPPED),
        "errors": errors,
        "field_coverage": coverage,
        "junk_removed": _prefixed(stats, "newsbot/junk/"),
        "body_sources": _prefixed(stats, "newsbot/body_source/"),
        "selector_drift": list(stats.get(STAT_DRIFT) or []),
        "delivery": _prefixed(stats, "newsbot/delivery/"),
        "health": list(stats.get(STAT_BROKEN) or []),
        "exit_code": exit_code,
        "exit_reasons": list(stats.get(STAT_REASONS) or []),
    }


def human_summary(summary: dict[str, Any], path: Path | None) -> str:
    """At most ~20 lines: what a person reading the end of a cron log needs."""
    def kv(mapping: dict[str, Any]) -> str:
        return ", ".join(f"{k}={v}" for k, v in mapping.items()) or "none"

    lines = [
        f"=== newsbot run summary: {summary['spider']} ({summary['outlet']}) ===",
        f"time      {summary['start']} .. {summary['end']} ({summary['elapsed_seconds']}s, {summary['finish_reason']})",
        f"pages     {summary['pages']} (requests ok={summary['requests']['ok']} failed={summary['requests']['failed']})",
        f"items     {summary['items']} written; " + " ".join(
            f"{k}={'n/a' if summary[k] is None else summary[k]}" for k in ("new", "duplicate", "updated")),
        f"dropped   {kv(summary['dropped'])}",
        f"errors    {kv(summary['errors'])}",
        f"coverage  {kv({k: f'{v:.0%}' for k, v in summary['field_coverage'].items() if k in ('title', 'body', 'published_at', 'authors', 'standfirst', 'image_url', 'section')})}",
        f"junk      {kv(summary['junk_removed'])}",
        f"delivery  {kv(summary['delivery'])}",
    ]
    if summary.get("already_known"):
        lines.append(f"known     {summary['already_known']} article(s) delivered by earlier runs were not written "
                     f"again; to write them again: scrapy dedup reset --outlet {summary['outlet']} (or "
                     f"-s NEWSBOT_DEDUP_ENABLED=False for one run)")
    lines += [f"DRIFT     {line}" for line in summary["selector_drift"]]
    lines += [f"BROKEN    {line}" for line in summary["health"]]
    lines.append(f"exit      {summary['exit_code']}" + (f" ({'; '.join(summary['exit_reasons'])})" if summary["exit_reasons"] else " (ok)"))
    if path:
        lines.append(f"summary   {path}")
    return "\n".join(lines)


class RunSummaryExtension:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummaryExtension:
        if not crawler.settings.getbool("NEWSBOT_SUMMARY_ENABLED", True):
            raise NotConfigured("NEWSBOT_SUMMARY_ENABLED is off")
        return cls(crawler)

    def item_dropped(self, item, response, exception, spider=None) -> None:
        self.crawler.stats.inc_value(f"{STAT_DROPPED}{drop_reason(exception)}")

    def engine_stopped(self) -> None:
        name, outlet = run_identity(self.crawler)
        stats = self.crawler.stats.get_stats()
        summary = build_summary(stats, name, outlet, exit_code_of(self.crawler))
        start = stats.get("start_time") or dt.datetime.now(dt.timezone.utc)
        folder = newsbot_home(self.crawler.settings) / "runs" / name / start.strftime("%Y%m%dT%H%M%S%fZ")
        path: Path | None = folder / "run-summary.json"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / "run-summary.json.tmp"
            tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
            tmp.replace(path)  # never a half-written summary
            self.crawler.stats.set_value(STAT_SUMMARY_PATH, str(path))
        except OSError as exc:
            logger.error("could not write the run summary to %s: %s", folder, exc)
            path = None
        logger.info("\n%s", human_summary(summary, path))

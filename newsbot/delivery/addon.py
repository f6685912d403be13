"""Settings fix-ups for delivery, applied before the crawl starts (a step of newsbot.NewsbotAddon,
so before Scrapy logs "Overridden settings")."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from .secrets import SECRET_SETTINGS, Secret

logger = logging.getLogger(__name__)

BATCH_PARAM = re.compile(r"%\(batch_time\)s|%\(batch_id\)")
GZIP_PLUGIN = "scrapy.extensions.postprocessing.GzipPlugin"


def delivery_settings(settings: BaseSettings) -> None:
    hide_secrets(settings)
    fix_feeds(settings)


def hide_secrets(settings: BaseSettings) -> None:
    # Same value for boto3, "<redacted>" in every repr() (the "Overridden settings" pprint).
    for name in SECRET_SETTINGS:
        value = settings.get(name)
        if value and not isinstance(value, Secret):
            settings.set(name, Secret(value), priority=settings.getpriority(name) or "addon")


def fix_feeds(settings: BaseSettings) -> None:
    feeds = settings.getdict("FEEDS")
    if not feeds:
        return
    global_count = settings.getint("FEED_EXPORT_BATCH_ITEM_COUNT")
    fixed = {}
    for uri, options in feeds.items():
        options = dict(options or {})
        uri_text = str(uri.absolute()) if isinstance(uri, Path) else str(uri)
        if uri_text.endswith(".gz"):
            # `x.jsonl.gz` means JSON Lines, gzipped.
            if not options.get("format"):
                options["format"] = Path(uri_text[:-3]).suffix.lstrip(".") or "jsonl"
            plugins = list(options.get("postprocessing") or [])
            if not any(str(getattr(p, "__name__", p)).endswith("GzipPlugin") for p in plugins):
                plugins.append(GZIP_PLUGIN)
            options["postprocessing"] = plugins
            options.setdefault("gzip_mtime", 0)
        if not BATCH_PARAM.search(uri_text):
            if options.get("batch_item_count"):
                raise UsageError(
                    f"feed {uri_text} has batch_item_count={options['batch_item_count']} but its URI has no "
                    "%(batch_id)d or %(batch_time)s, so every batch would overwrite the last; add one")
            if global_count:
                # Scrapy would disable every feed; keep this one a single file instead.
                logger.warning("FEED_EXPORT_BATCH_ITEM_COUNT=%d ignored for feed %s (its URI has no "
                               "%%(batch_id)d); it is written as one file", global_count, uri_text)
                options["batch_item_count"] = 0
        fixed[uri] = options
    settings.set("FEEDS", fixed, priority=settings.getpriority("FEEDS") or "addon")

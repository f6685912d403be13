"""Settings fix-ups for delivery, applied before the crawl starts (a step of newsbot.NewsbotAddon,
so before Scrapy logs "Overridden settings")."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from ..config import ConfigError
from ..paths import newsbot_home
from .secrets import SECRET_SETTINGS, Secret

logger = logging.getLogger(__name__)

BATCH_PARAM = re.compile(r"%\(batch_time\)s|%\(batch_id\)")
GZIP_PLUGIN = "scrapy.extensions.postprocessing.GzipPlugin"


def delivery_settings(settings: BaseSettings) -> None:
    hide_secrets(settings)
    default_output(settings)
    fix_feeds(settings)


NO_OUTPUT = "none"


def default_output(settings: BaseSettings) -> None:
    """A crawl that records its articles as seen must write them somewhere: with no -O/-o and no
    FEEDS, NEWSBOT_OUTPUT is its feed (unset: a JSON Lines file per run under NEWSBOT_HOME), or,
    NEWSBOT_OUTPUT being "none", the run refuses to start. A crawl without dedup (`scrapy check`,
    NEWSBOT_DEDUP_ENABLED=False) forgets nothing and is left as Scrapy runs it."""
    if settings.getdict("FEEDS") or not settings.getbool("NEWSBOT_DEDUP_ENABLED", True):
        return
    output = settings.get("NEWSBOT_OUTPUT")
    if output is None:
        # A fleet's workers may share a disk and start in the same second: one file each.
        name = "%(time)s-%(worker)s.jsonl" if settings.getbool("NEWSBOT_DISTRIBUTED") else "%(time)s.jsonl"
        output = str(newsbot_home(settings).absolute() / "output" / "%(outlet)s" / name)
    if output.strip().lower() == NO_OUTPUT:
        raise ConfigError(
            "no output: this crawl would record its articles as seen and write them nowhere (the next "
            "run would skip them); give -O FILE or -o URI, FEEDS, or NEWSBOT_OUTPUT, or crawl with "
            "-s NEWSBOT_DEDUP_ENABLED=False")
    # No empty file for a run that found nothing new (a cron job every 15 minutes).
    settings.set("FEEDS", {output: {"format": "jsonlines", "store_empty": False}}, priority="addon")
    logger.info("no -O/-o or FEEDS given: articles are written to %s (NEWSBOT_OUTPUT)", output)


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
        # -O asks for this run's articles in that file: a run with none empties it, as Scrapy
        # does (a consumer reading it after every run must not read the last run's again). Other
        # feeds follow FEED_STORE_EMPTY (newsbot: off, no empty file, object or manifest).
        options.setdefault("store_empty", bool(options.get("overwrite")) or settings.getbool("FEED_STORE_EMPTY"))
        if settings.getbool("NEWSBOT_DISTRIBUTED") and "%(worker)s" not in uri_text:
            logger.warning("fleet worker feed %s has no %%(worker)s in its name: workers given the same "
                           "URI (the same command on several hosts) write over each other", uri_text)
        fixed[uri] = options
    settings.set("FEEDS", fixed, priority=settings.getpriority("FEEDS") or "addon")

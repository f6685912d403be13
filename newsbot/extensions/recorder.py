"""Records every response of a live crawl as replay recordings (newsbot/middlewares/replay.py
format), for `scrapy record SPIDER`. Enabled by NEWSBOT_RECORD_DIR=<folder of one outlet>.

An existing recordings.json in the folder is refreshed, not replaced: a URL fetched again gets
its new body (under its old file name, so hand-named fixtures keep their names); URLs not
fetched this time keep their recordings. The index is written atomically at the end.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from ..middlewares.replay import replay_key

logger = logging.getLogger(__name__)

EXTENSIONS_BY_TYPE = {"html": ".html", "xml": ".xml", "rss": ".xml", "atom": ".xml", "json": ".json", "plain": ".txt"}


def body_name(url: str, content_type: str) -> str:
    parts = urlsplit(url)
    slug = re.sub(r"[^a-z0-9]+", "-", (parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.hostname or "index").lower())
    slug = slug.strip("-")[:80] or "index"
    ext = next((e for key, e in EXTENSIONS_BY_TYPE.items() if key in content_type.lower()), ".bin")
    return f"{slug}-{hashlib.sha1(url.encode()).hexdigest()[:8]}{ext}"


class RecorderExtension:
    def __init__(self, crawler: Crawler, folder: Path):
        self.crawler = crawler
        self.folder = folder
        self.index = folder / "recordings.json"
        self.existing: dict = {}
        self.entries: dict[str, dict] = {}
        if self.index.is_file():
            self.existing = json.loads(self.index.read_text("utf-8"))
            for entry in self.existing.get("responses", []):
                self.entries[replay_key(entry["url"])] = entry
        self.recorded = 0
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecorderExtension:
        folder = crawler.settings.get("NEWSBOT_RECORD_DIR")
        if not folder:
            raise NotConfigured("NEWSBOT_RECORD_DIR is not set")
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        return cls(crawler, path)

    def response_received(self, response: Response, request: Request, spider=None) -> None:
        if response.status >= 400 and not response.url.endswith("/robots.txt"):
            logger.warning("record: not recording %s (HTTP %d)", response.url, response.status)
            return
        key = replay_key(response.url)
        content_type = (response.headers.get("Content-Type") or b"application/octet-stream").decode("latin-1")
        old = self.entries.get(key)
        name = old["body"] if old else body_name(response.url, content_type)
        (self.folder / name).write_bytes(response.body)
        self.entries[key] = {"url": response.url, "status": response.status,
                             "headers": {"Content-Type": content_type}, "body": name}
        self.recorded += 1
        self.crawler.stats.inc_value("newsbot/record/responses")

    def engine_stopped(self) -> None:
        index = {k: v for k, v in self.existing.items() if k != "responses"}
        index["responses"] = sorted(self.entries.values(), key=lambda e: e["url"])
        tmp = self.index.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n", "utf-8")
        tmp.replace(self.index)
        logger.info("record: %d response(s) recorded, %d in %s", self.recorded, len(index["responses"]), self.index)

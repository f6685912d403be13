"""Offline replay: answer every request from recorded responses instead of the network.

A recording folder holds, anywhere below it, `recordings.json` files:

    {"responses": [{"url": "https://...", "status": 200,
                    "headers": {"Content-Type": "text/html; charset=utf-8"},
                    "body": "politics.html"}]}

`body` is a file path relative to that recordings.json (`.gz` files are stored compressed and
served with `Content-Encoding: gzip`). Enabled by the setting or environment variable
`NEWSBOT_REPLAY=<folder>`. A URL with no recording is refused with one log line and a stat.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from w3lib.url import canonicalize_url

logger = logging.getLogger(__name__)


def replay_key(url: str) -> str:
    return canonicalize_url(url, keep_fragments=False)


class Recording:
    __slots__ = ("url", "status", "headers", "path")

    def __init__(self, url: str, status: int, headers: dict[str, str], path: Path):
        self.url, self.status, self.headers, self.path = url, status, headers, path


def load_recordings(folder: str | os.PathLike) -> dict[str, Recording]:
    """Every recording below `folder`, keyed by canonical URL. Raises ValueError on a broken index."""
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"NEWSBOT_REPLAY folder {root} does not exist")
    recordings: dict[str, Recording] = {}
    for index in sorted(root.rglob("recordings.json")):
        try:
            entries = json.loads(index.read_text("utf-8"))["responses"]
        except (ValueError, KeyError) as exc:
            raise ValueError(f"{index}: not a recordings index ({exc})") from exc
        for entry in entries:
            path = index.parent / entry["body"]
            if not path.is_file():
                raise ValueError(f"{index}: body file {entry['body']} is missing")
            headers = dict(entry.get("headers") or {})
            if path.suffix == ".gz":
                headers.setdefault("Content-Encoding", "gzip")
            recordings[replay_key(entry["url"])] = Recording(entry["url"], int(entry.get("status", 200)), headers, path)
    return recordings


class ReplayDownloaderMiddleware:
    def __init__(self, folder: str, crawler: Crawler):
        self.folder = folder
        self.stats = crawler.stats
        self.recordings = load_recordings(folder)
        logger.info("replaying %d recorded responses from %s", len(self.recordings), folder)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayDownloaderMiddleware:
        folder = crawler.settings.get("NEWSBOT_REPLAY") or os.environ.get("NEWSBOT_REPLAY")
        if not folder:
            raise NotConfigured  # no message: replay is off, nothing to warn about
        return cls(folder, crawler)

    def process_request(self, request: Request) -> Response | None:
        if request.meta.get("playwright"):
            return None  # rendered in the browser, which replays through route interception
        recording = self.recordings.get(replay_key(request.url))
        if recording is None:
            if request.url.endswith("/robots.txt"):
                # An outlet without a recorded robots.txt: behave like a site that has none.
                return Response(request.url, status=404, request=request)
            self.stats.inc_value("newsbot/replay/missing")
            logger.warning("replay: no recording for %s (in %s); request dropped", request.url, self.folder)
            raise IgnoreRequest(f"no recording for {request.url}")
        self.stats.inc_value("newsbot/replay/served")
        body = recording.path.read_bytes()
        headers = recording.headers
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(url=request.url, status=recording.status, headers=headers, body=body, request=request)

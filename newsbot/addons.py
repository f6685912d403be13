"""Settings that follow from other settings, applied before the crawl starts (a Scrapy add-on)."""

from __future__ import annotations

import os

from scrapy.settings import BaseSettings


class ReplayAddon:
    """In replay mode there is no remote server to be polite to: no delays, no throttling."""

    def update_settings(self, settings: BaseSettings) -> None:
        folder = settings.get("NEWSBOT_REPLAY") or os.environ.get("NEWSBOT_REPLAY")
        if not folder:
            return
        settings.set("NEWSBOT_REPLAY", folder, priority="addon")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="addon")
        settings.set("DOWNLOAD_DELAY", 0, priority="addon")
        settings.set("DOWNLOAD_DELAY_JITTER", 0, priority="addon")

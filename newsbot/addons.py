"""Settings that follow from other settings, applied before the crawl starts (a Scrapy add-on)."""

from __future__ import annotations

import os

from scrapy.settings import BaseSettings

# Add-on settings win over newsbot/settings.py (priority "project": Scrapy's own "addon" priority
# is lower, so settings.py's defaults would win) and lose to a spider's custom_settings and -s.
OVER_DEFAULTS = "project"


class ReplayAddon:
    """In replay mode there is no remote server to be polite to: no delays, no throttling."""

    def update_settings(self, settings: BaseSettings) -> None:
        folder = settings.get("NEWSBOT_REPLAY") or os.environ.get("NEWSBOT_REPLAY")
        if not folder:
            return
        settings.set("NEWSBOT_REPLAY", folder, priority=OVER_DEFAULTS)
        settings.set("AUTOTHROTTLE_ENABLED", False, priority=OVER_DEFAULTS)
        settings.set("DOWNLOAD_DELAY", 0, priority=OVER_DEFAULTS)
        settings.set("DOWNLOAD_DELAY_JITTER", 0, priority=OVER_DEFAULTS)

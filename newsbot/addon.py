"""`newsbot.NewsbotAddon`: newsbot's pipelines, middlewares and extensions in any Scrapy project.

    # settings.py of a Scrapy project with its own spiders
    ADDONS = {"newsbot.NewsbotAddon": 0}

The add-on brings newsbot's settings (newsbot/defaults.py) at Scrapy's "addon" priority, so the
project's settings, a spider's custom_settings and -s still win; dictionaries of components are
merged key by key, so the project keeps its own middlewares, pipelines and extensions. Then it
validates every NEWSBOT_* setting (newsbot/config.py) and applies the settings that follow from
other settings (replay, fleet, delivery), before Scrapy logs "Overridden settings".
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

# Fix-ups win over the project's settings (priority "project": Scrapy's own "addon" priority is
# lower, so newsbot's own settings.py, which starts from the defaults, would win) and lose to a
# spider's custom_settings and -s.
OVER_DEFAULTS = "project"
DEFAULTS_MODULE = "newsbot.defaults"
# Settings whose value is a dictionary of named parts: merged, never replaced.
MERGED = ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "ITEM_PIPELINES", "EXTENSIONS",
          "SPIDER_CONTRACTS", "DOWNLOAD_HANDLERS", "FEED_STORAGES", "FEED_EXPORTERS")


def defaults() -> dict[str, Any]:
    module = import_module(DEFAULTS_MODULE)
    return {name: getattr(module, name) for name in dir(module) if name.isupper()}


def apply_defaults(settings: BaseSettings) -> None:
    """newsbot's settings below the project's (idempotent: a second call changes nothing)."""
    project = SETTINGS_PRIORITIES["project"]
    for name, value in defaults().items():
        if name not in MERGED:
            settings.set(name, value, priority="addon")
            continue
        priority = settings.getpriority(name) or 0
        if priority > project:
            # Given whole by a spider's custom_settings or -s, as in plain Scrapy: replaces the
            # project's, newsbot's included (`-s ITEM_PIPELINES={}` means none).
            continue
        merged = settings.getdict(name)
        given = {key if isinstance(key, str) else f"{key.__module__}.{key.__qualname__}" for key in merged}
        for key, order in value.items():
            if key not in given:    # the project's own order (or None) for a component wins
                merged[key] = order
        settings.set(name, merged, priority=max(priority, SETTINGS_PRIORITIES["addon"]))


def replay_settings(settings: BaseSettings) -> None:
    """In replay mode there is no remote server to be polite to: no delays, no throttling."""
    folder = settings.get("NEWSBOT_REPLAY") or os.environ.get("NEWSBOT_REPLAY")
    if not folder:
        return
    settings.set("NEWSBOT_REPLAY", folder, priority=OVER_DEFAULTS)
    settings.set("AUTOTHROTTLE_ENABLED", False, priority=OVER_DEFAULTS)
    settings.set("DOWNLOAD_DELAY", 0, priority=OVER_DEFAULTS)
    settings.set("DOWNLOAD_DELAY_JITTER", 0, priority=OVER_DEFAULTS)


class NewsbotAddon:
    """Scrapy add-on: everything newsbot adds to a crawl (cleaning, dedup, health, delivery...)."""

    def update_settings(self, settings: BaseSettings) -> None:
        # Imported here: the fleet's module imports this one (OVER_DEFAULTS) and scrapy-redis.
        from .config import validate
        from .delivery.addon import delivery_settings
        from .distributed import fleet_settings

        apply_defaults(settings)
        # Before anything reads a setting, any component is built or any file opened: a bad value
        # stops the run here with one line and exit 6 (newsbot.startup reports it).
        validate(settings)
        replay_settings(settings)
        fleet_settings(settings)
        delivery_settings(settings)

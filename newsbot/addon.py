"""`newsbot.NewsbotAddon`: newsbot's pipelines, middlewares and extensions in any Scrapy project.

    # settings.py of a Scrapy project with its own spiders
    ADDONS = {"newsbot.NewsbotAddon": 0}

The add-on brings newsbot's settings (newsbot/defaults.py) at Scrapy's "addon" priority, so the
project's settings, a spider's custom_settings and -s still win; dictionaries of components are
merged key by key, so the project keeps its own middlewares, pipelines and extensions (a key is
the component its path loads: an old path of a moved module, or the class, sets newsbot's). Then it
validates every NEWSBOT_* setting (newsbot/config.py) and applies the settings that follow from
other settings (replay, fleet, delivery), before Scrapy logs "Overridden settings".
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from scrapy.utils.misc import load_object

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


def component(key: Any) -> Any:
    """What a key of a dictionary of components stands for: the object its path loads, so that
    a module's old path (kept by a re-export after a refactor), any other path of the same class
    and the class itself are one component. A key that loads nothing (a URI scheme, a missing
    module: Scrapy reports those when it builds the component) stands for itself."""
    if not isinstance(key, str):
        return key
    try:
        return load_object(key)
    except Exception:   # anything a module raises on import is Scrapy's to report, later
        return key


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
        # The project's own order (or None) for a component wins, whatever path or class it names
        # the component by: an old path (newsbot.resume.SkipDeliveredPipeline) included.
        missing = {key: order for key, order in value.items() if key not in merged}
        given = {component(key) for key in merged} if missing else set()
        for key, order in missing.items():
            if component(key) not in given:
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

"""Where newsbot keeps local state (dedup database, learned boilerplate, delivery spool, locks,
run summaries): the NEWSBOT_HOME setting, else the NEWSBOT_HOME environment variable, else ./.newsbot."""

from __future__ import annotations

import os
from pathlib import Path

from scrapy.settings import BaseSettings


def newsbot_home(settings: BaseSettings | None = None) -> Path:
    value = (settings.get("NEWSBOT_HOME") if settings is not None else None) or os.environ.get("NEWSBOT_HOME")
    return Path(value or ".newsbot")


def setting_or_env(settings: BaseSettings | None, name: str, default: str | None = None) -> str | None:
    """A NEWSBOT_* value from settings (-s, custom_settings) first, then the environment."""
    value = settings.get(name) if settings is not None else None
    return value or os.environ.get(name) or default


def recordings_root(settings: BaseSettings) -> Path | None:
    """The project's replay recordings (NEWSBOT_RECORDINGS; a relative path is taken from the folder
    of the project's scrapy.cfg): what `scrapy check` replays and `scrapy record` refreshes."""
    from scrapy.utils.conf import closest_scrapy_cfg

    value = settings.get("NEWSBOT_RECORDINGS")
    if not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else Path(closest_scrapy_cfg() or os.getcwd()).resolve().parent / path

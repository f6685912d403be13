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

"""Keep credentials out of logs, stats, manifests and exception messages."""

from __future__ import annotations

import os
from collections.abc import Iterable

from scrapy.settings import BaseSettings

# Settings (and environment variables of the same name) whose values are secrets.
# Also the alerts' webhook (its URL often carries a token) and Scrapy's SMTP password.
SECRET_SETTINGS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "NEWSBOT_ALERT_WEBHOOK",
                   "MAIL_PASS")
REDACTED = "<redacted>"


class Secret(str):
    """A string that behaves as itself for boto3 but prints as <redacted> in repr(), so Scrapy's
    "Overridden settings" line (a pprint of the settings) never shows it."""

    def __repr__(self) -> str:
        return repr(REDACTED)


def secret_values(settings: BaseSettings | None) -> list[str]:
    values = []
    for name in SECRET_SETTINGS:
        for value in ((settings.get(name) if settings is not None else None), os.environ.get(name)):
            if value:
                values.append(str(value))
    return values


def redact(text: str, secrets: Iterable[str]) -> str:
    # Longest first, so a secret that contains another is removed whole.
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text

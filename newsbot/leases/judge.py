"""fleet_batch_judge: whether a spool batch a dead fleet worker left behind is delivered or
discarded; its leases decide (the batch marker), since the fleet may have redone its requests."""

from __future__ import annotations

import logging
from typing import Any, Callable

from scrapy.settings import BaseSettings

from .keys import BATCH_MARKER

logger = logging.getLogger(__name__)


def fleet_batch_judge(settings: BaseSettings | None) -> Callable[[Any], bool | None]:
    """For the spool's salvage of a batch a dead writer left in writing/: True to deliver it,
    False to discard it, None to leave it for later. A fleet worker's batch is delivered only if
    its leases were acknowledged (the batch marker); otherwise the fleet redid its requests."""
    from ..paths import setting_or_env

    url = setting_or_env(settings, "NEWSBOT_STATE") or ""
    server = None

    def judge(meta) -> bool | None:
        nonlocal server
        if not meta.extra.get("fleet"):
            return True
        if not url.startswith(("redis://", "rediss://", "unix://")):
            logger.warning("spool batch %s was written by a fleet worker; NEWSBOT_STATE must name the "
                           "fleet's Redis to decide whether to deliver it (left in place)", meta.key)
            return None
        try:
            if server is None:
                import redis
                server = redis.Redis.from_url(url, socket_timeout=30)
            return bool(server.exists(BATCH_MARKER % meta.key))
        except Exception as exc:
            logger.warning("cannot reach the fleet's Redis to judge spool batch %s (%s); left in place",
                           meta.key, type(exc).__name__)
            return None

    return judge

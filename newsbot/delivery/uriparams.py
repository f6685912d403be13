"""FEED_URI_PARAMS hook: %(outlet)s, %(spider)s, %(date)s (UTC YYYY-MM-DD), %(run_id)s,
%(worker)s (host and process id: unique among a fleet's workers, which may start in the same
second) and a %(batch_id)d that keeps growing across runs (so run 2's first batch never overwrites
run 1's)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from scrapy import Spider

from ..leases import worker_id
from .run import DeliveryRun


def uri_params(params: dict[str, Any], spider: Spider) -> dict[str, Any]:
    run = DeliveryRun.of(spider.crawler)
    params["spider"] = spider.name
    params["outlet"] = getattr(spider, "outlet", "") or spider.name
    params["date"] = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    params["run_id"] = run.run_id
    params["worker"] = worker_id()
    params["batch_id"] = run.batch_id(spider.name, int(params.get("batch_id") or 1))
    return params

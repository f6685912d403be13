"""A stats collector for code that runs outside a crawl (python -m newsbot.extract, benchmarks)."""

from __future__ import annotations

from typing import Any


class OfflineStats:
    """The part of Scrapy's StatsCollector API that newsbot's pipelines use."""

    def __init__(self) -> None:
        self._stats: dict[str, Any] = {}

    def get_value(self, key: str, default: Any = None) -> Any:
        return self._stats.get(key, default)

    def set_value(self, key: str, value: Any) -> None:
        self._stats[key] = value

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self._stats[key] = self._stats.get(key, start) + count

    def max_value(self, key: str, value: Any) -> None:
        self._stats[key] = max(self._stats.get(key, value), value)

    def get_stats(self) -> dict[str, Any]:
        return dict(self._stats)

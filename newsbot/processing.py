"""Running the item pipelines outside a crawl (python -m newsbot.extract, tests, benchmarks).

Only pipelines marked `offline_safe` (configured by settings alone, no crawl state) take part,
in ITEM_PIPELINES order, so a saved page gets exactly the cleaning a crawled one gets.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings, Settings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings

from .stats import OfflineStats


def newsbot_settings() -> Settings:
    """The project's settings, also when run outside the project folder."""
    settings = get_project_settings()
    if settings.get("BOT_NAME") != "newsbot":
        settings.setmodule("newsbot.settings", priority="project")
    return settings


class OfflinePipelines:
    def __init__(self, settings: BaseSettings | None = None, stats: Any = None):
        self.settings = settings if settings is not None else newsbot_settings()
        self.stats = stats if stats is not None else OfflineStats()
        classes = [load_object(path) for path in
                   build_component_list(self.settings.getwithbase("ITEM_PIPELINES"))]
        self.pipelines = [cls(self.settings, self.stats) for cls in classes if getattr(cls, "offline_safe", False)]

    def process(self, item: Any) -> Any:
        """The processed item; raises DropItem like a crawl would."""
        for pipeline in self.pipelines:
            item = pipeline.process_item(item)
        return item


__all__ = ["DropItem", "OfflinePipelines", "newsbot_settings"]

"""Log lines that stay one line: a dropped or scraped item is named by URL and title, not dumped."""

from __future__ import annotations

from itemadapter import ItemAdapter, is_item
from scrapy.logformatter import LogFormatter


class NewsbotLogFormatter(LogFormatter):
    def dropped(self, item, exception, response, spider):
        entry = super().dropped(item, exception, response, spider)
        entry["msg"] = "Dropped: %(exception)s"
        entry["args"] = {"exception": exception}
        return entry

    def scraped(self, item, response, spider):
        entry = super().scraped(item, response, spider)
        if is_item(item):
            entry["msg"] = "Scraped from %(src)s: %(title)s"
            entry["args"] = {"src": entry["args"]["src"], "title": ItemAdapter(item).get("title")}
        return entry

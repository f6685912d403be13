"""First stop of every item: one spelling for text, lists and stamps, whatever parser made it."""

from __future__ import annotations

from itemadapter import ItemAdapter

from ..parsing.dates import utc_now_iso
from ..parsing.text import clean_line, normalize_body
from .base import StatelessPipeline


class NormalizePipeline(StatelessPipeline):
    def process_item(self, item):
        adapter = ItemAdapter(item)
        for name in ("title", "standfirst", "section"):
            if adapter.get(name) is not None:
                adapter[name] = clean_line(adapter[name]) or None
        adapter["body"] = normalize_body(adapter.get("body")) or None
        for name in ("authors", "tags"):
            values = [clean_line(v) for v in adapter.get(name) or [] if isinstance(v, str)]
            adapter[name] = list(dict.fromkeys(v for v in values if v))
        if not adapter.get("scraped_at"):
            adapter["scraped_at"] = utc_now_iso()
        return item

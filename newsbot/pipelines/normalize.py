"""First stop of every item: one spelling for text, lists and stamps, whatever parser made it."""

from __future__ import annotations

from itemadapter import ItemAdapter

from ..parsing.dates import utc_now_iso
from ..parsing.text import clean_line, decode_entities, markup_left, normalize_body, plain_text
from .base import StatelessPipeline


class NormalizePipeline(StatelessPipeline):
    def process_item(self, item):
        adapter = ItemAdapter(item)
        for name in ("title", "standfirst", "section"):
            if adapter.get(name) is not None:
                adapter[name] = self._text(name, clean_line(adapter[name])) or None
        adapter["body"] = self._text("body", normalize_body(adapter.get("body"))) or None
        for name in ("authors", "tags"):
            values = [clean_line(v) for v in adapter.get(name) or [] if isinstance(v, str)]
            adapter[name] = list(dict.fromkeys(v for v in values if v))
        if not adapter.get("scraped_at"):
            adapter["scraped_at"] = utc_now_iso()
        return item

    def _text(self, name: str, value: str) -> str:
        """Entities a parser let through (a page that escaped its text twice, a custom spider's raw
        JSON) are decoded here, and markup in a one-line field removed, counted under
        newsbot/text/markup_removed/<field>. A body's text is the page's as readers see it: an
        article about HTML shows "<br>", which stays."""
        body = name == "body"
        if not markup_left(value, tags=not body):
            return value
        self.stats.inc_value(f"newsbot/text/markup_removed/{name}")
        return normalize_body(decode_entities(value)) if body else plain_text(value)

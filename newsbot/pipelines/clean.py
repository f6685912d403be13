"""Removes template junk from the body, paragraph by paragraph, and counts what each rule removed."""

from __future__ import annotations

from itemadapter import ItemAdapter

from ..cleaning import TextCleaner
from ..parsing.text import join_paragraphs, paragraphs_of
from .base import StatelessPipeline


class CleanBodyPipeline(StatelessPipeline):
    def process_item(self, item):
        adapter = ItemAdapter(item)
        cleaner = TextCleaner.for_outlet(adapter.get("outlet"), adapter.get("language"))
        kept, removed = cleaner.clean(paragraphs_of(adapter.get("body")))
        for rule, count in removed.items():
            self.stats.inc_value(f"newsbot/junk/{rule}", count)
        adapter["body"] = join_paragraphs(kept) or None
        return item

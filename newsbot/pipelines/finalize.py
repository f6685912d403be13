"""Derived fields, computed once the body is final: word count and content hash."""

from __future__ import annotations

import hashlib
import re

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from ..parsing.text import word_count
from .base import StatelessPipeline

_TOKEN = re.compile(r"[^\W_]+")


def content_hash(body: str) -> str:
    """SHA-256 of the body's words with case, punctuation and spacing folded: equal texts, equal hashes."""
    folded = " ".join(_TOKEN.findall(body.casefold()))
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


class FinalizePipeline(StatelessPipeline):
    def process_item(self, item):
        adapter = ItemAdapter(item)
        body = adapter.get("body")
        if not body:
            self.stats.inc_value("newsbot/dropped/empty_body")
            raise DropItem(f"empty body after cleaning: {adapter.get('url')}")
        adapter["word_count"] = word_count(body)
        adapter["content_hash"] = content_hash(body)
        return item

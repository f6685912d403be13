"""Derived fields, computed once the body is final: word count and content hash."""

from __future__ import annotations

import hashlib
import re

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from ..parsing.text import word_count
from .base import StatelessPipeline

_TOKEN = re.compile(r"[^\W_]+")
# For ASCII bodies: letters lower-cased, digits kept, everything else (the underscore too) a space.
# `[^\W_]+` on casefolded ASCII is exactly the runs of [a-z0-9], so splitting the translated bytes
# gives the same tokens as the regex, in the same UTF-8 bytes, without a Python object per match.
_ASCII_TOKEN_BYTES = bytes(ord(chr(c).lower()) if chr(c).isalnum() else 0x20 for c in range(128)) + b" " * 128


def content_hash(body: str) -> str:
    """SHA-256 of the body's words with case, punctuation and spacing folded: equal texts, equal hashes."""
    if body.isascii():
        folded = b" ".join(body.encode("ascii").translate(_ASCII_TOKEN_BYTES).split())
    else:
        folded = " ".join(_TOKEN.findall(body.casefold())).encode("utf-8")
    return hashlib.sha256(folded).hexdigest()


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

"""The one item newsbot produces: an article, as a dataclass used through itemadapter."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources


@dataclass
class ArticleItem:
    url: str | None = None
    canonical_url: str | None = None
    outlet: str | None = None
    section: str | None = None
    title: str | None = None
    standfirst: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: str | None = None
    updated_at: str | None = None
    language: str | None = None
    body: str | None = None
    tags: list[str] = field(default_factory=list)
    image_url: str | None = None
    word_count: int | None = None
    paywalled: bool = False
    content_hash: str | None = None
    scraped_at: str | None = None
    spider: str | None = None
    # Deduplication: canonical URL of the first copy of this story (NEWSBOT_DEDUP_MODE=link), and
    # the article's version (1, then +1 each time its text changes materially).
    duplicate_of: str | None = None
    version: int | None = None


@lru_cache(maxsize=1)
def article_schema() -> dict:
    """The JSON Schema shipped in the package (newsbot/schema/article.schema.json)."""
    text = resources.files("newsbot.schema").joinpath("article.schema.json").read_text("utf-8")
    return json.loads(text)

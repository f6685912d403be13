"""The last-resort extractor for pages no outlet selector understands: trafilatura."""

from __future__ import annotations

import logging
from typing import Any

from .text import paragraphs_of

logger = logging.getLogger(__name__)


def _list(value: Any, separator: str) -> list[str]:
    """trafilatura gives some fields as "a; b" strings and others (2.x tags) as lists."""
    parts = value if isinstance(value, list) else str(value or "").split(separator)
    return [p.strip() for p in parts if isinstance(p, str) and p.strip()]


def generic_fields(html: str, url: str | None = None) -> dict[str, Any]:
    """Body and metadata as trafilatura sees them; {} when it finds no main text."""
    import trafilatura  # imported lazily: it is heavy and most pages never need it

    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False,
            include_images=False, as_dict=True,
        )
    except Exception:  # trafilatura raises many kinds of errors on hostile markup
        logger.warning("generic extraction failed for %s", url, exc_info=True)
        return {}
    if not doc:
        return {}
    fields: dict[str, Any] = {
        "title": doc.get("title"),
        "standfirst": doc.get("description"),
        "authors": _list(doc.get("author"), ";"),
        "published_at": doc.get("date"),
        "image_url": doc.get("image"),
        "tags": _list(doc.get("tags"), ","),
        "language": doc.get("language"),
    }
    paragraphs = paragraphs_of(doc.get("text"))
    if paragraphs:
        fields["body_paragraphs"] = paragraphs
    return {k: v for k, v in fields.items() if v not in (None, "", [])}

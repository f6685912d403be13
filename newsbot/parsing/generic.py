"""The last-resort extractor for pages no outlet selector understands: trafilatura."""

from __future__ import annotations

import logging
from typing import Any

from .text import paragraphs_of

logger = logging.getLogger(__name__)


def _split(value: Any, separator: str) -> list[str]:
    """trafilatura gives authors and tags as one joined string or, in newer versions, a list."""
    if isinstance(value, str):
        value = value.split(separator)
    if not isinstance(value, (list, tuple)):
        return []
    return [v.strip() for v in value if isinstance(v, str) and v.strip()]


def generic_fields(html: str, url: str | None = None) -> dict[str, Any]:
    """Body and metadata as trafilatura sees them; {} when it finds no main text."""
    import trafilatura  # imported lazily: it is heavy and most pages never need it

    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False,
            include_images=False,
        )
    except Exception:  # trafilatura raises many kinds of errors on hostile markup
        logger.warning("generic extraction failed for %s", url, exc_info=True)
        return {}
    if not doc:
        return {}
    doc = doc.as_dict() if hasattr(doc, "as_dict") else doc
    fields: dict[str, Any] = {
        "title": doc.get("title"),
        "standfirst": doc.get("description"),
        "authors": _split(doc.get("author"), ";"),
        "published_at": doc.get("date"),
        "image_url": doc.get("image"),
        "tags": _split(doc.get("tags"), ","),
        "language": doc.get("language"),
    }
    paragraphs = paragraphs_of(doc.get("text"))
    if paragraphs:
        fields["body_paragraphs"] = paragraphs
    return {k: v for k, v in fields.items() if v not in (None, "", [])}

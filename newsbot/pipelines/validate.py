"""Last gate: every item must match the JSON Schema shipped in newsbot/schema/."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from jsonschema import Draft202012Validator
from scrapy.exceptions import DropItem

from ..items import article_schema
from .base import StatelessPipeline

logger = logging.getLogger(__name__)


def schema_errors(item) -> list[tuple[str, str]]:
    """(field, message) for each schema violation, at most one per field, in field order."""
    validator = _validator()
    errors: dict[str, str] = {}
    for error in sorted(validator.iter_errors(ItemAdapter(item).asdict()), key=lambda e: list(e.path)):
        field = str(error.path[0]) if error.path else (
            error.message.split("'")[1] if error.validator in ("required", "additionalProperties") else "(item)")
        errors.setdefault(field, error.message[:200])
    return list(errors.items())


_cached = None


def _validator() -> Draft202012Validator:
    global _cached
    if _cached is None:
        _cached = Draft202012Validator(article_schema())
    return _cached


class ValidatePipeline(StatelessPipeline):
    def process_item(self, item):
        errors = schema_errors(item)
        if not errors:
            return item
        field, message = errors[0]
        for name, _ in errors:
            self.stats.inc_value(f"newsbot/invalid/{name}")
        raise DropItem(f"invalid item {ItemAdapter(item).get('url')}: field '{field}': {message}")

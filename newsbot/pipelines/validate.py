"""Last gate: every item must match the JSON Schema shipped in newsbot/schema/."""

from __future__ import annotations

import dataclasses
import logging
from functools import lru_cache

import fastjsonschema
from itemadapter import ItemAdapter
from jsonschema import Draft7Validator
from scrapy.exceptions import DropItem

from ..items import ArticleItem, article_schema
from ..parsing.text import markup_left
from .base import StatelessPipeline

logger = logging.getLogger(__name__)


# Field values ItemAdapter.asdict() returns as they are.
_PLAIN = frozenset({str, int, float, bool, type(None)})
_ARTICLE_FIELDS = tuple(f.name for f in dataclasses.fields(ArticleItem))


def _instance(item) -> dict:
    """The item as the dict ItemAdapter(item).asdict() makes. For an ArticleItem of plain values
    (strings, numbers, lists of strings) that dict is its fields as they are: asdict's walk, which
    asks every value whether it is an item, cost three times the validation itself."""
    if type(item) is ArticleItem:
        values = {name: getattr(item, name) for name in _ARTICLE_FIELDS}
        if all(type(v) in _PLAIN or (type(v) is list and all(type(x) in _PLAIN for x in v)) for v in values.values()):
            return values  # the lists are the item's own: the compiled validator only reads them
    return ItemAdapter(item).asdict()


def schema_errors(item) -> list[tuple[str, str]]:
    """(field, message) for each schema violation, at most one per field, in field order."""
    try:
        _fast_validate(_instance(item))  # compiled check: the common, valid case costs microseconds
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    instance = ItemAdapter(item).asdict()
    errors: dict[str, str] = {}
    for error in sorted(_validator().iter_errors(instance), key=lambda e: [str(p) for p in e.path]):
        field = str(error.path[0]) if error.path else (
            error.message.split("'")[1] if error.validator in ("required", "additionalProperties") else "(item)")
        errors.setdefault(field, error.message[:200])
    return list(errors.items())


@lru_cache(maxsize=1)
def _validator() -> Draft7Validator:
    return Draft7Validator(article_schema())


@lru_cache(maxsize=1)
def _compiled():
    return fastjsonschema.compile(article_schema())


def _fast_validate(instance: dict) -> None:
    _compiled()(instance)


# Text fields that must be plain text: an HTML entity left in them, or a tag in a one-line field,
# is a parser bug. (A body may show a tag as text: an article about HTML quotes "<br>".)
PLAIN_TEXT_FIELDS = ("title", "standfirst", "body")


def markup_errors(item) -> list[tuple[str, str]]:
    adapter = ItemAdapter(item)
    errors = []
    for name in PLAIN_TEXT_FIELDS:
        value = adapter.get(name)
        found = markup_left(value, tags=name != "body") if isinstance(value, str) else None
        if found:
            errors.append((name, f"HTML markup or entity left in the text: {found[:40]!r}"))
    return errors


class InvalidItem(DropItem):
    """An item the schema refuses: dropped, and not an article found as far as health goes."""


class ValidatePipeline(StatelessPipeline):
    def process_item(self, item):
        errors = schema_errors(item) or markup_errors(item)
        if not errors:
            return item
        field, message = errors[0]
        for name, _ in errors:
            self.stats.inc_value(f"newsbot/invalid/{name}")
        raise InvalidItem(f"invalid item {ItemAdapter(item).get('url')}: field '{field}': {message}")

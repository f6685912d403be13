"""Normalisation, derived fields and schema validation of items."""

from __future__ import annotations

import io
import json
import logging

import pytest
from scrapy.exceptions import DropItem
from scrapy.exporters import JsonLinesItemExporter

from newsbot.items import ArticleItem
from newsbot.logformatter import NewsbotLogFormatter
from newsbot.pipelines.finalize import content_hash
from newsbot.pipelines.validate import ValidatePipeline, schema_errors
from newsbot.processing import OfflinePipelines, newsbot_settings
from newsbot.stats import OfflineStats


def article(**overrides) -> ArticleItem:
    fields = dict(url="https://news.example/politics/a", outlet="example", title="衆議院が解散",
                  body="First paragraph.\n\nSecond paragraph.", language="ja", spider="example")
    fields.update(overrides)
    return ArticleItem(**fields)


def test_offline_pipelines_fill_derived_fields():
    item = OfflinePipelines().process(article(body="  First   paragraph.\n\n\n\nSecond paragraph. "))
    assert item.body == "First paragraph.\n\nSecond paragraph."
    assert item.word_count == 4
    assert item.content_hash == content_hash("first paragraph second paragraph")
    assert item.scraped_at.endswith("+00:00")
    assert not schema_errors(item)


def test_content_hash_ignores_case_punctuation_and_spacing():
    assert content_hash("Hello, world!\n\nBye.") == content_hash("hello world  bye")
    assert content_hash("Hello world") != content_hash("Hello word")


@pytest.mark.parametrize("field,value", [
    ("url", "ftp://news.example/a"), ("published_at", "2024-01-01 10:00"), ("language", "English"),
    ("outlet", "Bad Outlet"), ("title", "two\nlines"), ("authors", "Jane Doe"),
])
def test_invalid_item_is_dropped_naming_the_field(field, value):
    stats = OfflineStats()
    item = OfflinePipelines().process(article())
    setattr(item, field, value)
    with pytest.raises(DropItem, match=f"field '{field}'"):
        ValidatePipeline(newsbot_settings(), stats).process_item(item)
    assert stats.get_value(f"newsbot/invalid/{field}") == 1


def test_missing_required_field_is_named():
    item = OfflinePipelines().process(article())
    item.spider = None
    assert schema_errors(item)[0][0] == "spider"


def test_body_emptied_by_cleaning_is_dropped_and_counted():
    stats = OfflineStats()
    pipelines = OfflinePipelines(stats=stats)
    with pytest.raises(DropItem, match="empty body"):
        pipelines.process(article(body="(Reuters)"))
    assert stats.get_value("newsbot/dropped/empty_body") == 1


def test_feed_keeps_non_ascii_readable():
    buffer = io.BytesIO()
    exporter = JsonLinesItemExporter(buffer, encoding=newsbot_settings().get("FEED_EXPORT_ENCODING"))
    exporter.export_item(OfflinePipelines().process(article()))
    line = buffer.getvalue().decode("utf-8")
    assert "衆議院が解散" in line and "\\u" not in line
    assert json.loads(line)["title"] == "衆議院が解散"


def test_dropped_item_log_is_one_line_without_the_item():
    class FakeSpider:
        class crawler:
            settings = newsbot_settings()
    entry = NewsbotLogFormatter().dropped(article(), DropItem("invalid item x: field 'url'"), None, FakeSpider())
    message = entry["msg"] % entry["args"]
    assert message == "Dropped: invalid item x: field 'url'"
    assert entry["level"] in (logging.WARNING, "WARNING")

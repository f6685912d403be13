"""Delivery throughput: 100,000 items written to disk and to a local S3-compatible server
(rclone serve s3 on 127.0.0.1), by newsbot's spooled, verified delivery and by Scrapy's own feed
storages, all measured in this one run.

    /work/main/.venv/bin/python benchmarks/delivery.py [ITEMS]

Each case exports the same ~1.3 KB items with Scrapy's JsonLinesItemExporter into the storage's
file and then stores it: Scrapy's FileFeedStorage / S3FeedStorage (temp file, upload) against
newsbot's SpooledFeedStorage (spool write with hashing, fsync, atomic rename, delivery, verify,
spool removal). Figures: seconds, items/s, MB/s and the ratio to Scrapy's own storage.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scrapy import Spider  # noqa: E402
from scrapy.exporters import JsonLinesItemExporter  # noqa: E402
from scrapy.extensions.feedexport import FileFeedStorage, S3FeedStorage  # noqa: E402
from scrapy.utils.test import get_crawler  # noqa: E402

from newsbot.delivery.run import DeliveryRun  # noqa: E402
from newsbot.delivery.storages import SpooledFeedStorage  # noqa: E402
from tests.support.delivery_support import KEY_ID, SECRET, S3Server  # noqa: E402

BODY = "Parliament votes on the budget after a long debate over defence spending. " * 16


def make_items(count: int) -> list[dict]:
    return [{"url": f"https://example.test/politics/{n}", "title": f"Article {n}", "outlet": "bench",
             "published": "2026-11-29T01:02:03Z", "body": BODY, "word_count": 192} for n in range(count)]


def export(file, items) -> None:
    exporter = JsonLinesItemExporter(file)
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()


def scrapy_case(storage, spider, items) -> int:
    file = storage.open(spider)
    export(file, items)
    size = file.tell()
    if isinstance(storage, S3FeedStorage):
        storage._store_in_thread(file)  # what store() runs in a thread
    else:
        storage.store(file)
    return size


def newsbot_case(crawler, uri, spider, items) -> int:
    storage = SpooledFeedStorage.from_crawler(crawler, uri, feed_options={"overwrite": True})
    file = storage.open(spider)
    export(file, items)
    run = DeliveryRun.of(crawler)
    storage.meta.items = len(items)
    run.spool.commit_batch(storage.meta, file)     # what store() runs in a thread ...
    outcome = run.deliverer.deliver(storage.meta)  # ... then this, also in a thread
    assert outcome.delivered, outcome.cause
    return storage.meta.bytes


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    items = make_items(count)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        os.environ["NEWSBOT_HOME"] = str(tmp_path / "home")
        server = S3Server(tmp_path / "s3").start()
        try:
            server.client().create_bucket(Bucket="bench")
            settings = {"AWS_ENDPOINT_URL": server.endpoint, "AWS_ACCESS_KEY_ID": KEY_ID,
                        "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION_NAME": "us-east-1",
                        "NEWSBOT_HOME": str(tmp_path / "home")}
            crawler = get_crawler(Spider, {**_project_settings(), **settings})
            spider = Spider("bench")
            spider.crawler = crawler
            cases = {
                ("disk", "scrapy"): lambda: scrapy_case(
                    FileFeedStorage(str(tmp_path / "scrapy.jsonl"), feed_options={"overwrite": True}), spider, items),
                ("disk", "newsbot"): lambda: newsbot_case(crawler, str(tmp_path / "newsbot.jsonl"), spider, items),
                ("s3", "scrapy"): lambda: scrapy_case(S3FeedStorage.from_crawler(
                    crawler, "s3://bench/scrapy.jsonl", feed_options={}), spider, items),
                ("s3", "newsbot"): lambda: newsbot_case(crawler, "s3://bench/newsbot.jsonl", spider, items),
            }
            results = {}
            for key, case in cases.items():
                started = time.perf_counter()
                size = case()
                results[key] = (time.perf_counter() - started, size)
            stored = server.client().head_object(Bucket="bench", Key="newsbot.jsonl")["ContentLength"]
            assert stored == results[("s3", "newsbot")][1]
        finally:
            server.stop()
    print(f"{count:,} items, {results[('disk', 'scrapy')][1] / 1e6:.1f} MB of JSON Lines per case")
    print(f"{'target':6} {'storage':8} {'seconds':>8} {'items/s':>10} {'MB/s':>7}")
    for (target, who), (elapsed, size) in results.items():
        print(f"{target:6} {who:8} {elapsed:8.2f} {count / elapsed:10,.0f} {size / elapsed / 1e6:7.1f}")
    for target in ("disk", "s3"):
        ratio = results[(target, "scrapy")][0] / results[(target, "newsbot")][0]
        print(f"{target}: newsbot runs at {ratio:.2f}x Scrapy's own throughput "
              f"(spool, fsync, atomic rename, verification included)")


def _project_settings() -> dict:
    import newsbot.settings as project
    return {k: getattr(project, k) for k in dir(project) if k.isupper() and k not in ("ADDONS", "EXTENSIONS")}


if __name__ == "__main__":
    main()

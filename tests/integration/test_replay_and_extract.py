"""Offline replay of recordings and `python -m newsbot.extract` on saved pages."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from newsbot.middlewares.replay import ReplayDownloaderMiddleware, load_recordings

from tests.conftest import REPLAY, ROOT

SEED_URL = "https://asia.nikkei.com/Politics/Japan-US-working-groups-will-duel-on-economic-cooperation"
SEED_FILE = REPLAY / "nikkei_asia" / "article-japan-us-working-groups.html"


def write_recordings(folder, entries):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "recordings.json").write_text(json.dumps({"responses": entries}))


def middleware(folder):
    crawler = get_crawler(settings_dict={"NEWSBOT_REPLAY": str(folder)})
    crawler.stats.open_spider()
    return ReplayDownloaderMiddleware.from_crawler(crawler), crawler.stats


def test_replay_serves_status_headers_and_body(tmp_path):
    (tmp_path / "gone.html").write_text("<html>gone</html>")
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(b"<html>zipped</html>"))
    write_recordings(tmp_path, [
        {"url": "https://news.example/gone?b=2&a=1", "status": 410, "headers": {"Content-Type": "text/html"}, "body": "gone.html"},
        {"url": "https://news.example/zipped", "headers": {"Content-Type": "text/html"}, "body": "page.html.gz"},
    ])
    mw, stats = middleware(tmp_path)
    response = mw.process_request(Request("https://news.example/gone?a=1&b=2#frag"))
    assert response.status == 410 and b"gone" in response.body
    zipped = mw.process_request(Request("https://news.example/zipped"))
    assert zipped.headers["Content-Encoding"] == b"gzip"
    assert stats.get_value("newsbot/replay/served") == 2


def test_replay_refuses_unrecorded_url_with_a_stat(tmp_path, caplog):
    write_recordings(tmp_path, [])
    mw, stats = middleware(tmp_path)
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request("https://news.example/missing"))
    assert stats.get_value("newsbot/replay/missing") == 1
    assert "no recording for https://news.example/missing" in caplog.text
    # robots.txt that was not recorded behaves like a site without one.
    assert mw.process_request(Request("https://news.example/robots.txt")).status == 404


def test_broken_index_is_a_clear_error(tmp_path):
    write_recordings(tmp_path, [{"url": "https://news.example/a", "body": "nope.html"}])
    with pytest.raises(ValueError, match="nope.html is missing"):
        load_recordings(tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        load_recordings(tmp_path / "absent")


def run_extract(*args: str) -> list[dict]:
    proc = subprocess.run([sys.executable, "-m", "newsbot.extract", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_extract_prints_the_golden_item():
    golden = json.loads((REPLAY / "nikkei_asia" / "expected-item-japan-us-working-groups.json").read_text("utf-8"))
    [record] = run_extract("--url", SEED_URL, str(SEED_FILE))
    assert record["path"] == str(SEED_FILE)
    for field, expected in golden.items():
        if field != "path":
            assert record[field] == expected, field


@pytest.mark.slow
def test_extract_survives_bad_files_and_reads_gzip_and_other_encodings(tmp_path):
    zipped = tmp_path / "seed.html.gz"
    zipped.write_bytes(gzip.compress(SEED_FILE.read_bytes()))
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    sjis = tmp_path / "sjis.html"
    sjis.write_bytes(("<html><head><meta charset='shift_jis'><title>t</title></head><body><article>"
                      "<h1>内閣改造を発表</h1><p>" + "首相は記者会見で新しい閣僚の名簿を発表した。" * 8 + "</p>"
                      "<p>" + "野党は説明が不十分だと批判している。" * 8 + "</p></article></body></html>").encode("shift_jis"))
    url_map = tmp_path / "urls.tsv"
    url_map.write_text(f"{zipped}\t{SEED_URL}\n{sjis}\thttps://www.example.jp/politics/1\n")
    records = run_extract("--url-map", str(url_map), str(zipped), str(empty), str(tmp_path / "absent.html"), str(sjis))
    assert [r["path"] for r in records] == [str(zipped), str(empty), str(tmp_path / "absent.html"), str(sjis)]
    assert records[0]["outlet"] == "nikkei_asia" and records[0]["title"].startswith("Japan, US working groups")
    assert "error" in records[1] and "error" in records[2]
    assert records[3]["outlet"] == "example_jp" and records[3]["spider"] == "generic"
    assert "首相は記者会見" in records[3]["body"]
    assert records[3]["language"] == "ja"  # the page declares none: guessed from its script


@pytest.mark.slow
def test_extract_routes_by_canonical_link_without_url():
    [record] = run_extract(str(SEED_FILE))
    assert record["spider"] == "nikkei_asia"
    assert record["url"] == SEED_URL

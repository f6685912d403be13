"""The Python API: `newsbot.extract(html, url=...)` and `newsbot.extract_many(pages)`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from scrapy.exceptions import DropItem

from tests.conftest import REPLAY, ROOT

SEED_URL = "https://asia.nikkei.com/Politics/Japan-US-working-groups-will-duel-on-economic-cooperation"
SEED_FILE = REPLAY / "nikkei_asia" / "article-japan-us-working-groups.html"
GOLDEN = REPLAY / "nikkei_asia" / "expected-item-japan-us-working-groups.json"
GENERIC = ("<html><head><title>t</title></head><body><article><h1>Cabinet reshuffle announced</h1><p>"
           + "The prime minister named eleven new ministers on Monday after a week of talks. " * 6 + "</p><p>"
           + "Opposition parties said the changes did not answer the questions voters were asking. " * 6
           + "</p></article></body></html>")


def test_extract_gives_the_fields_a_crawl_writes():
    from newsbot import extract
    item = extract(SEED_FILE.read_bytes(), url=SEED_URL)
    golden = json.loads(GOLDEN.read_text("utf-8"))
    assert isinstance(item, dict)
    assert {field: item[field] for field in golden} == golden


def test_extract_takes_text_and_finds_the_url_in_the_page():
    import newsbot
    item = newsbot.extract(SEED_FILE.read_text("utf-8"))      # no url: the page's canonical link
    assert item["url"] == SEED_URL and item["spider"] == "nikkei_asia"
    generic = newsbot.extract(GENERIC, url="https://www.example.org/politics/reshuffle")
    assert generic["spider"] == "generic" and generic["outlet"] == "example_org"
    assert generic["title"] == "Cabinet reshuffle announced"


def test_the_module_and_the_function_are_one_name():
    import newsbot
    import newsbot.extract as module
    from newsbot import extract
    assert extract is module is newsbot.extract
    assert module.Extractor and module.main      # still the module `python -m newsbot.extract` runs


def test_extract_raises_when_there_is_no_article():
    from newsbot import extract
    with pytest.raises((ValueError, DropItem)):
        extract("<html><body><p>Subscribe</p></body></html>", url="https://www.example.org/")


def test_extract_many_keeps_order_and_reports_pages_without_articles():
    from newsbot import extract_many
    pages = [(SEED_FILE.read_bytes(), SEED_URL), ("<html><body></body></html>", "https://www.example.org/x"),
             (GENERIC, "https://www.example.org/politics/reshuffle")]
    records = list(extract_many(pages))
    assert [r.get("url") for r in records] == [SEED_URL, "https://www.example.org/x",
                                             "https://www.example.org/politics/reshuffle"]
    assert "error" in records[1] and "error" not in records[0] and "error" not in records[2]
    assert len(list(extract_many(pages, errors="skip"))) == 2
    with pytest.raises((ValueError, DropItem)):
        list(extract_many(pages, errors="raise"))


def test_import_newsbot_stays_light_and_the_cli_still_runs(tmp_path):
    light = subprocess.run([sys.executable, "-c", "import sys, newsbot; print('scrapy' in sys.modules)"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=60,
                           env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert light.stdout.strip() == "False", light.stderr
    cli = subprocess.run([sys.executable, "-m", "newsbot.extract", "--url", SEED_URL, str(SEED_FILE)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr[-2000:]
    assert json.loads(cli.stdout)["url"] == SEED_URL

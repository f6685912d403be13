"""The Nikkei Asia spider on its recordings: the golden seed article and a whole offline crawl."""

from __future__ import annotations

import json
import shutil

import pytest
from scrapy.http import HtmlResponse

from newsbot.pipelines.validate import schema_errors
from newsbot.processing import OfflinePipelines
from newsbot.spiders.nikkei_asia import NikkeiAsiaSpider

from tests.conftest import FIXTURES, REPLAY, plain_listing_env
from tests.support.helpers import read_jsonl, run_scrapy

SEED_URL = "https://asia.nikkei.com/Politics/Japan-US-working-groups-will-duel-on-economic-cooperation"
NIKKEI = REPLAY / "nikkei_asia"
GOLDEN = json.loads((NIKKEI / "expected-item-japan-us-working-groups.json").read_text("utf-8"))
# Every line of junk the naive scraper of the seed saw around the article.
SEED_JUNK = [
    "Artboard", "Created with Sketch", "Title Chevron", "Icon Facebook", "Icon Twitter", "Icon Print",
    "Eye Icon", "(Nikkei)", "Sponsored Content", "commissioned by Nikkei", "{{", "free article",
    "Stay ahead", "trusted insights", "Try 1 month", "Try 3 months", "Offer ends", "trial period",
    "subscription", "See all offers", "now known as Nikkei Asia", "Celebrate our next chapter",
    "Free access for everyone", "Find out more", "| Japan", "NAR on print",
]


def response_for(name: str, url: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=(NIKKEI / name).read_bytes())


def build(name: str, url: str):
    result = NikkeiAsiaSpider().build_article(response_for(name, url))
    assert result.item is not None, result.error
    result.item.spider = NikkeiAsiaSpider.name
    return result, OfflinePipelines().process(result.item)


def test_golden_seed_article():
    result, item = build("article-japan-us-working-groups.html", SEED_URL)
    assert result.body_source == "selectors"
    assert item.title == "Japan, US working groups will duel on economic cooperation"
    assert item.standfirst == "Aso, Pence kick off bilateral dialogue next week"
    assert item.section == "Politics"
    assert item.body.startswith("TOKYO -- Japan and the U.S. are expected")
    assert item.body.endswith("above the other two.")
    for field, expected in GOLDEN.items():
        if field not in ("path", "scraped_at"):
            assert getattr(item, field) == expected, field
    assert not schema_errors(item)


def test_golden_body_has_no_seed_junk():
    _, item = build("article-japan-us-working-groups.html", SEED_URL)
    for junk in SEED_JUNK:
        assert junk not in item.body, junk
    paragraphs = item.body.split("\n\n")
    assert len(paragraphs) == 6
    assert all(p.strip() == p and p for p in paragraphs)


def test_dates_are_utc_from_tokyo_time():
    _, item = build("article-japan-us-working-groups.html", SEED_URL)
    assert item.published_at == "2017-04-11T20:04:00+00:00"  # 05:04 JST


def test_byline_override_gives_people_not_roles():
    _, item = build("article-japan-south-korea-shuttle-diplomacy.html",
                    "https://asia.nikkei.com/Politics/International-relations/Japan-and-South-Korea-agree-to-revive-shuttle-diplomacy")
    assert item.authors == ["Ken Moriyasu", "Kim Jaewon"]
    assert item.updated_at == "2023-03-16T23:40:00+00:00"
    assert "Advertisement" not in item.body
    assert item.tags == ["Japan", "South Korea", "Diplomacy"]


def test_redesigned_page_falls_back_to_structured_body():
    result, item = build("article-upper-house-defense-budget.html",
                         "https://asia.nikkei.com/Politics/Japan-upper-house-passes-record-defense-budget")
    assert result.body_source == "structured"
    assert item.body.count("\n\n") == 3
    assert item.paywalled is False
    assert item.authors == ["Rurika Imahashi"]
    # og:image is relative on this page: it is made absolute.
    assert item.image_url.startswith("https://asia.nikkei.com/var/site/storage/")


def test_page_without_container_or_structured_body_uses_generic_extractor():
    html = (NIKKEI / "article-upper-house-defense-budget.html").read_text("utf-8")
    start = html.index('"articleBody"')
    html = html[:start] + '"wordCount": 132}\n</script>' + html[html.index("</script>", start) + len("</script>"):]
    response = HtmlResponse(url="https://asia.nikkei.com/Politics/Japan-upper-house-passes-record-defense-budget",
                            body=html.encode("utf-8"))
    result = NikkeiAsiaSpider().build_article(response)
    assert result.body_source == "generic"
    assert "114.38 trillion yen" in result.item.body


@pytest.mark.slow
def test_offline_crawl_writes_each_recorded_article_once(tmp_path, chromium):
    # Every recorded article: one is linked only from the rendered listing, so this needs Chromium.
    out = tmp_path / "nikkei.jsonl"
    proc = run_scrapy("crawl", "nikkei_asia", "-O", f"{out}:jsonl")
    assert proc.returncode == 0, proc.stderr[-3000:]
    items = read_jsonl(out)
    recorded = {r["url"] for r in json.loads((NIKKEI / "recordings.json").read_text())["responses"]
                if "article-" in r["body"]}
    assert sorted(i["url"] for i in items) == sorted(recorded)
    for item in items:
        assert not schema_errors(item), item["url"]
        for junk in SEED_JUNK:
            assert junk not in item["body"], (item["url"], junk)
    assert "replay: no recording" not in proc.stderr
    assert "'newsbot/replay/served'" in proc.stderr


@pytest.mark.slow
def test_unrecorded_url_is_logged_counted_and_skipped(tmp_path):
    replay = tmp_path / "replay"
    shutil.copytree(NIKKEI, replay / "nikkei_asia")
    index = replay / "nikkei_asia" / "recordings.json"
    data = json.loads(index.read_text())
    data["responses"] = [r for r in data["responses"] if "ldp-leadership" not in r["body"]]
    index.write_text(json.dumps(data))
    out = tmp_path / "out.jsonl"
    proc = run_scrapy("crawl", "nikkei_asia", "-O", f"{out}:jsonl", replay=replay, env=plain_listing_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "replay: no recording for https://asia.nikkei.com/Politics/Japan-election/LDP-sets-date" in proc.stderr
    assert "'newsbot/replay/missing': 1" in proc.stderr
    urls = {item["url"] for item in read_jsonl(out)}
    assert not any("LDP-sets-date" in url for url in urls)
    assert SEED_URL in urls and len(urls) >= 3  # the rest of the crawl went on


def test_fixture_folder_layout():
    # Each outlet's recordings sit in their own folder with an index the replay can load.
    from newsbot.middlewares.replay import load_recordings
    recordings = load_recordings(FIXTURES / "replay")
    assert SEED_URL in {r.url for r in recordings.values()}

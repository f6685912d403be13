"""The Al Jazeera spider on its recordings: the politics filter, feed tracking and the GraphQL "Show more" page."""

from __future__ import annotations

import json

from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from newsbot.spiders.al_jazeera import AlJazeeraSpider, more_stories_url

from tests.conftest import REPLAY

RECORDED = REPLAY / "al_jazeera"


def _recordings() -> list[dict]:
    return json.loads((RECORDED / "recordings.json").read_text("utf-8"))["responses"]


def test_al_jazeera_keeps_to_politics_and_drops_feed_tracking() -> None:
    crawler = get_crawler(AlJazeeraSpider)
    spider = crawler.spidercls.from_crawler(crawler)  # article requests read rendering settings
    pages = {r["body"]: r["url"] for r in _recordings()}

    def response(name: str) -> HtmlResponse:
        return HtmlResponse(pages[name], body=(RECORDED / name).read_bytes())

    assert not spider.is_politics_page(response("offsection-typhoon-philippines.html"))
    assert spider.is_politics_page(response("article-iraq-speaker.html"))  # topic link
    assert spider.is_politics_page(response("article-senegal-assembly.html"))  # JSON-LD keywords only
    # The recorded feed links carry ?traffic_source=rss: the requests it leads to do not.
    feed = next(r for r in _recordings() if r["url"] in spider.feed_urls)
    body = (RECORDED / feed["body"]).read_bytes()
    assert b"traffic_source=rss" in body
    requested = [r.url for r in spider.parse_feed(XmlResponse(feed["url"], body=body))]
    assert pages["article-moldova-confidence-vote.html"] in requested
    assert requested and not any("traffic_source" in url for url in requested)


def test_al_jazeera_more_stories_page_survives_bad_json() -> None:
    crawler = get_crawler(AlJazeeraSpider)
    crawler.stats.open_spider()
    spider = crawler.spidercls.from_crawler(crawler)
    url = more_stories_url(4)
    request = Request(url, meta={"newsbot_page": 2, "newsbot_offset": 4})
    broken = TextResponse(url, body=b"<html>rate limited</html>", request=request)
    assert list(spider.parse_more_stories(broken)) == []
    assert crawler.stats.get_value("newsbot/listing/not_json") == 1
    body = (RECORDED / "more-stories-politics-offset-4.json").read_bytes()
    requests = list(spider.parse_more_stories(TextResponse(url, body=body, request=request)))
    # Two /news/ stories (the opinion piece is not followed); fewer than a page: no further page.
    assert [r.url.rsplit("/", 1)[-1] for r in requests] == [
        "thailands-prime-minister-survives-no-confidence-vote", "moldova-pro-eu-coalition-wins-confidence-vote"]

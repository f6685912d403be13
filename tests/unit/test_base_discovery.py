"""PoliticsSpider discovery rules on hand-made responses: when pagination stops, URL cleaning."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request, XmlResponse
from scrapy.utils.test import get_crawler

from newsbot.spiders.base import PoliticsSpider


class ExampleSpider(PoliticsSpider):
    name = "example"
    allowed_domains = ["example.org"]
    article_url_pattern = r"/politics/\d+-[\w-]+$"


def make_spider(**settings) -> ExampleSpider:
    crawler = get_crawler(ExampleSpider, settings_dict=settings or None)
    crawler.stats.open_spider()
    spider = ExampleSpider.from_crawler(crawler)
    return spider


def listing(page: int, *paths: str) -> HtmlResponse:
    links = "".join(f'<a href="{p}">x</a>' for p in paths)
    html = f'<html><body>{links}<a rel="next" href="/politics?page={page + 1}">Next</a></body></html>'
    url = "https://example.org/politics" + (f"?page={page}" if page > 1 else "")
    return HtmlResponse(url, body=html.encode(), encoding="utf-8",
                        request=Request(url, meta={"newsbot_page": page}))


def split(results):
    results = list(results)
    articles = [r.url for r in results if r.meta.get("newsbot_article")]
    pages = [r.url for r in results if not r.meta.get("newsbot_article")]
    return articles, pages


def test_a_page_of_listed_articles_stops_pagination():
    spider = make_spider()
    articles, pages = split(spider.parse_listing(listing(1, "/politics/1-a-story", "/politics/2-b-story")))
    assert len(articles) == 2 and pages == ["https://example.org/politics?page=2"]
    articles, pages = split(spider.parse_listing(listing(2, "/politics/2-b-story", "/politics/1-a-story")))
    assert articles == [] and pages == []
    assert spider.crawler.stats.get_value("newsbot/listing/stopped_known") == 1


def test_articles_seen_only_in_a_feed_do_not_stop_pagination():
    spider = make_spider()
    feed = XmlResponse("https://example.org/feed", body=b"""<rss><channel>
        <item><link>https://example.org/politics/1-a-story?utm_source=rss</link></item></channel></rss>""")
    articles, _ = split(spider.parse_feed(feed))
    assert articles == ["https://example.org/politics/1-a-story"]  # tracking parameter removed
    articles, pages = split(spider.parse_listing(listing(1, "/politics/1-a-story")))
    assert articles == []  # already requested from the feed: not asked twice
    assert pages == ["https://example.org/politics?page=2"]  # but the walk goes on


def test_under_scrapy_check_each_callback_is_judged_alone():
    # In a crawl, the feed does not ask again for what the listing asked for; a contract of the
    # feed callback must not pass or fail depending on which contract ran first.
    feed = XmlResponse("https://example.org/feed", body=b"""<rss><channel>
        <item><link>https://example.org/politics/1-a-story</link></item></channel></rss>""")
    crawl, check = make_spider(), make_spider(NEWSBOT_CHECKING=True)
    for spider in (crawl, check):
        split(spider.parse_listing(listing(1, "/politics/1-a-story")))
    assert split(crawl.parse_feed(feed))[0] == []
    assert split(check.parse_feed(feed))[0] == ["https://example.org/politics/1-a-story"]
    # ...and a second listing page of the same articles is still followed under check.
    assert split(check.parse_listing(listing(2, "/politics/1-a-story")))[1] == ["https://example.org/politics?page=3"]

"""NPR (www.npr.org), Politics: stories and broadcast transcripts."""

from .base import PoliticsSpider


class NprSpider(PoliticsSpider):
    name = "npr"
    outlet_name = "NPR"
    timezone = "America/New_York"
    allowed_domains = ["npr.org"]

    section_urls = ["https://www.npr.org/sections/politics/"]
    feed_urls = ["https://feeds.npr.org/1014/rss.xml"]
    article_links = "article.item h2.title a::attr(href)"
    article_url_pattern = r"^https://www\.npr\.org/\d{4}/\d\d/\d\d/[\w-]+/[\w-]+$"
    next_page = "a.options__load-more::attr(href)"

    selectors = {
        "title": ".storytitle h1",
        "authors": ".byline__name a",
        "published_at": ".dateblock time::attr(datetime)",
        "body": "#storytext > p",
    }
    # Image captions and credits, sponsor messages, the audio player and the transcript notice.
    body_exclude = (".bucketwrap", ".ad-wrap", ".sponsor-message", ".audio-module", ".transcript .disclaimer")

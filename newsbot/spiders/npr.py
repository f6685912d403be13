"""NPR (www.npr.org), Politics: stories and broadcast transcripts."""

from ..contracts import article_contract, requests_contract
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
        # The written story: paragraphs and subheads (h3.edTag) straight inside #storytext. A broadcast
        # piece shows a one-paragraph summary there and the whole transcript in div.transcript (which
        # may carry the storytext class too): its paragraphs are the article.
        "body": "#storytext > p, #storytext > h3, .transcript > p",
    }
    # Image captions and credits, inline "related story" boxes (bucketwraps too), sponsor messages,
    # the audio player and the transcript notice.
    body_exclude = (".bucketwrap", ".ad-wrap", ".sponsor-message", ".audio-module", ".transcript .disclaimer")

    # Offline spider contracts (`scrapy check`), on the recordings in tests/fixtures/replay/npr/.
    contracts = {
        "parse_listing": [
            requests_contract("https://www.npr.org/sections/politics/", 3),
            requests_contract("https://www.npr.org/sections/politics/archive?start=2", 2),
        ],
        "parse_feed": [
            requests_contract("https://feeds.npr.org/1014/rss.xml", 2),
        ],
        "parse_article": [
            article_contract("https://www.npr.org/2026/11/28/nx-s1-5213377/senate-confirmation-hearings-defense-nominee",
                             "title standfirst body published_at updated_at authors section image_url"),
            article_contract("https://www.npr.org/2026/11/27/nx-s1-5211890/congress-stock-trading-ban-ethics",
                             "title standfirst body published_at updated_at authors section image_url"),
            article_contract("https://www.npr.org/2026/11/27/nx-s1-5212040/state-legislatures-election-certification-laws",
                             "title standfirst body published_at updated_at authors section image_url"),
            # A broadcast piece: a one-paragraph summary in #storytext, the transcript in div.transcript.
            article_contract("https://www.npr.org/2023/10/19/1207004321/county-clerks-election-certification-deadline",
                             "title standfirst body published_at updated_at authors section image_url"),
        ],
    }

"""BBC News (www.bbc.co.uk/news), UK Politics: articles and video pages. A Next.js site: the base
reads the article from __NEXT_DATA__ when the rendered markup drifts."""

from ..contracts import article_contract, requests_contract
from .base import PoliticsSpider


class BbcSpider(PoliticsSpider):
    name = "bbc"
    outlet_name = "BBC News"
    language = "en-GB"
    timezone = "Europe/London"
    allowed_domains = ["bbc.co.uk", "bbci.co.uk"]

    section_urls = ["https://www.bbc.co.uk/news/politics"]
    feed_urls = ["https://feeds.bbci.co.uk/news/politics/rss.xml"]
    article_links = 'a[data-testid="internal-link"]::attr(href)'
    article_url_pattern = r"^https://www\.bbc\.co\.uk/news/(?:articles|videos)/c[a-z0-9]{10}o$"
    next_page = 'a[data-testid="pagination-next-button"]::attr(href)'

    selectors = {
        "authors": '[data-testid="byline-new-contributors"] span',
        "published_at": '[data-testid="byline-new"] time::attr(datetime)',
        "body": 'article [data-component="text-block"] p',
    }
    next_data_article = "props.pageProps.page.*"

    # Offline spider contracts (`scrapy check`), on the recordings in tests/fixtures/replay/bbc/.
    contracts = {
        "parse_listing": [
            requests_contract("https://www.bbc.co.uk/news/politics", 3),
            requests_contract("https://www.bbc.co.uk/news/politics?page=2", 2),
        ],
        "parse_feed": [
            requests_contract("https://feeds.bbci.co.uk/news/politics/rss.xml", 2),
        ],
        "parse_article": [
            article_contract("https://www.bbc.co.uk/news/articles/c8e7n2q0xk1o",
                             "title standfirst body published_at updated_at authors section image_url"),
            article_contract("https://www.bbc.co.uk/news/articles/c3l9p8m7k6jo",
                             "title standfirst body published_at updated_at authors section image_url"),
            article_contract("https://www.bbc.co.uk/news/videos/c5y4z3x2w1vo",
                             "title standfirst body published_at section image_url"),
        ],
    }

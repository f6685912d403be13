"""BBC News (www.bbc.co.uk/news), UK Politics: articles and video pages. A Next.js site: the base
reads the article from __NEXT_DATA__ when the rendered markup drifts."""

from ..contracts import article_contract, requests_contract
from .base import PoliticsSpider


class BbcSpider(PoliticsSpider):
    name = "bbc"
    outlet_name = "BBC News"
    language = "en-GB"
    timezone = "Europe/London"
    # bbc.com serves the same articles outside the UK (older saved pages carry it); crawling stays on
    # www.bbc.co.uk (article_url_pattern).
    allowed_domains = ["bbc.co.uk", "bbci.co.uk", "bbc.com"]

    section_urls = ["https://www.bbc.co.uk/news/politics"]
    feed_urls = ["https://feeds.bbci.co.uk/news/politics/rss.xml"]
    article_links = 'a[data-testid="internal-link"]::attr(href)'
    article_url_pattern = r"^https://www\.bbc\.co\.uk/news/(?:articles|videos)/c[a-z0-9]{10}o$"
    next_page = 'a[data-testid="pagination-next-button"]::attr(href)'

    selectors = {
        "authors": '[data-testid="byline-new-contributors"] span',
        "published_at": '[data-testid="byline-new"] time::attr(datetime)',
        # One body selector per markup generation, all in one list (each matches only its own):
        # - 2020-: text-block and subheadline-block components in the article element;
        # - 2014-2020: paragraphs (p.story-body__introduction first), crossheads and lists straight
        #   inside div.story-body__inner (its figures, media players, ads and embeds are divs/figures).
        "body": 'article [data-component="text-block"] p, article [data-component="subheadline-block"], '
                '.story-body__inner > p, .story-body__inner > h2, .story-body__inner > ul > li',
    }
    # Ad slots, social-media embeds (their fallback text is "Image Copyright @name Report"), and the
    # italic radio promos closing older stories ("Listen to Newsbeat live ..." linking to BBC Sounds).
    body_exclude = (".bbccom_slot", ".social-embed",
                    '.story-body__inner > p:has(> i):has(> a[href*="/sounds/"])')
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
                             "title standfirst body published_at updated_at authors section image_url", body="embedded"),
            article_contract("https://www.bbc.co.uk/news/videos/c5y4z3x2w1vo",
                             "title standfirst body published_at section image_url", body="structured"),
            # 2014-2020 template (div.story-body__inner), on bbc.com.
            article_contract("https://www.bbc.com/news/uk-politics-50512345",
                             "title standfirst body published_at updated_at section image_url"),
        ],
    }

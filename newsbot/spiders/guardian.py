"""The Guardian (www.theguardian.com), Politics: articles, live blogs and interactives."""

from ..contracts import article_contract, requests_contract
from .base import PoliticsSpider


class GuardianSpider(PoliticsSpider):
    name = "guardian"
    outlet_name = "The Guardian"
    timezone = "Europe/London"
    allowed_domains = ["theguardian.com"]

    section_urls = ["https://www.theguardian.com/politics"]
    feed_urls = ["https://www.theguardian.com/politics/rss"]
    article_links = '[data-link-name*="card-@"]::attr(href)'
    article_url_pattern = r"^https://www\.theguardian\.com/politics/(?:live/|ng-interactive/)?\d{4}/[a-z]{3}/\d\d/[\w-]+$"

    # One body selector per markup generation, all in one list (each matches only its own):
    # - 2020- (dotcom-rendering): .article-body-commercial-selector;
    # - 2014-2020 (frontend): .content__article-body (itemprop=articleBody), whose lists are part of
    #   the text (its images, embeds and rich links are figures and asides, left out);
    # - until 2014: #article-body-blocks.
    selectors = {
        "title": '[data-gu-name="headline"] h1, h1.content__headline',
        "standfirst": '[data-gu-name="standfirst"], .content__standfirst > p:first-of-type',
        "authors": 'address[data-component="meta-byline"] a[rel="author"], a[rel="author"] [itemprop="name"]',
        "body": ".article-body-commercial-selector > p, .article-body-commercial-selector > h2, "
                ".content__article-body > p, .content__article-body > h2, .content__article-body > ul > li, "
                "#article-body-blocks > p, #article-body-blocks > h2",
    }
    # Inline newsletter promotions sit between paragraphs, and stay out of the fallback paths too;
    # rich links ("Read more" boxes) of the older templates.
    body_exclude = ('figure[data-spacefinder-type$="NewsletterSignupBlockElement"]', '[data-component="share"]',
                    'details[data-gu-name="dateline"]', "aside.element-rich-link")

    # Offline spider contracts (`scrapy check`), on the recordings in tests/fixtures/replay/guardian/.
    contracts = {
        "parse_listing": [
            requests_contract("https://www.theguardian.com/politics", 4),
            requests_contract("https://www.theguardian.com/politics?page=2", 2),
        ],
        "parse_feed": [
            requests_contract("https://www.theguardian.com/politics/rss", 2),
        ],
        "parse_article": [
            article_contract("https://www.theguardian.com/politics/2026/nov/28/prime-minister-cabinet-reshuffle-defence-secretary",
                             "title standfirst body published_at updated_at authors section tags image_url"),
            article_contract("https://www.theguardian.com/politics/live/2026/nov/28/uk-politics-live-budget-reaction",
                             "title standfirst body published_at updated_at authors section tags image_url",
                             body="structured"),
            article_contract("https://www.theguardian.com/politics/ng-interactive/2026/nov/27/how-the-budget-affects-you-calculator",
                             "title standfirst body published_at updated_at authors section tags image_url",
                             body="generic"),
            # Earlier markup generations: frontend's content__article-body (2014-2020) and
            # guardian.co.uk's #article-body-blocks (until 2014).
            article_contract("https://www.theguardian.com/politics/2019/jan/15/mps-reject-brexit-deal-by-record-margin",
                             "title standfirst body published_at updated_at authors section tags image_url"),
            article_contract("https://www.theguardian.com/politics/2012/mar/21/budget-2012-chancellor-cuts-top-rate",
                             "title standfirst body published_at authors section tags image_url"),
        ],
    }

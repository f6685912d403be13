"""The Hill (thehill.com), campaign, Senate, House and administration news."""

from ..contracts import article_contract, requests_contract
from .base import PoliticsSpider


class TheHillSpider(PoliticsSpider):
    name = "the_hill"
    outlet_name = "The Hill"
    language = "en"
    timezone = "America/New_York"
    allowed_domains = ["thehill.com"]

    section_urls = ["https://thehill.com/homenews/campaign/"]
    feed_urls = ["https://thehill.com/homenews/campaign/feed/"]
    article_links = ".archive-article-card__title a::attr(href)"
    # Articles are /homenews/<politics desk>/<post id>-<slug>/.
    article_url_pattern = r"^https://thehill\.com/homenews/(?:campaign|senate|house|administration)/\d{6,}-[\w-]+/?$"

    selectors = {
        "title": "h1.page-title",
        "authors": ".submitted-by__author a",
        "section": ".article__category",
        # Live blogs put their entries (time stamp, h2, p) one level down, inside .liveblog-entry;
        # an entry's time stamp is part of it (readers of a live blog need to know when).
        "body": ".article__text > p, .article__text > h2, .article__text > blockquote, "
                ".liveblog-entry > h2, .liveblog-entry > p",
    }
    body_exclude = (".ad-unit", ".related-articles-inline", ".newsletter-signup", ".article__copyright",
                    ".liveblog-entry__share")

    # Offline spider contracts (`scrapy check`), on the recordings in tests/fixtures/replay/the_hill/.
    contracts = {
        "parse_listing": [
            requests_contract("https://thehill.com/homenews/campaign/", 4),
            requests_contract("https://thehill.com/homenews/campaign/page/2/", 2),
        ],
        "parse_feed": [
            requests_contract("https://thehill.com/homenews/campaign/feed/", 3),
        ],
        "parse_article": [
            article_contract("https://thehill.com/homenews/campaign/5612034-democrats-governors-2028-early-states/",
                             "title standfirst body published_at updated_at authors section tags image_url"),
            article_contract("https://thehill.com/homenews/senate/5611502-thune-filibuster-rules-change-vote/",
                             "title standfirst body published_at updated_at authors section image_url"),
            article_contract("https://thehill.com/homenews/campaign/5611877-georgia-runoff-live-updates/",
                             "title standfirst body published_at updated_at authors section"),
            article_contract("https://thehill.com/homenews/campaign/5606620-ohio-redistricting-map-court/",
                             "title body published_at authors section", body="generic"),
        ],
    }

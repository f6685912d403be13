"""The Hill (thehill.com), campaign, Senate, House and administration news."""

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
        # Live blogs put their entries (h2 + p) one level down, inside .liveblog-entry.
        "body": ".article__text > p, .article__text > h2, .article__text > blockquote, "
                ".liveblog-entry > h2, .liveblog-entry > p:not(.liveblog-entry__time)",
    }
    body_exclude = (".ad-unit", ".related-articles-inline", ".newsletter-signup", ".article__copyright",
                    ".liveblog-entry__share")

    # Offline spider contracts (`scrapy check`), on the recordings in tests/fixtures/replay/the_hill/.
    contracts = {
        "parse_listing": [
            """@url https://thehill.com/homenews/campaign/
               @returns requests 4""",
            """@url https://thehill.com/homenews/campaign/page/2/
               @returns requests 2""",
        ],
        "parse_feed": [
            """@url https://thehill.com/homenews/campaign/feed/
               @returns requests 3""",
        ],
        "parse_article": [
            """@url https://thehill.com/homenews/campaign/5612034-democrats-governors-2028-early-states/
               @returns items 1 1
               @schema
               @nojunk
               @coverage 1.0 title standfirst body published_at updated_at authors section tags image_url""",
            """@url https://thehill.com/homenews/senate/5611502-thune-filibuster-rules-change-vote/
               @returns items 1 1
               @schema
               @nojunk
               @coverage 1.0 title standfirst body published_at updated_at authors section image_url""",
            """@url https://thehill.com/homenews/campaign/5611877-georgia-runoff-live-updates/
               @returns items 1 1
               @schema
               @nojunk
               @coverage 1.0 title standfirst body published_at updated_at authors section""",
            """@url https://thehill.com/homenews/campaign/5606620-ohio-redistricting-map-court/
               @returns items 1 1
               @schema
               @nojunk
               @coverage 1.0 title body published_at authors section""",
        ],
    }

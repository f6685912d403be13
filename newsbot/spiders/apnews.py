"""AP News (apnews.com), Politics hub, live blogs included."""

from ..contracts import article_contract, requests_contract
from .base import PoliticsSpider


class ApNewsSpider(PoliticsSpider):
    name = "apnews"
    outlet_name = "AP News"
    timezone = "America/New_York"
    # ap.org: AP stories syndicated on hosted.ap.org (older saved pages); crawling stays on apnews.com
    # (article_url_pattern).
    allowed_domains = ["apnews.com", "ap.org"]

    section_urls = ["https://apnews.com/politics"]
    sitemap_urls = ["https://apnews.com/news-sitemap-content.xml"]
    article_links = ".PagePromo-title a::attr(href)"
    article_url_pattern = r"^https://apnews\.com/(?:article|live)/[\w-]+$"
    # The news sitemap is site-wide; article pages name their hub in article:section and breadcrumbs.
    section_match = r"politic|election"
    next_page = "a.Pagination-nextPage::attr(href)"

    # One body selector per markup generation, all in one list (each matches only its own):
    # - 2023-: paragraphs and subheads straight inside .RichTextStoryBody;
    # - 2018-2023: the same inside div.Article[data-key="article"];
    # - hosted.ap.org (AP stories on member sites): paragraphs of the story block in div.ap-story
    #   (its photo gallery, share buttons and topic/trending sections are divs and sections).
    selectors = {
        "title": "h1.Page-headline, .CardHeadline h1, h2.ap-story-headline",
        "authors": ".Page-authors a, .ap-story-byline .field-name-field-byline-original",
        "published_at": ".Page-dateModified bsp-timestamp::attr(data-timestamp)",
        "body": ".RichTextStoryBody > p, .RichTextStoryBody > h2, "
                '[data-key="article"] > p, [data-key="article"] > h2, '
                ".ap-story > block > p, .ap-story > p",
    }
    # Ads, in-body promotions and related-coverage boxes ("RELATED COVERAGE", "What to know", the
    # newsletter sign-up) and hosted.ap.org's in-story photo gallery.
    body_exclude = (".Advertisement", ".Enhancement", ".Infobox", ".ap-story-media-blk-wrap")

    # Offline spider contracts (`scrapy check`), on the recordings in tests/fixtures/replay/apnews/.
    contracts = {
        "parse_listing": [
            requests_contract("https://apnews.com/politics", 3),
            requests_contract("https://apnews.com/politics?p=2", 2),
        ],
        "parse_sitemap": [
            requests_contract("https://apnews.com/news-sitemap-content.xml", 2),
        ],
        "parse_article": [
            article_contract("https://apnews.com/article/congress-shutdown-senate-vote-9d3f6c1a2b7e4f0a8c5d2e1b3a4c5d6e",
                             "title standfirst body published_at updated_at authors section image_url"),
            article_contract("https://apnews.com/article/governor-veto-budget-education-1f2e3d4c5b6a79880a1b2c3d4e5f6071",
                             "title standfirst body published_at authors section image_url", body="generic"),
            article_contract("https://apnews.com/live/election-day-georgia-runoff-updates",
                             "title standfirst body published_at updated_at section image_url", body="structured"),
            # Earlier markup generations: hosted.ap.org's ap-story, apnews.com's 2018-2023 div.Article.
            article_contract("https://hosted.ap.org/citizensvoice/article/8f3c2a1b0e9d4c7b8a6f5e4d3c2b1a09/legislature-overrides-governors-budget-veto",
                             "title standfirst body published_at updated_at authors image_url"),
            article_contract("https://apnews.com/article/joe-biden-senate-infrastructure-bills-3a9c1e7f5b2d4086a1c3e5f7b9d1f2a4",
                             "title standfirst body published_at updated_at authors section tags image_url"),
        ],
    }

"""AP News (apnews.com), Politics hub, live blogs included."""

from .base import PoliticsSpider


class ApNewsSpider(PoliticsSpider):
    name = "apnews"
    outlet_name = "AP News"
    timezone = "America/New_York"
    allowed_domains = ["apnews.com"]

    section_urls = ["https://apnews.com/politics"]
    sitemap_urls = ["https://apnews.com/news-sitemap-content.xml"]
    article_links = ".PagePromo-title a::attr(href)"
    article_url_pattern = r"^https://apnews\.com/(?:article|live)/[\w-]+$"
    # The news sitemap is site-wide; article pages name their hub in article:section and breadcrumbs.
    section_match = r"politic|election"
    next_page = "a.Pagination-nextPage::attr(href)"

    selectors = {
        "title": "h1.Page-headline",
        "authors": ".Page-authors a",
        "published_at": ".Page-dateModified bsp-timestamp::attr(data-timestamp)",
        "body": ".RichTextStoryBody > p",
    }
    body_exclude = (".Advertisement",)

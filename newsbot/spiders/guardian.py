"""The Guardian (www.theguardian.com), Politics: articles, live blogs and interactives."""

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

    selectors = {
        "title": '[data-gu-name="headline"] h1',
        "standfirst": '[data-gu-name="standfirst"]',
        "authors": 'address[data-component="meta-byline"] a[rel="author"]',
        "body": ".article-body-commercial-selector > p, .article-body-commercial-selector > h2",
    }
    # Inline newsletter promotions sit between paragraphs, and stay out of the fallback paths too.
    body_exclude = ('figure[data-spacefinder-type$="NewsletterSignupBlockElement"]', '[data-component="share"]',
                    'details[data-gu-name="dateline"]')

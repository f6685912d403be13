"""Reuters (www.reuters.com), United States politics. An Arc XP site: Fusion.globalContent carries
the whole story, so the base's embedded-state path covers pages whose markup drifts."""

from .base import PoliticsSpider


class ReutersSpider(PoliticsSpider):
    name = "reuters"
    outlet_name = "Reuters"
    allowed_domains = ["reuters.com"]

    section_urls = ["https://www.reuters.com/world/us/"]
    sitemap_urls = ["https://www.reuters.com/arc/outboundfeeds/news-sitemap/?outputType=xml"]
    article_links = 'a[data-testid="Heading"]::attr(href)'
    # Story slugs end in their publication date.
    article_url_pattern = r"^https://www\.reuters\.com/[\w/-]+-\d{4}-\d\d-\d\d/$"
    # The news sitemap is site-wide: keep U.S. stories and anything filed under politics.
    section_match = r"^/world/us/|politic|election"

    selectors = {
        "title": 'h1[data-testid="Heading"]',
        "authors": 'a[data-testid="AuthorNameLink"]',
        "published_at": 'time[data-testid="DateLineText"]::attr(datetime)',
        "body": '[data-testid="ArticleBody"] [data-testid^="paragraph-"]',
    }

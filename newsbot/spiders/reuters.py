"""Reuters (www.reuters.com), United States politics. An Arc XP site: Fusion.globalContent carries
the whole story, so the base's embedded-state path covers pages whose markup drifts."""

from ..contracts import article_contract, requests_contract
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
        # One body selector per markup generation, all in one list (each matches only its own):
        # - 2024-: [data-testid="paragraph-N"] blocks in [data-testid="ArticleBody"];
        # - 2021-2023: p[data-testid="paragraph-N"] in div.article-body__content__<hash>;
        # - 2020-2021: p.Paragraph-paragraph-<hash> in div.ArticleBodyWrapper;
        # - 2017-2020: paragraphs straight inside div.StandardArticleBody_body (with or without a
        #   CSS-module hash suffix); its photo, attribution and trust-badge blocks are divs.
        "body": '[data-testid="ArticleBody"] [data-testid^="paragraph-"], '
                '[class*="article-body__content__"] > [data-testid^="paragraph-"], '
                '.ArticleBodyWrapper > p[class*="Paragraph-paragraph"], '
                '[class*="StandardArticleBody_body"] > p',
    }

    # Offline spider contracts (`scrapy check`), on the recordings in tests/fixtures/replay/reuters/.
    contracts = {
        "parse_listing": [
            requests_contract("https://www.reuters.com/world/us/", 3),
            requests_contract("https://www.reuters.com/world/us/?page=2", 2),
        ],
        "parse_sitemap": [
            requests_contract("https://www.reuters.com/arc/outboundfeeds/news-sitemap/?outputType=xml", 3),
        ],
        "parse_article": [
            article_contract("https://www.reuters.com/world/us/senate-passes-stopgap-funding-bill-averting-shutdown-2026-11-28/",
                             "title standfirst body published_at updated_at authors section tags image_url"),
            article_contract("https://www.reuters.com/world/us/supreme-court-to-hear-challenge-to-state-voting-maps-2026-11-27/",
                             "title standfirst body published_at updated_at authors section tags image_url",
                             body="embedded"),
            article_contract("https://www.reuters.com/world/us/house-republicans-unveil-plan-to-cut-foreign-aid-2026-11-28/",
                             "title standfirst body published_at updated_at authors section tags image_url"),
            article_contract("https://www.reuters.com/markets/commodities/oil-prices-edge-higher-on-supply-concerns-2026-11-28/",
                             "title standfirst body published_at updated_at authors section tags image_url"),
            # Earlier markup generations: StandardArticleBody (2017-2020), ArticleBodyWrapper
            # (2020-2021), article-body__content (2021-2023).
            article_contract("https://www.reuters.com/article/us-usa-trump-impeachment-idUSKBN1XA1QZ",
                             "title standfirst body published_at updated_at authors section tags image_url"),
            article_contract("https://www.reuters.com/article/us-health-coronavirus-usa-congress-idUSKBN25V2QX",
                             "title standfirst body published_at updated_at authors section tags image_url"),
            article_contract("https://www.reuters.com/world/us/house-panel-advances-bill-suspend-debt-limit-2022-11-16/",
                             "title standfirst body published_at updated_at authors section tags image_url"),
        ],
    }

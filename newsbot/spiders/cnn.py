"""CNN Politics (cnn.com/politics): section page, Google News sitemap, articles and live pages."""

from ..contracts import article_contract, requests_contract
from .base import PoliticsSpider


class CnnSpider(PoliticsSpider):
    name = "cnn"
    outlet_name = "CNN"
    language = "en"
    timezone = "America/New_York"
    allowed_domains = ["cnn.com"]

    # The section page is a grid of cards without pagination; the news sitemap reaches further back.
    section_urls = ["https://www.cnn.com/politics"]
    sitemap_urls = ["https://www.cnn.com/sitemap/news.xml"]
    article_links = "a.container__link::attr(href)"
    next_page = None
    # Dated politics articles and politics live pages (older URLs end in /index.html); not videos.
    article_url_pattern = (r"^https://(?:www|edition)\.cnn\.com/(?:\d{4}/\d{2}/\d{2}/politics/[\w-]+"
                           r"|politics/live-news/[\w-]+)(?:/index\.html)?$")

    # One body selector per markup generation, all in one list (each matches only its own):
    # - 2022-: .article__content paragraphs and subheads, live-story posts;
    # - 2014-2022: .zn-body__paragraph, a div or p (the first one wrapped in el__leafmedia), in
    #   section.zn-body-text, part of them inside the collapsed .zn-body__read-all;
    # - 2019-2022 feature template (style, travel, ...): .Paragraph__component in .BasicArticle__main;
    # - money.cnn.com (CNNMoney): paragraphs and subheads straight inside #storytext.
    selectors = {
        "title": "h1.headline__text, h1.pg-headline, h1.article-title",
        "authors": ".byline__name",
        # CNNMoney pages date themselves only in Dublin Core metadata (New York time).
        "published_at": 'meta[name="DC.date.issued"]::attr(content)',
        "body": ".article__content > p.paragraph, .article__content > h2.subheader, "
                ".live-story-post__headline, .live-story-post__content > p, "
                ".zn-body__paragraph, "
                ".BasicArticle__main .Paragraph__component, "
                "#storytext > p, #storytext > h2",
    }
    # The "Washington CNN —" / "Hong Kong (CNN Business)" dateline inside the first paragraph (cite.source,
    # cite.el-editorial-source), ads, related-story boxes and embeds, newsletter boxes, live-post
    # footers, the "Read More" expander, and CNNMoney's in-story "Related:" links.
    body_exclude = ("cite.source", "cite.el-editorial-source", ".ad-slot-dynamic", ".related-content",
                    ".newsletter-sign-up-wrapper", ".factbox", ".live-story-post__footer",
                    ".zn-body__read-more", ".el__embedded", ".inStoryHeading")

    # Offline spider contracts (`scrapy check`), on the recordings in tests/fixtures/replay/cnn/.
    contracts = {
        "parse_listing": [
            requests_contract("https://www.cnn.com/politics", 4),
        ],
        "parse_sitemap": [
            requests_contract("https://www.cnn.com/sitemap/news.xml", 2),
        ],
        "parse_article": [
            article_contract("https://www.cnn.com/2026/11/26/politics/supreme-court-tariffs-ruling",
                             "title standfirst body published_at updated_at authors section image_url"),
            article_contract("https://www.cnn.com/2026/11/25/politics/house-republicans-shutdown-stopgap-vote",
                             "title body published_at updated_at authors section"),
            article_contract("https://www.cnn.com/politics/live-news/trump-administration-news-11-25-26",
                             "title standfirst body published_at updated_at authors section"),
            article_contract("https://www.cnn.com/2026/11/24/politics/democrats-2028-primary-calendar-analysis",
                             "title body published_at authors section", body="structured"),
            # Earlier markup generations: zn-body (2014-2022), CNNMoney (money.cnn.com), the feature
            # template (BasicArticle, 2019-2022).
            article_contract("https://www.cnn.com/2019/11/21/politics/senate-stopgap-vote-shutdown/index.html",
                             "title standfirst body published_at updated_at authors image_url"),
            article_contract("http://money.cnn.com/2016/03/15/news/economy/congress-tax-extenders-vote/index.html",
                             "title standfirst body published_at authors tags image_url"),
            article_contract("https://www.cnn.com/style/article/capitol-dome-restoration-politics/index.html",
                             "title standfirst body published_at updated_at authors image_url"),
        ],
    }

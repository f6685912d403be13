"""毎日新聞 (mainichi.jp), 政治: section pages, the 速報 feed filtered to politics, 有料記事 included."""

from __future__ import annotations

import re

from scrapy.http import Response

from ..parsing.article import ParseResult
from ..parsing.text import join_paragraphs, paragraphs_of
from ..contracts import article_contract, requests_contract
from .base import PoliticsSpider

# Mainichi closes an article with the reporters' names in brackets: "…と述べた。【田中裕之】".
TRAILING_BYLINE = re.compile(r"\s*【([^【】]{1,40})】\s*$")
# The print-edition stamp ("毎日新聞 2026/11/23 東京朝刊"), which the generic extractor keeps as text.
EDITION_STAMP = re.compile(r"^毎日新聞\s*\d{4}/\d{1,2}/\d{1,2}\s*(?:東京|大阪|西部|中部|北海道)?(?:朝刊|夕刊)$")


class MainichiSpider(PoliticsSpider):
    name = "mainichi"
    outlet_name = "毎日新聞 (Mainichi Shimbun)"
    language = "ja"
    timezone = "Asia/Tokyo"
    section = "政治"
    allowed_domains = ["mainichi.jp"]

    section_urls = ["https://mainichi.jp/seiji/"]
    feed_urls = ["https://mainichi.jp/rss/etc/mainichi-flash.rss"]
    article_links = "ul.articlelist a::attr(href)"
    next_page = "a.pagination-next::attr(href), link[rel='next']::attr(href)"
    # /articles/<date>/<edition>/<page>/<category>/<id>c; category 010 is 政治.
    article_url_pattern = r"^https://mainichi\.jp/articles/\d{8}/[a-z0-9]+/[a-z0-9]+/010/\d{6}c$"

    selectors = {
        "title": "h1.title-page",
        "published_at": "time.articletag-date::attr(datetime)",
        "body": "#articledetail-body > p, #articledetail-body > h2",
    }
    # JSON-LD credits the paper (an Organization); the cXense meta names the reporters.
    overrides = {"authors": "meta[name='cXenseParse:author']::attr(content)"}
    body_exclude = (".ad-article-inner", ".articledetail-related-inline")
    paywall_markers = (".paywall", ".articletag-type.is-premium")

    # Offline spider contracts (`scrapy check`), on the recordings in tests/fixtures/replay/mainichi/.
    contracts = {
        "parse_listing": [
            requests_contract("https://mainichi.jp/seiji/", 4),
            requests_contract("https://mainichi.jp/seiji/2", 2),
        ],
        "parse_feed": [
            requests_contract("https://mainichi.jp/rss/etc/mainichi-flash.rss", 2),
        ],
        "parse_article": [
            article_contract("https://mainichi.jp/articles/20261126/k00/00m/010/234000c",
                             "title standfirst body published_at updated_at authors section tags image_url"),
            article_contract("https://mainichi.jp/articles/20261125/k00/00m/010/301000c",
                             "title body published_at authors section"),
            article_contract("https://mainichi.jp/articles/20261124/k00/00m/010/188000c",
                             "title body published_at authors section"),
            article_contract("https://mainichi.jp/articles/20261123/ddm/005/010/045000c",
                             "title body published_at section", body="generic"),
        ],
    }

    def build_article(self, response: Response) -> ParseResult:
        """Moves the trailing 【記者名】 byline out of the body (into authors when the meta lacks them)
        and drops the print-edition stamp."""
        result = super().build_article(response)
        item = result.item
        if item is None:
            return result
        paragraphs = [p for p in paragraphs_of(item.body) if not EDITION_STAMP.match(p)]
        item.body = join_paragraphs(paragraphs)
        match = TRAILING_BYLINE.search(paragraphs[-1]) if paragraphs else None
        if match:
            paragraphs[-1] = paragraphs[-1][: match.start()]
            item.body = join_paragraphs(paragraphs)
            if not item.authors:
                item.authors = [n for n in re.split(r"[、・,]", match.group(1)) if n.strip()]
        return result

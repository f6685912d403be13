"""Nikkei Asia (asia.nikkei.com), Politics and its sub-sections."""

from ..contracts import article_contract, requests_contract
from .base import PoliticsSpider


class NikkeiAsiaSpider(PoliticsSpider):
    name = "nikkei_asia"
    outlet_name = "Nikkei Asia"
    language = "en"
    timezone = "Asia/Tokyo"
    allowed_domains = ["asia.nikkei.com"]
    # Every two hours at :20, staggered from other outlets; NEWSBOT_SCHEDULES overrides it.
    schedule = "20 */2 * * *"

    section_urls = [
        "https://asia.nikkei.com/Politics",
        "https://asia.nikkei.com/Politics/International-relations",
        "https://asia.nikkei.com/Politics/Japan-election",
    ]
    feed_urls = ["https://asia.nikkei.com/rss/feed/nar"]
    article_links = ".article-card__headline a::attr(href)"
    # Article slugs are headlines (many hyphenated words); sub-section slugs are one or two words.
    article_url_pattern = r"^https://asia\.nikkei\.com/Politics/(?:[\w-]+/)*[\w]+(?:-[\w]+){3,}$"

    # Newer section pages (Japan-election) fill their card list from a JSON API behind a
    # "Load more" button: those listings are rendered in Chromium, the others stay plain.
    render_listings = r"^https://asia\.nikkei\.com/Politics/Japan-election/?$"
    render_actions = {"wait_for": ".article-card__headline a", "load_more": "button.load-more__button",
                      "max_clicks": 5, "step_timeout_ms": 5000}

    selectors = {
        "title": "h1.article-header__title",
        "standfirst": "p.article-header__sub-title",
        "section": ".article-header__section a",
        "authors": ".article-header__author a",
        "published_at": ".article-header__timestamp time::attr(datetime)",
        "body": ".ezrichtext-field > p, .ezrichtext-field > h2, .ezrichtext-field > blockquote",
    }
    # The site's JSON-LD credits the organisation; the byline links name the people.
    overrides = {"authors": ".article-header__author a"}
    body_exclude = (".o-ads",)
    paywall_markers = (".piano-container[data-paywall]",)

    # Offline spider contracts (`scrapy check`, newsbot/contracts.py); every @url is recorded in
    # tests/fixtures/replay/nikkei_asia/ (`scrapy record nikkei_asia` refreshes them).
    contracts = {
        "parse_listing": [
            requests_contract("https://asia.nikkei.com/Politics", 3),
            requests_contract("https://asia.nikkei.com/Politics/International-relations", 1),
            # Rendered in Chromium (skipped, with the reason, where no browser is installed).
            requests_contract("https://asia.nikkei.com/Politics/Japan-election", 2),
        ],
        "parse_feed": [
            requests_contract("https://asia.nikkei.com/rss/feed/nar", 1, 1),
        ],
        "parse_article": [
            article_contract("https://asia.nikkei.com/Politics/International-relations/Japan-and-South-Korea-agree-to-revive-shuttle-diplomacy",
                             "title standfirst body published_at authors section image_url"),
            article_contract("https://asia.nikkei.com/Politics/Japan-US-working-groups-will-duel-on-economic-cooperation",
                             "title standfirst body published_at section tags", r"(?i)nikkei asia newsletter"),
            article_contract("https://asia.nikkei.com/Politics/Japan-election/LDP-sets-date-for-leadership-race-as-factions-weigh-candidates",
                             "title standfirst body published_at section"),
            article_contract("https://asia.nikkei.com/Politics/Japan-upper-house-passes-record-defense-budget",
                             "title body published_at authors", body="structured"),
        ],
    }

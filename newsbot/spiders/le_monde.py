"""Le Monde (lemonde.fr), rubrique Politique: articles, lives and videos."""

from ..contracts import article_contract, requests_contract
from .base import PoliticsSpider


class LeMondeSpider(PoliticsSpider):
    name = "le_monde"
    outlet_name = "Le Monde"
    language = "fr"
    timezone = "Europe/Paris"
    section = "Politique"
    allowed_domains = ["lemonde.fr"]

    section_urls = ["https://www.lemonde.fr/politique/"]
    feed_urls = ["https://www.lemonde.fr/politique/rss_full.xml"]
    article_links = "a.teaser__link::attr(href)"
    # The river's pagination has no rel="next": the next page is the link after the current one.
    next_page = "a.river__pagination--page-current + a.river__pagination--page::attr(href)"
    # 823448 is the id of the Politique section, the last part of every one of its article URLs.
    article_url_pattern = (r"^https://www\.lemonde\.fr/politique/(?:article|live|video)/\d{4}/\d{2}/\d{2}/"
                           r"[\w-]+_\d+_823448\.html$")

    selectors = {
        "title": "h1.article__title",
        "standfirst": "p.article__desc",
        "authors": ".meta__authors .author__name",
        "body": ".article__content > p.article__paragraph, .article__content > h2.article__sub-title, "
                ".post__live-container--title, .content--live > p.post__live-container--answer-text",
    }
    body_exclude = (".catcher", ".inread", ".dfp-slot", ".article__reactions", ".post__live-container--footer")
    paywall_markers = (".paywall", ".article__status .icon__premium")

    # Offline spider contracts (`scrapy check`), on the recordings in tests/fixtures/replay/le_monde/.
    contracts = {
        "parse_listing": [
            requests_contract("https://www.lemonde.fr/politique/", 4),
            requests_contract("https://www.lemonde.fr/politique/2/", 2),
        ],
        "parse_feed": [
            requests_contract("https://www.lemonde.fr/politique/rss_full.xml", 3),
        ],
        "parse_article": [
            article_contract("https://www.lemonde.fr/politique/article/2026/11/26/budget-2027-le-senat-adopte-la-partie-recettes-apres-une-nuit-de-debats_6655123_823448.html",
                             "title standfirst body published_at updated_at authors section tags image_url"),
            article_contract("https://www.lemonde.fr/politique/article/2026/11/25/le-rassemblement-national-prepare-deja-2027-dans-les-territoires_6655088_823448.html",
                             "title standfirst body published_at authors section"),
            article_contract("https://www.lemonde.fr/politique/live/2026/11/25/en-direct-budget-2027-suivez-les-debats-a-l-assemblee-nationale_6655041_823448.html",
                             "title standfirst body published_at updated_at section"),
            article_contract("https://www.lemonde.fr/politique/video/2026/11/24/les-images-de-la-seance-de-questions-au-gouvernement_6655010_823448.html",
                             "title standfirst body published_at section image_url"),
            article_contract("https://www.lemonde.fr/politique/article/2026/11/24/reforme-des-retraites-ce-que-contient-le-projet-de-loi_6654990_823448.html",
                             "title body published_at authors section", body="generic"),
        ],
    }

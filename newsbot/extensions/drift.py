"""Selector drift: an outlet's declared body selector losing to another path is a changed site.

The body of every article is chosen by evidence (newsbot.parsing.body_choice), so a site that
changes its markup still gives whole articles, from its structured data or the generic extractor.
That must not hide the change: when the outlet's selector loses on at least
NEWSBOT_SELECTOR_DRIFT_SHARE of a run's articles (and at least NEWSBOT_SELECTOR_DRIFT_MIN_ARTICLES
of them), this extension says so in one warning line naming the outlet and the selector, and
lists it under `newsbot/selectors/drift` in the stats; the run summary shows it, and with
NEWSBOT_HEALTH_FAIL_ON_SELECTOR_DRIFT the health policy fails the run on it (exit 3). It is not
the default: the articles were written whole, so the run did its job; the operator has a parser
to update, which the warning, the summary and `scrapy check --live` say.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

STAT_CHECKED = "newsbot/selectors/checked/"  # + "<outlet>/<field>": articles the selector was asked for
STAT_LOST = "newsbot/selectors/lost/"        # + "<outlet>/<field>": ... where another path won
STAT_CSS = "newsbot/selectors/css/"          # + "<outlet>/<field>": the selector that lost
STAT_DRIFT = "newsbot/selectors/drift"       # one line per drifting selector, set when the spider closes


def record_selector_use(stats: Any, outlet: str, field: str, css: str, lost: bool) -> None:
    key = f"{outlet}/{field}"
    stats.inc_value(STAT_CHECKED + key)
    if lost:
        stats.inc_value(STAT_LOST + key)
        stats.set_value(STAT_CSS + key, css)


def drift_lines(stats: dict[str, Any], share: float, min_articles: int) -> list[str]:
    """One line per outlet selector that lost on at least `share` of at least `min_articles`."""
    lines = []
    for name, checked in sorted(stats.items()):
        if not name.startswith(STAT_CHECKED):
            continue
        key = name.removeprefix(STAT_CHECKED)
        lost = int(stats.get(STAT_LOST + key, 0))
        if checked >= min_articles and lost and lost / checked >= share:
            outlet, _, field = key.rpartition("/")
            lines.append(f"outlet {outlet}: {field} selector {stats.get(STAT_CSS + key)!r} lost to another "
                         f"path on {lost} of {checked} article(s) ({lost / checked:.0%}): the site's markup "
                         f"changed; articles were written from the page's other paths")
    return lines


class SelectorDriftMonitor:
    def __init__(self, crawler: Crawler, share: float, min_articles: int):
        self.crawler = crawler
        self.share = share
        self.min_articles = min_articles
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SelectorDriftMonitor:
        settings = crawler.settings
        return cls(crawler, settings.getfloat("NEWSBOT_SELECTOR_DRIFT_SHARE", 0.25),
                   settings.getint("NEWSBOT_SELECTOR_DRIFT_MIN_ARTICLES", 10))

    def spider_closed(self, spider) -> None:
        stats = self.crawler.stats
        lines = drift_lines(stats.get_stats(), self.share, self.min_articles)
        for line in lines:
            logger.warning("selector drift: %s", line)
        if lines:
            stats.set_value(STAT_DRIFT, lines)

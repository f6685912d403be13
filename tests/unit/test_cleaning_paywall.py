"""The `paywalled` decision (newsbot/parsing/paywall.py) as parse_article makes it."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from newsbot.parsing.article import OutletProfile, parse_article
from newsbot.parsing.paywall import text_says_paywalled

BODY = "<p>" + "The cabinet approved the bill on Tuesday after a long debate in the lower house. " * 3 + "</p>"


def _page(head: str = "", body: str = BODY, extra: str = "") -> HtmlResponse:
    html = (f"<html lang='en'><head><title>Budget passes</title>{head}</head><body>"
            f"<h1 class='t'>Budget passes</h1><div class='body'>{body}</div>{extra}</body></html>")
    return HtmlResponse("https://news.example/politics/budget-passes", body=html.encode(), encoding="utf-8")


PROFILE = OutletProfile(outlet="example", selectors={"title": "h1.t", "body": "div.body p"})


@pytest.mark.parametrize("head, extra, markers, expected", [
    ("", "", (), False),
    ('<script type="application/ld+json">{"@type":"NewsArticle","headline":"B","isAccessibleForFree":false}</script>', "", (), True),
    ('<script type="application/ld+json">{"@type":"NewsArticle","headline":"B","isAccessibleForFree":"True"}</script>', "", (), False),
    ('<meta property="article:content_tier" content="metered">', "", (), True),
    ('<meta property="article:content_tier" content="free">', "", (), False),
    ("", '<div class="piano" data-paywall="hard"></div>', ("[data-paywall]",), True),
    ("", '<div class="paywall-meter"><p>You have 3 free articles left this month.</p></div>', (), True),
    ("", '<div class="paywall-promo"><p>Our reporters cover every vote.</p></div>', (), False),
])
def test_page_signals(head, extra, markers, expected):
    profile = OutletProfile(outlet="example", selectors=PROFILE.selectors, paywall_markers=markers)
    result = parse_article(_page(head, extra=extra), profile)
    assert result.item is not None
    assert result.item.paywalled is expected


def test_truncation_marker_in_the_body_sets_the_flag():
    result = parse_article(_page(body=BODY + "<p>Subscribe to continue reading.</p>"), PROFILE)
    assert result.item.paywalled is True


def test_japanese_members_only_label_sets_the_flag():
    profile = OutletProfile(outlet="example_ja", language="ja", selectors=PROFILE.selectors)
    body = "<p>【有料会員記事】</p><p>岸田文雄首相は1日、衆院を解散する意向を表明した。</p><p>残り1200文字</p>"
    assert parse_article(_page(body=body), profile).item.paywalled is True


def test_article_that_talks_about_paywalls_is_not_flagged():
    assert not text_says_paywalled([
        "Newspapers that dropped their paywall for election coverage saw subscriptions rise, the study found.",
        "Readers who subscribe to continue receiving the print edition will pay 10% more from April.",
    ])

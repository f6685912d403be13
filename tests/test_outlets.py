"""Every outlet spider crawled over its recordings: discovery, section filter, and golden fields.

GOLDEN lists, per outlet, the articles the crawl must produce (by URL) with the fields that matter
to users, and which body path (selectors / structured / embedded / generic) must have produced each.
"""

from __future__ import annotations

import pytest

from .replay_crawl import crawl

# Paragraph-level template junk that must never reach a body, whatever the outlet.
JUNK = ("Sign up here", "Our Standards", "Read Next", "Advertisement", "Share this", "Skip to content",
        "Subscribe", "newsletter", "Copyright", "All rights reserved", "Follow us", "Listen to this article",
        "Reporting by", "Editing by", "This content is not available", "Sign up", "hide caption",
        "toggle caption", "Getty Images", "Sponsor Message", "Transcript provided by", "STORY CONTINUES",
        "Privacy Notice", "Explore more on these topics", "Load more", "Listen ·")

GOLDEN: dict[str, dict] = {
    "reuters": {
        "stats": {"newsbot/article/off_section": 1, "newsbot/listing/stopped_known": 1},
        "articles": {
            "https://www.reuters.com/world/us/senate-passes-stopgap-funding-bill-averting-shutdown-2026-11-28/": {
                "title": "Senate passes stopgap funding bill, averting shutdown",
                "authors": ["Helen Marsh", "Tobias Grant"],
                "published_at": "2026-11-28T23:14:02+00:00", "updated_at": "2026-11-29T01:02:55+00:00",
                "language": "en", "section": "United States", "paywalled": False,
                "body_starts": "WASHINGTON, Nov 28 (Reuters) - The U.S. Senate on Friday passed",
                "body_ends": "a task that has repeatedly slipped.", "paragraphs": 4,
                "body_source": "selectors",
            },
            # Fallback: redesigned template without the paragraph-N container -> Fusion.globalContent.
            "https://www.reuters.com/world/us/supreme-court-to-hear-challenge-to-state-voting-maps-2026-11-27/": {
                "title": "Supreme Court to hear challenge to state voting maps", "authors": ["Andrew Chung"],
                "published_at": "2026-11-27T15:31:48+00:00", "language": "en", "section": "United States",
                "body_starts": "Nov 27 (Reuters) - The U.S. Supreme Court on Thursday agreed",
                "body_ends": "by the end of June.", "paragraphs": 3, "body_source": "embedded",
            },
            "https://www.reuters.com/world/us/house-republicans-unveil-plan-to-cut-foreign-aid-2026-11-28/": {
                "title": "House Republicans unveil plan to cut foreign aid", "authors": ["Tobias Grant"],
                "published_at": "2026-11-28T18:02:41+00:00", "tags": ["US Congress"], "paragraphs": 3,
                "body_source": "selectors",
            },
        },
    },
    "apnews": {
        "stats": {"newsbot/listing/stopped_known": 1},
        "articles": {
            "https://apnews.com/article/congress-shutdown-senate-vote-9d3f6c1a2b7e4f0a8c5d2e1b3a4c5d6e": {
                "title": "Senate sends stopgap spending bill to the president as deadline nears",
                # JSON-LD names them; the visible byline is "By NAME and NAME" in capitals.
                "authors": ["Mary Clare Jalonek", "Kevin Fraking"],
                "published_at": "2026-11-28T23:47:11+00:00", "language": "en", "section": "Politics",
                "body_starts": "WASHINGTON (AP) — The Senate on Friday passed", "paragraphs": 4,
                "body_ends": "Associated Press writer Lisa Mascaro contributed to this report.",
                "body_source": "selectors",
            },
            # Fallback: old template, no RichTextStoryBody, no JSON-LD, date without offset (New York).
            "https://apnews.com/article/governor-veto-budget-education-1f2e3d4c5b6a79880a1b2c3d4e5f6071": {
                "title": "Governor vetoes education budget, setting up override fight", "authors": ["Ana Ruiz"],
                "published_at": "2026-11-27T14:20:00+00:00", "language": "en", "section": "Politics",
                "body_starts": "RALEIGH, N.C. (AP) — The governor on Friday vetoed", "paragraphs": 4,
                "body_source": "generic",
            },
            # LiveBlogPosting: the body is the liveBlogUpdate entries, oldest first; "The Associated
            # Press" is not a person.
            "https://apnews.com/live/election-day-georgia-runoff-updates": {
                "title": "Live updates: Georgia runoff", "authors": [],
                "published_at": "2026-11-28T17:00:00+00:00",
                "body_starts": "Turnout passes early-vote record", "body_ends": "may still cast ballots.",
                "paragraphs": 4, "body_source": "structured",
            },
        },
    },
    "bbc": {
        "stats": {"newsbot/listing/stopped_known": 1, "newsbot/feed/entries": 2},
        "articles": {
            # The feed's copy carries ?at_medium=RSS&at_campaign=rss: cleaned, it is the same article.
            "https://www.bbc.co.uk/news/articles/c8e7n2q0xk1o": {
                "title": "Chancellor sets out tax rises in Budget to fund public services",
                "authors": ["Harriet Cole", "Owen Pryce"], "published_at": "2026-11-28T13:30:44+00:00",
                "language": "en-GB", "section": "Politics", "paragraphs": 4,
                "body_starts": "The chancellor has announced tax rises", "body_source": "selectors",
            },
            # Fallback: no text-block components -> the article's blocks in __NEXT_DATA__ (no headline,
            # caption or related-links blocks).
            "https://www.bbc.co.uk/news/articles/c3l9p8m7k6jo": {
                "title": "Ministers promise vote on assisted dying amendments", "authors": ["Sian Mallory"],
                "published_at": "2026-11-28T16:02:09+00:00", "language": "en-GB", "paragraphs": 3,
                "body_starts": "MPs will be given a free vote", "body_ends": "it weakens safeguards.",
                "body_source": "embedded",
            },
            # VideoObject page: its description is the text.
            "https://www.bbc.co.uk/news/videos/c5y4z3x2w1vo": {
                "title": "Watch: PM and opposition leader clash at PMQs", "authors": [],
                "published_at": "2026-11-26T12:48:00+00:00", "paragraphs": 1,
                "image_url": "https://ichef.bbci.co.uk/images/ic/1024x576/p0k1m2n3.jpg",
                "body_starts": "The prime minister and the leader of the opposition", "body_source": "structured",
            },
        },
    },
    "guardian": {
        "stats": {"newsbot/listing/stopped_known": 1, "newsbot/feed/entries": 2},
        "articles": {
            "https://www.theguardian.com/politics/2026/nov/28/prime-minister-cabinet-reshuffle-defence-secretary": {
                "title": "Prime minister reshuffles cabinet as defence secretary resigns",
                "authors": ["Nadia Brennan", "Felix Oduya"], "published_at": "2026-11-28T17:20:31+00:00",
                "updated_at": "2026-11-28T19:02:10+00:00", "language": "en", "section": "Politics",
                "tags": ["Politics", "Budget", "UK news"], "paragraphs": 4,
                "body_starts": "The prime minister has carried out", "body_ends": "a government in disarray.",
                "body_source": "selectors",
            },
            "https://www.theguardian.com/politics/live/2026/nov/28/uk-politics-live-budget-reaction": {
                "title": "UK politics live: reaction to the budget", "authors": ["Rowan Hale", "Mira Desai"],
                # The first update's two-word headline ("Good morning") is dropped by the cleaner's
                # label rule, like a section label would be.
                "published_at": "2026-11-28T09:05:00+00:00", "paragraphs": 3,
                "body_starts": "Welcome to today's politics live blog", "body_ends": "businesses had been consulted.",
                "body_source": "structured",
            },
            # Fallback: ng-interactive page without the article body container; neither the
            # standfirst nor the dateline may leak into the generic body.
            "https://www.theguardian.com/politics/ng-interactive/2026/nov/27/how-the-budget-affects-you-calculator": {
                "title": "How the budget affects your household", "authors": ["Lena Fischer"],
                "published_at": "2026-11-27T18:00:00+00:00", "paragraphs": 4,
                "body_starts": "The budget changes income tax thresholds",
                "body_ends": "assumes no change in your earnings.", "body_source": "generic",
            },
        },
    },
    "politico": {
        "stats": {"newsbot/listing/stopped_known": 1, "newsbot/feed/entries": 2},
        "articles": {
            "https://www.politico.com/news/2026/11/28/house-speaker-border-deal-vote-00712345": {
                "title": "Speaker schedules vote on border deal as holdouts waver",
                "authors": ["Jordan Vale", "Ramona Quist"], "published_at": "2026-11-29T02:10:00+00:00",
                "language": "en", "section": "Politics", "paywalled": False, "paragraphs": 4,
                "body_starts": "The speaker told Republicans", "body_ends": "if Republicans split.",
                "body_source": "selectors",
            },
            # Pro story: JSON-LD isAccessibleForFree "False", only the teaser paragraph is public.
            "https://www.politico.com/news/2026/11/27/medicare-drug-price-rule-lobbying-00711122": {
                "title": "Drugmakers step up lobbying ahead of Medicare price rule", "authors": ["Priya Anand"],
                "paywalled": True, "section": "Health Care", "paragraphs": 1,
                "published_at": "2026-11-27T11:00:00+00:00", "body_source": "selectors",
            },
            # Fallback: Playbook newsletter template, no story-text, no JSON-LD; the page's date has no
            # offset (America/New_York) and the only image is lazy-loaded (data-src).
            "https://www.politico.com/newsletters/playbook/2026/11/28/the-long-weekend-in-washington-00712000": {
                "title": "Playbook: The long weekend in Washington", "authors": ["Elena Marsh"],
                "published_at": "2026-11-28T12:30:00+00:00", "paywalled": False, "paragraphs": 4,
                "image_url": "https://static.politico.com/dims4/default/a1b2c3d/2147483647/resize/1160x/quality/90/?url=photo.jpg",
                "body_starts": "Good Saturday morning.", "body_source": "generic",
            },
        },
    },
    "npr": {
        "stats": {"newsbot/listing/stopped_known": 1, "newsbot/feed/entries": 2},
        "articles": {
            "https://www.npr.org/2026/11/28/nx-s1-5213377/senate-confirmation-hearings-defense-nominee": {
                "title": "Senate schedules hearings for defense nominee amid GOP doubts", "authors": ["Carmen Ibarra"],
                "published_at": "2026-11-28T10:00:00+00:00", "language": "en", "section": "Politics",
                "paragraphs": 4, "body_starts": "The Senate Armed Services Committee",
                "body_ends": "since the nomination was announced.", "body_source": "selectors",
            },
            "https://www.npr.org/2026/11/27/nx-s1-5211890/congress-stock-trading-ban-ethics": {
                "title": "Lawmakers weigh ethics rules for stock trading, again", "authors": ["Dev Malhotra"],
                "published_at": "2026-11-27T21:45:00+00:00", "paragraphs": 3, "body_source": "selectors",
            },
            # A broadcast transcript page without #storytext: the transcript is the outlet's own
            # body path now; the disclaimer stays out.
            "https://www.npr.org/2026/11/27/nx-s1-5212040/state-legislatures-election-certification-laws": {
                "title": "States rewrite election certification rules before 2028", "authors": ["Hannah Lindqvist"],
                "published_at": "2026-11-27T22:10:00+00:00", "paragraphs": 4,
                "body_starts": "MARY LOUISE KELLY, HOST:", "body_ends": "That's NPR's Hannah Lindqvist.",
                "body_source": "selectors",
            },
        },
    },
}

_RESULTS: dict[str, tuple] = {}


def crawl_outlet(name: str, tmp_path_factory) -> tuple[list[dict], dict, str]:
    if name not in _RESULTS:
        _RESULTS[name] = crawl(name, tmp_path_factory.mktemp(name))
    return _RESULTS[name]


@pytest.mark.parametrize("outlet", sorted(GOLDEN))
def test_crawl_produces_exactly_the_golden_articles(outlet, tmp_path_factory):
    items, stats, _ = crawl_outlet(outlet, tmp_path_factory)
    assert sorted(i["url"] for i in items) == sorted(GOLDEN[outlet]["articles"])
    assert len({i["url"] for i in items}) == len(items), "an article was written twice"
    # Every link the spider followed is recorded; nothing failed to parse.
    assert "newsbot/replay/missing" not in stats
    assert not [k for k in stats if k.startswith(("newsbot/article/failed", "newsbot/invalid"))]
    for key, value in GOLDEN[outlet]["stats"].items():
        assert stats.get(key) == value, key
    expected_sources: dict[str, int] = {}
    for golden in GOLDEN[outlet]["articles"].values():
        expected_sources[golden["body_source"]] = expected_sources.get(golden["body_source"], 0) + 1
    assert {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("newsbot/body_source/")} == expected_sources


@pytest.mark.parametrize("outlet", sorted(GOLDEN))
def test_golden_fields(outlet, tmp_path_factory):
    items, _, _ = crawl_outlet(outlet, tmp_path_factory)
    by_url = {i["url"]: i for i in items}
    for url, golden in GOLDEN[outlet]["articles"].items():
        item = by_url[url]
        assert item["outlet"] == outlet and item["spider"] == outlet
        for field in ("title", "authors", "published_at", "updated_at", "language", "section", "paywalled",
                      "tags", "standfirst", "image_url"):
            if field in golden:
                assert item[field] == golden[field], (url, field)
        assert item["published_at"].endswith("+00:00"), url
        for name in item["authors"]:
            assert not name.lower().startswith("by ") and " and " not in name and "," not in name, name
        body = item["body"]
        paragraphs = body.split("\n\n")
        assert len(paragraphs) == golden["paragraphs"], (url, paragraphs)
        if "body_starts" in golden:
            assert body.startswith(golden["body_starts"]), url
        if "body_ends" in golden:
            assert body.endswith(golden["body_ends"]), url
        for junk in JUNK:
            assert junk.lower() not in body.lower(), (url, junk)
        for text in golden.get("body_contains", ()):
            assert text in body, (url, text)


@pytest.mark.parametrize("outlet", sorted(GOLDEN))
def test_body_source_per_article(outlet):
    """Each page's body path, checked page by page with the spider's own parser."""
    from pathlib import Path

    from scrapy.http import HtmlResponse
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    from newsbot.middlewares.replay import load_recordings
    from newsbot.parsing.article import parse_article

    from .conftest import REPLAY

    spider_cls = SpiderLoader.from_settings(get_project_settings()).load(outlet)
    recordings = load_recordings(REPLAY / outlet)
    for url, golden in GOLDEN[outlet]["articles"].items():
        recording = recordings[next(k for k, r in recordings.items() if r.url == url)]
        response = HtmlResponse(url, body=Path(recording.path).read_bytes(), encoding="utf-8")
        result = parse_article(response, spider_cls.profile())
        assert result.body_source == golden["body_source"], url

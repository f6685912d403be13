"""Whole articles as plain text: structured strings decoded, truncated and video-caption bodies
overruled by the page, byline metadata where structured data is missing."""

from __future__ import annotations

import json

import pytest
from scrapy.exceptions import DropItem

from newsbot.extract import Extractor
from newsbot.items import ArticleItem
from newsbot.parsing.text import markup_left, plain_text
from newsbot.pipelines.finalize import FinalizePipeline
from newsbot.pipelines.normalize import NormalizePipeline
from newsbot.pipelines.validate import ValidatePipeline
from newsbot.stats import OfflineStats

URL = "https://www.millbrook-ledger.test/politics/2026/11/20/council-delays-vote"
PARAGRAPHS = [f"Council members spent part {i} of the evening debating whether the transit levy would raise "
              f"enough money for the bus network, and asked the mayor for more time before voting." for i in range(10)]


def page(head: str = "", body_top: str = "", paragraphs: list[str] = PARAGRAPHS, og_type: str = "article") -> bytes:
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html lang='en'><head><title>Council delays vote | Millbrook Ledger</title>"
            f"<meta property='og:type' content='{og_type}'>{head}</head><body>"
            f"<nav><a href='/'>Home</a></nav><article><h1>Council delays vote on transit levy</h1>"
            f"{body_top}{text}</article><footer>Millbrook Ledger</footer></body></html>").encode()


def json_ld(obj: dict) -> str:
    return f"<script type='application/ld+json'>{json.dumps(obj)}</script>"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def test_plain_text_decodes_entities_at_every_level_and_drops_markup():
    assert plain_text("Gupta questions Trump&#39;s unannounced visit") == "Gupta questions Trump's unannounced visit"
    assert plain_text("Trump&amp;#39;s &amp;amp;quot;plan&amp;amp;quot;") == 'Trump\'s "plan"'
    assert plain_text("Correspondent &lt;a href=&quot;https://x.test/&quot;&gt;Sanjay Gupta&lt;/a&gt; said") == \
        "Correspondent Sanjay Gupta said"
    assert plain_text("<p>One <b>two</b></p><p>Three</p><script>var x;</script>", paragraphs=True) == "One two\nThree"
    # Prose that only looks like markup stays as it is.
    assert plain_text("AT&T said a <b was not x < y") == "AT&T said a <b was not x < y"
    assert markup_left("AT&T and R&D") is None
    assert markup_left("Trump&#39;s") == "&#39;" and markup_left("a <br> b") == "<br>"


def test_json_ld_strings_reach_the_item_as_text(extractor):
    head = json_ld({"@type": "NewsArticle", "headline": "Gupta questions Trump&#39;s unannounced hospital visit",
                    "description": "Chief Medical Correspondent &lt;a href=&quot;https://x.test/&quot;&gt;Sanjay "
                                   "Gupta&lt;/a&gt; asks &amp;amp;#39;why now&amp;amp;#39;",
                    "author": [{"@type": "Person", "name": "Jane&nbsp;Doe"}],
                    "datePublished": "2026-11-20T09:30:00Z",
                    "articleBody": "\n".join(f"&lt;p&gt;{p}&lt;/p&gt;" for p in PARAGRAPHS)})
    item = extractor.extract_page(page(head), URL)
    assert item["title"] == "Gupta questions Trump's unannounced hospital visit"
    assert item["standfirst"] == "Chief Medical Correspondent Sanjay Gupta asks 'why now'"
    assert item["authors"] == ["Jane Doe"]
    for name in ("title", "standfirst", "body"):
        assert markup_left(item[name]) is None, (name, item[name][:200])
    assert item["body"].split("\n\n")[0] == PARAGRAPHS[0]


def test_a_truncated_articlebody_loses_to_the_pages_whole_text(extractor):
    head = json_ld({"@type": "NewsArticle", "headline": "Council delays vote on transit levy",
                    "datePublished": "2026-11-20T09:30:00Z", "articleBody": PARAGRAPHS[0]})
    item = extractor.extract_page(page(head), URL)
    assert len(item["body"].split()) >= 0.9 * sum(len(p.split()) for p in PARAGRAPHS)


def test_an_embedded_videos_description_is_not_the_article(extractor):
    head = json_ld({"@type": "VideoObject", "name": "Watch: the council meeting",
                    "description": "Council members debate the transit levy.", "uploadDate": "2026-11-20T09:00:00Z"})
    item = extractor.extract_page(page(head), URL)
    assert item["standfirst"] != "Council members debate the transit levy."
    assert PARAGRAPHS[-1] in item["body"] and len(item["body"].split()) > 200


def test_a_video_page_keeps_its_description_as_its_text(extractor):
    transcript = "The council met until midnight. Members asked the mayor for a costed plan before any vote."
    head = json_ld({"@type": "VideoObject", "name": "Watch: the council meeting",
                    "description": "Council members debate the transit levy late into the night.",
                    "transcript": transcript, "uploadDate": "2026-11-20T09:00:00Z"})
    furniture = "<ul class='more-videos'>" + "".join(
        f"<li><a href='/video/{n}'>More videos: the {n} most watched clips of the week from around the region</a></li>"
        for n in ("first", "second", "third", "fourth")) + "</ul>"
    item = extractor.extract_page(page(head, body_top=furniture, paragraphs=[], og_type="video.other"), URL)
    assert item["body"] == transcript


def test_without_structured_data_the_byline_gives_date_and_authors(extractor):
    byline = ("<div class='byline'>By <a rel='author' href='/staff/jane-doe'>Jane Doe</a> · "
              "<time datetime='2026-11-20T09:30:00-05:00'>November 20, 2026</time></div>")
    item = extractor.extract_page(page(body_top=byline), URL)
    assert item["published_at"] == "2026-11-20T14:30:00+00:00"
    assert item["authors"] == ["Jane Doe"]


def test_markup_a_parser_let_through_is_decoded_and_what_is_left_is_rejected():
    stats = OfflineStats()
    item = ArticleItem(url=URL, outlet="millbrook_ledger", title="Trump&#39;s <i>levy</i>",
                       body="One &amp;amp; two\n\nThe <br> tag turns 30", spider="test", language="en")
    NormalizePipeline(None, stats).process_item(item)
    # Entities decoded everywhere, markup removed from one-line fields; a body quoting a tag keeps it.
    assert item.title == "Trump's levy" and item.body == "One & two\n\nThe <br> tag turns 30"
    assert stats.get_value("newsbot/text/markup_removed/title") == 1
    FinalizePipeline(None, stats).process_item(item)
    ValidatePipeline(None, stats).process_item(item)  # valid as it is
    item.standfirst = "Left <b>bold</b> by a custom step"
    with pytest.raises(DropItem, match="field 'standfirst': HTML markup or entity left"):
        ValidatePipeline(None, stats).process_item(item)

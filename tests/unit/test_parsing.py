"""Structured data, dates, bylines and feeds: the pieces every outlet's parsing stands on."""

from __future__ import annotations

import datetime as dt
import json

from parsel import Selector

from newsbot.parsing.dates import iso_utc, parse_datetime
from newsbot.parsing.feeds import feed_entries, sitemap_entries
from newsbot.parsing.structured import json_ld_fields, meta_fields
from newsbot.parsing.text import clean_authors, join_paragraphs, normalize_language, paragraphs_of, word_count


def page(head: str, body: str = "") -> Selector:
    return Selector(text=f"<html lang='en-gb'><head>{head}</head><body>{body}</body></html>")


def ld(obj) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


def test_json_ld_prefers_news_article_inside_graph():
    sel = page(ld({"@graph": [
        {"@type": "WebPage", "name": "Section page"},
        {"@type": ["NewsArticle", "ReportageNewsArticle"], "headline": " Vote  count\nbegins ",
         "author": [{"@type": "Person", "name": "A. Writer"}, {"@type": "Organization", "name": "Desk"}],
         "keywords": ["elections", "parliament"], "isAccessibleForFree": False,
         "image": [{"@type": "ImageObject", "url": "https://img.example/1.jpg"}]},
    ]}))
    fields = json_ld_fields(sel)
    assert fields["title"] == "Vote count begins"
    assert fields["authors"] == ["A. Writer"]
    assert fields["tags"] == ["elections", "parliament"]
    assert fields["paywalled"] is True
    assert fields["image_url"] == "https://img.example/1.jpg"


def test_broken_json_ld_is_skipped_and_next_block_used():
    sel = page('<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
               + ld({"@type": "LiveBlogPosting", "headline": "Live: budget vote", "datePublished": "2024-05-01T10:00:00Z"}))
    fields = json_ld_fields(sel)
    assert fields["title"] == "Live: budget vote"


def test_json_ld_with_wrong_types_gives_no_garbage():
    sel = page(ld({"@type": "NewsArticle", "headline": {"deep": [1, 2]}, "author": 42, "keywords": 7,
                   "image": None, "isAccessibleForFree": "maybe"}))
    fields = json_ld_fields(sel)
    assert "title" not in fields and "authors" not in fields and "tags" not in fields
    assert "paywalled" not in fields


def test_meta_fields_and_language_from_html_lang():
    sel = page('<meta property="og:title" content="Title here"><meta property="article:tag" content="A">'
               '<meta property="article:tag" content="B"><meta name="author" content="https://fb.example/x">'
               '<link rel="canonical" href="/canonical">')
    fields = meta_fields(sel)
    assert fields["title"] == "Title here"
    assert fields["tags"] == ["A", "B"]
    assert "authors" not in fields  # a profile URL is not a name
    assert fields["canonical_url"] == "/canonical"
    assert normalize_language(fields["language"]) == "en-GB"


def test_dates_use_outlet_zone_only_when_page_gives_none():
    assert iso_utc("2024-03-01 09:00", "Asia/Tokyo") == "2024-03-01T00:00:00+00:00"
    assert iso_utc("2024-03-01T09:00:00+01:00", "Asia/Tokyo") == "2024-03-01T08:00:00+00:00"
    assert iso_utc("April 12, 2017 05:04 JST") == "2017-04-11T20:04:00+00:00"
    assert iso_utc("2024-07-01 12:00", "Europe/Paris") == "2024-07-01T10:00:00+00:00"  # summer time


def test_impossible_dates_are_rejected():
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    assert parse_datetime("1970-01-01T00:00:00Z", now=now) is None
    assert parse_datetime("2031-01-01T00:00:00Z", now=now) is None
    assert parse_datetime("not a date", now=now) is None
    assert parse_datetime("2026-01-02T00:00:00Z", now=now) is not None  # a day ahead: time zones


def test_bylines_become_clean_name_lists():
    assert clean_authors(["By JANE DOE and John Smith, staff writers"]) == ["Jane Doe", "John Smith"]
    assert clean_authors("Ana Ruiz in Madrid; Li Wei") == ["Ana Ruiz", "Li Wei"]
    assert clean_authors(["Nikkei staff writers"]) == []
    assert clean_authors(["Ana Ruiz", "ana ruiz"]) == ["Ana Ruiz"]


def test_paragraph_format_and_word_counts():
    body = join_paragraphs(paragraphs_of("  First\u00a0 line \n\n\n second\tline\n"))
    assert body == "First line\n\nsecond line"
    assert word_count("Two words") == 2
    assert word_count("衆議院が解散") == 6


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel>
<item><title>One</title><link>https://news.example/politics/one</link><pubDate>Tue, 20 Aug 2024 10:45:00 GMT</pubDate></item>
<item><title>Two</title><guid>https://news.example/politics/two</guid></item></channel></rss>"""
ATOM = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>A</title>
<link rel="alternate" href="https://news.example/a"/><link rel="enclosure" href="https://cdn.example/a.jpg"/>
<updated>2024-01-01T00:00:00Z</updated></entry></feed>"""
NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example/politics/x</loc><news:news><news:publication_date>2024-05-01T08:00:00+00:00</news:publication_date>
<news:title>X</news:title></news:news></url></urlset>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>&lol9;</title><link>https://news.example/&xxe;</link></item></channel></rss>"""


def test_rss_atom_and_news_sitemap_entries():
    assert [e.url for e in feed_entries(RSS)] == ["https://news.example/politics/one", "https://news.example/politics/two"]
    assert feed_entries(RSS)[0].published == "Tue, 20 Aug 2024 10:45:00 GMT"
    assert [e.url for e in feed_entries(ATOM)] == ["https://news.example/a"]
    kind, entries = sitemap_entries(NEWS_SITEMAP)
    assert kind == "urlset"
    assert entries[0].url == "https://news.example/politics/x"
    assert entries[0].published == "2024-05-01T08:00:00+00:00"


def test_hostile_feed_neither_expands_entities_nor_reads_files():
    entries = feed_entries(BILLION_LAUGHS)
    for entry in entries:
        assert "root:" not in entry.url
        assert len(entry.title or "") < 1000
    assert feed_entries(b"not xml at all") == []


def test_generic_body_starts_after_the_page_head():
    from newsbot.parsing.article import _after_headline
    values = {"title": "Budget 2027 : le Sénat adopte la partie recettes", "standfirst": "Après une nuit de débats."}
    text = ["Politique", "Budget 2027 : le Sénat adopte la partie recettes", "Après une nuit de débats.",
            "Les sénateurs ont adopté, samedi, la première partie du budget.", "Le vote final aura lieu mardi."]
    # A kicker, the headline and the standfirst lead the extracted text: the body starts after them.
    assert _after_headline(text, values, {}, []) == text[3:]
    assert _after_headline(text[1:], values, {}, []) == text[3:]
    # The headline deeper in the text is a quote of it, not the page head; and a body is never emptied.
    prose = ["Les sénateurs ont adopté le texte.", "Un sénateur a résumé :", "Un autre a ajouté.",
             "Budget 2027 : le Sénat adopte la partie recettes"]
    assert _after_headline(prose, values, {}, []) == prose
    assert _after_headline(text[:3], values, {}, []) == text[:3]
    # A description copied from the article's first paragraph: the page prints it as a paragraph
    # of the article (not as a dek in its header), so it is the lede and the body keeps it.
    sentence = "Les sénateurs ont adopté, samedi soir, la première partie du budget de l'État pour 2027."
    page = [text[1], text[2], sentence, text[4]]
    lede = {"title": values["title"], "standfirst": sentence}
    assert _after_headline(page, lede, {}, page[2:]) == page[1:]
    assert _after_headline(page, lede, {}, page[3:]) == page[3:]
    # A dek that is no sentence is page head even when the page prints it as a paragraph.
    assert _after_headline(text[1:], values, {}, text[2:]) == text[3:]

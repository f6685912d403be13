"""The generic extractor: trafilatura body, structured metadata, and the page-paragraphs fallback."""

from __future__ import annotations

from newsbot.cleaning import TextCleaner
from newsbot.parsing import generic
from newsbot.parsing.generic import generic_fields

SENTENCES = [
    "The upper house approved the defence budget on Tuesday after a session that ran past midnight.",
    "Opposition lawmakers walked out before the final vote, saying the funding plan was never explained.",
    "The ruling coalition said the money would pay for missiles, ships and a new cyber command.",
    "Economists warned that the tax increases needed to fund the plan could slow the recovery.",
    "The prime minister is expected to call an election before the end of the year, aides said.",
]


def _page(body: str) -> str:
    return (
        "<html lang='en-GB'><head><title>Budget passes - Example News</title>"
        "<meta property='og:title' content='Upper house passes budget'>"
        "<meta name='author' content='Hanako Sato'>"
        "<script type='application/ld+json'>{\"@type\":\"NewsArticle\",\"headline\":\"Upper house passes budget\","
        "\"datePublished\":\"2024-03-28T18:30:00+09:00\"}</script></head><body>"
        "<nav><ul><li><a href='/'>Home</a></li><li><a href='/politics'>Politics</a></li></ul></nav>"
        f"{body}<footer><p>Copyright 2024 Example News. All rights reserved.</p></footer></body></html>")


def test_metadata_comes_from_structured_data_and_body_from_trafilatura():
    html = _page("<article><h1>Upper house passes budget</h1>" + "".join(f"<p>{s}</p>" for s in SENTENCES)
                 + "<p>Advertisement</p><p>Share this article</p></article>")
    fields = generic_fields(html, "https://news.example/budget")
    assert fields["title"] == "Upper house passes budget"
    assert fields["authors"] == ["Hanako Sato"]
    assert fields["published_at"] == "2024-03-28T18:30:00+09:00"
    assert fields["language"] == "en-GB"
    body = fields["body_paragraphs"]
    assert SENTENCES[0] in body and SENTENCES[-1] in body
    kept, _ = TextCleaner.for_outlet(None, "en").clean(body, title=fields["title"])
    assert kept == SENTENCES


def test_page_paragraphs_replace_a_result_with_under_half_of_their_words(monkeypatch):
    html = _page("<div class='story'>" + "".join(f"<p>{s}</p>" for s in SENTENCES) + "</div>")
    # trafilatura settling on a teaser box: one short paragraph of a long page.
    monkeypatch.setattr(generic, "generic_body", lambda tree, url=None: ["Read our coverage of the budget."])
    assert generic_fields(html)["body_paragraphs"] == SENTENCES


def test_empty_or_broken_pages_give_nothing_and_do_not_raise():
    assert generic_fields("") == {}
    assert "body_paragraphs" not in generic_fields("<<<>>>\x00")
    nav_only = generic_fields("<html><body><nav><p>Home</p></nav></body></html>")
    assert TextCleaner.for_outlet(None, "en").clean(nav_only.get("body_paragraphs", []))[0] == []


def test_page_paragraphs_replace_an_undivided_block(monkeypatch):
    html = _page("<header class='article-wrapper'><article>" + "".join(f"<p>{s}</p>" for s in SENTENCES * 4)
                 + "</article></header>")
    # trafilatura's last resort: the page's whole text as one block, nothing to clean paragraph-wise.
    monkeypatch.setattr(generic, "generic_body", lambda tree, url=None: [" ".join(SENTENCES * 4 + ["Home Share"])])
    assert generic_fields(html)["body_paragraphs"] == SENTENCES * 4


def test_page_paragraphs_skip_navigation_inside_the_article():
    html = _page("<article><nav><p>Home / Politics</p></nav>" + "".join(f"<p>{s}</p>" for s in SENTENCES)
                 + "<aside><p>Most read: something else entirely</p></aside></article>")
    assert generic.page_paragraphs(generic._parse(html)) == SENTENCES

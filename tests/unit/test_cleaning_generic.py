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
    monkeypatch.setattr(generic, "generic_body", lambda tree, url=None, on_page=None: ["Read our coverage of the budget."])
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
    monkeypatch.setattr(generic, "generic_body", lambda tree, url=None, on_page=None: [" ".join(SENTENCES * 4 + ["Home Share"])])
    assert generic_fields(html)["body_paragraphs"] == SENTENCES * 4


def test_page_paragraphs_skip_navigation_inside_the_article():
    html = _page("<article><nav><p>Home / Politics</p></nav>" + "".join(f"<p>{s}</p>" for s in SENTENCES)
                 + "<aside><p>Most read: something else entirely</p></aside></article>")
    assert generic.page_paragraphs(generic._parse(html)) == SENTENCES


STEPS = ["- Register to vote by the deadline.", "- Bring photo identification.", "- Check where your polling place is."]
FRAME = ["Home", "Sign up for our newsletter", "Most read stories"]


def test_the_broad_reading_fills_the_span_of_the_precise_one_only():
    precise = [SENTENCES[0], "Here is what voters need to know:", SENTENCES[1]]
    broad = FRAME[:1] + [SENTENCES[0], "Here is what voters need to know:", *STEPS, SENTENCES[1]] + FRAME[1:]
    assert generic.within_span(precise, broad) == [SENTENCES[0], "Here is what voters need to know:", *STEPS,
                                                   SENTENCES[1]]
    # The broad reading missing one precise paragraph, or holding them in another order, says
    # nothing about where the article is: the precise reading stays.
    assert generic.within_span(precise, broad[:2] + broad[3:]) == precise
    assert generic.within_span(precise, [SENTENCES[1], *STEPS, SENTENCES[0], "Here is what voters need to know:"]) \
        == precise


def test_a_colon_with_no_list_after_it_announces_a_missing_block():
    assert generic.announces_missing_block([SENTENCES[0], "Here is what voters need to know:", SENTENCES[1]])
    assert generic.announces_missing_block([SENTENCES[0], "The steps are:"])
    assert not generic.announces_missing_block([SENTENCES[0], "Here is what voters need to know:", *STEPS])
    assert not generic.announces_missing_block(SENTENCES)


def test_an_announced_block_is_taken_from_the_broader_reading_inside_the_precise_span(monkeypatch):
    readings = []

    def reading(tree, url, **options):
        readings.append(options)
        if options.get("favor_recall"):
            return FRAME[:1] + [SENTENCES[0], "Here is what voters need to know:", *STEPS, SENTENCES[1]]
        return first

    monkeypatch.setattr(generic, "_trafilatura_paragraphs", reading)
    first = [SENTENCES[0], "Here is what voters need to know:", SENTENCES[1]]
    assert generic.generic_body(generic._parse(_page("<p>x</p>"))) == \
        [SENTENCES[0], "Here is what voters need to know:", *STEPS, SENTENCES[1]]
    assert readings == [{}, {"favor_recall": True}]


def test_the_broader_reading_wins_when_it_holds_more_of_the_article(monkeypatch):
    """trafilatura's precise reading of some pages drops a list or a section the broader one keeps:
    the broader reading wins when it is larger and holds as much of the page's paragraphs."""
    page = SENTENCES[:3]
    precise = SENTENCES[:3]
    fuller = [SENTENCES[0], *STEPS, SENTENCES[1], SENTENCES[2], SENTENCES[3]]
    assert generic.holds_more(fuller, precise, page)
    # Larger, but it left the page's paragraphs for something else (a sidebar, comments): no.
    assert not generic.holds_more([SENTENCES[0], *STEPS * 3], precise, page)
    # A few words more is no dropped block.
    assert not generic.holds_more(precise + ["Share this."], precise, page)

    monkeypatch.setattr(generic, "_trafilatura_paragraphs",
                        lambda tree, url, **options: fuller if options.get("favor_recall") else precise)
    assert generic.generic_body(generic._parse(_page("<p>x</p>")), on_page=page) == fuller
    monkeypatch.setattr(generic, "_trafilatura_paragraphs",
                        lambda tree, url, **options: SENTENCES[:1] + STEPS * 3 if options.get("favor_recall") else precise)
    assert generic.generic_body(generic._parse(_page("<p>x</p>")), on_page=page) == precise
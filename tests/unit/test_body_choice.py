"""Body chosen by evidence: candidates judged by size, coverage of the page's text, prose-ness."""

from __future__ import annotations

from newsbot.parsing.body_choice import BodyCandidate, PageEvidence, choose_body, looks_thin

ARTICLE = [f"Paragraph {i} of the article says the committee met on Tuesday to weigh the budget plan "
           f"and heard from several ministers about the schedule for item {i}." for i in range(12)]
SUMMARY = ["The committee met on Tuesday to weigh the budget plan."]


def evidence(paragraphs: list[str], **flags) -> PageEvidence:
    return PageEvidence(paragraphs, **flags)


def test_a_one_sentence_candidate_loses_to_the_whole_article_whatever_the_order():
    choice = choose_body([BodyCandidate("structured", SUMMARY), BodyCandidate("generic", ARTICLE)],
                         evidence(ARTICLE))
    assert choice.chosen.source == "generic"
    assert choice.preferred.source == "structured" and choice.reason == "larger"


def test_the_outlet_order_holds_between_candidates_of_comparable_size():
    junk = ARTICLE + ["Most read: five things to know", "Sign up for our newsletter today and never miss a story"]
    choice = choose_body([BodyCandidate("selectors", ARTICLE), BodyCandidate("generic", junk)], evidence(ARTICLE))
    assert choice.chosen.source == "selectors" and choice.reason == "preferred"


def test_a_truncated_prefix_loses_to_a_candidate_covering_the_page():
    # Over half the size (so size alone keeps it), but a third of the page's text is missing.
    prefix = ARTICLE[:7]
    choice = choose_body([BodyCandidate("structured", prefix), BodyCandidate("generic", ARTICLE)], evidence(ARTICLE))
    assert choice.chosen.source == "generic" and choice.reason == "covers_more"


def test_a_paywalled_or_textless_video_page_keeps_its_outlet_text_over_the_generic_extractors():
    furniture = ARTICLE  # what a generic extractor finds around a paywall: offers, teasers
    choice = choose_body([BodyCandidate("selectors", SUMMARY), BodyCandidate("generic", furniture)],
                         evidence(furniture, paywalled=True))
    assert choice.chosen.source == "selectors"
    assert not looks_thin([BodyCandidate("selectors", SUMMARY)], evidence(furniture, paywalled=True))
    # A video page whose own text is no more than its description keeps the description...
    page = SUMMARY + ["Video unavailable"]
    choice = choose_body([BodyCandidate("structured", SUMMARY), BodyCandidate("generic", furniture)],
                         evidence(page, video=True))
    assert choice.chosen.source == "structured"
    assert not looks_thin([BodyCandidate("structured", SUMMARY)], evidence(page, video=True))
    # ...but one that carries an article's text is judged as any other page.
    assert looks_thin([BodyCandidate("structured", SUMMARY)], evidence(ARTICLE, video=True))


def test_repeated_text_and_link_lists_are_not_prose():
    repeated = BodyCandidate("selectors", [ARTICLE[0]] * 6)
    links = BodyCandidate("selectors", ARTICLE, link_share=0.9)
    assert not repeated.is_prose() and not links.is_prose()
    choice = choose_body([links, BodyCandidate("generic", ARTICLE[:8])], evidence(ARTICLE))
    assert choice.chosen.source == "generic"


def test_thin_means_short_or_covering_little_of_the_page():
    assert looks_thin([], evidence(ARTICLE))
    assert looks_thin([BodyCandidate("selectors", SUMMARY)], evidence(ARTICLE))
    assert looks_thin([BodyCandidate("selectors", ARTICLE[:5])], evidence(ARTICLE * 2 + SUMMARY))
    assert not looks_thin([BodyCandidate("selectors", ARTICLE)], evidence(ARTICLE))
    # A page without paragraph markup says nothing about coverage; size alone decides.
    assert not looks_thin([BodyCandidate("selectors", ARTICLE)], PageEvidence([]))


def test_cjk_text_is_counted_by_character():
    japanese = BodyCandidate("selectors", ["衆院予算委員会は２日、補正予算案を可決した。" * 10])
    assert japanese.words > 150

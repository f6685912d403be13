"""TextCleaner and the rule packs: every rule family removes its junk and keeps article sentences."""

from __future__ import annotations

import json

import pytest

from newsbot.cleaning import RulePackError, TextCleaner, _parse_pack, available_packs, load_outlet_pack
from newsbot.parsing.text import paragraphs_of
from tests.conftest import FIXTURES

# The seed document: a Nikkei Asia article as a naive scraper saw it, junk and all.
SEED = FIXTURES / "cleaning" / "seed.txt"


LEAD = "The cabinet approved the bill on Tuesday after a long debate in the lower house of parliament."
TAIL = "Opposition parties said they would challenge the law in the Supreme Court before the summer recess."


def _pack_cases():
    for pack_name, rules in available_packs().items():
        language = "ja" if pack_name.endswith("ja.json") else "en"
        outlet = pack_name.removeprefix("spiders/").removesuffix(".rules.json") if pack_name.startswith("spiders/") else None
        for rule in rules:
            for text in rule.examples:
                yield pytest.param(outlet, language, rule.name, text, True, id=f"{pack_name}:{rule.name}:junk:{text[:30]}")
            for text in rule.keep:
                yield pytest.param(outlet, language, rule.name, text, False, id=f"{pack_name}:{rule.name}:keep:{text[:30]}")


@pytest.mark.parametrize("outlet, language, rule_name, text, is_junk", list(_pack_cases()))
def test_every_rule_removes_its_examples_and_keeps_its_counter_examples(outlet, language, rule_name, text, is_junk):
    cleaner = TextCleaner.for_outlet(outlet, language)
    # Between sentences of the article, as junk appears in a body (short lines before the first or
    # after the last sentence are labels, whatever their words).
    kept, removed = cleaner.clean([LEAD, text, TAIL])
    if is_junk:
        assert kept == [LEAD, TAIL] and removed, f"{rule_name} should remove {text!r}"
    else:
        assert kept == [LEAD, text, TAIL], f"{text!r} was removed by {dict(removed)}"


def test_every_pack_is_versioned_data_with_examples_for_each_rule():
    packs = available_packs()
    assert {"rules/common.json", "rules/en.json", "rules/ja.json", "spiders/nikkei_asia.rules.json"} <= set(packs)
    for name, rules in packs.items():
        assert rules, name
        for rule in rules:
            assert rule.examples and rule.keep, f"{name}:{rule.name} needs examples and keep lines"


@pytest.mark.parametrize("family, junk", [
    ("icon_label", "ArrowArtboardCreated with Sketch.Title ChevronTitle ChevronEye IconIcon FacebookIcon LinkedinIcon Mail"),
    ("share", "Share on Facebook"),
    ("share", "Twitter Facebook WhatsApp Email"),
    ("comments", "Leave a comment"),
    ("paywall", "You have 2 free articles left this month"),
    ("template_placeholder", "Good morning {{user.firstName}}, here is your briefing"),
    ("template_placeholder", "Welcome back, ${firstName}"),
    ("template_placeholder", "%s people read this"),
    ("subscription", "Try 3 months for $9"),
    ("subscription", "Already have an account? Sign in"),
    ("sponsored", "Sponsored by Acme Bank"),
    ("newsletter", "Sign up for our daily politics newsletter"),
    ("cookie_consent", "This website uses cookies to ensure you get the best experience."),
    ("related", "Most Read"),
    ("related", "Read more: Parliament passes budget"),
    ("advertisement", "ADVERTISEMENT"),
    ("image_credit", "Photo by Jane Doe/Reuters"),
    ("image_credit", "3 of 15"),
    ("reading_time", "4 min read"),
    ("dateline", "Updated: March 3, 2025 at 10:15 a.m. EST"),
    ("byline", "By Taro Yamada"),
])
def test_rule_families(family, junk):
    cleaner = TextCleaner.for_outlet(None, "en")
    body = ["The cabinet approved the bill on Tuesday after a long debate in the lower house of parliament.", junk]
    kept, removed = cleaner.clean(body)
    assert kept == body[:1]
    assert removed == {family: 1}


ARTICLE_SENTENCES = [
    "Readers who subscribe to the party's newsletter were told about the vote before the press.",
    "The minister said sponsored trips by foreign governments would be banned from next year.",
    "An advertisement placed by the campaign in three newspapers drew a complaint from the commission.",
    "The ticket costs $9.99 a month, the operator said, and a trial costs $0.99 for the first month.",
    "Advertisement spending by political parties reached 2 billion yen, up 12% from the last election.",
    "Share prices rose after the central bank held rates, and the yen weakened against the dollar.",
    "Subscribe now, the ad said, but regulators called the offer misleading to elderly voters.",
    "Sign up here, the campaign's email urged; critics said the list was bought from a broker.",
    "He said the committee had read more than 300 submissions and would publish them next week.",
    "Related parties must disclose their donations under the revised political funds law.",
    "The paper's paywall was dropped for election coverage, its editor said on Monday.",
    "Photo IDs will be required at every polling station under the bill, the ministry said.",
    "政府は来年度から有料道路の料金を引き下げる方針で、会員制の割引も見直す。",
    "首相は記者会見で「広告の規制を強化する」と述べ、関連記事の削除も求めた。",
]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_article_sentences_that_mention_junk_words_are_kept(language):
    cleaner = TextCleaner.for_outlet(None, language)
    kept, removed = cleaner.clean(ARTICLE_SENTENCES)
    assert kept == ARTICLE_SENTENCES, dict(removed)


def test_repeated_paragraph_is_removed_but_short_repeated_lines_are_kept():
    prose = "The prime minister said the coalition would survive the no-confidence vote next week."
    kept, removed = TextCleaner.for_outlet(None, "en").clean(
        [prose, "Step one", "Add the flour.", prose, "Step one", "Add the flour."])
    assert kept == [prose, "Step one", "Add the flour.", "Step one", "Add the flour."]
    assert removed == {"repeated": 1}


def test_item_context_title_byline_and_section_repeated_into_the_body():
    body = ["Politics", "Cabinet approves budget", "By Hanako Sato, staff writer",
            "The cabinet approved a record budget on Friday, officials said in a statement to reporters.",
            "Hanako Sato said the vote was close, according to two people in the room.", "Defense"]
    kept, removed = TextCleaner.for_outlet(None, "en").clean(
        body, title="Cabinet approves budget", authors=["Hanako Sato"], section="Politics", tags=["Defense"])
    assert kept == body[3:5]
    assert removed == {"label": 2, "title_repeat": 1, "byline": 1}


def test_related_list_after_a_heading_is_removed_until_prose_returns():
    body = ["The upper house passed the bill by 130 votes to 102 after an all-night session on Friday.",
            "Related articles", "Japan's opposition seeks no-confidence vote",
            "Kishida reshuffles cabinet ahead of election", "Analysis: what the budget means"]
    kept, removed = TextCleaner.for_outlet(None, "en").clean(body)
    assert kept == body[:1]
    assert removed == {"related": 1, "list_block": 3}


def test_japanese_paywall_and_share_labels():
    body = ["【有料会員記事】", "岸田文雄首相は1日、首相官邸で記者会見し、衆院を解散する意向を表明した。与党は過半数の維持を目指す。",
            "この記事をシェア", "残り1200文字", "関連記事", "衆院選の日程決まる"]
    kept, removed = TextCleaner.for_outlet(None, "ja").clean(body)
    assert kept == body[1:2]
    assert removed["paywall"] == 2 and removed["share"] == 1


def test_seed_text_yields_title_standfirst_and_body_only():
    kept, removed = TextCleaner.for_outlet("nikkei_asia", "en").clean(paragraphs_of(SEED.read_text("utf-8")))
    assert kept[0] == "Japan, US working groups will duel on economic cooperation"
    assert kept[1] == "Aso, Pence kick off bilateral dialogue next week"
    assert kept[2].startswith("TOKYO -- Japan and the U.S. are expected")
    assert kept[-1].endswith("above the other two.")
    assert len(kept) == 8
    for family in ("icon_label", "paywall", "subscription", "sponsored", "wire_credit", "outlet_banner"):
        assert removed[family] >= 1, family


def test_outlet_pack_applies_only_to_its_outlet():
    banner = "Nikkei Asian Review, now known as Nikkei Asia, will be the voice of the Asian Century."
    assert TextCleaner.for_outlet("nikkei_asia", "en").clean([banner])[0] == []
    assert TextCleaner.for_outlet("other_outlet", "en").clean([banner])[0] == [banner]
    assert load_outlet_pack("../etc/passwd") == ()


def test_malformed_pack_is_a_clear_error():
    with pytest.raises(RulePackError, match="version"):
        _parse_pack(json.dumps({"rules": []}), "x.json")
    with pytest.raises(RulePackError, match="'bad'.*pattern"):
        _parse_pack(json.dumps({"version": 2, "rules": [{"name": "bad", "patterns": ["("]}]}), "x.json")
    with pytest.raises(RulePackError, match="lower_snake_case"):
        _parse_pack(json.dumps({"version": 2, "rules": [{"name": "Bad Name", "patterns": ["x"]}]}), "x.json")


def test_short_labels_after_the_last_sentence_are_page_footer():
    body = [LEAD, TAIL, "Proudly supporting", "Blog Index"]
    kept, removed = TextCleaner.for_outlet(None, "en").clean(body)
    assert kept == [LEAD, TAIL]
    assert removed == {"label": 1, "navigation": 1}


def test_meta_line_with_a_date_before_the_article_is_a_dateline():
    body = ["| Backup Strategy | January 22nd, 2019 |", LEAD, "Turnout: 54% on May 2, 2024"]
    kept, removed = TextCleaner.for_outlet(None, "en").clean(body)
    assert kept == [LEAD, "Turnout: 54% on May 2, 2024"]
    assert removed == {"dateline": 1}


def test_read_more_after_every_item_is_a_link_label_not_a_list_heading():
    items = [f"Report number {n} on tutoring programmes in {city}" for n, city in
             enumerate(["Ohio", "Texas", "Maine", "Utah"])]
    body = [LEAD]
    for item in items:
        body += [item, "Read More"]
    kept, removed = TextCleaner.for_outlet(None, "en").clean(body)
    assert kept == [LEAD, *items]
    assert removed == {"related": 4}


def test_cleaning_a_long_body_is_fast_enough_to_stay_linear():
    # Guards against catastrophic backtracking in a pattern: 2,000 varied paragraphs, well under a second
    # even on a slow CI machine (the benchmark script measures real throughput).
    import time

    body = [f"{LEAD[:-1]} and paragraph {n} adds {'detail ' * (n % 40)}." for n in range(2000)]
    body += ["x" * 5000, "Share " * 60, "{{" * 100, "a " * 300 + "?"]
    started = time.process_time()
    kept, _ = TextCleaner.for_outlet(None, "en").clean(body)
    assert time.process_time() - started < 5
    assert len(kept) >= 2000


def test_headline_restating_the_title_before_the_article_is_removed():
    body = ["The Ten Best Tech Conferences to Attend in 2026", LEAD, "Best tech conferences of 2026 ranked"]
    kept, removed = TextCleaner.for_outlet(None, "en").clean(body, title="Top Ten Tech Conferences 2026 | Example")
    # Only before the article starts: the same words later are the article's own heading.
    assert kept == [LEAD, "Best tech conferences of 2026 ranked"]
    assert removed == {"title_repeat": 1}


def test_japanese_sentences_without_a_full_stop_are_not_labels():
    body = ["政治", "岸田文雄首相は1日、首相官邸で記者会見し、衆院を解散する意向を表明した。",
            "与党は過半数の維持を目指すが野党は共闘を模索している"]
    kept, removed = TextCleaner.for_outlet(None, "ja").clean(body)
    assert kept == body[1:]
    assert removed == {"label": 1}


def test_every_outlet_pack_belongs_to_a_spider():
    # A pack named after no spider's outlet would silently never apply (a typo in the file name).
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    loader = SpiderLoader.from_settings(get_project_settings())
    outlets = {getattr(loader.load(name), "outlet", "") or name for name in loader.list()}
    for pack in available_packs():
        if pack.startswith("spiders/"):
            assert pack.removeprefix("spiders/").removesuffix(".rules.json") in outlets, pack

"""newsbot.cleaning.precomputed: rule matches found in another process clean a body exactly as the
pipeline's own matching does, and only the body, outlet, language and packs they were found for."""

from __future__ import annotations

import gc
import pickle

from scrapy.settings import Settings
from newsbot.cleaning import TextCleaner, precomputed
from newsbot.cleaning.precomputed import RuleMatches
from newsbot.items import ArticleItem
from newsbot.parsing.text import normalize_body, paragraphs_of
from newsbot.pipelines.clean import CleanBodyPipeline
from newsbot.stats import OfflineStats

BODY = """Share this article

The senate voted 52 to 48 on Tuesday to pass the budget bill after a long night of debate.

Sign up for our politics newsletter

Advertisement

Related stories

Senate leader promises new vote

The bill now goes to the house, where its fate is less certain, aides said on Wednesday."""


def article(**fields) -> ArticleItem:
    return ArticleItem(**{"url": "https://example.com/a", "outlet": "example", "language": "en",
                          "title": "Senate passes budget", "body": BODY, **fields})


def found_in_another_process(item: ArticleItem) -> RuleMatches:
    return pickle.loads(pickle.dumps(RuleMatches.find(item)))


def cleaned(item: ArticleItem) -> tuple[str, dict]:
    pipeline = CleanBodyPipeline(Settings(), OfflineStats())
    body = pipeline.process_item(item).body
    return body, pipeline.stats.get_stats()


def test_matches_found_elsewhere_clean_as_the_pipeline_does():
    item = article(body=normalize_body(BODY))
    matches = found_in_another_process(item)
    cleaner = TextCleaner.for_outlet("example", "en")
    paragraphs = paragraphs_of(item.body)
    assert matches.rules_for(cleaner, "example", "en", item.body) == [cleaner.match(p) for p in paragraphs]
    assert sum(index >= 0 for index in matches.indexes) >= 3   # share, newsletter, advertisement...
    plain = article(body=normalize_body(BODY))
    precomputed.keep(item, matches)
    assert cleaned(item) == cleaned(plain)
    assert "Share this" not in item.body and "The bill now goes" in item.body


def test_they_are_used_only_for_the_body_outlet_language_and_packs_they_were_found_for():
    item = article(body=normalize_body(BODY))
    matches = found_in_another_process(item)
    cleaner = TextCleaner.for_outlet("example", "en")
    assert matches.rules_for(cleaner, "example", "en", item.body + "\n\nOne more line.") is None
    assert matches.rules_for(cleaner, "other", "en", item.body) is None
    assert matches.rules_for(cleaner, "example", "fr", item.body) is None
    assert matches.rules_for(TextCleaner(cleaner.rules[:-1]), "example", "en", item.body) is None


def test_a_spider_that_changed_the_body_gets_it_matched_again():
    item = article(body=normalize_body(BODY))
    precomputed.keep(item, found_in_another_process(item))
    item.body = "Advertisement\n\n" + item.body.replace("The senate voted", "The house voted")
    expected = article(body=item.body)
    assert cleaned(item) == cleaned(expected)
    assert "Advertisement" not in item.body


def test_kept_matches_are_taken_once_and_go_with_their_item():
    item = article()
    matches = RuleMatches.find(item)
    precomputed.keep(item, matches)
    assert precomputed.take(item) is matches
    assert precomputed.take(item) is None
    other = article()
    precomputed.keep(other, matches)
    key = id(other)
    del other
    gc.collect()
    assert key not in precomputed._kept
    nothing = article()
    precomputed.keep(nothing, None)   # nothing found: nothing kept
    assert id(nothing) not in precomputed._kept
    assert RuleMatches.find(article(body=None)) is None

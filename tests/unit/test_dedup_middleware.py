import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from newsbot.dedup import ArticleFacts, DedupIndex
from newsbot.dedup.crawler import crawler_store
from newsbot.dedup.signature import Signer
from newsbot.middlewares.dedup import KnownArticleMiddleware

ARTICLE = "https://www.example.com/politics/budget-vote"


def middleware(state_url, **settings):
    crawler = get_crawler(settings_dict={"NEWSBOT_STATE": state_url, **settings})
    crawler.stats.open_spider()
    return KnownArticleMiddleware.from_crawler(crawler), crawler


def remember(crawler, url=ARTICLE):
    DedupIndex(crawler_store(crawler), Signer()).check(
        ArticleFacts(url, "example", "The budget passed after a long debate.", "ab" * 32))


def test_known_articles_are_skipped_listings_are_not(state_url):
    mw, crawler = middleware(state_url)
    assert mw.process_request(Request(ARTICLE + "?utm_source=x", meta={"newsbot_article": True})) is None
    remember(crawler)
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request("http://example.com/politics/budget-vote/amp?fbclid=1", meta={"newsbot_article": True}))
    # The same URL as a listing page or feed (no newsbot_article mark) is always fetched.
    assert mw.process_request(Request(ARTICLE)) is None
    assert crawler.stats.get_value("newsbot/dedup/skipped_known_url") == 1
    crawler_store(crawler).close()


def test_known_articles_are_refetched_after_the_refetch_window(state_url):
    mw, crawler = middleware(state_url, NEWSBOT_DEDUP_REFETCH_HOURS=0)
    remember(crawler)
    assert mw.process_request(Request(ARTICLE, meta={"newsbot_article": True})) is None
    assert crawler.stats.get_value("newsbot/dedup/refetched") == 1
    crawler_store(crawler).close()


def test_crawl_state_groups_decisions_and_flushes_before_a_batch_is_committed(tmp_path):
    import sqlite3

    from newsbot.dedup.crawler import crawler_state
    from newsbot.pipelines.clean import LearnedBoilerplatePipeline
    from newsbot.signals import batch_committing

    path = tmp_path / "state.sqlite"
    crawler = get_crawler(settings_dict={"NEWSBOT_STATE": f"sqlite:///{path}", "NEWSBOT_STATE_COMMIT_SECONDS": 3600})
    crawler.stats.open_spider()
    # Learned boilerplate and dedup share the crawl's one connection: neither waits on the
    # other's write lock while a group of decisions is open.
    learned = LearnedBoilerplatePipeline.from_crawler(crawler)
    assert learned.learner.store.db is crawler_state(crawler).db
    for n in range(3):
        remember(crawler, f"{ARTICLE}-{n}")
    other = sqlite3.connect(path)
    assert other.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 0   # still grouped
    crawler.signals.send_catch_log(batch_committing)
    assert other.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 3
    other.close()
    crawler_state(crawler).close()

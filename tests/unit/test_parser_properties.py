"""Property-based: random and mutated HTML through every outlet's article parser, the cleaner and
the offline pipelines. No exception escapes; every item that comes out satisfies the schema."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings

from newsbot.cleaning import TextCleaner
from newsbot.parsing.article import OutletProfile, parse_article
from newsbot.pipelines.validate import schema_errors
from newsbot.stats import OfflineStats
from tests.conftest import REPLAY
from tests.support.faultsite import JA_PARAGRAPHS, JA_TITLE, PARAGRAPHS, article_html

PROJECT = get_project_settings()
OUTLET_PROFILES = [cls().profile() for name in SpiderLoader(PROJECT).list()
                   if hasattr(cls := SpiderLoader(PROJECT).load(name), "profile")]
PROFILES = OUTLET_PROFILES + [OutletProfile(outlet="generic"),
                              OutletProfile(outlet="generic_ja", language="ja", timezone="Asia/Tokyo",
                                            selectors={"title": "h1", "body": "article p"})]
SEEDS = [p.read_bytes() for p in sorted(REPLAY.rglob("article-*.html"))] + [
    article_html("Coalition agrees budget vote", PARAGRAPHS).encode(),
    article_html(JA_TITLE, JA_PARAGRAPHS, lang="ja").encode("utf-8"),
]
PIPELINES = [load_object(path) for path, order in sorted(PROJECT.getdict("ITEM_PIPELINES").items(), key=lambda kv: kv[1])
             if order is not None and getattr(load_object(path), "offline_safe", False)]
FRAGMENTS = [b"<", b">", b"</p>", b"<p>", b"<script type=\"application/ld+json\">", b"</script>", b"{", b"\"@type\":",
             b"<!--", b"-->", b"&amp;", b"&#0;", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"<h1>", b"</h1>",
             b"<meta property=\"article:published_time\" content=\"2999-01-01\">", b"<![CDATA[", b"]]>",
             "政府".encode("shift_jis"), "é".encode("cp1252"), b"\xe2\x80", b"<article>", b"<time datetime=\"x\">"]


@st.composite
def mutated(draw) -> bytes:
    """A real page with a few random cuts, copies and insertions (byte-level: encodings break too)."""
    page = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["cut", "copy", "insert", "fragment", "truncate"]))
        i = draw(st.integers(0, len(page)))
        j = min(len(page), i + draw(st.integers(0, 4000)))
        if op == "cut":
            del page[i:j]
        elif op == "copy":
            page[j:j] = page[i:j]
        elif op == "insert":
            page[i:i] = draw(st.binary(max_size=64))
        elif op == "fragment":
            page[i:i] = draw(st.sampled_from(FRAGMENTS))
        else:
            del page[i:]
    return bytes(page)


random_html = st.recursive(
    st.text(max_size=40),
    lambda inner: st.builds(lambda tag, attrs, kids: f"<{tag}{attrs}>{''.join(kids)}</{tag}>",
                            st.sampled_from(["p", "div", "article", "h1", "script", "time", "span", "meta", "a"]),
                            st.sampled_from(["", ' class="ezrichtext-field"', ' type="application/ld+json"',
                                             ' datetime="2024-05-01T10:00:00+09:00"', ' property="og:title" content="T"']),
                            st.lists(inner, max_size=4)),
    max_leaves=25,
).map(lambda s: f"<html><body>{s}</body></html>".encode("utf-8"))


# Scrapy's default settings, built once (a Settings() costs ~2 ms, four per example) and frozen, so
# no pipeline can change them for the next example.
OFFLINE_SETTINGS = Settings()
OFFLINE_SETTINGS.freeze()


def run_offline_pipelines(item, spider: str = "property_test"):
    """The offline pipelines before validation (the schema is asserted by the test itself, so a
    DropItem from ValidatePipeline can never pass for a controlled refusal)."""
    item.spider = spider   # what PoliticsSpider.parse_article sets
    stats = OfflineStats()
    for cls in PIPELINES:
        if cls.__name__ != "ValidatePipeline":
            item = cls(OFFLINE_SETTINGS, stats).process_item(item)
    return item


def check_page(body: bytes, profile: OutletProfile, url: str = "https://asia.nikkei.com/Politics/Some-article-title-here") -> None:
    response = HtmlResponse(url, body=body, headers={"Content-Type": "text/html; charset=utf-8"})
    result = parse_article(response, profile)
    assert (result.item is None) == (result.error is not None)
    if result.item is None:
        return
    try:
        item = run_offline_pipelines(result.item)
    except DropItem:
        return   # a controlled refusal (nothing left after cleaning), never a half item
    assert schema_errors(item) == []


FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("profile", PROFILES, ids=[p.outlet for p in PROFILES])
@FAST
@given(body=mutated())
def test_mutated_pages_never_raise_and_items_fit_the_schema(profile, body):
    check_page(body, profile)


@pytest.mark.parametrize("profile", PROFILES, ids=[p.outlet for p in PROFILES])
@FAST
@given(body=random_html)
# Markup read as the headline (a script's raw text inside <h1>) that decodes to nothing: no title.
@example(body=b"<html><body>:\xf0\x90\x98\x80<H1><SCRIPT><?<P></body></html>")
def test_random_html_never_raises_and_items_fit_the_schema(profile, body):
    check_page(body, profile)


@settings(max_examples=150, deadline=None)
@given(paragraphs=st.lists(st.text(max_size=300), max_size=20),
       outlet=st.sampled_from([p.outlet for p in PROFILES] + [None]), language=st.sampled_from(["en", "ja", None, "xx-YY"]))
def test_cleaner_keeps_an_ordered_subset_and_counts_the_rest(paragraphs, outlet, language):
    kept, removed = TextCleaner.for_outlet(outlet, language).clean(paragraphs)
    iterator = iter(paragraphs)
    assert all(any(p is q for q in iterator) for p in kept)   # a subsequence, in order
    assert len(kept) + sum(removed.values()) == len(paragraphs)


def test_the_property_tests_cover_every_outlet():
    assert {p.outlet for p in OUTLET_PROFILES} >= {"nikkei_asia"}
    assert PIPELINES and PIPELINES[-1].__name__ == "ValidatePipeline"
    # The unmutated seeds do make items, so the properties above are about real items too.
    made = 0
    for body in SEEDS:
        response = HtmlResponse("https://asia.nikkei.com/Politics/Some-article-title-here", body=body)
        result = parse_article(response, PROFILES[-1])
        if result.item is None:  # a video or live page may hold too little text for a foreign profile
            continue
        try:
            item = run_offline_pipelines(result.item)
        except DropItem:  # cleaning may leave a foreign page's body empty: dropped, not written
            continue
        made += 1
        assert schema_errors(item) == []
    assert made >= 0.8 * len(SEEDS)

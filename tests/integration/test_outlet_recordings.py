"""Every outlet spider over its recordings, against the expectations written beside them.

The outlets are the project's spiders; an outlet's recordings are
tests/fixtures/replay/<outlet>/recordings.json and its expectations
tests/fixtures/replay/<outlet>/expected.json, so adding an outlet adds its cases here without an
edit to this file. expected.json:

    {"stats": {"newsbot/listing/pages": 2},       final crawl stats that must have these values
     "articles": {                                 every article the crawl writes, and no other
       "<url>": {"why": "...",                     what the page models (for readers; optional)
                 "body_source": "selectors",       or structured, embedded, generic
                 "fields": {"title": "..."},       item fields that must be exactly these
                 "paragraphs": 4, "body_starts": "...", "body_ends": "...",
                 "body_contains": ["..."], "body_excludes": ["..."]}},       all optional
     "not_written": {"<url>": "why the crawl does not write this recorded article page"},
     "no_fallback_case": "why no article takes another body path than selectors"}     optional

Each article is checked twice: the spider's parser on its recorded page (which body path, fields,
cleaned body), and the item a whole `scrapy crawl <outlet>` over the recordings writes.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse, Request
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from newsbot.cleaning import TextCleaner
from newsbot.parsing.text import paragraphs_of
from newsbot.spiders.base import PoliticsSpider

from tests.conftest import REPLAY, ROOT, require_binary
from tests.support.replay_crawl import crawl

EXPECTED = "expected.json"
HOW_TO = "see docs/adding-an-outlet.md"
BODY_SOURCES = {"selectors", "structured", "embedded", "generic"}
OUTLET_KEYS = ("stats", "articles", "not_written", "no_fallback_case")
ARTICLE_KEYS = {"why", "body_source", "fields", "paragraphs", "body_starts", "body_ends", "body_contains",
                "body_excludes"}
# Spiders without recordings of their own, and where they are tested instead.
WITHOUT_RECORDINGS = {
    "generic": "reads any site given -a url=; its recorded site (tests/fixtures/replay/generic_site) "
               "is crawled by tests/integration/test_generic_spider.py",
}

# Paragraph-level template junk that must never reach a body, whatever the outlet (case-insensitive).
JUNK = ("Sign up here", "Our Standards", "Read Next", "Advertisement", "Share this", "Skip to content",
        "Subscribe", "newsletter", "Copyright", "All rights reserved", "Follow us", "Listen to this article",
        "Reporting by", "Editing by", "This content is not available", "Sign up", "hide caption",
        "toggle caption", "Getty Images", "Sponsor Message", "Transcript provided by", "STORY CONTINUES",
        "Privacy Notice", "Explore more on these topics", "Load more", "Listen ·")


# --- discovery ----------------------------------------------------------------------------------
def outlet_spiders() -> dict[str, type[PoliticsSpider]]:
    loader = SpiderLoader.from_settings(get_project_settings())
    spiders = {name: loader.load(name) for name in loader.list()}
    return {name: cls for name, cls in spiders.items() if issubclass(cls, PoliticsSpider)}


def shown(path: Path) -> str:
    """The path as a reader finds it: relative to the repository when it is in it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def recorded_pages(folder: Path) -> dict[str, str]:
    """URL -> recorded file, from the folder's recordings.json."""
    responses = json.loads((folder / "recordings.json").read_text("utf-8"))["responses"]
    return {r["url"]: r["body"] for r in responses}


def recorded_article_pages(folder: Path, spider_cls: type[PoliticsSpider]) -> dict[str, str]:
    """Recorded pages the spider takes for articles (its domains and article_url_pattern), less
    the section pages, feeds and sitemaps it starts from (the default pattern matches them too)."""
    spider = spider_cls()
    starts = {*spider_cls.section_urls, *spider_cls.feed_urls, *spider_cls.sitemap_urls}
    return {url: page for url, page in recorded_pages(folder).items()
            if url not in starts and spider.is_article_url(url)}


def load_expectations(folder: Path) -> dict[str, Any]:
    path = folder / EXPECTED
    if not path.is_file():
        return {"stats": {}, "articles": {}, "not_written": {}}
    try:
        data = json.loads(path.read_text("utf-8"))
    except ValueError as exc:
        raise ValueError(f"{shown(path)} is not valid JSON: {exc}") from exc
    return {"stats": {}, "articles": {}, "not_written": {}, **data}


def expectation_problems(folder: Path, spider_cls: type[PoliticsSpider]) -> list[str]:
    """What is missing or wrong in an outlet's expected.json against its recordings, each problem
    naming the file to edit and the entry to add (empty when there is nothing to say)."""
    path = folder / EXPECTED
    article_pages = recorded_article_pages(folder, spider_cls)
    if not path.is_file():
        listed = "".join(f"\n  {url}  ({page})" for url, page in article_pages.items())
        return [f"{shown(path)} is missing: write it beside the recordings, with an entry under \"articles\" "
                f"(or \"not_written\") for each recorded article page ({HOW_TO}):{listed}"]
    expected = load_expectations(folder)
    problems = [f"{shown(path)}: unknown key {key!r} ({', '.join(OUTLET_KEYS)})"
                for key in expected if key not in OUTLET_KEYS]
    articles, not_written = expected["articles"], expected["not_written"]
    for url, page in article_pages.items():
        if url not in articles and url not in not_written:
            problems.append(f"{shown(path)}: no entry for the recorded article page {page} ({url}): add it under "
                            f"\"articles\" with the fields the crawl must write, or under \"not_written\" with "
                            f"why the crawl does not write it ({HOW_TO})")
    recorded = recorded_pages(folder)
    for url in [*articles, *not_written]:
        if url not in recorded:
            problems.append(f"{shown(path)} names {url}, which {shown(folder / 'recordings.json')} does not record: "
                            f"record the page or remove the entry")
        elif url not in article_pages:
            problems.append(f"{shown(path)} names {url} ({recorded[url]}), which the {spider_cls.name} spider does "
                            f"not take for an article page (allowed_domains, article_url_pattern)")
    for url in set(articles) & set(not_written):
        problems.append(f"{shown(path)}: {url} is under both \"articles\" and \"not_written\"")
    for url, case in articles.items():
        unknown = set(case) - ARTICLE_KEYS
        if unknown:
            problems.append(f"{shown(path)}: {url}: unknown keys {sorted(unknown)} ({', '.join(sorted(ARTICLE_KEYS))})")
        if case.get("body_source") not in BODY_SOURCES:
            problems.append(f"{shown(path)}: {url}: \"body_source\" must be one of {sorted(BODY_SOURCES)}")
    if not articles:
        problems.append(f"{shown(path)}: no \"articles\": the crawl must write at least one ({HOW_TO})")
    elif all(case.get("body_source") == "selectors" for case in articles.values()) and \
            "no_fallback_case" not in expected:
        problems.append(f"{shown(path)}: no fallback case: record an article without the outlet's usual body "
                        f"container and expect its body_source (structured, embedded or generic), or say under "
                        f"\"no_fallback_case\" why the outlet has none")
    return problems


def article_mismatches(item: dict[str, Any], paragraphs: list[str], case: dict[str, Any]) -> list[str]:
    """How an article (its item fields and body paragraphs) differs from its expectations."""
    problems = [f"{field}: expected {value!r}, got {item.get(field)!r}"
                for field, value in case.get("fields", {}).items() if item.get(field) != value]
    body = "\n\n".join(paragraphs)
    if "paragraphs" in case and len(paragraphs) != case["paragraphs"]:
        problems.append(f"paragraphs: expected {case['paragraphs']}, got {len(paragraphs)}: {paragraphs}")
    if "body_starts" in case and not body.startswith(case["body_starts"]):
        problems.append(f"body does not start with {case['body_starts']!r}: {body[:200]!r}")
    if "body_ends" in case and not body.endswith(case["body_ends"]):
        problems.append(f"body does not end with {case['body_ends']!r}: {body[-200:]!r}")
    problems += [f"body lacks {text!r}" for text in case.get("body_contains", ()) if text not in body]
    problems += [f"body has {text!r}" for text in case.get("body_excludes", ()) if text in body]
    problems += [f"body has template junk {junk!r}" for junk in JUNK if junk.lower() in body.lower()]
    if not str(item.get("published_at")).endswith("+00:00"):
        problems.append(f"published_at is not UTC: {item.get('published_at')!r}")
    problems += [f"author is not one name: {name!r}" for name in item.get("authors") or ()
                 if name.lower().startswith("by ") or " and " in name or "," in name]
    return problems


def fail_on(problems: list[str], heading: str = "") -> None:
    """Fail with every problem on its own line (no traceback: the lines say what to fix)."""
    if problems:
        pytest.fail(heading + "\n".join(problems), pytrace=False)


SPIDERS = outlet_spiders()
OUTLETS = sorted(name for name in SPIDERS if (REPLAY / name / "recordings.json").is_file())
EXPECTATIONS = {outlet: load_expectations(REPLAY / outlet) for outlet in OUTLETS}
PAGES = {outlet: recorded_pages(REPLAY / outlet) for outlet in OUTLETS}
ARTICLE_CASES = [(outlet, url) for outlet in OUTLETS for url in EXPECTATIONS[outlet]["articles"]]


# --- the recordings and their expectations --------------------------------------------------------
def test_every_outlet_spider_has_recordings() -> None:
    missing = [f"{shown(REPLAY / name / 'recordings.json')} is missing: record the {name} spider's outlet ({HOW_TO})"
               for name in SPIDERS if name not in OUTLETS and name not in WITHOUT_RECORDINGS]
    fail_on(missing)


@pytest.mark.parametrize("outlet", OUTLETS)
def test_expectations_cover_the_recorded_article_pages(outlet: str) -> None:
    fail_on(expectation_problems(REPLAY / outlet, SPIDERS[outlet]))


@pytest.mark.parametrize(("outlet", "url"), ARTICLE_CASES,
                         ids=[f"{o}/{PAGES[o].get(u, u)}" for o, u in ARTICLE_CASES])
def test_recorded_article_page(outlet: str, url: str) -> None:
    """The spider's parser on one recorded page: its body path, fields and cleaned body."""
    case = EXPECTATIONS[outlet]["articles"][url]
    assert url in PAGES[outlet], f"{url} is not recorded in {shown(REPLAY / outlet / 'recordings.json')}"
    body = (REPLAY / outlet / PAGES[outlet][url]).read_bytes()
    result = SPIDERS[outlet]().build_article(HtmlResponse(url, body=body, request=Request(url)))
    assert result.item is not None, result.error
    item = ItemAdapter(result.item).asdict()
    # The body as the crawl writes it: the parser's paragraphs after the shared cleaner.
    paragraphs, _ = TextCleaner.for_outlet(result.item.outlet, result.item.language).clean(paragraphs_of(result.item.body))
    problems = article_mismatches(item, paragraphs, case)
    if result.body_source != case["body_source"]:
        problems.insert(0, f"body_source: expected {case['body_source']!r}, got {result.body_source!r}")
    if item["outlet"] != outlet:
        problems.insert(0, f"outlet: expected {outlet!r}, got {item['outlet']!r}")
    fail_on(problems, f"{outlet}/{PAGES[outlet][url]} ({url}):\n")


def renders(outlet: str) -> bool:
    return bool(SPIDERS[outlet].render_listings or SPIDERS[outlet].render_articles)


# A crawl that renders pages starts Chromium: marked slow, like the other browser tests. The others
# are a `scrapy crawl` process each (a few seconds): one stays in the quick loop (`-m "not slow"`);
# there, every outlet's recorded article pages are still checked by test_recorded_article_page.
QUICK_CRAWL = "npr"


@pytest.mark.parametrize("outlet", [o if o == QUICK_CRAWL and not renders(o) else pytest.param(o, marks=pytest.mark.slow)
                                    for o in OUTLETS])
def test_replayed_crawl_writes_exactly_the_expected_articles(outlet: str, tmp_path: Path) -> None:
    spider_cls, expected = SPIDERS[outlet], EXPECTATIONS[outlet]
    if renders(outlet):
        require_binary("chromium", "/usr/bin/chromium")  # some links are only on a rendered page
    items, stats, log = crawl(outlet, tmp_path)
    where = shown(REPLAY / outlet / EXPECTED)
    written = Counter(item["url"] for item in items)
    problems = [f"written {n} times: {url}" for url, n in written.items() if n > 1]
    problems += [f"the crawl wrote {url} ({PAGES[outlet].get(url, 'not recorded')}), which {where} does not expect: "
                 f"add it under \"articles\"" for url in written if url not in expected["articles"]]
    problems += [f"{where} expects {url} ({PAGES[outlet].get(url, 'not recorded')}), which the crawl did not write"
                 for url in expected["articles"] if url not in written]
    # Every link the spider followed is recorded; nothing failed to parse.
    if "newsbot/replay/missing" in stats or "replay: no recording" in log:
        problems.append("the crawl asked for unrecorded pages (see 'replay: no recording' in the log)")
    problems += [f"stat {key}: {value}" for key, value in stats.items()
                 if key.startswith(("newsbot/article/failed", "newsbot/invalid"))]
    problems += [f"stat {key}: expected {value!r}, got {stats.get(key)!r}"
                 for key, value in expected["stats"].items() if stats.get(key) != value]
    sources = Counter(case["body_source"] for case in expected["articles"].values())
    counted = {key.rsplit("/", 1)[1]: n for key, n in stats.items() if key.startswith("newsbot/body_source/")}
    if counted != dict(sources):
        problems.append(f"newsbot/body_source/* stats: expected {dict(sources)}, got {counted}")
    for item in items:
        case = expected["articles"].get(item["url"])
        if case is None:
            continue
        found = article_mismatches(item, item["body"].split("\n\n"), case)
        found += [f"{key}: expected {outlet!r}, got {item[key]!r}" for key in ("outlet", "spider") if item[key] != outlet]
        problems += [f"{item['url']}: {problem}" for problem in found]
    fail_on(problems)


# --- the checks above fail, and say what is missing -----------------------------------------------
def test_missing_expectations_are_named_with_the_file_to_edit(tmp_path: Path) -> None:
    source, folder = REPLAY / "the_hill", tmp_path / "the_hill"
    folder.mkdir()
    pages = recorded_pages(source)
    kept = [url for url, page in pages.items() if page in ("section-campaign.html", "article-governors-2028.html",
                                                          "article-ohio-redistricting.html")]
    responses = [r for r in json.loads((source / "recordings.json").read_text("utf-8"))["responses"]
                 if r["url"] in kept]
    (folder / "recordings.json").write_text(json.dumps({"responses": responses}), "utf-8")
    governors, ohio = (next(u for u in kept if page in u) for page in ("governors-2028", "ohio-redistricting"))
    spider = SPIDERS["the_hill"]

    # Recordings, no expectations: the file to write and each recorded article page to put in it.
    [problem] = expectation_problems(folder, spider)
    assert f"{folder / EXPECTED} is missing" in problem
    assert governors in problem and "article-governors-2028.html" in problem and ohio in problem
    assert "section-campaign.html" not in problem  # a listing page needs no expectations

    # Expectations for one page only, and one for a page that is not recorded.
    unrecorded = "https://thehill.com/homenews/senate/5600000-not-recorded/"
    case = {"body_source": "generic", "fields": {"title": "Ohio court sends congressional map back to commission"}}
    (folder / EXPECTED).write_text(json.dumps({"articles": {ohio: case, unrecorded: case}}), "utf-8")
    problems = expectation_problems(folder, spider)
    assert len(problems) == 2, problems
    assert f"{folder / EXPECTED}: no entry for the recorded article page article-governors-2028.html ({governors})" \
        in problems[0]
    assert f"{folder / EXPECTED} names {unrecorded}, which {folder / 'recordings.json'} does not record" in problems[1]

    # Complete: nothing to say.
    case_2028 = {"body_source": "selectors", "fields": {}}
    (folder / EXPECTED).write_text(json.dumps({"articles": {ohio: case, governors: case_2028}}), "utf-8")
    assert expectation_problems(folder, spider) == []

    # A misspelt key would skip its check silently: it is named instead.
    (folder / EXPECTED).write_text(json.dumps({"articles": {ohio: {**case, "body_start": "The"}, governors: case_2028}}),
                                   "utf-8")
    assert expectation_problems(folder, spider) == [f"{folder / EXPECTED}: {ohio}: unknown keys ['body_start'] "
                                                    f"({', '.join(sorted(ARTICLE_KEYS))})"]


def test_article_mismatches_name_each_difference() -> None:
    item = {"title": "A", "authors": ["By Jo Smith"], "published_at": "2026-11-28T10:00:00+01:00"}
    case = {"fields": {"title": "B"}, "paragraphs": 1, "body_starts": "Zz", "body_ends": "Yy",
            "body_contains": ["kept"], "body_excludes": ["Related"]}
    problems = article_mismatches(item, ["First.", "Related: Subscribe"], case)
    assert problems == [
        "title: expected 'B', got 'A'",
        "paragraphs: expected 1, got 2: ['First.', 'Related: Subscribe']",
        "body does not start with 'Zz': 'First.\\n\\nRelated: Subscribe'",
        "body does not end with 'Yy': 'First.\\n\\nRelated: Subscribe'",
        "body lacks 'kept'",
        "body has 'Related'",
        "body has template junk 'Subscribe'",
        "published_at is not UTC: '2026-11-28T10:00:00+01:00'",
        "author is not one name: 'By Jo Smith'",
    ]

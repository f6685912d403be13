"""Unit tests of the fault-handling components, for inputs the fault crawl cannot easily send
(host spellings, header forms, hostile XML), each with the real component."""

from __future__ import annotations

import asyncio
import codecs
import datetime as dt
import email.utils
import time

import pytest
from parsel import Selector
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newsbot.middlewares.charset import CharsetMiddleware, true_encoding
from newsbot.middlewares.netguard import PrivateAddressMiddleware
from newsbot.middlewares.retry import BackoffRetryMiddleware, retry_after_seconds
from newsbot.parsing.dates import iso_utc, parse_datetime
from newsbot.parsing.feeds import feed_entries, sitemap_entries
from newsbot.parsing.structured import MAX_JSON_LD_BYTES, json_ld_fields
from tests.support.faultsite import BILLION_LAUGHS, JA_TITLE, article_html


# --- private-address guard ---------------------------------------------------------------------
def guard(**settings) -> PrivateAddressMiddleware:
    crawler = get_crawler(settings_dict={"NEWSBOT_NETGUARD_RESOLVE": False, **settings})
    crawler.stats.open_spider()
    return PrivateAddressMiddleware.from_crawler(crawler)


def refused(mw: PrivateAddressMiddleware, url: str) -> bool:
    try:
        asyncio.run(mw.process_request(Request(url)))
    except IgnoreRequest:
        return True
    return False


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",          # cloud metadata (link-local)
    "http://[fd00:ec2::254]/latest/meta-data/",          # AWS IPv6 metadata (unique local)
    "http://2852039166/", "http://0xa9.254.169.254/",    # the same address, legacy spellings
    "http://10.0.0.1/", "http://192.168.1.1/", "http://172.16.0.1/", "http://100.64.0.1/",
    "http://127.0.0.1/", "http://127.1/", "http://127.0.0.2:8080/", "http://[::1]/", "http://0.0.0.0/",
    "http://[::ffff:169.254.169.254]/", "http://[fe80::1]/",
    "http://localhost/", "http://foo.localhost/", "http://metadata.google.internal/computeMetadata/v1/",
    "http://intranet/",
])
def test_non_public_addresses_are_refused(url):
    mw = guard()
    assert refused(mw, url)
    assert mw.stats.get_value("newsbot/fault/private_address") == 1


@pytest.mark.parametrize("url", ["https://asia.nikkei.com/Politics", "http://93.184.216.34/", "http://[2606:4700::1111]/"])
def test_public_addresses_pass(url):
    assert not refused(guard(), url)


def test_allow_list_names_hosts_addresses_and_networks():
    mw = guard(NEWSBOT_ALLOWED_PRIVATE_HOSTS=["127.0.0.1", "10.20.0.0/16", "news.intranet"])
    assert not refused(mw, "http://127.0.0.1:8080/a")
    assert refused(mw, "http://127.0.0.2:8080/a")       # loopback test mode is exactly the address allowed
    assert not refused(mw, "http://10.20.3.4/")
    assert refused(mw, "http://10.21.3.4/")
    assert not refused(mw, "http://news.intranet/")
    assert refused(mw, "http://169.254.169.254/")


def test_names_resolving_to_private_addresses_are_refused():
    class Resolving(PrivateAddressMiddleware):
        async def _resolve(self, host):  # a DNS answer of our choosing (no DNS in tests)
            from newsbot.middlewares.netguard import parse_address
            return parse_address({"rebind.example": "169.254.169.254", "ok.example": "93.184.216.34"}[host])

    crawler = get_crawler(settings_dict={"NEWSBOT_NETGUARD_RESOLVE": True})
    crawler.stats.open_spider()
    mw = Resolving.from_crawler(crawler)
    assert refused(mw, "http://rebind.example/")
    assert not refused(mw, "http://ok.example/")


# --- retries -------------------------------------------------------------------------------------
def test_retry_after_forms():
    assert retry_after_seconds(b"120") == 120
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= retry_after_seconds(date) <= 31
    assert retry_after_seconds(email.utils.formatdate(time.time() - 30, usegmt=True)) == 0
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    crawler = get_crawler(settings_dict={"NEWSBOT_RETRY_BACKOFF_BASE": 1.0, "NEWSBOT_RETRY_BACKOFF_MAX": 10})
    mw = BackoffRetryMiddleware.from_crawler(crawler)
    for attempt, nominal in [(1, 1), (2, 2), (3, 4), (4, 8), (6, 10)]:
        waits = [mw.backoff(attempt) for _ in range(50)]
        assert all(0.75 * nominal <= w <= 1.25 * nominal for w in waits)
        assert len(set(waits)) > 1  # jittered, so retries from many requests do not stampede


# --- charsets ------------------------------------------------------------------------------------
def html_response(body: bytes, content_type: str) -> HtmlResponse:
    return HtmlResponse("http://127.0.0.1/a", body=body, headers={"Content-Type": content_type})


@pytest.mark.parametrize("encoding,declared,expected", [
    ("shift_jis", "text/html; charset=utf-8", "shift_jis"),
    ("euc_jp", "text/html; charset=utf-8", "euc_jp"),
    ("utf-8", "text/html; charset=Shift_JIS", "utf-8"),
    ("utf-8", "text/html; charset=EUC-JP", "utf-8"),
    ("shift_jis", "text/html", "shift_jis"),
    ("shift_jis", "text/html; charset=windows-1252", "shift_jis"),
    ("euc_jp", "text/html; charset=ISO-8859-1", "euc_jp"),
])
def test_japanese_charset_is_detected(encoding, declared, expected):
    page = article_html(JA_TITLE, ["連立与党は火曜日、防衛予算案を来週採決に付すことで合意した。" * 3], lang="ja")
    response = html_response(page.encode(encoding), declared)
    found, _ = true_encoding(response)
    # charset-normalizer may name a superset (cp932 for Shift_JIS, euc_jis_2004 for EUC-JP).
    assert found and (found == expected or codecs.decode(response.body, found) == codecs.decode(response.body, expected))
    crawler = get_crawler()
    crawler.stats.open_spider()
    fixed = CharsetMiddleware.from_crawler(crawler).process_response(response.request, response)
    assert JA_TITLE in fixed.text


@pytest.mark.parametrize("text", ["Le ministre a déclaré « ça suffit » à l’Élysée, où règne la fièvre électorale.",
                                  "Der Außenminister äußerte sich über die Grünen: „Das ist übertrieben“.",
                                  "Minister’s “café” remarks — again"])
def test_real_windows_1252_text_keeps_its_declared_charset(text):
    page = article_html("Politique", [text] * 3, lang="fr").encode("cp1252")
    encoding, outcome = true_encoding(html_response(page, "text/html; charset=windows-1252"))
    assert (encoding, outcome) == ("cp1252", "ok")


def test_undecodable_bytes_are_refused_not_written():
    crawler = get_crawler()
    crawler.stats.open_spider()
    body = b"<html><body><p>" + bytes(range(0x80, 0x100)) * 20 + b"</p></body></html>"
    with pytest.raises(IgnoreRequest):
        CharsetMiddleware.from_crawler(crawler).process_response(None, html_response(body, "text/html; charset=utf-8"))
    assert crawler.stats.get_value("newsbot/fault/charset/undecodable") == 1


# --- feeds and sitemaps: entity expansion and external entities -------------------------------
def test_billion_laughs_feed_is_parsed_quickly_without_expansion():
    feed = (BILLION_LAUGHS + '<rss version="2.0"><channel><item><title>&lol9;</title>'
            "<link>https://example.com/a/1</link></item></channel></rss>").encode()
    started = time.monotonic()
    entries = feed_entries(feed)
    assert time.monotonic() - started < 1.0
    assert [e.url for e in entries] == ["https://example.com/a/1"]
    assert not entries[0].title or "lol" not in entries[0].title


def test_billion_laughs_sitemap_is_parsed_quickly_without_expansion():
    sitemap = (BILLION_LAUGHS + '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               "<url><loc>https://example.com/a/1</loc><lastmod>&lol9;</lastmod></url></urlset>").encode()
    started = time.monotonic()
    kind, entries = sitemap_entries(sitemap)
    assert time.monotonic() - started < 1.0
    assert kind == "urlset" and [e.url for e in entries] == ["https://example.com/a/1"]
    assert not entries[0].published or "lol" not in entries[0].published


def test_external_entities_are_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("CANARY-xxe")
    feed = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY s SYSTEM "file://{secret}">]>'
            '<rss version="2.0"><channel><item><title>t &s;</title><link>https://example.com/a/&s;</link>'
            "</item></channel></rss>").encode()
    entries = feed_entries(feed)
    assert all("CANARY" not in (e.url + (e.title or "")) for e in entries)
    sitemap = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY s SYSTEM "file://{secret}">]>'
               '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://example.com/&s;</loc>'
               "</url></urlset>").encode()
    assert all("CANARY" not in e.url for e in sitemap_entries(sitemap)[1])


# --- structured data -----------------------------------------------------------------------------
def ld_page(text: str) -> Selector:
    return Selector(text=f'<html><head><script type="application/ld+json">{text}</script></head><body></body></html>')


@pytest.mark.parametrize("text,problem", [
    ('{"@type": "NewsArticle", "headline": "x",', "json_ld/invalid"),
    ('{"@type": "NewsArticle", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "json_ld/invalid"),
    ('{"@graph": [' * 30 + '{"@type": "NewsArticle", "headline": "deep"}' + "]}" * 30, "json_ld/too_deep"),
    ('{"@type": "NewsArticle", "headline": "' + "x" * MAX_JSON_LD_BYTES + '"}', "json_ld/oversized"),
])
def test_hostile_json_ld_yields_nothing_and_names_the_problem(text, problem):
    problems: list[str] = []
    started = time.monotonic()
    assert json_ld_fields(ld_page(text), problems) == {}
    assert time.monotonic() - started < 2.0
    assert problem in problems


def test_json_ld_with_wrong_types_gives_only_valid_fields():
    text = ('{"@type": "NewsArticle", "headline": 42, "author": {"name": ["a"]}, "keywords": {"a": 1},'
            ' "image": 7, "articleBody": 12, "datePublished": ["2024-01-01"], "description": "A real standfirst"}')
    fields = json_ld_fields(ld_page(text))
    assert fields.get("title") is None and fields.get("authors") in (None, []) and "body" not in fields
    assert fields["standfirst"] == "A real standfirst"
    assert iso_utc(fields.get("published_at")) is None


# --- dates ---------------------------------------------------------------------------------------
NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("value", ["2999-01-01T00:00:00Z", "1850-06-01", "0001-01-01", "1989-12-31T23:59:59Z",
                                   "2026-06-04T12:00:00Z", 10**20, -1, float("nan"), ["2024-01-01"],
                                   {"d": 1}, "yesterday-ish", "9" * 200, "2024-02-30", "2024-13-01"])
def test_impossible_dates_are_rejected(value):
    assert parse_datetime(value, "Asia/Tokyo", now=NOW) is None


@pytest.mark.parametrize("value,expected", [
    ("2026-06-02T09:00:00+09:00", "2026-06-02T00:00:00+00:00"),   # ahead of our clock within the tolerance
    ("2026-05-31 18:00", "2026-05-31T09:00:00+00:00"),             # no offset: the outlet's zone
    ("1990-01-01T00:00:00Z", "1990-01-01T00:00:00+00:00"),
])
def test_plausible_dates_are_kept(value, expected):
    assert parse_datetime(value, "Asia/Tokyo", now=NOW).isoformat() == expected


RESOLVING_SPIDER = '''
import scrapy
from newsbot.middlewares.netguard import AllowList, PrivateAddressMiddleware, is_public_address

class ResolveSpider(scrapy.Spider):
    name = "resolve"

    async def start(self):
        guard = PrivateAddressMiddleware(self.crawler, AllowList([]), resolve=True)
        for host in ("localhost",):
            address = await guard._resolve(host)
            print("RESOLVED", host, address, address is not None and is_public_address(address), flush=True)
        return
        yield
'''


def test_the_guard_resolves_names_with_scrapys_resolver_in_a_real_crawl(tmp_path):
    """The resolution path runs on Scrapy's reactor and cached resolver (localhost comes from
    /etc/hosts: no DNS server needed, none is asked)."""
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import ROOT

    spider = tmp_path / "resolve_spider.py"
    spider.write_text(RESOLVING_SPIDER)
    scrapy = str(Path(sys.executable).with_name("scrapy"))
    result = subprocess.run([scrapy, "runspider", str(spider), "-s", "LOG_LEVEL=ERROR"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    lines = [line.split()[1:] for line in result.stdout.splitlines() if line.startswith("RESOLVED")]
    assert lines[0][0] == "localhost" and lines[0][1] in ("127.0.0.1", "::1") and lines[0][2] == "False"

import pytest
from hypothesis import given, settings, strategies as st

from newsbot.urls import canonical_form, canonical_url, preferred_url, same_site, split_url

BASE = "https://example.com/politics/2026/11/28/budget-vote"


@pytest.mark.parametrize("variant", [
    BASE,
    "http://example.com/politics/2026/11/28/budget-vote",
    "https://WWW.Example.COM/politics/2026/11/28/budget-vote/",
    "https://example.com:443/politics/2026/11/28/budget-vote#comments",
    "https://m.example.com/politics/2026/11/28/budget-vote?utm_source=twitter&utm_medium=social",
    "https://www.example.com/politics/2026/11/28/budget-vote?fbclid=IwAR0&gclid=x1&mc_cid=9",
    "https://www.example.com/politics/2026/11/28/budget-vote/amp",
    "https://amp.example.com/politics/2026/11/28/budget-vote",
    "https://example.com/amp/politics/2026/11/28/budget-vote",
    "https://example.com/politics/2026/11/28/budget-vote?amp=1",
    "https://example.com/politics/2026/11/28/budget-vote?outputType=amp",
])
def test_variants_fold_to_one_key(variant):
    assert canonical_url(variant) == BASE


def test_identity_parameters_are_kept_and_sorted():
    assert canonical_url("https://example.com/article?id=42&page=2&utm_campaign=x") == \
        "https://example.com/article?id=42&page=2"
    assert canonical_url("https://example.com/article?page=2&id=42") == "https://example.com/article?id=42&page=2"
    assert canonical_url("https://example.com/article?id=42") != canonical_url("https://example.com/article?id=43")


def test_amp_html_suffix_and_idempotence():
    url = "https://example.com/news/story-1.amp.html"
    assert canonical_url(url) == "https://example.com/news/story-1.html"
    assert canonical_url(canonical_url(url)) == canonical_url(url)


def test_other_sites_and_paths_stay_apart():
    assert canonical_url("https://example.com/a") != canonical_url("https://example.org/a")
    assert canonical_url("https://example.com/amplifier-news") == "https://example.com/amplifier-news"
    assert canonical_url("https://news.example.com/a") != canonical_url("https://example.com/a")


def test_preferred_url_uses_declared_canonical_only_on_same_site():
    page = "https://m.example.com/s/123?utm_source=x"
    assert preferred_url(page, "https://www.example.com/politics/story-123") == "https://example.com/politics/story-123"
    # A syndicated page pointing at another outlet keeps its own identity.
    assert preferred_url(page, "https://wire.example.org/story-123") == "https://example.com/s/123"
    assert preferred_url(page, None) == "https://example.com/s/123"
    assert preferred_url(page, "javascript:void(0)") == "https://example.com/s/123"
    assert same_site("https://amp.example.com/x", "https://www.example.com/y")


def test_malformed_hosts_do_not_raise():
    from scrapy.http import HtmlResponse

    from newsbot.parsing.article import _absolute
    broken = "https://<![CDATA[www.example.com/politics/story"
    assert canonical_url(broken) == broken
    assert canonical_url("https://www.example.com:99999/x") == "https://www.example.com:99999/x"
    page = HtmlResponse("https://www.example.com/politics/story", body=b"<html></html>")
    assert _absolute(page, broken) is None
    assert _absolute(page, "https://.www.example.com/politics/story") is None   # found by the property test
    assert _absolute(page, "https://www..example.com/x") is None
    assert _absolute(page, "/politics/other") == "https://www.example.com/politics/other"


_URL_TEXT = st.text(alphabet="abcXYZ019-._~/%?&=;:@+ é#!$'()*,[]", max_size=30)


@settings(max_examples=1500, deadline=None)
@given(host=st.sampled_from(["news.example", "www.News.example:8080", "bücher.example", "a.example."]),
       path=_URL_TEXT, query=st.lists(st.tuples(_URL_TEXT, _URL_TEXT), max_size=4))
def test_canonical_form_shortcut_writes_what_w3lib_writes(host, path, query):
    path = "/" + path.lstrip("/")
    assert canonical_form(host, path, query) == canonical_form(host, path, query, shortcut=False)


@settings(max_examples=500, deadline=None)
@given(url=st.builds("https://www.Outlet.example{}?{}".format, _URL_TEXT, _URL_TEXT))
def test_canonical_url_is_idempotent(url):
    assert canonical_url(canonical_url(url)) == canonical_url(url)


def test_canonical_url_keeps_a_url_whose_host_w3lib_cannot_read():
    # urllib splits this host, w3lib then raises on its "port": found by the idempotence test
    url = "https://www.Outlet.example][::?:"
    assert canonical_url(url) == url and canonical_url(canonical_url(url)) == url


def _urlsplit_parts(url):
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.hostname, parts.port, parts.path, parts.query


_URL_PARTS = st.text(alphabet="aZ09-._~/?&=#:@%+ \t[]é", max_size=25)


@settings(max_examples=1500, deadline=None)
@given(scheme=st.sampled_from(["https", "HTTP", "hTtPs", "ftp", "http:"]),
       host=st.text(alphabet="aZ09.-_:@[]é", max_size=12), rest=_URL_PARTS)
def test_split_url_reads_a_plain_url_as_urlsplit_does(scheme, host, rest):
    url = f"{scheme}://{host}{rest}"
    try:
        expected = _urlsplit_parts(url)
    except ValueError:
        with pytest.raises(ValueError):
            split_url(url)
        return
    assert split_url(url) == expected

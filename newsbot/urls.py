"""URL canonicalisation: one key per article whatever tracking, AMP or mobile variant linked to it.

`canonical_url` folds scheme (http -> https), host case, `www.` / `m.` / `mobile.` / `amp.` host
prefixes, default ports, AMP paths (`/amp`, `/amp/...`, `.amp`, `?amp=1`, `?outputType=amp`),
tracking parameters and fragments; the remaining query parameters are sorted (w3lib).
`preferred_url` picks a page's declared rel=canonical / og:url when it is on the same site.
"""

from __future__ import annotations

from functools import lru_cache

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that only say where a click came from; never part of an article's identity.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "twclid", "ttclid", "igshid", "mc_cid",
    "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "cmpid", "ocid", "icid", "ito", "smid",
    "sr_share", "share", "ref", "ref_src", "ref_url", "referrer", "src", "source", "cid", "s_cid",
    "ncid", "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee", "xtor", "at_medium",
    "at_campaign", "guccounter", "guce_referrer", "guce_referrer_sig", "spm", "rss", "feed",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "hsa_", "oly_")
# Query parameters that ask for the AMP rendering of the same page.
AMP_PARAMS = {"amp": None, "outputtype": "amp", "output": "amp", "amp_js_v": None, "usqp": None}
HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.", "amp-")
_AMP_PATH = re.compile(r"(?:/amp/?$|\.amp(?=\.html?$|$))", re.IGNORECASE)


# Outlet ids, as the item schema wants them (newsbot/schema/article.schema.json).
OUTLET_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def outlet_for_host(host: str) -> str:
    """The outlet id of a site newsbot has no spider for: its host without "www.", "_" for
    punctuation, and "site_" before a host that starts with a digit (20minutes.fr, an IP)."""
    name = re.sub(r"[^a-z0-9]+", "_", host.lower().removeprefix("www.")).strip("_") or "unknown"
    return name if name[0].isalpha() else f"site_{name}"


def masked_url(url: str) -> str:
    """The URL without any user or password (a state or server URL), for logs and stats."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _is_amp_param(name: str, value: str) -> bool:
    wanted = AMP_PARAMS.get(name.lower(), False)
    return wanted is None or (wanted is not False and value.lower() == wanted)


def site_host(host: str) -> str:
    """A host without case, trailing dot, or the www / mobile / AMP prefixes sites serve variants on."""
    host = host.lower().rstrip(".")
    changed = True
    while changed:
        changed = False
        for prefix in HOST_PREFIXES:
            if host.startswith(prefix) and host.count(".") >= 2:
                host, changed = host[len(prefix):], True
    return host


# An http(s) URL with a plain host, no port or user, and nothing to unescape: most article URLs.
_PLAIN_URL = re.compile(r"([hH][tT][tT][pP][sS]?)://([A-Za-z0-9.\-]+)(/[A-Za-z0-9\-._~/]*)?"
                        r"(?:\?([A-Za-z0-9\-._~=&]*))?(?:#[^\s]*)?")


def split_url(url: str) -> tuple[str, str | None, int | None, str, str]:
    """(scheme, hostname, port, path, query) as urlsplit gives them; a plain URL is read by one
    regex, a third of urlsplit's cost (a test holds the two equal). ValueError as urlsplit."""
    if plain := _PLAIN_URL.fullmatch(url):
        return plain[1].lower(), plain[2].lower(), None, plain[3] or "", plain[4] or ""
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.hostname, parts.port, parts.path, parts.query


@lru_cache(maxsize=8192)   # pure, and asked for the same URL by middleware, pipeline and store
def canonical_url(url: str) -> str:
    """The key newsbot remembers an article URL by. Idempotent: canonical_url(canonical_url(u)) == it."""
    try:
        scheme, hostname, port, path, query_string = split_url(url.strip())
    except ValueError:  # a malformed host ("Invalid IPv6 URL") or port: keep the URL as it is
        return url.strip()
    if scheme not in ("http", "https") or not hostname:
        return url.strip()
    host = site_host(hostname)
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = path or "/"
    if path.lower().startswith("/amp/"):
        path = path[4:]
    path = _AMP_PATH.sub("", path) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = [(k, v) for k, v in parse_qsl(query_string, keep_blank_values=True)
             if not _is_tracking(k) and not _is_amp_param(k, v)]
    try:
        return canonical_form(host, path, query)
    except ValueError:  # w3lib reads a host urllib accepted as malformed ("x.example][::"): keep the URL
        return url.strip()


_PLAIN_PATH = re.compile(r"[A-Za-z0-9\-._~/]*")
_PLAIN_PART = re.compile(r"[A-Za-z0-9\-._~]*")


def canonical_form(host: str, path: str, query: list[tuple[str, str]], shortcut: bool = True) -> str:
    """w3lib's canonical form of https://host/path?query (percent-encoding normalised, dot segments
    resolved, query sorted). Most article URLs have nothing to escape or resolve: their form is
    written directly, as w3lib would write it, at a tenth of the cost (a test holds the two equal)."""
    if (shortcut and host.isascii() and "[" not in host and "/." not in path and _PLAIN_PATH.fullmatch(path)
            and all(_PLAIN_PART.fullmatch(k) and _PLAIN_PART.fullmatch(v) for k, v in query)):
        sorted_query = "&".join(f"{k}={v}" for k, v in sorted(query))
        host = host.lower()
        return f"https://{host}{path}?{sorted_query}" if sorted_query else f"https://{host}{path}"
    return canonicalize_url(urlunsplit(("https", host, path, urlencode(query), "")), keep_fragments=False)


def same_site(a: str, b: str) -> bool:
    """True when two URLs are on the same site (same host once www / mobile / AMP prefixes go)."""
    host_a, host_b = (site_host(urlsplit(u).hostname or "") for u in (a, b))
    return bool(host_a) and host_a == host_b


def preferred_url(page_url: str, declared: str | None) -> str:
    """Canonical key of the page: its declared canonical URL when on the same site, else its own."""
    if declared and urlsplit(declared).scheme in ("http", "https") and same_site(page_url, declared):
        return canonical_url(declared)
    return canonical_url(page_url)

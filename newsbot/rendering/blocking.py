"""Which browser sub-requests a rendered page may not make (PLAYWRIGHT_ABORT_REQUEST's job).

Listing pages need their HTML, scripts, stylesheets and XHR/fetch; images, fonts, media and
analytics/advertising beacons only cost bandwidth, memory and time.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.settings import BaseSettings

DEFAULT_BLOCKED_TYPES = ("image", "media", "font")
# Third-party trackers and ad servers common on news sites (a suffix match on the host).
DEFAULT_TRACKER_DOMAINS = (
    "google-analytics.com", "googletagmanager.com", "googlesyndication.com", "doubleclick.net",
    "googleadservices.com", "adservice.google.com", "facebook.net", "connect.facebook.net",
    "scorecardresearch.com", "chartbeat.com", "chartbeat.net", "quantserve.com", "hotjar.com",
    "newrelic.com", "nr-data.net", "taboola.com", "outbrain.com", "criteo.com", "criteo.net",
    "amazon-adsystem.com", "adnxs.com", "pubmatic.com", "rubiconproject.com", "moatads.com",
    "krxd.net", "permutive.com", "permutive.app", "parsely.com", "segment.io", "segment.com",
    "optimizely.com", "tiqcdn.com", "demdex.net", "omtrdc.net", "yieldmo.com", "bing.com",
    "clarity.ms", "twitter.com", "platform.twitter.com", "tinypass.com", "cxense.com",
)


class ResourceBlocker:
    """Callable for PLAYWRIGHT_ABORT_REQUEST: True means "abort this browser request"."""

    def __init__(self, resource_types: tuple[str, ...] | list[str], domains: tuple[str, ...] | list[str]):
        self.resource_types = frozenset(t.lower() for t in resource_types)
        self.domains = tuple(d.lower().lstrip(".") for d in domains)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> ResourceBlocker:
        types = settings.getlist("NEWSBOT_RENDER_BLOCK_TYPES") or list(DEFAULT_BLOCKED_TYPES)
        domains = [*DEFAULT_TRACKER_DOMAINS, *settings.getlist("NEWSBOT_RENDER_BLOCK_DOMAINS")]
        return cls(types, domains)

    def is_tracker(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def __call__(self, request) -> bool:  # a playwright.async_api.Request
        return request.resource_type in self.resource_types or self.is_tracker(request.url)

"""Decode HTML with the charset its bytes are really in, or refuse the page; never mojibake.

Servers lie about charsets: Shift_JIS or EUC-JP pages served as UTF-8 (and the reverse), or no
charset at all. Scrapy trusts the declaration (BOM, then Content-Type, then <meta>) and decodes
with replacement characters, which would write unreadable text without any sign of trouble.

For each HTML response with non-ASCII bytes:

1. a BOM decides (Scrapy already honours it);
2. bytes that are valid UTF-8 are UTF-8 (valid multi-byte UTF-8 by accident is vanishingly
   rare in Shift_JIS, EUC-JP or windows-1252 text);
3. otherwise a declared charset that decodes the bytes without error is kept (w3lib reads
   ISO-8859-1 as windows-1252, as browsers do), unless it is a single-byte charset and
   charset-normalizer is sure the bytes are a multi-byte East Asian one;
4. otherwise charset-normalizer detects the charset; if it is confident and that charset decodes
   the whole body, the response is re-decoded with it (newsbot/fault/charset/corrected);
5. otherwise the page is refused with a log line (newsbot/fault/charset/undecodable): no item is
   better than an item of mojibake.
"""

from __future__ import annotations

import codecs
import logging

from charset_normalizer import from_bytes
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

logger = logging.getLogger(__name__)

STAT = "newsbot/fault/charset/"
# Bytes given to the detector; enough for a confident answer, bounded for gigantic pages.
DETECT_BYTES = 256 * 1024
# charset-normalizer's "chaos" (0 = clean text); above this its guess is not trusted.
MAX_CHAOS = 0.25


# Multi-byte charsets of East Asian text, as charset-normalizer names them.
MULTI_BYTE = frozenset({"shift_jis", "cp932", "euc_jp", "euc_jis_2004", "euc_jisx0213", "iso2022_jp",
                        "gb2312", "gbk", "gb18030", "big5", "big5hkscs", "cp950", "euc_kr", "cp949", "johab"})


def is_single_byte(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name in _SINGLE_BYTE or encoding.startswith(("cp125", "iso8859", "latin"))
    except LookupError:
        return False


_SINGLE_BYTE = {"cp1252", "cp1251", "cp1250", "latin-1", "iso8859-1", "iso8859-15", "iso8859-2", "koi8-r", "mac-roman"}


def decodes(body: bytes, encoding: str) -> bool:
    try:
        codecs.decode(body, encoding, "strict")
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def declared_encoding(response: Response) -> str | None:
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
    name = http_content_type_encoding(content_type) or html_body_declared_encoding(response.body[:4096])
    return resolve_encoding(name) if name else None


def detect_encoding(body: bytes) -> str | None:
    """The charset of `body` according to charset-normalizer, when it is confident."""
    best = from_bytes(body[:DETECT_BYTES]).best()
    if best is None or best.chaos > MAX_CHAOS:
        return None
    return best.encoding


def true_encoding(response: Response) -> tuple[str | None, str]:
    """(encoding to decode with, or None to refuse; what happened) for an HTML response."""
    body = response.body
    if body.isascii() or read_bom(body)[0]:
        return response.encoding, "ok"
    declared = declared_encoding(response)
    if decodes(body, "utf-8"):
        return "utf-8", "ok" if declared in (None, "utf-8") else "corrected"
    detected = None
    if declared and declared != "utf-8" and decodes(body, declared):
        if not is_single_byte(declared):
            return declared, "ok"
        # Almost any bytes "decode" in a single-byte charset; Shift_JIS served as windows-1252
        # would pass as accented gibberish. Trust the declaration unless the detector is sure
        # the bytes are a multi-byte East Asian charset.
        detected = detect_encoding(body)
        if not (detected and detected.replace("-", "_").lower() in MULTI_BYTE and decodes(body, detected)):
            return declared, "ok"
        return detected, "corrected"
    detected = detected or detect_encoding(body)
    if detected and decodes(body, detected):
        return detected, "corrected"
    return None, "undecodable"


class CharsetMiddleware:
    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CharsetMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, HtmlResponse):
            return response
        encoding, outcome = true_encoding(response)
        if outcome == "ok":
            return response
        self.stats.inc_value(STAT + outcome)
        if encoding is None:
            logger.warning("refused %s: its bytes are not in the declared charset (%s) and no charset "
                           "could be detected with confidence", response.url, declared_encoding(response))
            raise IgnoreRequest(f"undecodable charset: {response.url}")
        logger.info("%s declares %s but is %s; decoding as %s", response.url,
                    declared_encoding(response) or "no charset", encoding, encoding)
        return response.replace(encoding=encoding)

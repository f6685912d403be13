"""A local web server that misbehaves on purpose: one route per fault newsbot must survive.

Started by the tests on 127.0.0.1 and a free port (`FaultSite().start()`); every request is
logged in `site.hits` (path, monotonic time), so tests can assert what was and was not fetched.
The fault crawl spider (tests/support/faultspider.py) starts from /section, which links every /a/ route,
from the /feed/ and /sitemap/ routes, and from /jobs/ (crash-safety test).
"""

from __future__ import annotations

import gzip
import html
import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# A sample article's text (the parser tests'); the site's own pages each have their own (below).
PARAGRAPHS = [
    "The governing coalition agreed on Tuesday to put the defence budget bill to a vote next week, "
    "after two days of talks between party secretaries-general.",
    "Opposition leaders said they would demand a full debate in the upper house and accused the "
    "cabinet of rushing the measure before the session ends.",
    "Analysts expect the bill to pass with a comfortable majority, although several ruling-party "
    "lawmakers have said they want changes to the spending plan.",
]
JA_TITLE = "政府、防衛予算案を来週採決へ"
JA_PARAGRAPHS = [
    "連立与党は火曜日、防衛予算案を来週採決に付すことで合意した。幹事長会談は二日間に及んだ。",
    "野党党首らは参議院での十分な審議を求め、会期末を前に内閣が採決を急いでいると批判した。",
    "専門家は法案が賛成多数で可決されるとみているが、与党内にも修正を求める声がある。",
]
# The Japanese pages differ by their bill: every run of word characters (what newsbot's dedup
# shingles; 、 and 。 cut them) holds it or sits next to one that does, so no two pages share a
# shingle of three, and no paragraph recurs (which learned boilerplate would remove).
JA_TOPICS = {
    "/a/sjis-as-utf8": "防衛予算案", "/a/eucjp-as-utf8": "子育て支援法案", "/a/utf8-as-sjis": "税制改正法案",
    "/a/utf8-as-eucjp": "年金改革法案", "/a/sjis-undeclared": "補正予算案", "/a/bom-utf8-as-latin1": "選挙制度改革案",
    "/a/bom-utf16": "地方交付税法案",
}
CP1252_TITLE = "Minister’s “café” remarks draw criticism — again"
CP1252_PARAGRAPHS = [
    "The minister’s comments at a café in Lyon were “unfortunate”, a spokesman said.",
    "Critics said the remarks — made at a party fundraiser — showed the cabinet’s disdain for voters.",
]


# Every story of the site has its own text, as on a real outlet: with newsbot's defaults (dedup
# on) pages sharing their paragraphs would be dropped as copies of one story, and a paragraph
# found in four articles is learned as the outlet's template and removed from the next.
_WORDS = ("parliament minister coalition budget vote election opposition reform senate cabinet policy "
          "lawmakers committee treaty summit tariff ministry governor campaign ballot referendum party "
          "leader spokesperson agreement negotiations sanctions defence spending inflation housing "
          "pension healthcare immigration border council mayor court ruling constitution amendment").split()


def story_paragraphs(key: str) -> list[str]:
    """The paragraphs of the English story `key` (its path): made from it, the same in every run."""
    rng = random.Random(key)

    def sentence() -> str:
        return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(12, 20))).capitalize() + "."
    return [" ".join(sentence() for _ in range(3)) for _ in range(3)]


def ja_paragraphs(path: str) -> list[str]:
    """The paragraphs of the Japanese page at `path` (one of JA_TOPICS)."""
    topic = JA_TOPICS[path]
    return [f"連立与党は火曜日、{topic}を来週採決に付すことで合意した。{topic}を巡る幹事長会談は二日間に及んだ。",
            f"野党党首らは参議院での{topic}の十分な審議を求め、{topic}の採決を会期末を前に内閣が急いでいると批判した。",
            f"専門家は{topic}が賛成多数で可決されるとみているが、与党内にも{topic}の修正を求める声がある。"]


def article_html(title: str, paragraphs: list[str], *, lang: str = "en", head: str = "",
                 meta_charset: str | None = None) -> str:
    charset = f'<meta charset="{meta_charset}">' if meta_charset else ""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="{lang}"><head>{charset}<title>{html.escape(title)}</title>{head}'
            f'</head><body><nav><a href="/">Home</a></nav><article><h1>{html.escape(title)}</h1>{body}'
            f"</article><footer>(c) Fault Site</footer></body></html>")


def json_ld(obj_or_text) -> str:
    text = obj_or_text if isinstance(obj_or_text, str) else json.dumps(obj_or_text)
    return f'<script type="application/ld+json">{text}</script>'


def _deep_json(depth: int) -> str:
    return '{"@type": "NewsArticle", "headline": "deep", "x": ' + "[" * depth + "]" * depth + "}"


def _graph_nest(depth: int) -> str:
    inner = json.dumps({"@type": "NewsArticle", "headline": "Hidden deep headline"})
    return '{"@graph": [' * depth + inner + "]}" * depth


BILLION_LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
                  + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
                            for i in range(1, 10))
                  + "]>\n")


class FaultSite:
    """The fault-injection server. `url(path)` gives absolute URLs; `hits` the request log."""

    def __init__(self, secret_file: str | None = None, jobs_articles: int = 30, jobs_delay: float = 0.15,
                 jobs_rate_limited: int | None = None, jobs_rate_limit_status: int = 429):
        self.secret_file = secret_file
        self.jobs_articles = jobs_articles
        self.jobs_delay = jobs_delay
        # This story of the job answers 429 with Retry-After: 2 the first time.
        self.jobs_rate_limited = jobs_rate_limited
        self.jobs_rate_limit_status = jobs_rate_limit_status   # 429, or 503 (also with Retry-After)
        self.hits: list[tuple[str, float]] = []
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)

    # --- lifecycle ---
    def start(self) -> FaultSite:
        site = self

        class Handler(_Handler):
            pass
        Handler.site = site
        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server
        return self._server.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for p, _ in self.hits if p == path)

    def count_prefix(self, prefix: str) -> int:
        with self._lock:
            return sum(1 for p, _ in self.hits if p.startswith(prefix))

    def times(self, path: str) -> list[float]:
        with self._lock:
            return [t for p, t in self.hits if p == path]

    def _hit(self, path: str) -> int:
        with self._lock:
            self.hits.append((path, time.monotonic()))
            self._counts[path] += 1
            return self._counts[path]

    # --- routes: each returns (status, headers, body) or handles the socket itself ---
    def section(self) -> str:
        links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in ARTICLE_ROUTES)
        return f"<!DOCTYPE html><html><body><h1>Politics</h1><ul>{links}</ul></body></html>"

    def jobs_section(self) -> str:
        links = "".join(f'<li><a href="/jobs/a/story-{i:03d}">Story {i}</a></li>' for i in range(self.jobs_articles))
        return f"<!DOCTYPE html><html><body><ul>{links}</ul></body></html>"


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) overflows on a loaded machine when the crawl opens 16
    # connections at once; a refused connection would then look like a fault of the route.
    request_queue_size = 128
    daemon_threads = True


# The article routes the section page links, with what each one does (see _Handler.route).
ARTICLE_ROUTES = [
    "/a/ok",
    "/a/burst-503", "/a/burst-502", "/a/burst-500", "/a/always-500",
    "/a/ratelimited", "/a/ratelimited-long",
    "/a/reset-once", "/a/reset-always",
    "/a/slow", "/a/truncated",
    "/a/redirect-loop", "/a/redirect-spiral", "/a/chain-5",
    "/a/to-metadata", "/a/to-private", "/a/to-loopback2",
    "/a/huge", "/a/huge-chunked", "/a/gzip-bomb", "/a/gzip-ok",
    "/a/sjis-as-utf8", "/a/eucjp-as-utf8", "/a/utf8-as-sjis", "/a/utf8-as-eucjp", "/a/sjis-undeclared",
    "/a/cp1252-as-latin1", "/a/bom-utf8-as-latin1", "/a/bom-utf16", "/a/garbage-as-utf8",
    "/a/empty", "/a/not-article",
    "/a/jsonld-invalid", "/a/jsonld-huge", "/a/jsonld-deep", "/a/jsonld-graph-deep", "/a/jsonld-types",
    "/a/date-future", "/a/date-past",
    "/a/robots-disallowed",
]


class _Handler(BaseHTTPRequestHandler):
    site: FaultSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - quiet test output
        pass

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass

    def _send(self, status: int, body: bytes | str = b"", content_type: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None, length: int | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data) if length is None else length))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def _article(self, title: str, paras: list[str] | None = None, **kwargs) -> None:
        """An English story: its own paragraphs (story_paragraphs of the path) unless given."""
        self._send(200, article_html(title, paras or story_paragraphs(urlsplit(self.path).path), **kwargs))

    def _reset(self) -> None:
        # RST instead of FIN: the client sees "connection reset by peer".
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _redirect(self, location: str) -> None:
        self._send(302, b"", headers={"Location": location})

    def do_GET(self):  # noqa: N802 - http.server's naming
        site = self.site
        parts = urlsplit(self.path)
        path = parts.path
        n = site._hit(path)
        query = parse_qs(parts.query)
        try:
            self.route(path, n, query)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def route(self, path: str, n: int, query) -> None:  # noqa: C901 - one branch per fault
        site = self.site
        if path == "/robots.txt":
            return self._send(200, "User-agent: *\nDisallow: /a/robots-disallowed\n", "text/plain")
        if path == "/section":
            return self._send(200, site.section())
        if path == "/a/ok":
            return self._article("Coalition agrees budget vote")
        if path.startswith("/a/burst-"):
            code = int(path.rsplit("-", 1)[1])
            if n <= 2:
                return self._send(code, f"<h1>{code}</h1>")
            return self._article(f"Article after a {code} burst")
        if path == "/a/always-500":
            return self._send(500, "<h1>500</h1>")
        if path == "/a/ratelimited":
            if n == 1:
                return self._send(429, "slow down", headers={"Retry-After": "2"})
            return self._article("Article after a 429")
        if path == "/a/ratelimited-long":
            return self._send(429, "come back tomorrow", headers={"Retry-After": "86400"})
        if path == "/a/reset-once":
            if n == 1:
                return self._reset()
            return self._article("Article after a connection reset")
        if path == "/a/reset-always":
            return self._reset()
        if path == "/a/slow":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(40):  # 10 s in all, far beyond the test's DOWNLOAD_TIMEOUT
                self.wfile.write(b"<p>slow</p>")
                self.wfile.flush()
                time.sleep(0.25)
            self.close_connection = True
            return None
        if path == "/a/truncated":
            body = article_html("Truncated article", story_paragraphs(path)).encode()
            self._send(200, body[: len(body) // 2], length=len(body))
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if path == "/a/redirect-loop":
            return self._redirect("/a/redirect-loop")
        if path == "/a/redirect-spiral":
            # A loop that never repeats a URL exactly, so only the redirect limit stops it.
            step = int(query.get("n", ["0"])[0])
            return self._redirect(f"/a/redirect-spiral?n={step + 1}")
        if path.startswith("/a/chain-"):
            k = int(path.rsplit("-", 1)[1])
            if k > 0:
                return self._redirect(f"/a/chain-{k - 1}")
            return self._article("Article at the end of a redirect chain")
        if path == "/a/to-metadata":
            return self._redirect("http://169.254.169.254/latest/meta-data/iam/security-credentials/")
        if path == "/a/to-private":
            return self._redirect("http://10.0.0.1/admin")
        if path == "/a/to-loopback2":
            return self._redirect(f"http://127.0.0.2:{site.port}/a/ok")
        if path == "/a/huge":
            # Above newsbot's DOWNLOAD_MAXSIZE (10 MiB), declared in Content-Length.
            return self._send(200, b"<p>" + b"x" * (12 * 1024 * 1024) + b"</p>")
        if path == "/a/huge-chunked":
            # No Content-Length: the client only learns the size while reading.
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"<p>" + b"y" * 65536 + b"</p>"
            try:
                for _ in range(200):  # ~13 MB, above DOWNLOAD_MAXSIZE (10 MiB)
                    self.wfile.write(chunk)
            except OSError:
                pass
            self.close_connection = True
            return None
        if path == "/a/gzip-bomb":
            return self._send(200, site._bomb, headers={"Content-Encoding": "gzip"})
        if path == "/a/gzip-ok":
            body = gzip.compress(article_html("Compressed article", story_paragraphs(path)).encode())
            return self._send(200, body, headers={"Content-Encoding": "gzip"})
        # --- charsets ---
        ja = article_html(JA_TITLE, ja_paragraphs(path), lang="ja") if path in JA_TOPICS else ""
        if path == "/a/sjis-as-utf8":
            return self._send(200, ja.encode("shift_jis"), "text/html; charset=utf-8")
        if path == "/a/eucjp-as-utf8":
            return self._send(200, ja.encode("euc_jp"), "text/html; charset=UTF-8")
        if path == "/a/utf8-as-sjis":
            return self._send(200, ja.encode("utf-8"), "text/html; charset=Shift_JIS")
        if path == "/a/utf8-as-eucjp":
            page = article_html(JA_TITLE, ja_paragraphs(path), lang="ja", meta_charset="EUC-JP")
            return self._send(200, page.encode("utf-8"), "text/html")
        if path == "/a/sjis-undeclared":
            return self._send(200, ja.encode("shift_jis"), "text/html")
        if path == "/a/cp1252-as-latin1":
            page = article_html(CP1252_TITLE, CP1252_PARAGRAPHS, lang="fr")
            return self._send(200, page.encode("cp1252"), "text/html; charset=ISO-8859-1")
        if path == "/a/bom-utf8-as-latin1":
            return self._send(200, b"\xef\xbb\xbf" + ja.encode("utf-8"), "text/html; charset=ISO-8859-1")
        if path == "/a/bom-utf16":
            return self._send(200, ja.encode("utf-16"), "text/html")
        if path == "/a/garbage-as-utf8":
            import random
            rng = random.Random(9)
            noise = bytes(rng.randrange(0x80, 0x100) for _ in range(6000))
            body = b"<html><head><title>x</title></head><body><article><h1>" + noise[:200] + \
                b"</h1><p>" + noise[200:] + b"</p></article></body></html>"
            return self._send(200, body, "text/html; charset=utf-8")
        # --- pages that are not articles ---
        if path == "/a/empty":
            return self._send(200, b"")
        if path == "/a/not-article":
            return self._send(200, '<!DOCTYPE html><html><head><title>Sign in</title></head><body>'
                                   '<form action="/login"><input name="user"><input type="password" name="pw">'
                                   '<button>Sign in</button></form></body></html>')
        # --- structured data ---
        base_ld = {"@context": "https://schema.org", "@type": "NewsArticle"}
        if path == "/a/jsonld-invalid":
            head = json_ld('{"@type": "NewsArticle", "headline": "Broken JSON-LD headline", "author": [}')
            return self._article("Invalid JSON-LD falls back to the page", head=head)
        if path == "/a/jsonld-huge":
            huge = dict(base_ld, headline="Huge JSON-LD headline", articleBody="word " * 600_000)
            return self._article("Huge JSON-LD is skipped", head=json_ld(huge))
        if path == "/a/jsonld-deep":
            return self._article("Deep JSON-LD is skipped", head=json_ld(_deep_json(200_000)))
        if path == "/a/jsonld-graph-deep":
            return self._article("Deep @graph is not walked", head=json_ld(_graph_nest(100)))
        if path == "/a/jsonld-types":
            wrong = dict(base_ld, headline=42, author={"name": ["not", "a", "string"]},
                         datePublished=["2024-01-01"], image=7, keywords={"a": 1}, articleBody=12,
                         isAccessibleForFree="maybe", inLanguage=["xx"], mainEntityOfPage=3.5)
            return self._article("Wrong JSON-LD types fall back", head=json_ld(wrong))
        if path == "/a/date-future":
            ld = dict(base_ld, headline="An article dated in the year 2999", datePublished="2999-01-01T00:00:00Z")
            return self._article("An article dated in the year 2999", head=json_ld(ld))
        if path == "/a/date-past":
            ld = dict(base_ld, headline="An article dated 1850", datePublished="1850-06-01T00:00:00Z",
                      dateModified="0001-01-01")
            return self._article("An article dated 1850", head=json_ld(ld))
        if path == "/a/robots-disallowed":
            return self._article("Robots.txt forbids this page")
        if path == "/a/from-feed":
            return self._article("Article found through the feed")
        if path == "/a/from-sitemap":
            return self._article("Article found through the sitemap")
        # --- feeds and sitemaps ---
        if path.startswith(("/feed/", "/sitemap/")):
            return self._send(200, self._xml(path), "application/xml")
        if path == "/xxe-probe":
            return self._send(200, "PROBE-SECRET", "text/plain")
        # --- crash-safety job: a listing of slow articles ---
        if path == "/jobs/section":
            return self._send(200, site.jobs_section())
        if path.startswith("/jobs/a/story-"):
            number = path.rsplit("-", 1)[1]
            if site.jobs_rate_limited is not None and int(number) == site.jobs_rate_limited and n == 1:
                return self._send(site.jobs_rate_limit_status, "slow down", headers={"Retry-After": "2"})
            time.sleep(site.jobs_delay)
            return self._article(f"Story number {number} of the crash-safety job")
        return self._send(404, "<h1>not found</h1>")

    def _xml(self, path: str) -> bytes:
        site = self.site
        secret = f"file://{site.secret_file}" if site.secret_file else "file:///etc/hostname"
        probe = site.url("/xxe-probe")
        item = f"<item><title>Feed item</title><link>{site.url('/a/from-feed')}</link></item>"
        if path == "/feed/good.xml":
            text = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{item}</channel></rss>'
        elif path == "/feed/billion-laughs.xml":
            text = BILLION_LAUGHS + (f"<rss version=\"2.0\"><channel><title>&lol9;</title>"
                                     f"<item><title>&lol9;</title><link>{site.url('/a/from-feed')}</link></item>"
                                     "</channel></rss>")
        elif path == "/feed/xxe.xml":
            text = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY secret SYSTEM "{secret}">'
                    f'<!ENTITY probe SYSTEM "{probe}">]>'
                    f'<rss version="2.0"><channel><title>&secret;</title>'
                    f"<item><title>&secret;&probe;</title><link>{site.url('/a/xxe-')}&secret;&probe;</link></item>"
                    f"{item}</channel></rss>")
        elif path == "/sitemap/billion-laughs.xml":
            text = BILLION_LAUGHS + ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                                     f"<url><loc>{site.url('/a/from-sitemap')}</loc><lastmod>&lol9;</lastmod></url>"
                                     "</urlset>")
        elif path == "/sitemap/xxe.xml":
            text = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY secret SYSTEM "{secret}">'
                    f'<!ENTITY probe SYSTEM "{probe}">]>'
                    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<url><loc>{site.url('/a/xxe-')}&secret;&probe;</loc></url>"
                    f"<url><loc>{site.url('/a/from-sitemap')}</loc></url></urlset>")
        else:
            return b"<nope/>"
        return text.encode("utf-8")

"""A local site whose politics listing is built by JavaScript, for rendering tests and benchmarks.

    /listing?mode=button|scroll&per=5&pages=4&start=0  cards come from /api/items; "Load more" or
                                                infinite scroll (an IntersectionObserver) adds pages
    /api/items?page=N&per=5&pages=4             JSON cards for page N (empty after `pages`)
    /articles/N                                 a plain article page
    /static/pic.png, /static/font.woff2         an image and a web font the listing uses
    /never                                      a page whose script never finishes loading
    http://static.chartbeat.com/analytics.js  a tracker (map the host with Chromium's
                                                --host-resolver-rules to this server)

Every request is recorded as (host, path) in `JsSite.requests`.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TRACKER_HOST = "static.chartbeat.com"

LISTING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Politics</title>
<style>
@font-face {{ font-family: "Serif Display"; src: url("/static/font.woff2") format("woff2"); }}
body {{ font-family: "Serif Display", serif; }}
.card {{ height: 240px; }}
#sentinel {{ height: 10px; }}
</style>
<script src="http://{tracker}/analytics.js" async></script>
</head><body>
<h1>Politics</h1>
<img src="/static/pic.png" alt="masthead" width="600" height="80">
<ul id="cards"></ul>
<button id="load-more" type="button" hidden>Load more</button>
<div id="sentinel"></div>
<script>
(function () {{
  var mode = "{mode}", per = {per}, pages = {pages}, start = {start}, page = 0, busy = false;
  var list = document.getElementById("cards"), more = document.getElementById("load-more");
  function load() {{
    if (busy || page >= pages) return;
    busy = true; page += 1;
    fetch("/api/items?page=" + page + "&per=" + per + "&pages=" + pages + "&start=" + start)
      .then(function (r) {{ return r.json(); }})
      .then(function (items) {{
        items.forEach(function (it) {{
          var li = document.createElement("li"); li.className = "card";
          var a = document.createElement("a"); a.href = it.url; a.textContent = it.title;
          li.appendChild(a); list.appendChild(li);
        }});
        busy = false;
        more.hidden = !(mode === "button" && page < pages);
        if (mode === "scroll") observer.unobserve(sentinel), observer.observe(sentinel);
      }});
  }}
  var sentinel = document.getElementById("sentinel");
  var observer = new IntersectionObserver(function (entries) {{
    if (mode === "scroll" && entries.some(function (e) {{ return e.isIntersecting; }})) load();
  }});
  more.addEventListener("click", load);
  load();
}})();
</script>
</body></html>
"""

NEVER = """<!doctype html><html><head><title>Slow</title>
<script src="/hang.js"></script></head><body><ul id="cards"></ul></body></html>"""

ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Article {n}</title></head>
<body><article><h1>Article {n}</h1><p>Parliament debated bill {n} today.</p></article></body></html>"""


class JsSite:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.release = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the browser closed the page first (/hang.js at teardown): nothing to answer

            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").split(":")[0]
                url = urlsplit(self.path)
                site.requests.append((host, url.path))
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                per, pages, start = int(q.get("per", 5)), int(q.get("pages", 4)), int(q.get("start", 0))
                if host == TRACKER_HOST:
                    return self._send(200, b"window.ga = function () {};", "application/javascript")
                if url.path == "/listing":
                    html = LISTING.format(mode=q.get("mode", "button"), per=per, pages=pages, start=start,
                                          tracker=TRACKER_HOST)
                    return self._send(200, html.encode(), "text/html; charset=utf-8")
                if url.path == "/api/items":
                    page = int(q.get("page", 1))
                    items = [] if page > pages else [
                        {"url": f"/articles/{start + (page - 1) * per + i + 1}",
                         "title": f"Bill {start + (page - 1) * per + i + 1}"}
                        for i in range(per)]
                    return self._send(200, json.dumps(items).encode(), "application/json")
                if url.path.startswith("/articles/"):
                    n = url.path.rsplit("/", 1)[1]
                    return self._send(200, ARTICLE.format(n=n).encode(), "text/html; charset=utf-8")
                if url.path == "/static/pic.png":
                    return self._send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")
                if url.path == "/static/font.woff2":
                    return self._send(200, b"wOF2" + b"\0" * 64, "font/woff2")
                if url.path == "/never":
                    return self._send(200, NEVER.encode(), "text/html; charset=utf-8")
                if url.path == "/hang.js":
                    site.release.wait(60)  # never settles while the test runs
                    return self._send(200, b"", "application/javascript")
                return self._send(404, b"not found", "text/plain")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def resolver_rules(self) -> str:
        return f"--host-resolver-rules=MAP {TRACKER_HOST} 127.0.0.1:{self.port}"

    def paths(self, host: str | None = None) -> list[str]:
        return [p for h, p in self.requests if host is None or h == host]

    def __enter__(self) -> JsSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

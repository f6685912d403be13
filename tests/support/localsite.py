"""A small politics site on 127.0.0.1 for crawl tests: a section page linking N articles.

`mode` decides how it misbehaves: "ok", "500" (every page answers 500), "no_links" (section page
without article links), "no_dates" (most articles lack a publication date), "slow" (articles
wait for `release`, at most `delay` seconds).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE = """<!doctype html><html lang="en"><head><title>{title}</title></head><body>
<header><nav><a href="/politics">Politics</a></nav></header>
<article>
<h1 class="headline">{title}</h1>
<p class="byline"><a href="/authors/jane">Jane Roe</a></p>
{time}
<div class="story">
<p>The coalition agreed on {n} new measures on Tuesday after a long night of talks in the capital.</p>
<p>Opposition leaders said the measures fell short of what voters had been promised in the spring.</p>
<p>The bill now goes to the upper house, where the coalition lacks a majority of its own.</p>
</div></article></body></html>"""

SECTION = """<!doctype html><html><head><title>Politics</title></head><body><ul>{links}</ul></body></html>"""


class LocalSite:
    def __init__(self, mode: str = "ok", articles: int = 3, delay: float = 0.0):
        self.mode, self.articles, self.delay = mode, articles, delay
        self.hits = 0
        self.release = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet test output
                pass

            def do_GET(self):
                site.hits += 1
                status, body = site.page(self.path)
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def page(self, path: str) -> tuple[int, str]:
        if self.mode == "500":
            return 500, "<html><body>Internal Server Error</body></html>"
        if path == "/politics":
            links = "" if self.mode == "no_links" else "".join(
                f'<li><a href="/politics/coalition-agrees-measure-number-{n}">Story {n}</a></li>'
                for n in range(1, self.articles + 1))
            return 200, SECTION.format(links=links)
        if path.startswith("/politics/coalition-agrees-measure-number-"):
            n = int(path.rsplit("-", 1)[1])
            if self.mode == "slow":   # held until the test sets `release` (at most `delay` seconds)
                self.release.wait(self.delay)
            dated = not (self.mode == "no_dates" and n > 1)
            stamp = f'<time datetime="2026-11-2{n % 10}T09:00:00Z">Nov 2{n % 10}</time>' if dated else ""
            return 200, ARTICLE.format(title=f"Coalition agrees measure number {n}", n=n, time=stamp)
        return 404, "<html><body>Not found</body></html>"

    def __enter__(self) -> LocalSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

"""A generated politics news site served on 127.0.0.1, for throughput benchmarks and fleet tests.

Pages are made deterministically from a seed: listing pages with pagination, and article pages
of 30-150 KB with JSON-LD, OpenGraph, a share bar, related lists, newsletter prompts, scripts
and inline styles, like a real outlet's template. The server is a minimal HTTP/1.1 keep-alive
server on asyncio, serving from memory, so the site costs little CPU next to the crawler.

    python -m tests.support.sites.politics_site --articles 5000 --port 0   # prints "READY <port>"
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys

PER_LISTING_PAGE = 50
WORDS = ("parliament minister coalition budget vote election opposition reform senate cabinet policy "
         "lawmakers committee treaty summit tariff ministry governor campaign ballot referendum party "
         "leader spokesperson agreement negotiations sanctions defense spending inflation housing "
         "pension healthcare immigration border council mayor court ruling constitution amendment").split()
JUNK_BLOCKS = (
    '<div class="share-bar"><a href="#">Share on Facebook</a><a href="#">Share on X</a><a href="#">Print</a></div>',
    '<aside class="newsletter"><h3>Sign up for our politics newsletter</h3><p>Get the day\'s top stories in your inbox.</p><button>Subscribe</button></aside>',
    '<div class="ad-slot"><span>Advertisement</span></div>',
)


def article_path(n: int) -> str:
    return f"/politics/2026/11/story-{n:05d}-lawmakers-debate-budget-plan"


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 28))]
    return " ".join(words).capitalize() + "."


def article_page(n: int, seed: int = 7) -> bytes:
    rng = random.Random(seed * 1_000_003 + n)
    title = f"Story {n}: " + " ".join(rng.choice(WORDS) for _ in range(8)).capitalize()
    paragraphs = ["".join(" " + _sentence(rng) for _ in range(rng.randint(3, 6))).strip()
                  for _ in range(rng.randint(6, 14))]
    url = f"http://site.test{article_path(n)}"
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
          "description": paragraphs[0][:150], "datePublished": f"2026-11-{1 + n % 27:02d}T{n % 24:02d}:15:00+01:00",
          "author": [{"@type": "Person", "name": f"Reporter {n % 37}"}], "articleSection": "Politics",
          "image": f"http://site.test/img/{n}.jpg", "mainEntityOfPage": url, "isAccessibleForFree": True}
    related = "".join(f'<li><a href="{article_path((n + k) % 100000)}">Related story {k}</a></li>' for k in range(1, 15))
    # Template weight: real pages carry tens of KB of scripts, styles and navigation.
    filler_target = rng.randint(25_000, 140_000)
    script = "var config = " + json.dumps({"k": ["x" * 60] * 20}) + ";\n"
    filler = []
    size = 0
    while size < filler_target:
        chunk = f"<script>{script}</script><style>.c{size}{{margin:0;padding:0;color:#333}}</style>"
        filler.append(chunk)
        size += len(chunk)
    body = "".join(f"<p>{p}</p>" + (JUNK_BLOCKS[2] if i == 3 else "") for i, p in enumerate(paragraphs))
    html = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | Site</title>
<link rel="canonical" href="{url}"><meta property="og:title" content="{title}">
<meta property="og:type" content="article"><meta property="article:section" content="Politics">
<script type="application/ld+json">{json.dumps(ld)}</script>{''.join(filler[: len(filler) // 2])}</head>
<body><header><nav><a href="/">Home</a><a href="/politics">Politics</a><a href="/world">World</a></nav></header>
<main><article><h1 class="headline">{title}</h1>{JUNK_BLOCKS[0]}<div class="story-body">{body}</div>{JUNK_BLOCKS[1]}</article>
<aside class="related"><h2>Related</h2><ul>{related}</ul></aside></main>
<footer><p>Copyright Site Media. All rights reserved.</p></footer>{''.join(filler[len(filler) // 2:])}</body></html>"""
    return html.encode("utf-8")


def listing_page(page: int, articles: int) -> bytes:
    pages = max(1, -(-articles // PER_LISTING_PAGE))
    start = (page - 1) * PER_LISTING_PAGE
    links = "".join(f'<li class="card"><a class="card__link" href="{article_path(n)}">Story {n}</a></li>'
                    for n in range(start, min(start + PER_LISTING_PAGE, articles)))
    nxt = f'<a rel="next" href="/politics?page={page + 1}">Next</a>' if page < pages else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Politics</title></head>'
            f'<body><h1>Politics</h1><ul class="cards">{links}</ul><nav>{nxt}</nav></body></html>').encode()


class Site:
    def __init__(self, articles: int, seed: int = 7):
        self.articles = articles
        self.seed = seed
        self.pages: dict[str, bytes] = {}
        pages = max(1, -(-articles // PER_LISTING_PAGE))
        self.pages["/politics"] = listing_page(1, articles)
        for page in range(1, pages + 1):
            self.pages[f"/politics?page={page}"] = listing_page(page, articles)
        for n in range(articles):
            self.pages[article_path(n)] = article_page(n, seed)
        self.pages["/robots.txt"] = b"User-agent: *\nAllow: /\n"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                target = head.split(b" ", 2)[1].decode("latin-1")
                body = self.pages.get(target)
                status = b"200 OK" if body is not None else b"404 Not Found"
                body = body if body is not None else b"not found"
                ctype = b"text/plain" if target.endswith(".txt") or status != b"200 OK" else b"text/html; charset=utf-8"
                writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype +
                             b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()


async def serve(site: Site, port: int) -> None:
    server = await asyncio.start_server(site.handle, "127.0.0.1", port, backlog=512)
    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    site = Site(args.articles)
    print(f"generated {len(site.pages)} pages, {sum(map(len, site.pages.values())) / 1e6:.0f} MB", file=sys.stderr, flush=True)
    asyncio.run(serve(site, args.port))


if __name__ == "__main__":
    main()

"""Extract articles from saved pages: `python -m newsbot.extract [--url URL] [--url-map F.tsv] FILE...`

Prints one JSON object per file on stdout: the item's fields plus `path`, or `path` and `error`.
A page whose URL belongs to a known outlet goes through that outlet's parser, any other through
the generic one; both then pass the same offline pipelines as a crawl (cleaning, validation).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.spiderloader import SpiderLoader

from .parsing.article import OutletProfile, parse_article
from .parsing.limits import ExtractLimits
from .processing import OfflinePipelines, newsbot_settings
from .spiders.base import PoliticsSpider
from .urls import outlet_for_host

MAX_PAGE_BYTES = 50 * 1024 * 1024
logger = logging.getLogger("newsbot.extract")


def read_page(path: Path) -> bytes:
    with path.open("rb") as handle:
        head = handle.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    with opener(path, "rb") as handle:
        data = handle.read(MAX_PAGE_BYTES + 1)
    if len(data) > MAX_PAGE_BYTES:
        raise ValueError(f"page larger than {MAX_PAGE_BYTES} bytes")
    return data


def outlet_spiders(settings) -> list[type[PoliticsSpider]]:
    loader = SpiderLoader.from_settings(settings)
    classes = (loader.load(name) for name in loader.list())
    return [cls for cls in classes if issubclass(cls, PoliticsSpider) and getattr(cls, "allowed_domains", None)]


def generic_profile(url: str) -> OutletProfile:
    return OutletProfile(outlet=outlet_for_host(urlsplit(url).hostname or ""), section=None, language=None)


class Extractor:
    def __init__(self) -> None:
        self.settings = newsbot_settings()
        self.spiders = outlet_spiders(self.settings)
        self.pipelines = OfflinePipelines(self.settings)
        self.limits = ExtractLimits.from_settings(self.settings)

    def page_url(self, body: bytes, path: Path) -> str:
        """The URL a page says it has (canonical, og:url), for files saved without one."""
        probe = HtmlResponse(url=path.resolve().as_uri(), body=body)
        found = probe.xpath('//link[@rel="canonical"]/@href').get() or \
            probe.xpath('//meta[@property="og:url"]/@content').get()
        return found.strip() if found and found.strip().startswith("http") else probe.url

    def extract(self, path: Path, url: str | None = None) -> dict[str, Any]:
        body = read_page(path)
        return self.extract_page(body, url or self.page_url(body, path))

    def extract_page(self, body: bytes | str, url: str) -> dict[str, Any]:
        """The item's fields for one page (bytes as saved, or decoded text) at `url`; raises
        ValueError (no article) or DropItem (the item fails the pipelines)."""
        if isinstance(body, str):
            response = HtmlResponse(url=url, body=body.encode("utf-8"), encoding="utf-8")
        else:
            response = HtmlResponse(url=url, body=body)
        spider_cls = next((cls for cls in self.spiders if cls.handles_url(url)), None)
        if spider_cls is not None:
            spider = spider_cls()
            spider.settings = self.settings   # as in a crawl: NEWSBOT_EXTRACT_MAX_* (extract_limits)
            result = spider.build_article(response)
            spider_name = spider_cls.name
        else:
            result = parse_article(response, generic_profile(url), self.limits)
            spider_name = "generic"
        if result.item is None:
            raise ValueError(result.error or "no article found")
        result.item.spider = spider_name
        item = self.pipelines.process(result.item)
        return ItemAdapter(item).asdict()


def error_text(exc: BaseException) -> str:
    """Why a page gave no item, as the command line and `newsbot.extract_many` report it."""
    return f"dropped: {exc}" if isinstance(exc, DropItem) else f"{type(exc).__name__}: {exc}"


def read_url_map(path: str) -> dict[str, str]:
    mapping = {}
    for line in Path(path).read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            file_path, _, url = line.partition("\t")
            mapping[str(Path(file_path.strip()))] = url.strip()
    return mapping


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsbot.extract", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", metavar="FILE", help=".html or .html.gz saved pages")
    parser.add_argument("--url", help="the URL of the page(s), for routing to an outlet parser")
    parser.add_argument("--url-map", help="TSV file of path<TAB>url lines")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    url_map = read_url_map(args.url_map) if args.url_map else {}
    files = list(args.files) or list(url_map)
    if not files:
        parser.error("give at least one FILE (or --url-map)")
    extractor = Extractor()
    failures = 0
    for name in files:
        record: dict[str, Any]
        try:
            record = extractor.extract(Path(name), url_map.get(str(Path(name))) or args.url)
        except Exception as exc:  # one bad file never stops the others
            logger.debug("extraction failed for %s", name, exc_info=True)
            record, failures = {"error": error_text(exc)}, failures + 1
        print(json.dumps({**record, "path": name}, ensure_ascii=False), flush=True)
    return 1 if failures == len(files) else 0


if __name__ == "__main__":
    sys.exit(main())

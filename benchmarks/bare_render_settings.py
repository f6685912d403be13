"""Settings of the bare scrapy-playwright spider in benchmarks/rendering.py: Scrapy's and
scrapy-playwright's defaults, no newsbot (its handler, middlewares, pipelines or add-on)."""

SPIDER_MODULES = ["benchmarks.spiders"]
ROBOTSTXT_OBEY = False
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {
    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_ABORT_REQUEST = "benchmarks.spiders.bare_render.abort_heavy"

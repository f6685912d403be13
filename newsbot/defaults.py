"""The settings newsbot's components read, with their defaults: what `newsbot.NewsbotAddon` brings
into a Scrapy project (below the project's own settings) and what newsbot's own project starts from.

Every NEWSBOT_* setting can also be given with -s or in a spider's custom_settings; the README
lists the ones users change. Settings that are dictionaries of components (middlewares,
pipelines, extensions, download handlers, feed storages) are merged key by key into the project's
own by the add-on, so a project keeps its components and gains newsbot's.
"""

import os

from newsbot import __version__

# --- politeness -------------------------------------------------------------------------------
USER_AGENT = f"newsbot/{__version__} (+{{contact}})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Scrapy starts CONCURRENT_ITEMS asyncio workers for every response's output (default 100); an
# article yields one item and newsbot's pipelines are synchronous, so more buys nothing.
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 3 * 1024 * 1024
RETRY_TIMES = 3
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy's own collector wraps every attribute read (newsbot/crawlstats.py says what that costs).
STATS_CLASS = "newsbot.crawlstats.CrawlStatsCollector"

# --- newsbot ----------------------------------------------------------------------------------
# Every NEWSBOT_* setting is declared once in newsbot/config.py (default, type, allowed values,
# environment variable, what it does; docs/faults-and-configuration.md lists them) and checked
# when a crawl starts: a bad value stops the run with one line and exit 6.
from newsbot.config import defaults as _newsbot_defaults

globals().update(_newsbot_defaults())

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    # Closest to the engine: counts how each request finally ended, after retries (health, summary).
    "newsbot.extensions.outcomes.RequestOutcomeMiddleware": 10,
    "newsbot.middlewares.useragent.ContactUserAgentMiddleware": 500,
    # Before robots.txt (100) is asked, so known articles cost no request at all.
    "newsbot.middlewares.dedup.KnownArticleMiddleware": 50,
    # Last before the download handler, so retries, robots.txt and decompression all see replays.
    "newsbot.middlewares.replay.ReplayDownloaderMiddleware": 950,
}
SPIDER_MIDDLEWARES = {
    # Closest to the engine: a page is released once every other middleware is done with it too.
    "newsbot.middlewares.pages.ReleaseParsedPageMiddleware": 5,
}
ITEM_PIPELINES = {
    "newsbot.pipelines.normalize.NormalizePipeline": 100,
    "newsbot.pipelines.clean.CleanBodyPipeline": 200,
    "newsbot.pipelines.clean.LearnedBoilerplatePipeline": 210,
    "newsbot.pipelines.finalize.FinalizePipeline": 800,
    "newsbot.pipelines.validate.ValidatePipeline": 900,
    # After validation: only items that will be written are remembered.
    "newsbot.pipelines.dedup.DedupPipeline": 950,
}
# --- runs from cron and CI (docs/operations.md "Running from cron and CI") -------------------
EXTENSIONS = {
    "newsbot.extensions.lock.RunLockExtension": 10,
    # After the lock (a locked-out run must not touch the state), before the engine opens anything.
    "newsbot.extensions.statecheck.StateCheck": 20,
    "newsbot.extensions.progress.ProgressExtension": 500,
    "newsbot.extensions.drift.SelectorDriftMonitor": 510,
    "newsbot.extensions.callbackcheck.CallbackCheckOnce": 520,
    # Health before summary: both act on engine_stopped, in this order.
    "newsbot.extensions.health.HealthExtension": 900,
    "newsbot.extensions.summary.RunSummaryExtension": 910,
    # After the summary: both report what health and the summary left (exit code, summary path).
    "newsbot.extensions.alerts.RunAlertExtension": 920,
    "newsbot.extensions.metrics.RunMetricsExtension": 930,
    # Last to see spider_opened: what the others made at opening is frozen too (see the module).
    "newsbot.extensions.gcfreeze.FreezeStartupObjects": 990,
}
SPIDER_CONTRACTS = {
    "newsbot.contracts.SchemaContract": 10,
    "newsbot.contracts.NoJunkContract": 11,
    "newsbot.contracts.CoverageContract": 12,
    "newsbot.contracts.BodyContract": 13,
}

# --- deduplication (newsbot/dedup/) -------------------------------------------------------------

LOG_FORMATTER = "newsbot.logformatter.NewsbotLogFormatter"

# --- output -----------------------------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORTERS = {"jsonl": "scrapy.exporters.JsonLinesItemExporter"}
FEED_EXPORT_FIELDS = None
# A run that found nothing new (most runs of a frequent schedule) writes no file and uploads no
# empty object and manifest; an -O file (overwrite) is still emptied, as asked.
FEED_STORE_EMPTY = False

# --- reliability and security under faults (docs/faults-and-configuration.md) ------------------
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
DOWNLOADER_MIDDLEWARES.update({
    # Before OffsiteMiddleware (50): no connection is ever opened to a refused address.
    "newsbot.middlewares.netguard.PrivateAddressMiddleware": 40,
    "newsbot.resume.middleware.SkipDeliveredMiddleware": 45,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newsbot.middlewares.retry.BackoffRetryMiddleware": 550,
    # After decompression (590) and before <meta> refresh (580) reads the text.
    "newsbot.middlewares.charset.CharsetMiddleware": 585,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "newsbot.middlewares.faults.CountingHttpCompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "newsbot.middlewares.faults.CountingRedirectMiddleware": 600,
    # Sees every raw status and download exception before retries act on them.
    "newsbot.middlewares.faults.FaultStatsMiddleware": 940,
    # After every middleware that changes a response: the worker reads the page the callback would.
    "newsbot.middlewares.extraction.ExtractionWorkerMiddleware": 30,
})
ITEM_PIPELINES.update({"newsbot.resume.pipeline.SkipDeliveredPipeline": 990})
# With JOBDIR: newsbot-delivered.txt makes a killed-and-restarted run lose and repeat nothing.
# Before Scrapy's FeedExporter (0): ties each item's dedup decision to the spool batch it is
# written into, so a batch that cannot be spooled takes its decisions back (newsbot/dedup/pending.py).
EXTENSIONS["newsbot.dedup.pending.PendingDecisions"] = -5
EXTENSIONS["newsbot.resume.ledger.DeliveryLedger"] = 900

# --- rendering (newsbot/rendering, scrapy-playwright) ------------------------------------------
# Plain requests go through Scrapy's HTTP/1.1 handler; Playwright starts only when a request
# is marked playwright=True (or at start when the spider declares rendering).
DOWNLOAD_HANDLERS = {
    "http": "newsbot.rendering.handler.RenderingDownloadHandler",
    "https": "newsbot.rendering.handler.RenderingDownloadHandler",
}
# Checks the browser at start when the crawl will render (exit code 6 when it cannot start).
EXTENSIONS["newsbot.rendering.check.BrowserCheck"] = 100
PLAYWRIGHT_BROWSER_TYPE = "chromium"
# The system Chromium (`playwright install` cannot download browsers here); headless and the
# quiet flags are added by the handler unless "args" is given.
PLAYWRIGHT_LAUNCH_OPTIONS = {"executable_path": os.environ.get("NEWSBOT_CHROMIUM", "/usr/bin/chromium")}
# The newest context and the recycled one finishing its last pages.
PLAYWRIGHT_MAX_CONTEXTS = 2
# Pages open at once in the whole browser (newsbot/rendering/handler.py); scrapy-playwright's
# PLAYWRIGHT_MAX_PAGES_PER_CONTEXT is left to its default, so one context can use them all.
NEWSBOT_RENDER_MAX_PAGES = 8
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30000

# --- delivery (newsbot/delivery; docs/operations.md "Delivery") --------------------------------
# Every feed batch goes to <NEWSBOT_HOME>/spool first, is delivered and verified, and only then
# leaves the spool; what could not be delivered is re-sent at the next run's start.
FEED_STORAGES = {
    "": "newsbot.delivery.storages.SpooledFeedStorage",
    "file": "newsbot.delivery.storages.SpooledFeedStorage",
    "s3": "newsbot.delivery.storages.SpooledFeedStorage",
}
FEED_URI_PARAMS = "newsbot.delivery.uriparams.uri_params"
EXTENSIONS["newsbot.delivery.extension.DeliveryExtension"] = 600
AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID")
AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY")
AWS_SESSION_TOKEN = os.environ.get("AWS_SESSION_TOKEN")
AWS_ENDPOINT_URL = os.environ.get("AWS_ENDPOINT_URL")
AWS_REGION_NAME = os.environ.get("AWS_REGION_NAME") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"

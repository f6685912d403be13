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
# Where site operators can reach whoever runs this crawler; substituted into USER_AGENT.
NEWSBOT_CONTACT_URL = os.environ.get("NEWSBOT_CONTACT_URL", "https://github.com/newsbot/newsbot")
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

# --- newsbot ----------------------------------------------------------------------------------
# Local state (dedup database, learned boilerplate, spool, locks, summaries): None means the
# NEWSBOT_HOME environment variable, else ./.newsbot (see newsbot/paths.py).
NEWSBOT_HOME = None
# Folder of recorded responses to crawl offline instead of the network (also an env variable).
NEWSBOT_REPLAY = os.environ.get("NEWSBOT_REPLAY", "")
# The project's recordings root (<root>/<outlet>/): `scrapy check` replays it when neither --replay
# nor NEWSBOT_REPLAY is given, `scrapy record` writes into it; relative to the project folder.
NEWSBOT_RECORDINGS = None
# Several processes share one queue in Redis (NEWSBOT_STATE=redis://...); see newsbot/distributed.py.
NEWSBOT_DISTRIBUTED = False
NEWSBOT_FLEET_IDLE_SECONDS = 10
# A request a worker takes stays leased to it (renewed every third of this) until its items are in
# a committed batch; a dead worker's leases expire after this many seconds and go back to the queue.
NEWSBOT_FLEET_LEASE_SECONDS = 60
# Listing pages followed per section URL (page 1 included).
NEWSBOT_MAX_LISTING_PAGES = 5
# Learned boilerplate (newsbot/cleaning/boilerplate.py): a paragraph found in this many articles of
# one outlet is template; counts persist in the NEWSBOT_STATE store (default
# sqlite:///<NEWSBOT_HOME>/state.sqlite) and are forgotten after the window if never confirmed.
NEWSBOT_BOILERPLATE_ENABLED = True
NEWSBOT_BOILERPLATE_MIN_ARTICLES = 4
NEWSBOT_BOILERPLATE_WINDOW_DAYS = 30

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
    "newsbot.extensions.progress.ProgressExtension": 500,
    "newsbot.extensions.drift.SelectorDriftMonitor": 510,
    # Health before summary: both act on engine_stopped, in this order.
    "newsbot.extensions.health.HealthExtension": 900,
    "newsbot.extensions.summary.RunSummaryExtension": 910,
    # After the summary: both report what health and the summary left (exit code, summary path).
    "newsbot.extensions.alerts.RunAlertExtension": 920,
    "newsbot.extensions.metrics.RunMetricsExtension": 930,
    # Last to see spider_opened: what the others made at opening is frozen too (see the module).
    "newsbot.extensions.gcfreeze.FreezeStartupObjects": 990,
}
# Health policy (per spider through custom_settings); a broken rule makes the run exit 3.
NEWSBOT_HEALTH_ENABLED = True
NEWSBOT_HEALTH_MIN_ITEMS = 1
NEWSBOT_HEALTH_MAX_ERROR_RATIO = 0.2        # (failed requests + callback exceptions) / requests
NEWSBOT_HEALTH_MAX_MISSING_RATIO = 0.2      # share of items missing a required field
NEWSBOT_HEALTH_REQUIRED_FIELDS = ["title", "body", "published_at"]  # a spider's `required_fields` wins
NEWSBOT_HEALTH_REQUIRE_DELIVERY = True
# A drifting outlet selector (below) is reported; True makes it break the run (exit 3) as well.
NEWSBOT_HEALTH_FAIL_ON_SELECTOR_DRIFT = False
# Selector drift (newsbot/extensions/drift.py): an outlet's body selector that loses to another
# body path on this share of a run's articles (and at least this many) is reported.
NEWSBOT_SELECTOR_DRIFT_SHARE = 0.25
NEWSBOT_SELECTOR_DRIFT_MIN_ARTICLES = 3
NEWSBOT_SUMMARY_ENABLED = True              # <NEWSBOT_HOME>/runs/<spider>/<start>/run-summary.json
NEWSBOT_PROGRESS_INTERVAL = 30              # seconds between progress lines; 0 = none
NEWSBOT_LOCK_ENABLED = True                 # <NEWSBOT_HOME>/locks/<spider>.lock; a second run exits 5
NEWSBOT_GC_FREEZE = True                    # startup objects skipped by full GC collections while crawling
# A run that exits non-zero notifies (newsbot/extensions/alerts.py): a JSON POST to the webhook
# (also the environment variable; credentials in its URL become basic auth; never logged) and an
# e-mail through Scrapy's MailSender (MAIL_HOST, MAIL_PORT, MAIL_FROM, MAIL_USER, MAIL_PASS...).
NEWSBOT_ALERT_WEBHOOK = None
NEWSBOT_ALERT_MAIL_TO = []                  # addresses (a list, or comma-separated with -s)
NEWSBOT_ALERT_TIMEOUT = 10.0                # seconds for the webhook to answer
# Prometheus metrics of every run (newsbot/extensions/metrics.py): a file ending in .prom shared
# by every spider, or a folder (node_exporter's textfile collector) with one file per spider.
NEWSBOT_METRICS_FILE = None
# Cron schedules: a spider's `schedule` attribute, overridden here ({"spider": "cron expr"}).
NEWSBOT_SCHEDULES = {}
NEWSBOT_DEFAULT_SCHEDULE = "0 */6 * * *"    # for spiders that declare none
SPIDER_CONTRACTS = {
    "newsbot.contracts.SchemaContract": 10,
    "newsbot.contracts.NoJunkContract": 11,
    "newsbot.contracts.CoverageContract": 12,
    "newsbot.contracts.BodyContract": 13,
}

# --- deduplication (newsbot/dedup/) -------------------------------------------------------------
# State store: sqlite:///path (default: <NEWSBOT_HOME>/state.sqlite) or redis://host:port/db.
# Also read from the NEWSBOT_STATE environment variable.
NEWSBOT_STATE = None
# (also the environment variable: NEWSBOT_DEDUP_ENABLED=0 turns it off)
NEWSBOT_DEDUP_ENABLED = os.environ.get("NEWSBOT_DEDUP_ENABLED", "1").lower() not in ("0", "false", "no", "off")
# drop: later copies of a story are dropped and counted; link: emitted with duplicate_of.
NEWSBOT_DEDUP_MODE = None
# Estimated Jaccard similarity of word shingles at which two bodies are the same story.
NEWSBOT_DEDUP_THRESHOLD = 0.4
NEWSBOT_DEDUP_NUM_PERM = 128
NEWSBOT_DEDUP_SHINGLE_WORDS = 3
# Items reaching dedup in the same turn of the event loop are decided as one batch, at most this many.
NEWSBOT_DEDUP_BATCH_SIZE = 500
# Known article URLs are fetched again after this many hours to look for updates (-1: never).
NEWSBOT_DEDUP_REFETCH_HOURS = 24
# SQLite state: decisions (dedup, learned boilerplate) grouped per transaction, at most this many
# for at most this many seconds, and always flushed before a feed batch is committed. A killed
# crawl forgets at most the open group (those articles are new again on the next run; their feed
# batch was not committed either).
NEWSBOT_STATE_COMMIT_EVERY = 1000
NEWSBOT_STATE_COMMIT_SECONDS = 2.0

LOG_FORMATTER = "newsbot.logformatter.NewsbotLogFormatter"

# --- output -----------------------------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORTERS = {"jsonl": "scrapy.exporters.JsonLinesItemExporter"}
FEED_EXPORT_FIELDS = None

# --- reliability and security under faults (docs/faults-and-configuration.md) ------------------
# Retries wait: Retry-After when the server sends one (up to NEWSBOT_RETRY_AFTER_MAX seconds,
# longer means give up), else exponential backoff from NEWSBOT_RETRY_BACKOFF_BASE seconds.
NEWSBOT_RETRY_BACKOFF_BASE = 1.0
NEWSBOT_RETRY_BACKOFF_MAX = 60.0
NEWSBOT_RETRY_AFTER_MAX = 120.0
# Retry-After also holds back every other request to that domain for the time asked.
NEWSBOT_RETRY_AFTER_PAUSES_DOMAIN = True
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Requests and redirects to private, loopback, link-local and metadata addresses are refused;
# list host names, addresses or CIDR networks here to allow some anyway (an intranet source).
# (also the environment variable, comma-separated: tests allow 127.0.0.1 for their local servers)
NEWSBOT_ALLOWED_PRIVATE_HOSTS: list[str] = [
    h.strip() for h in os.environ.get("NEWSBOT_ALLOWED_PRIVATE_HOSTS", "").split(",") if h.strip()]
NEWSBOT_NETGUARD_ENABLED = True
# Also refuse public-looking host names that resolve to a non-public address.
NEWSBOT_NETGUARD_RESOLVE = True
REDIRECT_MAX_TIMES = 10
DOWNLOADER_MIDDLEWARES.update({
    # Before OffsiteMiddleware (50): no connection is ever opened to a refused address.
    "newsbot.middlewares.netguard.PrivateAddressMiddleware": 40,
    "newsbot.resume.SkipDeliveredMiddleware": 45,
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
})
ITEM_PIPELINES.update({"newsbot.resume.SkipDeliveredPipeline": 990})
# With JOBDIR: newsbot-delivered.txt makes a killed-and-restarted run lose and repeat nothing.
EXTENSIONS["newsbot.resume.DeliveryLedger"] = 900

# --- rendering (newsbot/rendering, scrapy-playwright) ------------------------------------------
# "auto": outlets' declarations (render_listings/render_articles) decide; "always": every page
# of the crawl is rendered; "never": no browser, every page is a plain download.
NEWSBOT_RENDERING = os.environ.get("NEWSBOT_RENDERING", "auto")
# Hard deadline for one rendered page (load + actions), seconds; the page is closed after it.
NEWSBOT_RENDER_TIMEOUT = 45
# Abort images, fonts, media and known trackers (plus NEWSBOT_RENDER_BLOCK_DOMAINS) in the browser.
NEWSBOT_RENDER_BLOCK = True
NEWSBOT_RENDER_BLOCK_TYPES = ["image", "media", "font"]
NEWSBOT_RENDER_BLOCK_DOMAINS = []
# A browser context is closed and replaced after this many pages (keeps memory flat).
NEWSBOT_RENDER_CONTEXT_PAGES = 50
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
# Extra Chromium flags added to the handler's defaults (e.g. --host-resolver-rules in tests).
NEWSBOT_CHROMIUM_EXTRA_ARGS = []
PLAYWRIGHT_MAX_CONTEXTS = 2
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
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
NEWSBOT_DELIVERY_RETRIES = 3             # attempts after the first, per batch
NEWSBOT_DELIVERY_BACKOFF = 2.0           # seconds before the first retry; doubles each time
NEWSBOT_DELIVERY_BACKOFF_MAX = 60.0
NEWSBOT_DELIVERY_CONNECT_TIMEOUT = 10.0  # seconds, per S3 request
NEWSBOT_DELIVERY_READ_TIMEOUT = 60.0     # seconds without an answer before a request times out
NEWSBOT_DELIVERY_BATCH_SECONDS = 0       # > 0: also close a batch this many seconds after it opened
NEWSBOT_DELIVERY_RESEND_AT_START = True
NEWSBOT_DELIVERY_MANIFEST = True
NEWSBOT_DELIVERY_MANIFEST_URI = None     # default: <first batch URI>.manifest.json
NEWSBOT_DELIVERY_S3_ADDRESSING = "path"  # "path" suits S3-compatible servers; "auto"/"virtual" for AWS
AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID")
AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY")
AWS_SESSION_TOKEN = os.environ.get("AWS_SESSION_TOKEN")
AWS_ENDPOINT_URL = os.environ.get("AWS_ENDPOINT_URL")
AWS_REGION_NAME = os.environ.get("AWS_REGION_NAME") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"

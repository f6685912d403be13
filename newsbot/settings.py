"""newsbot's Scrapy settings. Every NEWSBOT_* setting can also be given with -s or in a spider's
custom_settings; the README lists the ones users change."""

import os

from newsbot import __version__

BOT_NAME = "newsbot"
SPIDER_MODULES = ["newsbot.spiders"]
NEWSPIDER_MODULE = "newsbot.spiders"
ADDONS = {"newsbot.addons.ReplayAddon": 0}

# --- politeness -------------------------------------------------------------------------------
# Where site operators can reach whoever runs this crawler; substituted into USER_AGENT.
NEWSBOT_CONTACT_URL = os.environ.get("NEWSBOT_CONTACT_URL", "https://github.com/newsbot/newsbot")
USER_AGENT = f"newsbot/{__version__} (+{{contact}})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
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
# Listing pages followed per section URL (page 1 included).
NEWSBOT_MAX_LISTING_PAGES = 5

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    "newsbot.middlewares.useragent.ContactUserAgentMiddleware": 500,
    # Last before the download handler, so retries, robots.txt and decompression all see replays.
    "newsbot.middlewares.replay.ReplayDownloaderMiddleware": 950,
}
ITEM_PIPELINES = {
    "newsbot.pipelines.normalize.NormalizePipeline": 100,
    "newsbot.pipelines.clean.CleanBodyPipeline": 200,
    "newsbot.pipelines.finalize.FinalizePipeline": 800,
    "newsbot.pipelines.validate.ValidatePipeline": 900,
}
LOG_FORMATTER = "newsbot.logformatter.NewsbotLogFormatter"
LOG_LEVEL = "INFO"

# --- output -----------------------------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORTERS = {"jsonl": "scrapy.exporters.JsonLinesItemExporter"}
FEED_EXPORT_FIELDS = None

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
COMMANDS_MODULE = "newsbot.commands"

# --- delivery (newsbot/delivery; README "Delivery") ---------------------------------------------
# Every feed batch goes to <NEWSBOT_HOME>/spool first, is delivered and verified, and only then
# leaves the spool; what could not be delivered is re-sent at the next run's start.
ADDONS["newsbot.delivery.addon.DeliveryAddon"] = 10
FEED_STORAGES = {
    "": "newsbot.delivery.storages.SpooledFeedStorage",
    "file": "newsbot.delivery.storages.SpooledFeedStorage",
    "s3": "newsbot.delivery.storages.SpooledFeedStorage",
}
FEED_URI_PARAMS = "newsbot.delivery.uriparams.uri_params"
EXTENSIONS = {"newsbot.delivery.extension.DeliveryExtension": 600}
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

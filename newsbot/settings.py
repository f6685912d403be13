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
    # Before robots.txt (100) is asked, so known articles cost no request at all.
    "newsbot.middlewares.dedup.KnownArticleMiddleware": 50,
    # Last before the download handler, so retries, robots.txt and decompression all see replays.
    "newsbot.middlewares.replay.ReplayDownloaderMiddleware": 950,
}
ITEM_PIPELINES = {
    "newsbot.pipelines.normalize.NormalizePipeline": 100,
    "newsbot.pipelines.clean.CleanBodyPipeline": 200,
    "newsbot.pipelines.finalize.FinalizePipeline": 800,
    "newsbot.pipelines.validate.ValidatePipeline": 900,
    # After validation: only items that will be written are remembered.
    "newsbot.pipelines.dedup.DedupPipeline": 950,
}
# --- deduplication (newsbot/dedup/) -------------------------------------------------------------
# State store: sqlite:///path (default: <NEWSBOT_HOME>/state.sqlite) or redis://host:port/db.
# Also read from the NEWSBOT_STATE environment variable.
NEWSBOT_STATE = None
NEWSBOT_DEDUP_ENABLED = True
# drop: later copies of a story are dropped and counted; link: emitted with duplicate_of.
NEWSBOT_DEDUP_MODE = None
# Estimated Jaccard similarity of word shingles at which two bodies are the same story.
NEWSBOT_DEDUP_THRESHOLD = 0.4
NEWSBOT_DEDUP_NUM_PERM = 128
NEWSBOT_DEDUP_SHINGLE_WORDS = 3
# Known article URLs are fetched again after this many hours to look for updates (-1: never).
NEWSBOT_DEDUP_REFETCH_HOURS = 24

LOG_FORMATTER = "newsbot.logformatter.NewsbotLogFormatter"
LOG_LEVEL = "INFO"

# --- output -----------------------------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORTERS = {"jsonl": "scrapy.exporters.JsonLinesItemExporter"}
FEED_EXPORT_FIELDS = None

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
COMMANDS_MODULE = "newsbot.commands"

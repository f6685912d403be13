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
    **globals().get("DOWNLOAD_HANDLERS", {}),
    "http": "newsbot.rendering.handler.RenderingDownloadHandler",
    "https": "newsbot.rendering.handler.RenderingDownloadHandler",
}
# Checks the browser at start when the crawl will render (exit code 6 when it cannot start).
EXTENSIONS = {**globals().get("EXTENSIONS", {}), "newsbot.rendering.check.BrowserCheck": 100}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
# The system Chromium (`playwright install` cannot download browsers here); headless and the
# quiet flags are added by the handler unless "args" is given.
PLAYWRIGHT_LAUNCH_OPTIONS = {"executable_path": os.environ.get("NEWSBOT_CHROMIUM", "/usr/bin/chromium")}
# Extra Chromium flags added to the handler's defaults (e.g. --host-resolver-rules in tests).
NEWSBOT_CHROMIUM_EXTRA_ARGS = []
PLAYWRIGHT_MAX_CONTEXTS = 2
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30000

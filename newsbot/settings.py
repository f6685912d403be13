"""newsbot's own Scrapy project: its outlet spiders, with everything else from the add-on.

It starts from newsbot's settings (newsbot/defaults.py) at project priority, so commands that do
not crawl (`scrapy dedup`, `scrapy deliver`, `scrapy schedule`, `scrapy settings --get`) see them
too; the add-on then applies the settings that follow from others, as in any project using it.
"""

from newsbot.defaults import *  # noqa: F403

BOT_NAME = "newsbot"
SPIDER_MODULES = ["newsbot.spiders"]
NEWSPIDER_MODULE = "newsbot.spiders"
ADDONS = {"newsbot.NewsbotAddon": 0}
# Installed newsbot registers its commands as `scrapy.commands` entry points; this also finds
# them when the repository is used without installing it (make install, CI).
COMMANDS_MODULE = "newsbot.commands"
# Read before add-ons are applied (logging starts with the process), so set here.
LOG_LEVEL = "INFO"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# This project's recordings: `scrapy check` replays them, `scrapy record` refreshes them.
NEWSBOT_RECORDINGS = "tests/fixtures/replay"

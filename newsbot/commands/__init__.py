"""newsbot's Scrapy commands: `scrapy.commands` entry points of the installed package (so every
Scrapy project has them) and newsbot's own COMMANDS_MODULE; `crawl` and `check` here replace
Scrapy's own (same options, plus exit codes and declared contracts)."""

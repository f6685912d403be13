"""newsbot's Scrapy extensions: run health (exit codes), run summaries, progress lines, run locks."""

"""Settings of the bare Scrapy spider in benchmarks/throughput.py: Scrapy's defaults, no newsbot."""

SPIDER_MODULES = ["benchmarks.spiders"]
ROBOTSTXT_OBEY = True
FEED_EXPORT_ENCODING = "utf-8"

"""Item pipelines. Each is built with `from_crawler(crawler)` or, for the stateless ones that
`python -m newsbot.extract` also runs (`offline_safe = True`), with `cls(settings, stats)`."""

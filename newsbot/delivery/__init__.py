"""Delivery that never loses an article: every feed batch is written to a local spool first
(flush, fsync, atomic rename), then delivered to its target (a local path or s3://), verified
(size and checksum) and only then removed from the spool. Undelivered batches are re-sent at the
start of the next run or by `scrapy deliver`.

Modules: `spool` (the on-disk spool), `targets` (file and S3 delivery + verification),
`storages` (Scrapy FEED_STORAGES classes), `extension` (re-send, timed batches, manifests, stats,
exit code), `addon` (settings fix-ups), `uriparams` (FEED_URI_PARAMS), `secrets` (redaction).
"""

"""newsbot's own signals (sent through the crawler's SignalManager, like Scrapy's)."""

# Sent (synchronously) just before a feed batch is committed to the spool. Whatever must be
# durable before items count as delivered flushes here: the dedup state, whose decisions are
# grouped into transactions, so a batch never lands while its items' decisions could be lost.
batch_committing = object()

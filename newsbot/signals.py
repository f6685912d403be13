"""newsbot's own signals (sent through the crawler's SignalManager, like Scrapy's)."""

# Sent (synchronously) just before a feed batch is committed to the spool. Whatever must be
# durable before items count as delivered flushes here: the dedup state, whose decisions are
# grouped into transactions, so a batch never lands while its items' decisions could be lost.
batch_committing = object()


class BatchNotCommitted(Exception):
    """Raised by a batch_committing receiver when the batch must not be committed (the fleet could
    not record it, so its requests will be redone elsewhere); the batch stays in spool/writing/."""


class StateNotDurable(BatchNotCommitted):
    """Raised by the dedup state's receiver when it could not commit this run's decisions: the
    batch stays in spool/writing/, undelivered, and the next run records its items in the state
    before delivering it (newsbot.pipelines.dedup), so an article is neither lost nor repeated."""

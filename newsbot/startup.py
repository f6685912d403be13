"""How a crawler that could not start ends: one line and an exit code, never a traceback.

`scrapy crawl` and `scrapy crawlall` hand each crawl's task to `StartWatch`: a StartRefused raised
while the crawler starts (a bad spider argument, a bad setting, the state or the lock) becomes its
one `run failed (exit N): ...` line and code; anything else is one line naming the exception (the
traceback only at DEBUG) and exit 1. Taking the exception here also keeps asyncio from printing
"Task exception was never retrieved" with a traceback.
"""

from __future__ import annotations

import asyncio
import logging

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from .exitcodes import OK, SCRAPY_ERROR, StartRefused, refuse

logger = logging.getLogger(__name__)


class StartWatch:
    def __init__(self) -> None:
        self.code = OK

    def watch(self, started: asyncio.Task | Deferred) -> None:
        if isinstance(started, Deferred):
            started.addErrback(self._failure)
        else:
            started.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            self._record(task.exception())

    def _failure(self, failure: Failure) -> None:
        self._record(failure.value)

    def _record(self, exc: BaseException) -> None:
        if isinstance(exc, StartRefused):
            code = refuse(exc.code, exc.reason)
        else:
            logger.debug("crawler start-up failed", exc_info=exc)
            code = refuse(SCRAPY_ERROR, f"the crawler could not start: {type(exc).__name__}: {exc} "
                                        f"(-L DEBUG shows where)")
        self.code = max(self.code, code)

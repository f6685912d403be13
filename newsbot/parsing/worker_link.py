"""The crawl process's side of an extraction worker (newsbot.parsing.worker): start it, send it
pages, await its answers, stop it.

Everything runs on the crawl's asyncio loop, with no thread: a thread in the crawl process (as
concurrent.futures' process pool has two) competes with Scrapy's reactor for the GIL, and that
contention cost more CPU in the crawl process than the extraction it moved out (throughput
benchmark: 5.1 ms per article with the pool against 4.9 without). The worker is a subprocess
(`python -m newsbot.parsing.worker`) holding one end of a socket pair and nothing else of the
crawl's: no socket, pipe or browser connection is inherited. Jobs and answers are frames of a
4-byte big-endian length and a pickle; the worker answers in order, so each answer resolves the
oldest waiting job.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import socket
import struct
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from scrapy.http import Headers, TextResponse

from .article import OutletProfile, ParseResult
from .limits import ExtractLimits

if TYPE_CHECKING:
    from ..cleaning.precomputed import RuleMatches

# Request meta: the ParseResult a worker made of the response (the spider's build_article takes it).
PARSED_META = "newsbot_parsed"
READY = b"ready"
FRAME = struct.Struct(">I")
STOP_SECONDS = 5.0   # a worker not gone this long after its link closed is killed
# (logger name, level, formatted message) of what one page's extraction logged.
LogLine = tuple[str, int, str]


class PageJob(NamedTuple):
    """A page as the worker needs it: what rebuilds the response, and how to read it."""
    response_class: type[TextResponse]
    url: str
    status: int
    headers: dict[bytes, list[bytes]]
    body: bytes
    encoding: str
    profile: OutletProfile
    limits: ExtractLimits

    @classmethod
    def of(cls, response: TextResponse, profile: OutletProfile, limits: ExtractLimits) -> PageJob:
        return cls(type(response), response.url, response.status, dict(response.headers), response.body,
                   response.encoding, profile, limits)

    def response(self) -> TextResponse:
        return self.response_class(url=self.url, status=self.status, headers=Headers(self.headers),
                                   body=self.body, encoding=self.encoding)


def frame(payload: bytes) -> bytes:
    return FRAME.pack(len(payload)) + payload


def replay_lines(lines: list[LogLine]) -> None:
    """Log, in the crawl process, what a worker's extraction logged."""
    for name, level, message in lines:
        logging.getLogger(name).log(level, "%s", message)


class WorkerGone(Exception):
    """The worker ended (killed, out of memory, failed to start) before it answered."""


class WorkerLink:
    """One worker. `on_end(link, why)` is called once if the worker ends before `stop()`."""

    def __init__(self, log_level: int, on_end: Callable[[WorkerLink, str], None] | None = None):
        self.log_level = log_level
        self.on_end = on_end
        self.process: subprocess.Popen | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.waiting: deque[asyncio.Future] = deque()
        self.ready = False
        self.gone = False
        self.stopping = False
        self._answers: asyncio.Task | None = None

    async def start(self) -> None:
        """Start the worker and wait for its READY; raises WorkerGone when it does not come."""
        parent, child = socket.socketpair()
        try:
            # The worker finds newsbot and the project's spiders where the crawl process did.
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
            # The crawl's pid is on the worker's command line: `ps` shows whose worker it is.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "newsbot.parsing.worker", str(child.fileno()), str(self.log_level),
                 str(os.getpid())],
                pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        except OSError as exc:
            parent.close()
            self._end(f"could not start: {exc}")
            raise WorkerGone(f"could not start: {exc}") from None
        finally:
            child.close()
        try:
            reader, self.writer = await asyncio.open_connection(sock=parent)
            answer = await self._read(reader)
        except OSError:
            answer = None
            parent.close()
            self.process.kill()
        if answer != READY:
            why = f"ended before it was ready ({self._status()})"
            self._end(why)
            raise WorkerGone(why)
        self.ready = True
        self._answers = asyncio.ensure_future(self._read_answers(reader))

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> bytes | None:
        try:
            head = await reader.readexactly(FRAME.size)
            return await reader.readexactly(FRAME.unpack(head)[0])
        except (asyncio.IncompleteReadError, ConnectionError):
            return None

    async def _read_answers(self, reader: asyncio.StreamReader) -> None:
        while (payload := await self._read(reader)) is not None:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_result(pickle.loads(payload))
        self._end(self._status())

    def _status(self) -> str:
        status = self.process.poll() if self.process else None
        return ("its link closed" if status is None else
                f"killed by signal {-status}" if status < 0 else f"exit status {status}")

    def _end(self, why: str) -> None:
        if self.gone:
            return
        self.gone, self.ready = True, False
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_exception(WorkerGone("ended with pages unanswered"))
        if self.writer is not None:
            self.writer.close()
        if self.process is not None:
            self.process.poll()   # reaped if it has exited
        if self.on_end is not None and not self.stopping:
            self.on_end(self, why)

    async def extract(self, job: PageJob) -> tuple[ParseResult | None, list[LogLine] | str, RuleMatches | None]:
        """The worker's answer for `job`: (result, log lines, rule matches of its body), or
        (None, error, None) if extraction raised."""
        if self.gone or self.writer is None:
            raise WorkerGone("not running")
        waiter = asyncio.get_running_loop().create_future()
        self.waiting.append(waiter)
        self.writer.write(frame(pickle.dumps(job, pickle.HIGHEST_PROTOCOL)))
        return await waiter

    @property
    def load(self) -> int:
        return len(self.waiting)

    async def stop(self) -> None:
        """Close the link, then wait for the worker to exit (killed after STOP_SECONDS)."""
        self.stopping = True
        if self._answers is not None:
            self._answers.cancel()
        self._end("stopped")
        process = self.process
        if process is None:
            return
        for _ in range(int(STOP_SECONDS / 0.02)):
            if process.poll() is not None:
                return
            await asyncio.sleep(0.02)
        process.kill()
        process.wait()

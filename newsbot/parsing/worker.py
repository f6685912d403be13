"""The extraction worker process: `parse_article` on the pages the crawl process sends it.

    python -m newsbot.parsing.worker FD LOG_LEVEL CRAWL_PID   (started by newsbot.parsing.worker_link)

Extraction is a pure function of the page (its URL, status, headers and bytes), the outlet's
declarations and the extraction limits, so it can run in another process, on another core, while
the crawl process downloads, cleans and writes. The worker rebuilds the response from what was
sent and returns the ParseResult an in-process call gives. What its code logs is kept and sent back
with it, so the crawl's log, its log counts and its health rules see the lines they would have
seen with extraction in the crawl process.

The link is one socket (FD, inherited; the framing is worker_link's): the worker answers READY once
its imports are done, then one answer per job, in order: `(ParseResult, log lines, rule matches)`,
or `(None, error text, None)` when the extraction raised. The rule matches are those of the
article's paragraphs in the outlet's cleaning rule packs (newsbot.cleaning.precomputed): the
costly half of the cleaning pipeline, done here too. It exits when the crawl process closes the
socket or dies (the socket closes with it). It runs in a session of its own, so a Ctrl-C meant for the
crawl does not interrupt it: the crawl stops it.
"""

from __future__ import annotations

import logging
import pickle
import socket
import sys

from ..cleaning.precomputed import RuleMatches
from .article import ParseResult, parse_article
from .worker_link import FRAME, READY, LogLine, PageJob, frame


class _KeepLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[LogLine] = []
        self.setFormatter(logging.Formatter("%(message)s"))   # the crawl's own formatter adds the rest

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.name, record.levelno, self.format(record)))


def extract(job: PageJob, kept: _KeepLines) -> tuple[ParseResult | None, list[LogLine] | str, RuleMatches | None]:
    kept.lines = []
    try:
        result = parse_article(job.response(), job.profile, job.limits)
    except Exception as exc:   # the crawl process extracts the page again and meets it there
        return None, f"{type(exc).__name__}: {exc}", None
    try:
        matches = RuleMatches.find(result.item)
    except Exception:   # the cleaning pipeline matches the paragraphs itself, and meets it there
        matches = None
    return result, kept.lines, matches


def _read_exactly(stream, size: int) -> bytes | None:
    data = stream.read(size)   # a buffered blocking read: short only at the end of the link
    return data if len(data) == size else None


def serve(link: socket.socket, level: int) -> None:
    kept = _KeepLines()
    root = logging.getLogger()
    root.handlers[:] = [kept]
    root.setLevel(level)
    reader = link.makefile("rb")
    link.sendall(frame(READY))
    while True:
        head = _read_exactly(reader, FRAME.size)
        payload = head and _read_exactly(reader, FRAME.unpack(head)[0])
        if not payload:
            return   # the crawl closed the link
        link.sendall(frame(pickle.dumps(extract(pickle.loads(payload), kept), pickle.HIGHEST_PROTOCOL)))


def main(argv: list[str]) -> int:
    try:
        serve(socket.socket(fileno=int(argv[1])), int(argv[2]))
    except (BrokenPipeError, ConnectionResetError):
        pass   # the crawl process went first
    except Exception as exc:   # the crawl logs the worker's end and extracts its pages itself
        print(f"newsbot extraction worker: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Finding a crawl's extraction worker processes (newsbot.parsing.worker), for the tests and the
throughput benchmark."""

from __future__ import annotations

from pathlib import Path

WORKER = "newsbot.parsing.worker"


def extraction_worker_pids(crawl: int) -> list[int]:
    """Extraction workers of the crawl process `crawl` running now. The crawl's pid ends their
    command line, so a worker that outlived its crawl (and was re-parented) is found too."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0") if entry.name.isdigit() else []
        except OSError:
            continue
        if WORKER.encode() in cmdline and cmdline[-2:] == [str(crawl).encode(), b""]:
            pids.append(int(entry.name))
    return pids

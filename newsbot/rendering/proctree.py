"""Memory and size of a process tree, from /proc (Linux), for the browser's many processes.

Chromium runs a browser, GPU/utility and one renderer per site; the Playwright driver is a
Node.js process. RSS counts shared pages once per process, so the sum over a tree overstates;
PSS (smaps_rollup) splits shared pages between their users and sums correctly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class TreeUsage:
    processes: int
    rss_bytes: int
    pss_bytes: int
    names: tuple[str, ...]

    @property
    def pss_mb(self) -> float:
        return self.pss_bytes / 2**20

    @property
    def rss_mb(self) -> float:
        return self.rss_bytes / 2**20


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 (ppid) follows the ")" closing the command name, which may contain spaces.
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def descendants(pid: int) -> list[int]:
    children = _children_map()
    found, stack = [], list(children.get(pid, []))
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(children.get(child, []))
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except (OSError, ValueError):
        try:
            for line in (PROC / str(pid) / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss = pss = int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def _name(pid: int) -> str:
    """The command name, with Chromium's process type ("chromium:renderer", "chromium:utility/...")."""
    try:
        name = (PROC / str(pid) / "comm").read_text().strip()
        # Chromium rewrites its children's command lines into one space-separated string.
        args = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").split()
    except OSError:
        return "?"
    kind = next((a[7:].decode(errors="replace") for a in args if a.startswith(b"--type=")), None)
    sub = next((a[19:].decode(errors="replace") for a in args if a.startswith(b"--utility-sub-type=")), None)
    if kind:
        name += f":{kind}" + (f"/{sub.rsplit('.', 1)[-1]}" if sub else "")
    return name


def tree_usage(pid: int | None = None, include_root: bool = True) -> TreeUsage:
    """Processes and summed RSS/PSS of `pid` (default: this process) and all its descendants."""
    root = os.getpid() if pid is None else pid
    pids = ([root] if include_root else []) + descendants(root)
    rss = pss = 0
    names = []
    for p in pids:
        r, s = _memory_kb(p)
        if r == 0 and s == 0 and not (PROC / str(p)).exists():
            continue  # exited while we looked
        rss, pss = rss + r, pss + s
        names.append(_name(p))
    return TreeUsage(len(names), rss * 1024, pss * 1024, tuple(sorted(names)))

"""Small helpers shared by tests: running scrapy in a subprocess and reading its output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import REPLAY, ROOT

SCRAPY = [sys.executable, "-m", "scrapy"]


def run_scrapy(*args: str, replay: Path | str | None = REPLAY, env: dict[str, str] | None = None,
               timeout: float = 120, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    if replay is not None:
        full_env["NEWSBOT_REPLAY"] = str(replay)
    return subprocess.run([*SCRAPY, *args], cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line.strip()]

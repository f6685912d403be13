"""Run `scrapy crawl` over the recordings in a subprocess; return the items and the final stats."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPLAY, ROOT

SCRAPY = [sys.executable, "-m", "scrapy"]


def crawl(spider: str, tmp_path: Path, *args: str) -> tuple[list[dict], dict, str]:
    out = tmp_path / f"{spider}.jsonl"
    home = tmp_path / "newsbot-home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "NEWSBOT_REPLAY": str(REPLAY), "NEWSBOT_HOME": str(home)}
    proc = subprocess.run(
        [*SCRAPY, "crawl", spider, *args, "-O", f"{out}:jsonl", "-s", "LOG_LEVEL=INFO", "-s", "STATS_DUMP=True"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines()] if out.exists() else []
    return items, _stats(proc.stderr), proc.stderr


def _stats(log: str) -> dict:
    """The 'Dumping Scrapy stats' dict at the end of the log."""
    start = log.rfind("Dumping Scrapy stats:")
    if start < 0:
        return {}
    text = log[log.index("{", start):]
    text = text[: text.index("}\n") + 1] if "}\n" in text else text
    # The dump is a pprint'ed dict whose values include datetime(...) calls: blank those out.
    import re
    text = re.sub(r"datetime\.datetime\([^)]*\)", "None", text)
    return ast.literal_eval(text)

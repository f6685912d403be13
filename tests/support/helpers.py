"""Small helpers shared by tests: running scrapy in a subprocess and reading its output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPLAY, ROOT

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


def assert_each_once(urls: list[str], expected: set[str]) -> None:
    """Every expected article delivered exactly once across the outputs: none lost, none twice."""
    assert len(urls) == len(set(urls)), "duplicated: " + str(sorted({u for u in urls if urls.count(u) > 1}))
    assert set(urls) == expected, f"lost: {sorted(expected - set(urls))}"


def failure_line(result: subprocess.CompletedProcess) -> str:
    """The one line a run failed with (asserts there is exactly one, and no traceback)."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "never retrieved" not in output, output[-4000:]
    lines = [line for line in result.stderr.splitlines() if "run failed (exit" in line]
    assert len(lines) == 1, "\n".join(lines) or result.stderr[-4000:]
    return lines[0]


def chattr(flag: str, path: Path) -> None:
    """chattr +i / -i: the only way to make a folder unwritable for root."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed (e2fsprogs)")
    done = subprocess.run(["chattr", flag, str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr {flag} is not supported here: {done.stderr.strip()}")


def mount_tmpfs(folder: Path, size: str) -> None:
    """A tmpfs of `size` on `folder`: a disk that fills (needs root; the test skips otherwise)."""
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")

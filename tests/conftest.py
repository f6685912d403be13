"""Shared test set-up.

On a user's machine a test whose server or browser is missing skips with a reason; in CI
(CI=true) any skip fails the run, so CI can never pass by not running a test.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# The repository root and the test folders every test and helper finds its files from (tests/unit,
# tests/integration and tests/support are one level below this file).
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SUPPORT = ROOT / "tests" / "support"
REPLAY = FIXTURES / "replay"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_binary(name: str, *candidates: str) -> str:
    """Path of an executable the test needs, or a skip (a failure in CI) naming what is missing."""
    for candidate in (name, *candidates):
        found = shutil.which(candidate) or (candidate if os.path.isfile(candidate) and os.access(candidate, os.X_OK) else None)
        if found:
            return found
    message = f"{name} is not installed (apt-get install / pip install it, or run .ci/run)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def plain_listing_env() -> dict[str, str]:
    """Environment for a crawl of an outlet whose listing is rendered, in a test about something
    else. With Chromium installed (CI installs it) the crawl renders as users' crawls do; without
    it the listing is read as a plain page, as `make demo` does, rather than the run stopping with
    exit 6 for a browser the test is not about."""
    installed = shutil.which("chromium") or os.access("/usr/bin/chromium", os.X_OK)
    return {} if installed else {"NEWSBOT_RENDERING": "never"}


@pytest.fixture
def chromium() -> str:
    """Debian's Chromium (installed by .ci/run); skipped with a reason elsewhere, failed in CI."""
    return require_binary("chromium", "/usr/bin/chromium")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not IN_CI:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        if reporter:
            reporter.write_line(f"CI=true: {skipped} test(s) skipped; a skip in CI fails the run", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def isolated_newsbot_home(tmp_path_factory, monkeypatch) -> Path:
    """Each test gets its own NEWSBOT_HOME (dedup state, spool, ...), also seen by subprocesses."""
    home = tmp_path_factory.mktemp("newsbot-home")
    monkeypatch.setenv("NEWSBOT_HOME", str(home))
    # Tests crawl servers they start on 127.0.0.1, which newsbot refuses by default (and only that
    # address: 127.0.0.2 and the rest of loopback stay refused, as the fault tests check).
    monkeypatch.setenv("NEWSBOT_ALLOWED_PRIVATE_HOSTS", "127.0.0.1")
    monkeypatch.delenv("NEWSBOT_STATE", raising=False)
    return home


@pytest.fixture
def replay_dir() -> Path:
    return REPLAY


# --- real Redis for the dedup tests (issue 4) ----------------------------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A throwaway redis-server on a free 127.0.0.1 port (no persistence); yields its URL base."""
    import subprocess
    import time

    binary = require_binary("redis-server", "/usr/bin/redis-server")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                "--appendonly", "no", "--dir", str(workdir), "--databases", "64"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


_redis_db_counter = __import__("itertools").cycle(range(1, 64))


@pytest.fixture
def redis_url(redis_server) -> str:
    """A fresh, empty Redis database for one test."""
    import redis

    url = f"{redis_server}/{next(_redis_db_counter)}"
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(params=["sqlite", "redis"])
def state_url(request, isolated_newsbot_home) -> str:
    """NEWSBOT_STATE for each backend: the same dedup tests run on SQLite and on real Redis."""
    if request.param == "sqlite":
        return f"sqlite:///{isolated_newsbot_home / 'state.sqlite'}"
    return request.getfixturevalue("redis_url")

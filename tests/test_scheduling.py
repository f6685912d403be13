"""Schedules: crontab lines parsed by croniter, overrides, foreground loop, crawlall exit codes."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from croniter import croniter
from scrapy.settings import Settings

from newsbot import exitcodes
from newsbot.scheduling import ForegroundScheduler, ScheduleError, SpiderSchedule, spider_schedule
from tests.conftest import ROOT
from tests.localsite import LocalSite
from tests.local_spiders import LocalPoliticsSpider

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
LOCAL = ["-s", "SPIDER_MODULES=newsbot.spiders,tests.local_spiders"]


def schedule_cmd(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SCRAPY, "schedule", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_crontab_lines_parse_with_croniter(isolated_newsbot_home):
    result = schedule_cmd("--crontab", *LOCAL, "-s", "NEWSBOT_SCHEDULES={\"nikkei_asia\": \"5 7 * * *\"}")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line and not line.startswith("#")]
    assert lines[0] == f"NEWSBOT_HOME={isolated_newsbot_home}"
    entries = {}
    for line in lines[1:]:
        fields = line.split(None, 5)
        expr, command = " ".join(fields[:5]), fields[5]
        assert croniter.is_valid(expr), line
        entries[re.search(r"/scrapy crawl (\w+) ", command).group(1)] = (expr, command)
    listed = subprocess.run([SCRAPY, "list", *LOCAL], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert set(entries) == set(listed.stdout.split())  # one line per spider
    assert {"nikkei_asia", "local_politics", "local_raising"} <= set(entries)
    assert entries["nikkei_asia"][0] == "5 7 * * *"                 # setting beats the spider's attribute
    assert entries["local_politics"][0] == LocalPoliticsSpider.schedule
    expr, command = entries["local_politics"]
    assert command.startswith(f"cd {ROOT} && ")                       # project path
    assert f"{Path(sys.executable).parent}/scrapy crawl local_politics" in command   # the venv
    assert f"LOG_FILE={isolated_newsbot_home}/runs/local_politics/logs/$(date -u +\\%Y\\%m\\%dT\\%H\\%M\\%SZ).log" in command
    assert f"lock {isolated_newsbot_home}/locks/local_politics.lock" in result.stdout
    # The entry runs at the times the spider declared.
    nxt = croniter(expr, dt.datetime(2026, 11, 27, 22, 50)).get_next(dt.datetime)  # a Friday night
    assert nxt == dt.datetime(2026, 11, 30, 6, 0)


def test_nikkei_declares_its_own_schedule():
    from newsbot.spiders.nikkei_asia import NikkeiAsiaSpider
    entry = spider_schedule(NikkeiAsiaSpider, Settings({"NEWSBOT_DEFAULT_SCHEDULE": "0 0 * * *"}))
    assert (entry.cron, entry.source) == ("20 */2 * * *", "spider")


def test_invalid_schedule_is_a_config_error(isolated_newsbot_home):
    with pytest.raises(ScheduleError, match="local_politics"):
        spider_schedule(LocalPoliticsSpider, Settings({"NEWSBOT_SCHEDULES": {"local_politics": "every hour"}}))
    result = schedule_cmd("--crontab", *LOCAL, "-s", "NEWSBOT_SCHEDULES={\"local_politics\": \"61 * * * *\"}")
    assert result.returncode == exitcodes.CONFIG
    assert "local_politics: schedule '61 * * * *'" in result.stderr


def test_foreground_scheduler_launches_at_scheduled_times():
    clock = [dt.datetime(2026, 11, 29, 10, 0, 30)]
    launched: list[tuple[str, dt.datetime]] = []

    def sleep(seconds: float) -> None:
        clock[0] += dt.timedelta(seconds=seconds)

    def launch(spider: str) -> None:
        launched.append((spider, clock[0]))
        clock[0] += dt.timedelta(seconds=2)      # starting a child takes a moment

    scheduler = ForegroundScheduler(
        [SpiderSchedule("a", "*/20 * * * *", "spider"), SpiderSchedule("b", "15 10 * * *", "setting")],
        launch, now=lambda: clock[0], sleep=sleep)
    assert scheduler.run(max_runs=5) == 5
    at = lambda h, m: dt.datetime(2026, 11, 29, h, m)  # noqa: E731
    assert launched == [("b", at(10, 15)), ("a", at(10, 20)), ("a", at(10, 40)), ("a", at(11, 0)),
                        ("a", at(11, 20))]


def test_crawlall_runs_spiders_in_one_process_with_worst_exit_code(isolated_newsbot_home):
    with LocalSite("ok") as site:
        result = subprocess.run(
            [SCRAPY, "crawlall", "local_politics", "local_raising", "-a", f"base={site.base}",
             "-s", "SPIDER_MODULES=tests.local_spiders", "-s", "ROBOTSTXT_OBEY=False",
             "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"],
            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == exitcodes.UNHEALTHY, result.stderr[-3000:]
    assert "crawlall: local_politics=0, local_raising=3 -> exit 3" in result.stdout
    for spider in ("local_politics", "local_raising"):
        assert list((isolated_newsbot_home / "runs" / spider).glob("*/run-summary.json"))

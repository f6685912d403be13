"""Schedules: crontab lines parsed by croniter, overrides, foreground loop, crawlall exit codes."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from croniter import croniter
from scrapy.settings import Settings
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings

from newsbot import exitcodes
from newsbot.scheduling import ForegroundScheduler, ScheduleError, SpiderSchedule, spider_schedule
from tests.conftest import ROOT
from tests.support.helpers import read_jsonl
from tests.support.localsite import LocalSite
from tests.support.local_spiders import LocalPoliticsSpider

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
LOCAL = ["-s", "SPIDER_MODULES=newsbot.spiders,tests.support.local_spiders"]


def schedule_cmd(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SCRAPY, "schedule", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.mark.slow
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
    # The spiders `scrapy list` lists (read in this process: a second `scrapy` start-up buys nothing).
    project = get_project_settings()
    project.set("SPIDER_MODULES", LOCAL[1].split("=", 1)[1], priority="cmdline")
    listed = get_spider_loader(project).list()
    # One line per spider, but the generic one: without -a url= every scheduled run would fail.
    assert set(entries) == set(listed) - {"generic"}
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_crawlall_runs_spiders_in_one_process_with_worst_exit_code(isolated_newsbot_home):
    with LocalSite("ok") as site:
        result = subprocess.run(
            [SCRAPY, "crawlall", "local_politics", "local_raising", "-a", f"base={site.base}",
             "-s", "SPIDER_MODULES=tests.support.local_spiders", "-s", "ROBOTSTXT_OBEY=False",
             "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"],
            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == exitcodes.UNHEALTHY, result.stderr[-3000:]
    assert "crawlall: local_politics=0, local_raising=3 -> exit 3" in result.stdout
    for spider in ("local_politics", "local_raising"):
        assert list((isolated_newsbot_home / "runs" / spider).glob("*/run-summary.json"))


@pytest.mark.slow
def test_crawlall_spiders_share_the_state_and_each_keep_their_output(isolated_newsbot_home, replay_dir):
    """Four spiders on one SQLite state in one process (each had its own connection: one's open
    write transaction made the next wait out the busy timeout on the shared thread, a hang of
    minutes); each writes its own file; the default list leaves out the generic spider."""
    env = {**os.environ, "NEWSBOT_REPLAY": str(replay_dir), "NEWSBOT_RENDERING": "never"}
    spiders = ["bbc", "npr", "cnn", "guardian"]
    result = subprocess.run([SCRAPY, "crawlall", *spiders], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=90)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "database is locked" not in result.stderr
    counts = {s: len(read_jsonl(next((isolated_newsbot_home / "output" / s).glob("*.jsonl")))) for s in spiders}
    assert all(counts.values()), counts
    # One -O file for several spiders would be overwritten by each in turn: refused up front.
    shared = isolated_newsbot_home / "two.jsonl"
    refused = subprocess.run([SCRAPY, "crawlall", "bbc", "npr", "-O", str(shared)], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == exitcodes.USAGE and "would be written by 2 spiders" in refused.stderr
    assert not shared.exists()
    # Every spider by default, but the generic one (without -a url= it could only exit 6).
    everyone = subprocess.run([SCRAPY, "crawlall"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    summary = next(line for line in everyone.stdout.splitlines() if line.startswith("crawlall: "))
    assert "generic=" not in summary and "bbc=" in summary and "nikkei_asia=" in summary, summary


@pytest.mark.slow
def test_a_spider_that_needs_arguments_cannot_be_scheduled(isolated_newsbot_home):
    result = schedule_cmd("--crontab", "generic")
    assert result.returncode == exitcodes.USAGE
    assert "generic needs -a url=...: a schedule cannot give it" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_crontab_line_delivers_and_a_run_with_nothing_new_writes_no_file(isolated_newsbot_home, replay_dir):
    """The line cron runs writes the articles it records as seen (NEWSBOT_OUTPUT's default, one
    JSON Lines file per run under NEWSBOT_HOME), and the next run, finding nothing new, adds no
    empty file."""
    result = schedule_cmd("--crontab", "bbc")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if "scrapy crawl bbc" in line)
    command = line.split(None, 5)[5]
    # As cron runs it: an empty environment but HOME, PATH and the crontab's NEWSBOT_HOME line
    # (offline: the recordings, read without a browser).
    env = {"HOME": str(isolated_newsbot_home), "PATH": "/usr/bin:/bin", "NEWSBOT_HOME": str(isolated_newsbot_home),
           "NEWSBOT_REPLAY": str(replay_dir), "NEWSBOT_RENDERING": "never"}
    outputs = isolated_newsbot_home / "output" / "bbc"
    for run in (1, 2):
        done = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        files = sorted(outputs.glob("*.jsonl"))
        assert len(files) == 1, (run, files)
        lines = files[0].read_text("utf-8").splitlines()
        assert len(lines) == 3 and len({json.loads(x)["url"] for x in lines}) == 3


@pytest.mark.slow
def test_no_output_and_dedup_on_refuses_to_start(isolated_newsbot_home, replay_dir):
    env = {**os.environ, "NEWSBOT_REPLAY": str(replay_dir), "NEWSBOT_RENDERING": "never"}
    done = subprocess.run([SCRAPY, "crawl", "bbc", "-s", "NEWSBOT_OUTPUT=none"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == exitcodes.CONFIG
    assert "no output: this crawl would record its articles as seen and write them nowhere" in done.stderr
    assert "Traceback" not in done.stderr
    # Nothing was recorded as seen: a run with an output delivers all three.
    out = isolated_newsbot_home / "out.jsonl"
    done = subprocess.run([SCRAPY, "crawl", "bbc", "-O", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(out.read_text("utf-8").splitlines()) == 3

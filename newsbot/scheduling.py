"""Spider schedules (cron syntax): declared by each spider (`schedule` attribute), overridden by
the NEWSBOT_SCHEDULES setting, NEWSBOT_DEFAULT_SCHEDULE for spiders that declare none.

Used by `scrapy schedule` (crontab lines, or `--foreground` for containers without cron).
"""

from __future__ import annotations

import datetime as dt
import logging
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from croniter import croniter

logger = logging.getLogger(__name__)


class ScheduleError(ValueError):
    """A schedule that is not valid cron syntax."""


@dataclass(frozen=True)
class SpiderSchedule:
    spider: str
    cron: str
    source: str     # "setting", "spider" or "default"

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        return croniter(self.cron, moment).get_next(dt.datetime)


def spider_schedule(spidercls, settings) -> SpiderSchedule:
    overrides = settings.getdict("NEWSBOT_SCHEDULES")
    if spidercls.name in overrides:
        cron, source = overrides[spidercls.name], "setting"
    elif getattr(spidercls, "schedule", None):
        cron, source = spidercls.schedule, "spider"
    else:
        cron, source = settings.get("NEWSBOT_DEFAULT_SCHEDULE", "0 */6 * * *"), "default"
    cron = " ".join(str(cron).split())
    if len(cron.split()) != 5 or not croniter.is_valid(cron):
        raise ScheduleError(f"{spidercls.name}: schedule {cron!r} ({source}) is not a 5-field cron expression")
    return SpiderSchedule(spidercls.name, cron, source)


def crawl_command(spider: str, project: Path, venv_bin: Path, home: Path, log_file: str) -> list[str]:
    return [str(venv_bin / "scrapy"), "crawl", spider, "-s", f"LOG_FILE={log_file}"]


def crontab_lines(schedules: list[SpiderSchedule], project: Path, venv_bin: Path, home: Path) -> list[str]:
    """Ready-to-install crontab lines: one comment and one entry per spider.

    Each run logs to its own file <home>/runs/<spider>/logs/<UTC time>.log (`%` is special in
    crontab, hence `\\%`) and takes the lock <home>/locks/<spider>.lock itself (a run that finds it
    held exits 5, with a line in its log saying which process holds it).
    """
    lines = [
        "# newsbot schedules (`scrapy schedule --crontab`); times are in the cron daemon's time zone.",
        "# Exit codes: 0 ok, 3 unhealthy, 4 undelivered, 5 locked (previous run still going), 6 config.",
        "# Articles go to the project's FEEDS, else NEWSBOT_OUTPUT (unset: $NEWSBOT_HOME/output/<outlet>/<time>.jsonl,",
        "# one file per run that found new articles). The generic spider needs -a url=: add its own lines.",
        f"NEWSBOT_HOME={home}",
    ]
    for entry in schedules:
        logs = home / "runs" / entry.spider / "logs"
        log_file = f"{logs}/$(date -u +\\%Y\\%m\\%dT\\%H\\%M\\%SZ).log"
        command = " ".join(shlex.quote(part) for part in crawl_command(entry.spider, project, venv_bin, home, "LOG"))
        command = command.replace("LOG_FILE=LOG", f"LOG_FILE={log_file}")
        lines.append(f"# {entry.spider} ({entry.source} schedule); lock {home / 'locks' / (entry.spider + '.lock')}")
        lines.append(f"{entry.cron} cd {shlex.quote(str(project))} && mkdir -p {shlex.quote(str(logs))} && {command}")
    return lines


class ForegroundScheduler:
    """Runs each spider at its scheduled times, for containers without cron.

    Every run is a child process (`scrapy crawl`), because a Twisted reactor cannot restart; runs
    of different spiders overlap freely, runs of one spider are kept apart by the run lock.
    """

    def __init__(self, schedules: list[SpiderSchedule], launch: Callable[[str], object],
                 now: Callable[[], dt.datetime] | None = None, sleep: Callable[[float], None] = time.sleep):
        self.schedules = schedules
        self.launch = launch
        self.now = now or (lambda: dt.datetime.now().astimezone())
        self.sleep = sleep

    def run(self, max_runs: int | None = None) -> int:
        """Loop until `max_runs` runs were launched (None: forever); returns the number launched."""
        start = self.now()
        due = {entry.spider: entry.next_after(start) for entry in self.schedules}
        by_name = {entry.spider: entry for entry in self.schedules}
        launched = 0
        while max_runs is None or launched < max_runs:
            spider = min(due, key=due.__getitem__)
            wait = (due[spider] - self.now()).total_seconds()
            if wait > 0:
                logger.info("next run: %s at %s (in %.0fs)", spider, due[spider].isoformat(), wait)
                self.sleep(wait)
                continue
            logger.info("starting %s (scheduled %s)", spider, due[spider].isoformat())
            self.launch(spider)
            launched += 1
            # The next slot after now: a run that was late does not fire the missed slots in a burst.
            due[spider] = by_name[spider].next_after(max(self.now(), due[spider]))
        return launched


def launch_crawl(spider: str, venv_bin: Path, project: Path, home: Path) -> subprocess.Popen:
    logs = home / "runs" / spider / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_file = logs / (dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + ".log")
    return subprocess.Popen(crawl_command(spider, project, venv_bin, home, str(log_file)), cwd=project)

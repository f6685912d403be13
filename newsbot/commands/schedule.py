"""`scrapy schedule`: the spiders' schedules; `--crontab` prints crontab lines, `--foreground`
runs the schedule itself (containers without cron)."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.conf import closest_scrapy_cfg

from ..config import ConfigError, validate
from ..exitcodes import CONFIG
from ..paths import newsbot_home
from ..scheduling import ForegroundScheduler, ScheduleError, crontab_lines, launch_crawl, spider_schedule

logger = logging.getLogger(__name__)


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--crontab | --foreground] [SPIDER ...]"

    def short_desc(self) -> str:
        return "Show spider schedules, print crontab lines, or run the schedule in the foreground"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--crontab", action="store_true", help="print crontab lines")
        parser.add_argument("--foreground", action="store_true", help="run the schedule (no cron needed)")
        parser.add_argument("--venv", default=None, help="virtualenv bin folder (default: this Python's)")
        parser.add_argument("--max-runs", type=int, default=None, help=argparse.SUPPRESS)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process and self.settings is not None
        loader = self.crawler_process.spider_loader
        names = args or sorted(loader.list())
        unknown = [n for n in names if n not in loader.list()]
        if unknown:
            raise UsageError(f"unknown spider(s): {', '.join(unknown)}")
        # A spider that needs arguments (generic: -a url=) would fail every scheduled run.
        needing = {n: getattr(loader.load(n), "required_arguments", ()) for n in names}
        if args and any(needing.values()):
            raise UsageError("; ".join(f"{n} needs {', '.join(f'-a {a}=...' for a in needing[n])}: a schedule "
                                       "cannot give it; run it from your own cron line" for n in args if needing[n]))
        names = [n for n in names if not needing[n]]
        try:
            validate(self.settings)     # every run it starts would refuse a bad setting anyway
            schedules = [spider_schedule(loader.load(name), self.settings) for name in names]
        except (ConfigError, ScheduleError) as exc:
            print(f"newsbot: {exc}", file=sys.stderr)
            self.exitcode = CONFIG
            return
        project = Path(closest_scrapy_cfg() or os.getcwd()).resolve().parent
        venv_bin = Path(opts.venv).resolve() if opts.venv else Path(sys.executable).parent
        home = newsbot_home(self.settings)
        home = home if home.is_absolute() else (project / home)
        if opts.crontab:
            print("\n".join(crontab_lines(schedules, project, venv_bin, home)))
        elif opts.foreground:
            # Scrapy's logging is off for this command; the scheduler's own lines go to stderr.
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(asctime)s [newsbot.schedule] %(message)s"))
            for name in ("newsbot.scheduling", "newsbot.commands.schedule"):
                log = logging.getLogger(name)
                log.addHandler(handler)
                log.setLevel(logging.INFO)
                log.propagate = False
            children: list = []

            def launch(spider: str) -> None:
                for child in [c for c in children if c.poll() is not None]:   # reap finished runs
                    logger.info("%s finished with exit code %d", child.args[2], child.returncode)
                    children.remove(child)
                children.append(launch_crawl(spider, venv_bin, project, home))

            scheduler = ForegroundScheduler(schedules, launch)
            scheduler.run(opts.max_runs)
            # Only reached with --max-runs: wait for the last runs and report the worst code.
            for child in children:
                child.wait()
                logger.info("%s finished with exit code %d", child.args[2], child.returncode)
            self.exitcode = max((c.returncode for c in children), default=0)
        else:
            now = dt.datetime.now().astimezone()
            for entry in schedules:
                print(f"{entry.spider:<24} {entry.cron:<20} {entry.source:<8} next {entry.next_after(now):%Y-%m-%d %H:%M %Z}")

"""Prometheus metrics of every run, for node_exporter's textfile collector.

NEWSBOT_METRICS_FILE names the file: a path ending in `.prom` is one file for every spider
(each run replaces its own spider's series and keeps the others'), any other path is a folder
that gets one `newsbot_<spider>.prom` per spider. Point it at the collector's folder
(node_exporter --collector.textfile.directory). The file is replaced atomically (a temporary
file, then os.replace), so the collector never reads half of it.

The values are the run summary's (newsbot.extensions.summary.build_summary), written on
`engine_stopped` after the health rules and the summary; the time of the last successful run
(exit code 0) is carried over from the file when this run failed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from ..delivery.spool import write_atomic
from ..exitcodes import exit_code_of
from .summary import build_summary, run_identity

logger = logging.getLogger(__name__)

LAST_SUCCESS = "newsbot_last_success_timestamp_seconds"
# name -> (help, label of the breakdown or None)
GAUGES = {
    "newsbot_run_items": ("Items written by the last run", None),
    "newsbot_run_articles": ("Articles of the last run by dedup decision (new, duplicate, updated, unchanged...)",
                             "decision"),
    "newsbot_run_dropped_items": ("Items dropped by the last run, by reason", "reason"),
    "newsbot_run_errors": ("Errors of the last run, by kind", "kind"),
    "newsbot_run_requests": ("Requests of the last run, by final outcome", "outcome"),
    "newsbot_run_broken_health_rules": ("Health rules the last run broke", None),
    "newsbot_delivery_backlog_batches": ("Feed batches waiting in the spool after the last run", None),
    "newsbot_run_duration_seconds": ("Duration of the last run", None),
    "newsbot_run_exit_code": ("Exit code of the last run (0 ok, 3 unhealthy, 4 undelivered, 5 locked, 6 config)", None),
    "newsbot_run_end_timestamp_seconds": ("End of the last run, Unix time", None),
    LAST_SUCCESS: ("End of the last run that exited 0, Unix time", None),
}


def metrics_path(target: str, spider: str) -> Path:
    path = Path(target)
    if path.suffix == ".prom":
        return path
    return path / f"newsbot_{re.sub(r'[^A-Za-z0-9_]', '_', spider)}.prom"


def run_values(summary: dict[str, Any], stats: dict[str, Any], end: float) -> dict[str, dict[str | None, float]]:
    """name -> {breakdown label value (None when unlabelled): value} for one run."""
    dedup = {k.removeprefix("newsbot/dedup/"): v for k, v in stats.items()
             if k.startswith("newsbot/dedup/") and isinstance(v, (int, float))}
    values: dict[str, dict[str | None, float]] = {
        "newsbot_run_items": {None: summary["items"]},
        "newsbot_run_articles": dedup,
        "newsbot_run_dropped_items": dict(summary["dropped"]),
        "newsbot_run_errors": dict(summary["errors"]),
        "newsbot_run_requests": dict(summary["requests"]),
        "newsbot_run_broken_health_rules": {None: len(summary["health"])},
        "newsbot_delivery_backlog_batches": {None: summary["delivery"].get("pending_at_end", 0)},
        "newsbot_run_duration_seconds": {None: summary["elapsed_seconds"]},
        "newsbot_run_exit_code": {None: summary["exit_code"]},
        "newsbot_run_end_timestamp_seconds": {None: end},
    }
    if summary["exit_code"] == 0:
        values[LAST_SUCCESS] = {None: end}
    return values


def read_samples(path: Path) -> list[tuple[str, dict[str, str], float]]:
    """The samples in an existing metrics file; none when it is missing or unreadable."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return []
    try:
        return [(s.name, dict(s.labels), s.value) for family in text_string_to_metric_families(text)
                for s in family.samples]
    except ValueError as exc:
        logger.warning("metrics: %s is not in the Prometheus text format (%s); it is rewritten", path, exc)
        return []


def render(samples: list[tuple[str, dict[str, str], float]]) -> bytes:
    families: dict[str, GaugeMetricFamily] = {}
    for name, labels, value in sorted(samples, key=lambda s: (s[0], sorted(s[1].items()))):
        if name not in GAUGES:
            continue    # a series of an older newsbot: dropped
        family = families.get(name)
        if family is None:
            family = families[name] = GaugeMetricFamily(name, GAUGES[name][0], labels=sorted(labels))
        family.add_metric([labels[k] for k in sorted(labels)], value)

    class Collector:
        def collect(self):
            return list(families.values())

    registry = CollectorRegistry(auto_describe=False)
    registry.register(Collector())
    return generate_latest(registry)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """One writer at a time for a file shared by several spiders' runs."""
    with open(path.with_name(f".{path.name}.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class RunMetricsExtension:
    def __init__(self, crawler: Crawler, target: str):
        self.crawler = crawler
        self.target = target
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunMetricsExtension:
        target = crawler.settings.get("NEWSBOT_METRICS_FILE")
        if not target:
            raise NotConfigured   # opt-in: no message, so Scrapy logs no "Disabled" warning
        if crawler.settings.getbool("NEWSBOT_CHECKING"):
            raise NotConfigured   # contract checks are not runs
        return cls(crawler, str(target))

    def engine_stopped(self) -> None:
        spider, outlet = run_identity(self.crawler)
        stats = self.crawler.stats.get_stats()
        summary = build_summary(stats, spider, outlet, exit_code_of(self.crawler))
        finish = stats.get("finish_time")
        end = finish.replace(tzinfo=finish.tzinfo or dt.timezone.utc).timestamp() if finish else time.time()
        path = metrics_path(self.target, spider)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with locked(path):
                samples = read_samples(path)
                if summary["exit_code"] != 0:   # keeps the last success this spider had
                    carried = [s for s in samples if s[0] == LAST_SUCCESS and s[1].get("spider") == spider]
                else:
                    carried = []
                samples = [s for s in samples if s[1].get("spider") != spider] + carried
                for name, values in run_values(summary, stats, end).items():
                    label = GAUGES[name][1]
                    for key, value in values.items():
                        labels = {"spider": spider, **({label: str(key)} if label else {})}
                        samples.append((name, labels, float(value)))
                write_atomic(path, render(samples))  # a hidden .tmp name: the collector skips it
        except OSError as exc:
            logger.warning("metrics: could not write %s: %s", path, exc)
            return
        logger.info("metrics: %s", path)

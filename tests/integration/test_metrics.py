"""Prometheus metrics of runs (newsbot/extensions/metrics.py): real crawls of a local site, the
file read back with prometheus_client's own parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from newsbot import exitcodes
from tests.support.localsite import LocalSite
from tests.integration.test_health_exitcodes import crawl

# Real crawls of a local site, one process each.
pytestmark = pytest.mark.slow


def samples(path: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    families = list(text_string_to_metric_families(path.read_text("utf-8")))
    assert families and all(f.type == "gauge" for f in families)
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples}


def value(found: dict, name: str, spider: str = "local_politics", **labels: str) -> float:
    return found[(name, tuple(sorted({"spider": spider, **labels}.items())))]


def test_each_run_replaces_its_metrics_and_keeps_the_last_success(isolated_newsbot_home, tmp_path):
    folder = tmp_path / "textfile"
    metrics = ["-s", f"NEWSBOT_METRICS_FILE={folder}", "-s", "NEWSBOT_DEDUP_ENABLED=1"]
    with LocalSite("ok", articles=3) as site:
        healthy = crawl("local_politics", site.base, *metrics)
    assert healthy.returncode == exitcodes.OK, healthy.stderr[-3000:]
    path = folder / "newsbot_local_politics.prom"
    first = samples(path)
    assert value(first, "newsbot_run_items") >= 1
    # The local site's articles differ by one number: dedup finds them one story.
    assert value(first, "newsbot_run_articles", decision="new") == value(first, "newsbot_run_items")
    assert value(first, "newsbot_run_articles", decision="new") + \
        value(first, "newsbot_run_articles", decision="duplicate") == 3
    assert value(first, "newsbot_run_exit_code") == 0
    assert value(first, "newsbot_run_requests", outcome="ok") == 4
    assert value(first, "newsbot_delivery_backlog_batches") == 0
    assert value(first, "newsbot_run_duration_seconds") > 0
    succeeded = value(first, "newsbot_last_success_timestamp_seconds")
    assert succeeded == value(first, "newsbot_run_end_timestamp_seconds")
    assert sorted(p.name for p in folder.iterdir()) == sorted([path.name, f".{path.name}.lock"])   # no temp file

    with LocalSite("500") as site:
        failed = crawl("local_politics", site.base, *metrics)
    assert failed.returncode == exitcodes.UNHEALTHY, failed.stderr[-3000:]
    second = samples(path)
    assert value(second, "newsbot_run_exit_code") == 3
    assert value(second, "newsbot_run_items") == 0
    assert value(second, "newsbot_run_errors", kind="http_500") == 1
    assert value(second, "newsbot_run_broken_health_rules") >= 1
    assert value(second, "newsbot_run_end_timestamp_seconds") > succeeded
    assert value(second, "newsbot_last_success_timestamp_seconds") == succeeded    # carried over
    assert ("newsbot_run_articles", (("decision", "new"), ("spider", "local_politics"))) not in second


def test_one_file_holds_every_spiders_series(isolated_newsbot_home, tmp_path):
    path = tmp_path / "newsbot.prom"
    with LocalSite("ok", articles=3) as site:
        for spider in ("local_politics", "local_raising"):
            crawl(spider, site.base, "-s", f"NEWSBOT_METRICS_FILE={path}")
    found = samples(path)
    assert value(found, "newsbot_run_exit_code", spider="local_politics") == 0
    assert value(found, "newsbot_run_exit_code", spider="local_raising") == 3
    assert value(found, "newsbot_run_errors", spider="local_raising", kind="callback_ValueError") == 3
    assert ("newsbot_last_success_timestamp_seconds", (("spider", "local_raising"),)) not in found

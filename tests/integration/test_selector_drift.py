"""Selector drift is a health signal: an outlet whose body selector no longer matches still gives
whole articles, and the run says which selector drifted (log line, stat, run summary, exit code)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsbot.extensions.drift import drift_lines
from newsbot.extensions.health import evaluate

from tests.conftest import REPLAY, ROOT
from tests.support.replay_crawl import _stats

SELECTOR = ".article__body-v1 > p.article__paragraph"


def crawl(spider: str, tmp_path: Path, *settings: str) -> tuple[subprocess.CompletedProcess, list[dict], dict]:
    out, home = tmp_path / f"{spider}.jsonl", tmp_path / "home"
    env = {**os.environ, "NEWSBOT_REPLAY": str(REPLAY), "NEWSBOT_HOME": str(home)}
    # The recordings hold five articles of the outlet: judge drift on those few.
    args = [sys.executable, "-m", "scrapy", "crawl", spider, "-O", f"{out}:jsonl", "-s", "SPIDER_MODULES=newsbot.spiders,tests.support.spiders",
            "-s", "STATS_DUMP=True", "-s", "NEWSBOT_DEDUP_ENABLED=False", "-s", "NEWSBOT_SELECTOR_DRIFT_MIN_ARTICLES=3"]
    for setting in settings:
        args += ["-s", setting]
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines()] if out.exists() else []
    return proc, items, _stats(proc.stderr)


@pytest.mark.slow
def test_a_drifted_body_selector_still_gives_whole_articles_and_says_so(tmp_path):
    healthy, reference, _ = crawl("le_monde", tmp_path / "a")
    warned, _, _ = crawl("le_monde_drifted", tmp_path / "b")
    drifted, items, stats = crawl("le_monde_drifted", tmp_path / "c", "NEWSBOT_HEALTH_FAIL_ON_SELECTOR_DRIFT=True")

    # Whole articles all the same: every one the recordings hold, as long as with the outlet's path.
    assert healthy.returncode == 0 and "selector drift:" not in healthy.stderr, healthy.stderr[-2000:]
    assert len(items) == len(reference) >= 4
    words = {item["url"]: len(item["body"].split()) for item in reference}
    assert all(len(item["body"].split()) >= 0.8 * words[item["url"]] for item in items)

    # One line naming the outlet and the selector; the stats, the summary and the exit code.
    lines = [line for line in drifted.stderr.splitlines() if "selector drift:" in line]
    assert len(lines) == 1 and "outlet le_monde" in lines[0] and SELECTOR in lines[0], lines
    lost, checked = stats["newsbot/selectors/lost/le_monde/body"], stats["newsbot/selectors/checked/le_monde/body"]
    assert lost >= 4 and lost / checked >= 0.75   # the video page has no article text to lose
    assert drifted.returncode == 3, drifted.stderr[-2000:]
    summary = json.loads(next((tmp_path / "c" / "home" / "runs").glob("*/*/run-summary.json")).read_text("utf-8"))
    assert SELECTOR in summary["selector_drift"][0] and summary["exit_code"] == 3
    assert any(line.startswith("selector_drift:") for line in summary["health"])
    # Left to its default, the policy reports the drift without failing a run that wrote whole articles.
    assert warned.returncode == 0 and sum("selector drift:" in line for line in warned.stderr.splitlines()) == 1


def test_drift_needs_a_share_of_enough_articles():
    stats = {"newsbot/selectors/checked/cnn/body": 10, "newsbot/selectors/lost/cnn/body": 2,
             "newsbot/selectors/css/cnn/body": ".article__content > p",
             "newsbot/selectors/checked/npr/body": 2, "newsbot/selectors/lost/npr/body": 2}
    assert drift_lines(stats, 0.25, 3) == []            # cnn: 20% < 25%; npr: too few articles
    lines = drift_lines(stats, 0.2, 2)
    assert len(lines) == 2 and lines[0].startswith("outlet cnn: body selector '.article__content > p'")
    policy = {"min_items": 0, "max_error_ratio": 1, "max_missing_ratio": 1, "require_delivery": False,
              "fail_on_selector_drift": True}
    assert evaluate({"newsbot/selectors/drift": lines}, policy) == ["selector_drift: " + "; ".join(lines)]
    assert evaluate({"newsbot/selectors/drift": lines}, {**policy, "fail_on_selector_drift": False}) == []


@pytest.mark.slow
def test_scrapy_check_reports_the_drifted_selector():
    proc = subprocess.run([sys.executable, "-m", "scrapy", "check", "le_monde_drifted", "-s", "SPIDER_MODULES=tests.support.spiders"],
                          cwd=ROOT, env={**os.environ, "NEWSBOT_REPLAY": str(REPLAY)}, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1
    assert f"@body: selector drift: the body selector '{SELECTOR}' lost" in proc.stderr

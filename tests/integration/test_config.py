"""Bad settings, spider arguments and state: one `run failed (exit N)` line, the documented exit
code, no traceback, and no feed file touched (real `scrapy crawl` runs, offline from recordings)."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import redis
from scrapy.settings import Settings

from newsbot import config, exitcodes
from newsbot.dedup.store import what_to_do
from newsbot.settings import ADDONS
from tests.conftest import ROOT
from tests.support.helpers import chattr, failure_line, read_jsonl, run_scrapy

# Real runs: the settings users run with (replay mode only turns the politeness delays off).
SPIDER = "npr"
# Each run is a real `scrapy crawl` process (a few seconds): one bad-input case stays in the quick
# loop (`pytest -m "not slow"`), the rest run in the full suite.
SLOW = pytest.mark.slow


@pytest.mark.parametrize("args, code, words", [
    pytest.param(["nosuchspider"], exitcodes.USAGE, "unknown spider 'nosuchspider'", marks=SLOW),
    pytest.param([SPIDER, "-a", "max_pages=abc"], exitcodes.USAGE, "max_pages='abc' is not valid: expected an integer >= 1", marks=SLOW),
    ([SPIDER, "-s", "NEWSBOT_HEALTH_MIN_ITEMS=x"], exitcodes.CONFIG,
     "NEWSBOT_HEALTH_MIN_ITEMS='x' is not valid: expected an integer >= 0"),
    pytest.param([SPIDER, "-s", "NEWSBOT_HEALTH_MAX_ERROR_RATIO=1.5"], exitcodes.CONFIG,
                 "NEWSBOT_HEALTH_MAX_ERROR_RATIO='1.5' is not valid: expected a number from 0 to 1", marks=SLOW),
    pytest.param([SPIDER, "-s", "NEWSBOT_SCHEDULES={bbc: hourly"], exitcodes.CONFIG,
                 "NEWSBOT_SCHEDULES='{bbc: hourly' is not valid: expected a JSON object", marks=SLOW),
    pytest.param([SPIDER, "-s", 'NEWSBOT_SCHEDULES={"bbc": "hourly"}'], exitcodes.CONFIG,
                 "expected a JSON object of spider name to 5-field cron expression", marks=SLOW),
    pytest.param([SPIDER, "-s", "NEWSBOT_STATE=foo://x"], exitcodes.CONFIG,
                 "NEWSBOT_STATE='foo://x' is not valid: expected sqlite:///path/to/state.sqlite or redis://host:port/db", marks=SLOW),
    pytest.param([SPIDER, "-s", "NEWSBOT_DEDUP_MODE=bogus"], exitcodes.CONFIG,
                 "NEWSBOT_DEDUP_MODE='bogus' is not valid: expected one of drop, link", marks=SLOW),
    pytest.param([SPIDER, "-s", "NEWSBOT_DELIVERY_RETRIES=abc"], exitcodes.CONFIG,
                 "NEWSBOT_DELIVERY_RETRIES='abc' is not valid: expected an integer >= 0", marks=SLOW),
    pytest.param([SPIDER, "-s", "NEWSBOT_LOCK_ENABLED=maybe"], exitcodes.CONFIG,
                 "NEWSBOT_LOCK_ENABLED='maybe' is not valid: expected true or false", marks=SLOW),
    pytest.param([SPIDER, "-s", "NEWSBOT_DISTRIBUTED=1"], exitcodes.CONFIG,
                 "NEWSBOT_DISTRIBUTED='1' is not valid: expected off, or NEWSBOT_STATE=redis://host:port/db", marks=SLOW),
    pytest.param(["generic"], exitcodes.CONFIG, "generic spider needs -a url=<section URL>", marks=SLOW),
])
def test_bad_input_is_one_line_and_its_exit_code(args, code, words):
    result = run_scrapy("crawl", *args)
    assert result.returncode == code, result.stderr[-3000:]
    line = failure_line(result)
    assert f"run failed (exit {code}): " in line and words in line, line


@pytest.mark.slow
def test_a_replay_folder_that_does_not_exist_is_refused(tmp_path):
    result = run_scrapy("crawl", SPIDER, replay=tmp_path / "no-recordings")
    assert result.returncode == exitcodes.CONFIG, result.stderr[-3000:]
    assert f"NEWSBOT_REPLAY='{tmp_path / 'no-recordings'}' is not valid: expected an existing folder" in failure_line(result)


@pytest.mark.slow
def test_bad_setting_from_the_environment_is_refused():
    result = run_scrapy("crawl", SPIDER, env={"NEWSBOT_STATE": "foo://x"})
    assert result.returncode == exitcodes.CONFIG
    assert "NEWSBOT_STATE='foo://x'" in failure_line(result)


@pytest.mark.slow
def test_every_bad_setting_is_named_in_the_one_line():
    result = run_scrapy("crawl", SPIDER, "-s", "NEWSBOT_DEDUP_MODE=bogus", "-s", "NEWSBOT_RETRY_AFTER_MAX=-5")
    assert result.returncode == exitcodes.CONFIG
    line = failure_line(result)
    assert "NEWSBOT_DEDUP_MODE='bogus'" in line and "NEWSBOT_RETRY_AFTER_MAX='-5'" in line


@pytest.mark.slow
def test_a_refused_run_leaves_its_output_file_alone(tmp_path):
    out = tmp_path / "keep.jsonl"
    out.write_text('{"kept": 1}\n')
    result = run_scrapy("crawl", "generic", "-O", str(out))
    assert result.returncode == exitcodes.CONFIG
    assert "generic spider needs -a url=" in failure_line(result)
    assert out.read_text() == '{"kept": 1}\n'
    assert "min_items" not in result.stderr          # no health verdict on a run that never started


@pytest.mark.slow
def test_a_locked_out_run_leaves_its_output_file_alone(tmp_path, isolated_newsbot_home):
    lock = isolated_newsbot_home / "locks" / f"{SPIDER}.lock"
    lock.parent.mkdir(parents=True)
    out = tmp_path / "keep.jsonl"
    out.write_text('{"kept": 1}\n')
    with open(lock, "w") as held:             # as a running crawl holds it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write(f"{os.getpid()}\n")
        held.flush()
        result = run_scrapy("crawl", SPIDER, "-O", str(out))
    assert result.returncode == exitcodes.LOCKED
    assert f"another run of {SPIDER} is in progress (pid {os.getpid()}" in failure_line(result)
    assert out.read_text() == '{"kept": 1}\n'


@pytest.mark.slow
def test_a_missing_browser_stops_the_run_before_its_output_opens(tmp_path):
    out = tmp_path / "keep.jsonl"
    out.write_text('{"kept": 1}\n')
    result = run_scrapy("crawl", "nikkei_asia", "-s", "NEWSBOT_RENDERING=always", "-O", str(out),
                        env={"NEWSBOT_CHROMIUM": str(tmp_path / "no-chromium")})
    assert result.returncode == exitcodes.CONFIG, result.stderr[-3000:]
    assert f"browser not found: {tmp_path / 'no-chromium'}" in failure_line(result)
    assert out.read_text() == '{"kept": 1}\n'
    assert "min_items" not in result.stderr


# --- the state, checked once at start-up ---------------------------------------------------------

@pytest.fixture(scope="module")
def good_state(tmp_path_factory) -> Path:
    """A real state file, written by a real crawl."""
    home = tmp_path_factory.mktemp("state-home")
    result = run_scrapy("crawl", SPIDER, env={"NEWSBOT_HOME": str(home)})
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    return home / "state.sqlite"


@pytest.mark.slow
def test_a_new_state_is_announced_and_the_run_goes_on(tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_scrapy("crawl", SPIDER, "-O", str(out))
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    assert re.search(r"WARNING: state sqlite:///\S+state.sqlite is new: every article this run finds is "
                     r"treated as new", result.stderr)
    items = read_jsonl(out)
    assert items
    assert re.search(rf"WARNING: state sqlite:///\S+state.sqlite was new: {len(items)} article\(s\) treated as new",
                     result.stderr), result.stderr[-3000:]


@pytest.mark.slow
def test_an_existing_state_is_not_announced_as_new(good_state, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(good_state, home / "state.sqlite")
    result = run_scrapy("crawl", SPIDER, env={"NEWSBOT_HOME": str(home)})
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    assert "is new: every article" not in result.stderr
    checked = run_scrapy("dedup", "check", env={"NEWSBOT_HOME": str(home)})
    assert checked.returncode == 0 and checked.stdout.strip().endswith("state.sqlite: ok"), checked.stdout


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncated", "garbage_inside", "garbage_header"])
def test_a_damaged_state_stops_the_run_with_what_to_do(good_state, tmp_path, damage):
    home = tmp_path / "home"
    home.mkdir()
    state = home / "state.sqlite"
    shutil.copy(good_state, state)
    data = state.read_bytes()
    assert len(data) > 20000
    if damage == "truncated":
        state.write_bytes(data[:len(data) // 3])
    elif damage == "garbage_inside":
        state.write_bytes(data[:16384] + b"\xde\xad" * 4096 + data[16384 + 8192:])
    else:
        state.write_bytes(b"garbage!" * 64 + data[512:])
    result = run_scrapy("crawl", SPIDER, env={"NEWSBOT_HOME": str(home)})
    assert result.returncode == exitcodes.CONFIG, result.stderr[-3000:]
    line = failure_line(result)
    assert f"state sqlite:///{state} is damaged" in line and "move it aside" in line, line
    assert "`scrapy dedup check`" in line
    assert "downloader/request_count" not in result.stderr      # not one request was made
    # What the line tells the operator to run agrees, and says what to do in one line.
    checked = run_scrapy("dedup", "check", env={"NEWSBOT_HOME": str(home)})
    assert checked.returncode == exitcodes.CONFIG
    assert checked.stdout.count("\n") == 1 and f"state sqlite:///{state} is damaged" in checked.stdout
    assert "Traceback" not in checked.stdout + checked.stderr


@pytest.mark.slow
def test_a_state_in_a_read_only_folder_stops_the_run(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    chattr("+i", folder)
    try:
        result = run_scrapy("crawl", SPIDER, "-s", f"NEWSBOT_STATE=sqlite:///{folder}/state.sqlite")
    finally:
        chattr("-i", folder)
    assert result.returncode == exitcodes.CONFIG, result.stderr[-3000:]
    line = failure_line(result)
    assert f"state sqlite:///{folder}/state.sqlite cannot be written" in line and "writable" in line, line


@pytest.mark.slow
def test_a_read_only_state_file_stops_the_run(good_state, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(good_state, home / "state.sqlite")
    chattr("+i", home / "state.sqlite")
    try:
        result = run_scrapy("crawl", SPIDER, env={"NEWSBOT_HOME": str(home)})
    finally:
        chattr("-i", home / "state.sqlite")
    assert result.returncode == exitcodes.CONFIG, result.stderr[-3000:]
    assert "cannot be written" in failure_line(result)


@pytest.mark.slow
@pytest.mark.parametrize("extra", [[], ["-s", "NEWSBOT_DISTRIBUTED=1"]])
def test_redis_down_stops_the_run(extra):
    # Port 1: nothing listens there, so no Redis server is needed for this test.
    result = run_scrapy("crawl", SPIDER, "-s", "NEWSBOT_STATE=redis://127.0.0.1:1/0", *extra)
    assert result.returncode == exitcodes.CONFIG, result.stderr[-3000:]
    line = failure_line(result)
    assert "state redis://127.0.0.1:1/0 is unreachable" in line and "start Redis" in line, line


# --- the declarations themselves -----------------------------------------------------------------

def test_every_newsbot_setting_the_code_reads_is_declared():
    read = set()
    for path in (ROOT / "newsbot").rglob("*.py"):
        read |= set(re.findall(r"""get\w*\(\s*["'](NEWSBOT_[A-Z0-9_]+)["']""", path.read_text("utf-8")))
        read |= set(re.findall(r"""setting_or_env\(\s*\w+,\s*["'](NEWSBOT_[A-Z0-9_]+)["']""", path.read_text("utf-8")))
    read.discard("NEWSBOT_CHROMIUM")            # an environment variable of settings.py, not a setting
    assert read and not read - set(config.BY_NAME), sorted(read - set(config.BY_NAME))


def test_the_defaults_are_valid_and_are_the_project_settings():
    from scrapy.utils.project import get_project_settings
    settings = get_project_settings()
    assert config.problems(settings) == []
    own = {"NEWSBOT_RECORDINGS"}             # newsbot's own project names its recordings folder
    for setting in config.SETTINGS:
        if setting.env != "import" and setting.name not in own:   # env ones were read at import
            assert settings.get(setting.name) == setting.default, setting.name
    # The add-on checks them before it applies anything that follows from them.
    assert list(ADDONS) == ["newsbot.NewsbotAddon"]


@pytest.mark.parametrize("name, value, ok", [
    ("NEWSBOT_HEALTH_MIN_ITEMS", "3", True), ("NEWSBOT_HEALTH_MIN_ITEMS", -1, False),
    ("NEWSBOT_DEDUP_MODE", "LINK", True), ("NEWSBOT_RENDERING", "sometimes", False),
    ("NEWSBOT_SCHEDULES", '{"bbc": "0 * * * *"}', True), ("NEWSBOT_DEFAULT_SCHEDULE", "0 * * *", False),
    ("NEWSBOT_STATE", "sqlite:///", False), ("NEWSBOT_STATE", "redis://h:6379/0", True),
    ("NEWSBOT_HEALTH_REQUIRED_FIELDS", "title,body", True), ("NEWSBOT_GC_FREEZE", "off", False),
])
def test_single_values(name, value, ok):
    settings = Settings({name: value})
    assert (config.BY_NAME[name].problem(settings) is None) == ok


@pytest.mark.parametrize("value, ok", [("yes", False), ("on", True), ("maybe", False)])
def test_environment_booleans_are_read_as_the_code_reads_them(monkeypatch, value, ok):
    # NEWSBOT_DISTRIBUTED=on in the environment is read by newsbot.distributed.is_distributed
    # (yes/no, on/off allowed); "yes" needs a Redis state like any true value.
    monkeypatch.setenv("NEWSBOT_DISTRIBUTED", value)
    state = {"NEWSBOT_STATE": "redis://h:6379/0"} if value == "on" else {}
    assert (config.BY_NAME["NEWSBOT_DISTRIBUTED"].problem(Settings(state)) is None) == ok


@pytest.mark.slow
@pytest.mark.parametrize("args, words", [
    (["--replay", "/no/such/folder", SPIDER], "no recordings folder /no/such/folder"),
    (["nosuchspider"], "unknown spider(s) 'nosuchspider'"),
])
def test_check_with_bad_input_is_one_line_and_exit_2(args, words):
    result = run_scrapy("check", *args)
    assert result.returncode == exitcodes.USAGE, result.stdout + result.stderr
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scrapy check: ") and words in lines[0], lines


def test_the_reference_table_is_up_to_date():
    doc = (ROOT / "docs" / "faults-and-configuration.md").read_text("utf-8")
    start, end = "<!-- settings table: generated by newsbot.config.reference_table() -->\n", "\n<!-- end of settings table -->"
    assert doc[doc.index(start) + len(start):doc.index(end)] == config.reference_table()


def test_a_password_in_a_state_url_is_never_in_the_line():
    line = config.BY_NAME["NEWSBOT_STATE"].problem(Settings({"NEWSBOT_STATE": "foo://user:s3cret@db.example/0"}))
    assert line and "s3cret" not in line and "'foo://db.example/0'" in line
    assert "s3cret" not in what_to_do("redis://:s3cret@db.example:6379/0", redis.ConnectionError("refused"))


@pytest.mark.slow
def test_schedule_with_a_bad_setting_is_one_line_and_exit_6():
    result = run_scrapy("schedule", "--crontab", "-s", "NEWSBOT_SCHEDULES={bbc: hourly")
    assert result.returncode == exitcodes.CONFIG
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "newsbot: setting NEWSBOT_SCHEDULES='{bbc: hourly' is not valid: expected a JSON object of spider name "
        'to 5-field cron expression, e.g. {"bbc": "0 * * * *"}']


@pytest.mark.slow
def test_the_generic_spider_is_locked_per_site(tmp_path, isolated_newsbot_home):
    """Runs of the generic spider for two sites do not block each other; two for one site do."""
    from newsbot.extensions.lock import lock_path
    from newsbot.spiders.generic import GenericSpider

    site_a, site_b = "https://www.riverside-courier.test/politics/", "https://news.example.org/politics/"
    lock = lock_path(Settings({"NEWSBOT_HOME": str(isolated_newsbot_home)}), "generic",
                     GenericSpider(url=site_a).outlet)
    lock.parent.mkdir(parents=True)
    with open(lock, "w") as held:             # as a running crawl of site A holds it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        same = run_scrapy("crawl", "generic", "-a", f"url={site_a}", "-O", str(tmp_path / "a.jsonl"))
        other = run_scrapy("crawl", "generic", "-a", f"url={site_b}", "-O", str(tmp_path / "b.jsonl"))
    assert same.returncode == exitcodes.LOCKED, same.stderr[-2000:]
    assert "another run of generic is in progress" in failure_line(same)
    assert other.returncode != exitcodes.LOCKED and "another run" not in other.stderr, other.stderr[-2000:]

"""Every NEWSBOT_* setting declared once: name, default, type, allowed values, environment variable,
one line of documentation. newsbot/defaults.py takes its defaults from here, and `validate()`
checks a crawler's settings against it when the crawl starts (the add-on's first step), so a bad value
stops the run with one line and exit 6 instead of a traceback later or a silent default.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from croniter import croniter
from scrapy.settings import BaseSettings

from .exitcodes import CONFIG, StartRefused
from .urls import masked_url

STATE_SCHEMES = ("sqlite:///", "redis://", "rediss://", "unix://")
REDIS_SCHEMES = STATE_SCHEMES[1:]
ENV_BOOLEANS = ("1", "true", "yes", "on", "0", "false", "no", "off")   # true ones first


class ConfigError(StartRefused):
    """A setting (or spider argument) the run cannot work with: exit 6, one line."""

    def __init__(self, reason: str):
        super().__init__(CONFIG, reason)


# A check returns None when the (converted) value is fine, else what is allowed; it also sees the
# settings, for rules that tie two settings together.
Check = Callable[[Any, BaseSettings], "str | None"]


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    kind: str                            # bool, int, float, str, list, dict
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None   # compared lower-cased; None stays allowed
    check: Check | None = None
    accepts: str | None = None           # what is allowed, in words, when `kind` alone does not say
    secret: bool = False                 # a URL that may hold a password: logged without it
    # Environment variable of the same name: read by settings.py when it is imported ("import"),
    # or by the code when the setting is empty ("use", see newsbot.paths.setting_or_env).
    env: str | None = None

    def default_value(self) -> Any:
        """The default settings.py gets: the environment's value for env="import" settings."""
        raw = os.environ.get(self.name) if self.env == "import" else None
        if raw is None:
            return self.default
        if self.kind == "bool":
            return raw.lower() not in ("0", "false", "no", "off")
        if self.kind == "list":
            return [part.strip() for part in raw.split(",") if part.strip()]
        return raw

    def allowed(self) -> str:
        """What this setting accepts, in words (the end of a validation line)."""
        if self.accepts:
            return self.accepts
        if self.choices:
            return "one of " + ", ".join(self.choices)
        words = {"bool": "true or false (1/0)", "int": "an integer", "float": "a number",
                 "str": "a text", "list": "a list (JSON or comma-separated)", "dict": "a JSON object"}[self.kind]
        if self.minimum is not None and self.maximum is not None:
            return f"{words} from {self.minimum:g} to {self.maximum:g}"
        if self.minimum is not None:
            return f"{words} >= {self.minimum:g}"
        return words

    def problem(self, settings: BaseSettings) -> str | None:
        """None when the crawler's value is valid, else one line naming it and what is allowed."""
        line = self._problem(settings)
        if line and self.secret:
            raw = settings.get(self.name) or os.environ.get(self.name) or ""
            line = line.replace(repr(raw), repr(masked_url(str(raw))))
        return line

    def _problem(self, settings: BaseSettings) -> str | None:
        raw, from_env = settings.get(self.name), False
        if raw in (None, "") and self.env == "use" and os.environ.get(self.name):
            raw, from_env = os.environ[self.name], True
        if raw is None:
            return None
        if from_env and self.kind == "bool":
            # As newsbot.distributed.is_distributed reads the environment: yes/no, on/off too.
            if raw.strip().lower() not in ENV_BOOLEANS:
                return _line(self.name, raw, "one of " + ", ".join(ENV_BOOLEANS))
            raw = raw.strip().lower() in ENV_BOOLEANS[:4]
        try:
            value = _convert(self.kind, self.name, raw)
        except (TypeError, ValueError):
            return _line(self.name, raw, self.allowed())
        if self.choices and str(value).strip().lower() not in self.choices:
            return _line(self.name, raw, self.allowed())
        if self.kind in ("int", "float") and not _in_range(value, self.minimum, self.maximum):
            return _line(self.name, raw, self.allowed())
        if self.check is not None:
            wanted = self.check(value, settings)
            if wanted:
                return _line(self.name, raw, wanted)
        return None


def _convert(kind: str, name: str, raw: Any) -> Any:
    # The same conversions the code uses to read them (Settings.getint, getbool, getdict, ...).
    one = BaseSettings({name: raw})
    if kind == "str":
        if not isinstance(raw, str):
            raise TypeError(name)
        return raw
    return {"bool": one.getbool, "int": one.getint, "float": one.getfloat,
            "list": one.getlist, "dict": one.getdict}[kind](name)


def _in_range(value: float, minimum: float | None, maximum: float | None) -> bool:
    return (minimum is None or value >= minimum) and (maximum is None or value <= maximum)


def _line(name: str, raw: Any, allowed: str) -> str:
    return f"setting {name}={raw!r} is not valid: expected {allowed}"


SCHEDULES_ACCEPT = 'a JSON object of spider name to 5-field cron expression, e.g. {"bbc": "0 * * * *"}'
CRON_ACCEPT = "a 5-field cron expression, e.g. 0 */6 * * *"
STATE_ACCEPT = "sqlite:///path/to/state.sqlite or redis://host:port/db"
DISTRIBUTED_ACCEPT = "off, or NEWSBOT_STATE=redis://host:port/db (the fleet's shared Redis)"
FOLDER_ACCEPT = "an existing folder of recordings (`scrapy record` writes them), or empty"
STRINGS_ACCEPT = "a list of non-empty texts (JSON or comma-separated)"


def _cron(expression: Any) -> bool:
    cron = " ".join(str(expression).split())
    return len(cron.split()) == 5 and croniter.is_valid(cron)


def _check_schedules(value: dict, settings: BaseSettings) -> str | None:
    wrong = [(spider, cron) for spider, cron in value.items() if not _cron(cron)]
    if not wrong:
        return None
    spider, cron = wrong[0]     # named as newsbot.scheduling.spider_schedule names it
    return f"{SCHEDULES_ACCEPT}; {spider}: schedule {cron!r} is not one"


def _check_cron(value: str, settings: BaseSettings) -> str | None:
    return None if _cron(value) else CRON_ACCEPT


def _check_state(value: str, settings: BaseSettings) -> str | None:
    if value.startswith(STATE_SCHEMES) and value not in STATE_SCHEMES:
        return None
    return STATE_ACCEPT


def _check_distributed(value: bool, settings: BaseSettings) -> str | None:
    state = settings.get("NEWSBOT_STATE") or os.environ.get("NEWSBOT_STATE") or ""
    if not value or str(state).startswith(REDIS_SCHEMES):
        return None
    return DISTRIBUTED_ACCEPT


def _check_folder(value: str, settings: BaseSettings) -> str | None:
    # Without its folder every request of a replay crawl misses: a run of nothing but misses.
    return None if not value or Path(value).is_dir() else FOLDER_ACCEPT


def _check_strings(value: list, settings: BaseSettings) -> str | None:
    return None if all(isinstance(v, str) and v for v in value) else STRINGS_ACCEPT


SETTINGS: tuple[Setting, ...] = (
    # --- where things live
    Setting("NEWSBOT_HOME", None, "str", "folder of local state (dedup state, spool, locks, run summaries); "
            "unset: ./.newsbot", env="use"),
    Setting("NEWSBOT_STATE", None, "str", "state store: sqlite:///path or redis://host:port/db; unset: "
            "sqlite:///<NEWSBOT_HOME>/state.sqlite", check=_check_state, accepts=STATE_ACCEPT, secret=True, env="use"),
    Setting("NEWSBOT_REPLAY", "", "str", "folder of recorded responses to crawl offline instead of the network",
            check=_check_folder, accepts=FOLDER_ACCEPT, env="import"),
    Setting("NEWSBOT_RECORDINGS", None, "str", "the project's recordings folder: `scrapy check` replays it, "
            "`scrapy record` refreshes it (relative to the project folder)"),
    Setting("NEWSBOT_RECORD_DIR", None, "str", "set by `scrapy record`: folder the crawl's responses are recorded to"),
    # --- politeness and discovery
    Setting("NEWSBOT_CONTACT_URL", "https://github.com/newsbot/newsbot", "str",
            "where site operators can reach whoever runs this crawler (put in the User-Agent)", env="import"),
    Setting("NEWSBOT_MAX_LISTING_PAGES", 5, "int", "listing pages followed per section URL (page 1 included)",
            minimum=1),
    # --- distributed crawling (newsbot/distributed.py)
    Setting("NEWSBOT_DISTRIBUTED", False, "bool", "several processes share one queue in Redis "
            "(needs NEWSBOT_STATE=redis://...)", check=_check_distributed, accepts="true or false (1/0; also yes/no, on/off in the environment); "
            "true needs NEWSBOT_STATE=redis://...", env="use"),
    Setting("NEWSBOT_FLEET_IDLE_SECONDS", 10, "float", "a fleet worker waits this long for more work before "
            "it stops", minimum=0),
    Setting("NEWSBOT_FLEET_LEASE_SECONDS", 60, "float", "a taken request stays leased this long (renewed); a "
            "dead worker's leases go back to the queue after it", minimum=1),
    # --- learned boilerplate
    Setting("NEWSBOT_BOILERPLATE_ENABLED", True, "bool", "learn per-outlet template paragraphs across runs"),
    Setting("NEWSBOT_BOILERPLATE_MIN_ARTICLES", 4, "int", "a paragraph in this many articles of one outlet "
            "is template", minimum=2),
    Setting("NEWSBOT_BOILERPLATE_WINDOW_DAYS", 30, "int", "learned counts never confirmed are forgotten "
            "after this many days", minimum=0),
    # --- runs from cron and CI: health, summary, progress, lock, schedules
    Setting("NEWSBOT_HEALTH_ENABLED", True, "bool", "judge the run with the health rules (exit 3 when broken)"),
    Setting("NEWSBOT_HEALTH_MIN_ITEMS", 1, "int", "fewer items scraped is unhealthy", minimum=0),
    Setting("NEWSBOT_HEALTH_MAX_ERROR_RATIO", 0.2, "float", "(failed requests + callback exceptions) / "
            "requests above this is unhealthy", minimum=0, maximum=1),
    Setting("NEWSBOT_HEALTH_MAX_MISSING_RATIO", 0.2, "float", "share of items missing a required field above "
            "this is unhealthy", minimum=0, maximum=1),
    Setting("NEWSBOT_HEALTH_REQUIRED_FIELDS", ["title", "body", "published_at"], "list",
            "the required fields (a spider's required_fields attribute wins)", check=_check_strings, accepts=STRINGS_ACCEPT),
    Setting("NEWSBOT_HEALTH_REQUIRE_DELIVERY", True, "bool", "undelivered feed batches make the run exit 4"),
    Setting("NEWSBOT_HEALTH_FAIL_ON_SELECTOR_DRIFT", False, "bool",
            "a drifting outlet selector (NEWSBOT_SELECTOR_DRIFT_*) also breaks the run (exit 3)"),
    Setting("NEWSBOT_SELECTOR_DRIFT_SHARE", 0.25, "float",
            "an outlet's body selector losing to another body path on this share of a run's articles is "
            "reported as drift", minimum=0, maximum=1),
    Setting("NEWSBOT_SELECTOR_DRIFT_MIN_ARTICLES", 10, "int",
            "fewest articles of an outlet in a run for its selector drift to be judged", minimum=1),
    Setting("NEWSBOT_ALERT_WEBHOOK", None, "str", "URL that gets a JSON POST when a run exits non-zero "
            "(credentials in it become basic auth; never logged)", secret=True, env="use"),
    Setting("NEWSBOT_ALERT_MAIL_TO", [], "list", "addresses mailed (Scrapy's MailSender, MAIL_*) when a run "
            "exits non-zero"),
    Setting("NEWSBOT_ALERT_TIMEOUT", 10.0, "float", "seconds the alert webhook may take to answer", minimum=0.1),
    Setting("NEWSBOT_METRICS_FILE", None, "str", "Prometheus text metrics of every run: a .prom file for all "
            "spiders, or a folder (node_exporter's textfile collector) with one file per spider"),
    Setting("NEWSBOT_SUMMARY_ENABLED", True, "bool", "write <NEWSBOT_HOME>/runs/<spider>/<start>/run-summary.json"),
    Setting("NEWSBOT_PROGRESS_INTERVAL", 30, "float", "seconds between progress lines; 0 = none", minimum=0),
    Setting("NEWSBOT_LOCK_ENABLED", True, "bool", "<NEWSBOT_HOME>/locks/<spider>.lock: a second run exits 5"),
    Setting("NEWSBOT_GC_FREEZE", True, "bool", "startup objects skipped by full GC collections while crawling"),
    Setting("NEWSBOT_SCHEDULES", {}, "dict", 'cron schedules overriding spiders\' own, {"spider": "cron expr"}',
            check=_check_schedules, accepts=SCHEDULES_ACCEPT),
    Setting("NEWSBOT_DEFAULT_SCHEDULE", "0 */6 * * *", "str", "schedule of spiders that declare none",
            check=_check_cron, accepts=CRON_ACCEPT),
    Setting("NEWSBOT_CHECKING", False, "bool", "set by `scrapy check`: contracts run, nothing is remembered"),
    Setting("NEWSBOT_CHECK_PIPELINES", {}, "dict", "set by `scrapy check`: the pipelines contracts run items "
            "through"),
    # --- deduplication (newsbot/dedup/)
    Setting("NEWSBOT_DEDUP_ENABLED", True, "bool", "deduplicate across runs and outlets", env="import"),
    Setting("NEWSBOT_DEDUP_MODE", None, "str", "drop: later copies of a story are dropped; link: emitted with "
            "duplicate_of (unset: drop)", choices=("drop", "link"), env="use"),
    Setting("NEWSBOT_DEDUP_THRESHOLD", 0.4, "float", "estimated Jaccard similarity of word shingles at which "
            "two bodies are the same story", minimum=0, maximum=1),
    Setting("NEWSBOT_DEDUP_NUM_PERM", 128, "int", "MinHash permutations per signature", minimum=16, maximum=1024),
    Setting("NEWSBOT_DEDUP_SHINGLE_WORDS", 3, "int", "words per shingle", minimum=1, maximum=10),
    Setting("NEWSBOT_DEDUP_BATCH_SIZE", 500, "int", "items decided as one batch, at most", minimum=1),
    Setting("NEWSBOT_DEDUP_REFETCH_HOURS", 24, "float", "known article URLs are fetched again after this many "
            "hours (-1: never)", minimum=-1),
    Setting("NEWSBOT_STATE_COMMIT_EVERY", 1000, "int", "SQLite state: decisions per transaction, at most",
            minimum=1),
    Setting("NEWSBOT_STATE_COMMIT_SECONDS", 2.0, "float", "SQLite state: seconds a transaction stays open, "
            "at most", minimum=0.01),
    # --- faults and hostile input
    Setting("NEWSBOT_RETRY_BACKOFF_BASE", 1.0, "float", "retry n waits base * 2^(n-1) (+-25 %)", minimum=0),
    Setting("NEWSBOT_RETRY_BACKOFF_MAX", 60.0, "float", "longest backoff between retries, seconds", minimum=0),
    Setting("NEWSBOT_RETRY_AFTER_MAX", 120.0, "float", "a longer Retry-After gives the URL up", minimum=0),
    Setting("NEWSBOT_RETRY_AFTER_PAUSES_DOMAIN", True, "bool", "Retry-After holds back the whole domain"),
    Setting("NEWSBOT_ALLOWED_PRIVATE_HOSTS", [], "list", "host names, addresses or CIDR networks allowed although "
            "not public (also the environment variable, comma-separated)", env="import"),
    Setting("NEWSBOT_NETGUARD_ENABLED", True, "bool", "refuse private, loopback, link-local and metadata addresses"),
    Setting("NEWSBOT_NETGUARD_RESOLVE", True, "bool", "also refuse host names resolving to such addresses"),
    Setting("NEWSBOT_EXTRACT_MAX_ELEMENTS", 10_000, "int", "elements (any tag) of a page's body the article "
            "extraction reads: a page with more is read up to them, with a WARNING and stat "
            "newsbot/extract/over_limit (the largest of 810 real article pages has 4,929); 0: no limit",
            minimum=0),
    Setting("NEWSBOT_EXTRACT_MAX_TEXT", 1_000_000, "int", "characters of a page's text the article "
            "extraction reads, likewise (the largest of 810 real article pages has 196,097); 0: no limit",
            minimum=0),
    Setting("NEWSBOT_EXTRACT_WORKERS", 1, "int", "worker processes that extract article pages while the crawl "
            "process downloads and writes (newsbot.middlewares.extraction; started at a crawl's 20th article "
            "page); 0: extract in the crawl process", minimum=0, maximum=32),
    Setting("NEWSBOT_RESUME_LEDGER", True, "bool", "with JOBDIR, keep newsbot-delivered.txt for crash-safe "
            "resumption"),
    # --- rendering (newsbot/rendering)
    Setting("NEWSBOT_RENDERING", "auto", "str", "auto: outlets' declarations decide; always / never",
            choices=("auto", "always", "never"), env="import"),
    Setting("NEWSBOT_RENDER_TIMEOUT", 45, "float", "hard deadline for one rendered page, seconds", minimum=1),
    Setting("NEWSBOT_RENDER_BLOCK", True, "bool", "abort images, fonts, media and known trackers in the browser"),
    Setting("NEWSBOT_RENDER_BLOCK_TYPES", ["image", "media", "font"], "list", "resource types aborted",
            check=_check_strings, accepts=STRINGS_ACCEPT),
    Setting("NEWSBOT_RENDER_BLOCK_DOMAINS", [], "list", "more domains whose requests are aborted",
            check=_check_strings, accepts=STRINGS_ACCEPT),
    Setting("NEWSBOT_RENDER_CONTEXT_PAGES", 50, "int", "a browser context is replaced after this many pages",
            minimum=1),
    Setting("NEWSBOT_RENDER_MAX_PAGES", 8, "int", "pages open at once in the browser, across its contexts",
            minimum=1),
    Setting("NEWSBOT_CHROMIUM_EXTRA_ARGS", [], "list", "extra Chromium flags", check=_check_strings, accepts=STRINGS_ACCEPT),
    # --- delivery (newsbot/delivery)
    Setting("NEWSBOT_DELIVERY_RETRIES", 3, "int", "delivery attempts after the first, per batch", minimum=0),
    Setting("NEWSBOT_DELIVERY_BACKOFF", 2.0, "float", "seconds before the first delivery retry; doubles",
            minimum=0),
    Setting("NEWSBOT_DELIVERY_BACKOFF_MAX", 60.0, "float", "longest wait between delivery retries", minimum=0),
    Setting("NEWSBOT_DELIVERY_CONNECT_TIMEOUT", 10.0, "float", "seconds, per S3 request", minimum=0.1),
    Setting("NEWSBOT_DELIVERY_READ_TIMEOUT", 60.0, "float", "seconds without an answer before a request times out",
            minimum=0.1),
    Setting("NEWSBOT_DELIVERY_DEADLINE", 120.0, "float", "seconds a run may wait on delivery beyond its crawl "
            "(re-sending the spool at the start, delivering after the crawl; also `scrapy deliver`, and one "
            "batch's retries): past it no attempt or retry starts, an attempt's timeouts are cut to the time "
            "left, and what is undelivered waits in the spool (exit 4)", minimum=1),
    Setting("NEWSBOT_DELIVERY_BATCH_SECONDS", 0, "float", "> 0: also close a batch this many seconds after it "
            "opened", minimum=0),
    Setting("NEWSBOT_DELIVERY_RESEND_AT_START", True, "bool", "re-send what waits in the spool when a run starts"),
    Setting("NEWSBOT_OUTPUT", None, "str", "where a crawl given no -O/-o or FEEDS writes its articles (a feed URI; "
            "unset: <NEWSBOT_HOME>/output/%(outlet)s/%(time)s.jsonl; none: no output, and a crawl that would "
            "record articles as seen refuses to start)"),
    Setting("NEWSBOT_DELIVERY_MANIFEST", True, "bool", "write a manifest next to delivered batches"),
    Setting("NEWSBOT_DELIVERY_MANIFEST_URI", None, "str", "where the manifest goes (unset: <first batch "
            "URI>.manifest.json)"),
    Setting("NEWSBOT_DELIVERY_S3_ADDRESSING", "path", "str", "path suits S3-compatible servers; auto / virtual "
            "for AWS", choices=("path", "auto", "virtual")),
)

BY_NAME = {setting.name: setting for setting in SETTINGS}


def defaults() -> dict[str, Any]:
    """NEWSBOT_* defaults for newsbot/settings.py (environment variables applied where declared)."""
    return {setting.name: setting.default_value() for setting in SETTINGS}


def problems(settings: BaseSettings) -> list[str]:
    """One line per invalid NEWSBOT_* setting (empty when all are valid)."""
    return [line for setting in SETTINGS if (line := setting.problem(settings))]


def validate(settings: BaseSettings) -> None:
    """Raise ConfigError naming every invalid NEWSBOT_* setting, in one line."""
    found = problems(settings)
    if found:
        raise ConfigError("; ".join(found))


def reference_table() -> str:
    """The Markdown table of every setting (docs/faults-and-configuration.md holds it; a test
    keeps the two the same): `python -c 'from newsbot.config import reference_table as t; print(t())'`."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|")
    env = {"import": " (also env)", "use": " (also env)", None: ""}
    rows = ["| setting | default | allowed | what it does |", "|---|---|---|---|"]
    rows += [f"| `{s.name}`{env[s.env]} | `{s.default!r}` | {cell(s.allowed())} | {cell(s.doc)} |" for s in SETTINGS]
    return "\n".join(rows)

"""Alerts: a run that ends with a non-zero exit code (newsbot.exitcodes) tells someone.

- NEWSBOT_ALERT_WEBHOOK: URL that gets a JSON POST (credentials in the URL become HTTP basic
  auth). Also read from the environment variable of the same name, to keep tokens out of files.
- NEWSBOT_ALERT_MAIL_TO: addresses that get an e-mail through Scrapy's MailSender, configured by
  Scrapy's MAIL_HOST, MAIL_PORT, MAIL_FROM, MAIL_USER, MAIL_PASS, MAIL_TLS, MAIL_SSL.
- NEWSBOT_ALERT_TIMEOUT: seconds the webhook may take.

Both carry the exit code and its meaning, the reasons, the broken health rules and the path of
the run summary. Sent on `engine_stopped` after the health rules and the summary (EXTENSIONS
orders). A notification that fails is one warning line: the run's exit code keeps its meaning.
Neither the webhook URL nor the SMTP password is ever logged.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import urllib.request
import warnings
from urllib.error import HTTPError
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from ..delivery.secrets import redact
from ..exitcodes import MEANINGS, OK, STAT_REASONS, exit_code_of
from ..paths import setting_or_env
from .health import STAT_BROKEN
from .summary import STAT_SUMMARY_PATH, run_identity

logger = logging.getLogger(__name__)
MAIL_LOGGER = "scrapy.mail"


def shown_url(url: str) -> str:
    """What a log may say about a webhook: scheme and host (tokens hide in paths and queries too)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}{f':{parts.port}' if parts.port else ''}/..."


def alert_of(crawler: Crawler) -> dict[str, Any]:
    """The alert's content, from what health, exit codes and the summary left in the stats."""
    stats = crawler.stats
    code = exit_code_of(crawler)
    spider, outlet = run_identity(crawler)
    return {
        "spider": spider,
        "outlet": outlet,
        "host": socket.gethostname(),
        "exit_code": code,
        "exit_meaning": MEANINGS.get(code, "unknown"),
        "reasons": list(stats.get_value(STAT_REASONS) or []),
        "broken_rules": list(stats.get_value(STAT_BROKEN) or []),
        "summary_path": stats.get_value(STAT_SUMMARY_PATH),
        "finish_reason": stats.get_value("finish_reason"),
    }


def post_json(url: str, payload: dict[str, Any], timeout: float) -> int:
    parts = urlsplit(url)
    headers = {"Content-Type": "application/json", "User-Agent": "newsbot-alerts"}
    if parts.username:
        user_pass = f"{parts.username}:{parts.password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(user_pass).decode("ascii")
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        url = urlunsplit(parts._replace(netloc=host))
    request = urllib.request.Request(url, data=json.dumps(payload).encode("utf-8"), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (the operator's URL)
        return response.status


def mail_sender(crawler: Crawler) -> Any:
    # scrapy.mail is deprecated since Scrapy 2.19 (its import warns); it is used because it is the
    # project's mail relay already configured by MAIL_* settings. Imported only when mail is
    # configured, so runs without e-mail alerts never see the warning.
    from scrapy.exceptions import ScrapyDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScrapyDeprecationWarning)
        from scrapy.mail import MailSender
    return MailSender.from_crawler(crawler)


def mail_text(alert: dict[str, Any]) -> tuple[str, str]:
    subject = f"[newsbot] {alert['spider']} run failed: exit {alert['exit_code']} ({alert['exit_meaning']})"
    lines = [f"newsbot run of {alert['spider']} ({alert['outlet']}) on {alert['host']} "
             f"ended with exit code {alert['exit_code']} ({alert['exit_meaning']}).", ""]
    lines += ["Reasons:", *(f"  {r}" for r in alert["reasons"] or ["(none recorded)"]), ""]
    if alert["broken_rules"]:
        lines += ["Broken health rules:", *(f"  {r}" for r in alert["broken_rules"]), ""]
    lines.append(f"Run summary: {alert['summary_path'] or '(not written)'}")
    return subject, "\n".join(lines) + "\n"


class _MailFailureIsAWarning(logging.Filter):
    """MailSender logs a failed send as an error; for an alert it is a warning (the run's outcome
    is the exit code, already decided)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR and str(record.msg).startswith("Unable to send mail"):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class RunAlertExtension:
    def __init__(self, crawler: Crawler, webhook: str | None, mail_to: list[str]):
        self.crawler = crawler
        self.webhook = webhook
        self.mail_to = mail_to
        self.timeout = crawler.settings.getfloat("NEWSBOT_ALERT_TIMEOUT", 10.0)
        self.mailer = mail_sender(crawler) if mail_to else None
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunAlertExtension:
        settings = crawler.settings
        webhook = setting_or_env(settings, "NEWSBOT_ALERT_WEBHOOK")
        mail_to = settings.getlist("NEWSBOT_ALERT_MAIL_TO")
        if not webhook and not mail_to:
            raise NotConfigured   # opt-in: no message, so Scrapy logs no "Disabled" warning
        if settings.getbool("NEWSBOT_CHECKING"):
            raise NotConfigured   # contract checks report through their own exit code
        mail_logger = logging.getLogger(MAIL_LOGGER)
        if not any(isinstance(f, _MailFailureIsAWarning) for f in mail_logger.filters):
            mail_logger.addFilter(_MailFailureIsAWarning())
        return cls(crawler, str(webhook) if webhook else None, mail_to)

    async def engine_stopped(self) -> None:
        if exit_code_of(self.crawler) == OK:
            return
        alert = alert_of(self.crawler)
        if self.webhook:
            await self._post(alert)
        if self.mailer is not None:
            await self._mail(alert)

    async def _post(self, alert: dict[str, Any]) -> None:
        target = shown_url(self.webhook)
        try:   # in a thread: the reactor keeps serving the rest of the shutdown
            status = await maybe_deferred_to_future(deferToThread(post_json, self.webhook, alert, self.timeout))
        except Exception as exc:  # noqa: BLE001 (any failure is one warning line)
            reason = f"HTTP {exc.code}" if isinstance(exc, HTTPError) else str(getattr(exc, "reason", None) or exc)
            parts = urlsplit(self.webhook)
            reason = redact(reason, [self.webhook, parts.password or "", parts.path, parts.query])
            logger.warning("alert: webhook %s failed: %s", target, reason)
            return
        logger.info("alert: webhook %s answered %d (exit %d)", target, status, alert["exit_code"])

    async def _mail(self, alert: dict[str, Any]) -> None:
        subject, body = mail_text(alert)
        sent = self.mailer.send(to=self.mail_to, subject=subject, body=body, charset="utf-8")
        if sent is None:    # MAIL_DEBUG: logged by MailSender, not sent
            return
        try:
            await maybe_deferred_to_future(sent)
        except Exception:  # noqa: BLE001 (MailSender logged it, as a warning through the filter)
            pass

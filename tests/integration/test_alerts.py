"""Alerts of failed runs (newsbot/extensions/alerts.py): real crawls against a local site, a local
HTTP server as the webhook and a local SMTP server (aiosmtpd) as the mail relay."""

from __future__ import annotations

import base64
import json
import threading
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from newsbot import exitcodes
from tests.conftest import free_port
from tests.support.localsite import LocalSite
from tests.integration.test_health_exitcodes import crawl

# Real crawls of a local site with a webhook and an SMTP server.
pytestmark = pytest.mark.slow

SECRETS = ("tok3n-secret", "path-s3cret", "q5ecret", "hunter2pass")


class Webhook:
    """Records the POSTs it gets; answers `status`."""

    def __init__(self, status: int = 204):
        self.posts: list[tuple[str, dict[str, str], dict]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.posts.append((self.path, dict(self.headers), json.loads(body)))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    def __enter__(self) -> Webhook:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class Inbox:
    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"

    def __init__(self):
        self.messages = []


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


def alert_settings(webhook_url: str, smtp_port: int) -> list[str]:
    return ["-s", f"NEWSBOT_ALERT_WEBHOOK={webhook_url}", "-s", "NEWSBOT_ALERT_MAIL_TO=ops@example.test,desk@example.test",
            "-s", "MAIL_HOST=127.0.0.1", "-s", f"MAIL_PORT={smtp_port}", "-s", "MAIL_FROM=newsbot@example.test",
            "-s", "MAIL_PASS=hunter2pass", "-s", "NEWSBOT_ALERT_TIMEOUT=5"]


def test_unhealthy_run_posts_and_mails_its_reasons_and_never_logs_secrets(isolated_newsbot_home, smtp):
    smtp_port, inbox = smtp
    with LocalSite("500") as site, Webhook() as hook:
        url = f"http://alice:tok3n-secret@127.0.0.1:{hook.port}/hooks/path-s3cret?key=q5ecret"
        result = crawl("local_politics", site.base, *alert_settings(url, smtp_port))
    assert result.returncode == exitcodes.UNHEALTHY, result.stderr[-3000:]
    [(path, headers, alert)] = hook.posts
    assert path == "/hooks/path-s3cret?key=q5ecret"
    assert base64.b64decode(headers["Authorization"].removeprefix("Basic ")) == b"alice:tok3n-secret"
    assert alert["spider"] == "local_politics" and alert["exit_code"] == 3 and alert["exit_meaning"] == "unhealthy"
    assert any(rule.startswith("min_items:") for rule in alert["broken_rules"])
    assert any(reason.startswith("[exit 3] health:") for reason in alert["reasons"])
    assert Path(alert["summary_path"]).is_file()
    [mail] = inbox.messages
    assert sorted(mail.rcpt_tos) == ["desk@example.test", "ops@example.test"]
    message = message_from_bytes(mail.content)
    assert message["Subject"] == "[newsbot] local_politics run failed: exit 3 (unhealthy)"
    text = message.get_payload(decode=True).decode("utf-8")
    assert alert["summary_path"] in text and "Broken health rules:" in text and "min_items:" in text
    assert f"alert: webhook http://127.0.0.1:{hook.port}/... answered 204" in result.stderr
    for secret in SECRETS:
        assert secret not in result.stderr, secret


def test_failed_notifications_are_one_warning_each_and_keep_the_exit_code(isolated_newsbot_home):
    closed = free_port()     # nobody listens there: the SMTP connection is refused
    with LocalSite("500") as site, Webhook(status=500) as hook:
        result = crawl("local_politics", site.base,
                       *alert_settings(f"http://127.0.0.1:{hook.port}/hooks/path-s3cret", closed))
    assert result.returncode == exitcodes.UNHEALTHY, result.stderr[-3000:]
    assert len(hook.posts) == 1
    webhook_lines = [line for line in result.stderr.splitlines() if "alert: webhook" in line]
    mail_lines = [line for line in result.stderr.splitlines() if "Unable to send mail" in line]
    assert len(webhook_lines) == 1 and "WARNING" in webhook_lines[0] and webhook_lines[0].endswith("failed: HTTP 500")
    assert len(mail_lines) == 1 and "WARNING" in mail_lines[0]
    assert "Traceback" not in result.stderr and "path-s3cret" not in result.stderr


def test_healthy_run_sends_nothing(isolated_newsbot_home, smtp):
    smtp_port, inbox = smtp
    with LocalSite("ok") as site, Webhook() as hook:
        result = crawl("local_politics", site.base, *alert_settings(f"http://127.0.0.1:{hook.port}/h", smtp_port))
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    assert hook.posts == [] and inbox.messages == []

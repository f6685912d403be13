"""Deliver one spooled batch to its target and verify it; only a verified batch leaves the spool.

Local paths: the batch is copied beside the destination, fsynced and renamed over it (or appended
to a copy of it, for `-o`), then the destination is re-read and checked. s3://: PUT with
Content-MD5 (the server rejects a corrupted body), then HEAD: size, ETag (the server's MD5 of what
it stored) and our sha256 metadata must all match. Retries with exponential backoff; errors that
no retry can fix (no bucket, access denied) fail at once. NEWSBOT_DELIVERY_DEADLINE bounds it all
(newsbot.delivery.deadline): past it no attempt or retry starts, and an attempt's timeouts are cut
to the time left.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from scrapy.settings import BaseSettings
from w3lib.url import file_uri_to_path

from .deadline import DeliveryDeadline, attempt_timeouts
from .secrets import redact, secret_values
from .spool import BatchMeta, Spool, fsync_dir

logger = logging.getLogger(__name__)

# S3 error codes no retry can fix.
FATAL_S3_CODES = {
    "NoSuchBucket": "no such bucket",
    "AccessDenied": "access denied",
    "InvalidAccessKeyId": "access denied (unknown access key)",
    "SignatureDoesNotMatch": "access denied (wrong secret key)",
    "InvalidToken": "access denied (invalid session token)",
    "ExpiredToken": "access denied (expired session token)",
    "403": "access denied",
    "404": "no such bucket",
}


class DeliveryError(Exception):
    """`cause` is one human line, already free of secrets."""

    def __init__(self, cause: str, fatal: bool = False):
        super().__init__(cause)
        self.cause = cause
        self.fatal = fatal


@dataclass
class Outcome:
    meta: BatchMeta
    delivered: bool
    cause: str = ""
    attempts: int = 0
    skipped: bool = False   # another process is delivering it right now
    # The delivery deadline stopped it (no attempt, or no retry): reported with the others on one
    # line (newsbot.delivery.deadline.deadline_line), not a line of its own.
    deadline: bool = False
    # Delivered and verified, but the spool could not let go of it (read-only spool): it is sent
    # again by a later run, to the same place (overwritten, or found already appended).
    not_cleared: str = ""


# --- local files ------------------------------------------------------------------------------
def local_path(target: str) -> Path:
    return Path(file_uri_to_path(target) if target.startswith("file:") else target)


def _ends_with_batch(dest: Path, meta: BatchMeta) -> bool:
    """An appended batch already at the end of `dest` (a run died after the rename but before the
    spool was cleared): appending it again would duplicate its items."""
    try:
        size = dest.stat().st_size
    except OSError:
        return False
    if size < meta.bytes or not meta.bytes:
        return False
    h = hashlib.sha256()
    with open(dest, "rb") as f:
        f.seek(size - meta.bytes)
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest() == meta.sha256


def deliver_file(data: Path, meta: BatchMeta) -> None:
    dest = local_path(meta.target)
    if not meta.overwrite and _ends_with_batch(dest, meta):
        return
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
        prefix = 0
        with open(tmp, "wb") as out:
            if not meta.overwrite and dest.exists():
                # `-o` appends: the new file is the old one plus this batch, swapped in atomically.
                with open(dest, "rb") as old:
                    shutil.copyfileobj(old, out, 1 << 20)
                prefix = out.tell()
            with open(data, "rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
        fsync_dir(dest.parent)
    except OSError as exc:
        raise DeliveryError(f"cannot write {dest}: {exc.strerror or exc}") from None
    # Verify what is now on disk, not what we meant to write.
    h = hashlib.sha256()
    with open(dest, "rb") as f:
        f.seek(prefix)
        size = 0
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    if size != meta.bytes or h.hexdigest() != meta.sha256:
        raise DeliveryError(f"verification failed for {dest}: {size} bytes / sha256 {h.hexdigest()[:12]} "
                            f"instead of {meta.bytes} / {meta.sha256[:12]}")


# --- S3 ---------------------------------------------------------------------------------------
def configured_timeouts(settings: BaseSettings) -> tuple[float, float]:
    return settings.getfloat("NEWSBOT_DELIVERY_CONNECT_TIMEOUT"), settings.getfloat("NEWSBOT_DELIVERY_READ_TIMEOUT")


def s3_client(settings: BaseSettings, timeouts: tuple[float, float] | None = None):
    import boto3.session
    from botocore.config import Config

    connect_timeout, read_timeout = timeouts or configured_timeouts(settings)
    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"total_max_attempts": 1, "mode": "standard"},  # we retry, with our backoff
        s3={"addressing_style": settings.get("NEWSBOT_DELIVERY_S3_ADDRESSING") or "auto"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    session = boto3.session.Session()
    return session.client(
        "s3",
        aws_access_key_id=_str_or_none(settings.get("AWS_ACCESS_KEY_ID")),
        aws_secret_access_key=_str_or_none(settings.get("AWS_SECRET_ACCESS_KEY")),
        aws_session_token=_str_or_none(settings.get("AWS_SESSION_TOKEN")),
        endpoint_url=settings.get("AWS_ENDPOINT_URL") or None,
        region_name=settings.get("AWS_REGION_NAME") or None,
        config=config,
    )


def _str_or_none(value) -> str | None:
    return str.__str__(value) if value else None


def bucket_and_key(target: str) -> tuple[str, str]:
    u = urlparse(target)
    return u.hostname or "", u.path.lstrip("/")


def describe_s3_error(exc: Exception, settings: BaseSettings,
                      timeouts: tuple[float, float] | None = None) -> DeliveryError:
    """`timeouts`: the attempt's (connect, read) timeouts, when the deadline cut them."""
    from botocore import exceptions as bx

    endpoint = settings.get("AWS_ENDPOINT_URL") or "the default AWS endpoint"
    if isinstance(exc, bx.ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in FATAL_S3_CODES:
            return DeliveryError(f"{FATAL_S3_CODES[code]} ({code}, HTTP {status})", fatal=True)
        return DeliveryError(f"S3 error {code or '?'} (HTTP {status})", fatal=False)
    if isinstance(exc, (bx.ReadTimeoutError, bx.ConnectTimeoutError)):
        connect_timeout, read_timeout = timeouts or configured_timeouts(settings)
        timeout = read_timeout if isinstance(exc, bx.ReadTimeoutError) else connect_timeout
        return DeliveryError(f"timeout: {endpoint} did not answer within {timeout:g}s")
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectionClosedError)):
        return DeliveryError(f"endpoint down: cannot connect to {endpoint}")
    if isinstance(exc, bx.PartialCredentialsError):
        return DeliveryError("incomplete credentials (an access key id needs its secret key, and the reverse)",
                             fatal=True)
    if isinstance(exc, bx.NoCredentialsError):
        return DeliveryError("no credentials (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the AWS chain)", fatal=True)
    if isinstance(exc, bx.BotoCoreError):
        return DeliveryError(f"{type(exc).__name__}: {exc}")
    return DeliveryError(f"{type(exc).__name__}: {exc}")


def deliver_s3(client, data: Path, meta: BatchMeta, settings: BaseSettings,
               timeouts: tuple[float, float] | None = None) -> None:
    bucket, key = bucket_and_key(meta.target)
    md5_b64 = base64.b64encode(bytes.fromhex(meta.md5)).decode()
    extra = {}
    if settings.get("FEED_STORAGE_S3_ACL"):
        extra["ACL"] = settings.get("FEED_STORAGE_S3_ACL")
    try:
        with open(data, "rb") as body:
            client.put_object(Bucket=bucket, Key=key, Body=body, ContentLength=meta.bytes, ContentMD5=md5_b64,
                              ContentType="application/gzip" if key.endswith(".gz") else "application/jsonl",
                              Metadata={"sha256": meta.sha256, "newsbot-batch": meta.key}, **extra)
        head = client.head_object(Bucket=bucket, Key=key)
    except Exception as exc:  # botocore raises many unrelated types; all are described below
        raise describe_s3_error(exc, settings, timeouts) from None
    size = head.get("ContentLength")
    etag = str(head.get("ETag", "")).strip('"')
    # Some servers return metadata keys capitalised ("Sha256").
    stored_sha = {k.lower(): v for k, v in (head.get("Metadata") or {}).items()}.get("sha256", "")
    problems = []
    if size != meta.bytes:
        problems.append(f"size {size} instead of {meta.bytes}")
    if "-" not in etag and etag.lower() != meta.md5:
        problems.append(f"ETag {etag[:12]} instead of md5 {meta.md5[:12]}")
    if stored_sha and stored_sha != meta.sha256:
        problems.append("sha256 metadata differs")
    if problems:
        raise DeliveryError(f"verification failed for s3://{bucket}/{key}: " + ", ".join(problems))


def destination_group(meta: BatchMeta) -> str:
    """Batches that share a fate: one bucket, or one local folder."""
    u = urlparse(meta.target)
    return f"s3://{u.hostname}" if u.scheme == "s3" else str(meta.target).rsplit("/", 1)[0]


# --- one batch, with retries ------------------------------------------------------------------
class Deliverer:
    def __init__(self, spool: Spool, settings: BaseSettings, deadline: DeliveryDeadline | None = None):
        self.spool = spool
        self.settings = settings
        self.deadline = deadline if deadline is not None else DeliveryDeadline.from_settings(settings)
        self._clients: dict[tuple[float, float], object] = {}
        self._clients_lock = threading.Lock()
        self.secrets = secret_values(settings)
        # Destinations (bucket or folder) whose last delivery failed: the next batch bound there
        # gets one attempt, not the full retry schedule, so a bucket that is down for the whole
        # run costs one timeout per batch rather than minutes of backoff each.
        self.failing: set[str] = set()

    def s3(self, timeouts: tuple[float, float] | None = None):
        """The client for an attempt with these (connect, read) timeouts: a client's timeouts are
        fixed, so attempts whose timeouts the deadline cut get one of their own (one per value;
        other threads keep using theirs meanwhile)."""
        timeouts = timeouts or configured_timeouts(self.settings)
        with self._clients_lock:
            client = self._clients.get(timeouts)
            if client is None:
                client = self._clients[timeouts] = s3_client(self.settings, timeouts)
            return client

    def deliver(self, meta: BatchMeta) -> Outcome:
        lock = self.spool.try_lock(meta)
        if lock is None:
            return Outcome(meta, delivered=False, skipped=True, cause="being delivered by another process")
        try:
            return self._deliver_locked(meta)
        finally:
            Spool.unlock(lock)

    def _deliver_locked(self, meta: BatchMeta) -> Outcome:
        group = destination_group(meta)
        retries = 0 if group in self.failing else max(0, self.settings.getint("NEWSBOT_DELIVERY_RETRIES"))
        backoff = self.settings.getfloat("NEWSBOT_DELIVERY_BACKOFF")
        backoff_max = self.settings.getfloat("NEWSBOT_DELIVERY_BACKOFF_MAX")
        data = self.spool.data_path(meta)
        scheme = urlparse(meta.target).scheme
        cause = ""
        attempts = 0
        cut = False      # the deadline stopped it
        fatal = False    # no retry could help: its own line, whatever the time
        started = self.deadline.clock()
        for attempt in range(retries + 1):
            remaining = self.deadline.remaining(started)
            if remaining <= 0:
                cut = True
                cause = cause or "not attempted: the delivery deadline had passed"
                break
            attempts += 1
            try:
                if scheme == "s3":
                    timeouts = attempt_timeouts(*configured_timeouts(self.settings), remaining)
                    try:
                        client = self.s3(timeouts)
                    except Exception as exc:  # e.g. partial credentials: no retry can help
                        error = describe_s3_error(exc, self.settings)
                        raise DeliveryError(error.cause, fatal=True) from None
                    deliver_s3(client, data, meta, self.settings, timeouts)
                else:
                    deliver_file(data, meta)
            except DeliveryError as exc:
                cause = redact(exc.cause, self.secrets)
                fatal = exc.fatal
                if exc.fatal or attempt == retries:
                    break
                delay = min(backoff_max, backoff * (2 ** attempt))
                if delay >= self.deadline.remaining(started):
                    cut = True   # the retry would start after the deadline
                    break
                logger.warning("batch %s -> %s: attempt %d failed (%s); retrying in %.1fs",
                               meta.key, meta.target, attempts, cause, delay)
                time.sleep(delay)
            except Exception as exc:  # a bug or an unexpected OS error: keep the batch, say why
                cause = redact(f"{type(exc).__name__}: {exc}", self.secrets)
                fatal = True
                break
            else:
                self.failing.discard(group)
                logger.info("delivered batch %s (%d items, %d bytes) to %s", meta.key, meta.items, meta.bytes, meta.target)
                try:
                    self.spool.remove(meta)
                except OSError as exc:
                    return Outcome(meta, delivered=True, attempts=attempts, not_cleared=f"{type(exc).__name__}: {exc.strerror or exc}")
                return Outcome(meta, delivered=True, attempts=attempts)
        # Its last attempt ran into the deadline (its timeouts cut to the time left).
        cut = cut or (attempts > 0 and not fatal and self.deadline.remaining(started) <= 0)
        if cut:
            logger.warning("batch %s -> %s: stopped by the delivery deadline after %d attempt(s)%s; "
                           "it waits in the spool", meta.key, meta.target, attempts, f" ({cause})" if attempts else "")
        self.failing.add(group)
        meta.attempts += attempts
        meta.last_error = cause
        try:
            self.spool.update(meta)
        except OSError:
            pass
        return Outcome(meta, delivered=False, cause=cause, attempts=attempts, deadline=cut)

"""The delivery spool under <NEWSBOT_HOME>/spool.

    spool/writing/<key>/data       a batch being written (its writer holds an flock on `lock`)
    spool/writing/<key>/meta.json  where the batch goes, written when the batch opens
    spool/ready/<key>/             a whole batch: data fsynced, meta.json final; the directory is
                                   moved here from writing/ with one atomic rename
    spool/batch-ids.json           last batch id used per spider, so batch ids keep growing across
                                   runs and a new run never overwrites an older run's object

A batch leaves ready/ only after its target verified it (see newsbot.delivery.targets). A crawl
killed mid-batch leaves writing/<key> unlocked; the next run salvages its whole JSON lines into a
ready batch (see `salvage_abandoned`).
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import json
import logging
import os
import shutil
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from scrapy.settings import BaseSettings

from ..paths import newsbot_home

logger = logging.getLogger(__name__)

DATA = "data"
META = "meta.json"
LOCK = "lock"


def spool_dir(settings: BaseSettings | None) -> Path:
    return newsbot_home(settings) / "spool"


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `path` so a reader sees the old file or the whole new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


@dataclass
class BatchMeta:
    key: str
    target: str               # where the batch goes (credential-free URI)
    spider: str
    run_id: str
    feed: str                 # the feed URI template it came from
    batch_id: int
    kind: str = "batch"       # "batch" or "manifest"
    overwrite: bool = True
    items: int = 0
    bytes: int = 0
    sha256: str = ""
    md5: str = ""
    created: str = ""
    attempts: int = 0
    last_error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> "BatchMeta":
        data = json.loads(path.read_text("utf-8"))
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def dump(self) -> bytes:
        return json.dumps(asdict(self), indent=1, sort_keys=True).encode("utf-8")


class WriteOnlyStream:
    """What Scrapy's exporters and the gzip post-processor ask of a file besides write()."""

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False


class SpoolFile(WriteOnlyStream):
    """The file object the exporter (or the gzip post-processor) writes a batch into: counts bytes
    and hashes them as they pass, so finishing a batch needs no second read."""

    def __init__(self, path: Path):
        self.name = str(path)
        # Unbuffered: each exported item reaches the OS at once, so a crawl killed mid-batch
        # (SIGKILL, OOM) leaves every whole item on disk for the next run to salvage.
        self._file = open(path, "wb", buffering=0)
        self.sha256 = hashlib.sha256()
        self.md5 = hashlib.md5()
        self.size = 0
        self.lines = 0   # newlines in what was written whole: items, for JSON Lines
        # The first write that failed (disk full, I/O error): the batch cannot be kept. Later
        # writes are skipped and none raises, so the exporter does not log a traceback per item;
        # the storage finds the error when the batch is stored (see `finish`).
        self.error: OSError | None = None

    def write(self, data: bytes) -> int:
        data = bytes(data)
        if self.error is None:
            try:
                view = memoryview(data)
                while view:   # a raw file may take part of it (the rest then fails: disk full)
                    view = view[self._file.write(view):]
            except OSError as exc:
                self.error = exc
            else:
                self.sha256.update(data)
                self.md5.update(data)
                self.size += len(data)
                self.lines += data.count(b"\n")
        return len(data)

    def flush(self) -> None:
        self._file.flush()

    def fileno(self) -> int:
        return self._file.fileno()

    def tell(self) -> int:
        return self.size

    @property
    def closed(self) -> bool:
        return self._file.closed

    def finish(self) -> None:
        """Flush and fsync; the data is on disk when this returns, or it raises the write error."""
        if not self._file.closed:
            try:
                if self.error is None:
                    self._file.flush()
                    os.fsync(self._file.fileno())
            except OSError as exc:
                self.error = exc
            finally:
                try:
                    self._file.close()
                except OSError as exc:
                    self.error = self.error or exc
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        # Closing (e.g. by Scrapy) must not lose the data: it is the same as finishing. A failed
        # batch is reported by its storage, not by whoever closes the file.
        with contextlib.suppress(OSError):
            self.finish()


class Spool:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.writing = self.root / "writing"
        self.ready = self.root / "ready"
        for folder in (self.writing, self.ready):
            folder.mkdir(parents=True, exist_ok=True)
        self._locks: dict[str, int] = {}

    @classmethod
    def from_settings(cls, settings: BaseSettings | None) -> "Spool":
        return cls(spool_dir(settings))

    # --- writing ---------------------------------------------------------------------------
    def new_key(self, spider: str, batch_id: int) -> str:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        return f"{stamp}-{spider}-{batch_id:05d}-{uuid.uuid4().hex[:8]}"

    def open_batch(self, meta: BatchMeta) -> SpoolFile:
        folder = self.writing / meta.key
        folder.mkdir(parents=True)
        try:
            lock_fd = os.open(folder / LOCK, os.O_CREAT | os.O_RDWR, 0o600)
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            self._locks[meta.key] = lock_fd
            meta.created = meta.created or datetime.now(timezone.utc).isoformat(timespec="seconds")
            write_atomic(folder / META, meta.dump())
            return SpoolFile(folder / DATA)
        except OSError:
            # Disk full or read-only: no half-made batch for the next run to puzzle over.
            self._release(meta.key)
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def keep_written_lines(self, meta: BatchMeta, size: int) -> bool:
        """Cut a batch whose data could not all be written back to the `size` bytes of whole lines
        it holds, and leave it in writing/ for the next run's salvage. False when it could not be
        cut (shortening a file needs no free space, but may meet an I/O error)."""
        try:
            os.truncate(self.writing / meta.key / DATA, size)
        except OSError:
            return False
        self._release(meta.key)
        return True

    def discard_batch(self, meta: BatchMeta) -> bool:
        """Throw away a batch being written whose items will not be kept (their dedup decisions
        are taken back, so they are crawled again): its data is emptied first, so no later
        salvage can deliver them too. False when the data could not be emptied."""
        folder = self.writing / meta.key
        emptied = True
        try:
            os.truncate(folder / DATA, 0)
        except FileNotFoundError:
            pass
        except OSError:
            emptied = False
        if emptied:
            # As in remove(): renamed first; where writing/ itself is read-only the emptied batch
            # stays, and the next run's salvage discards it (no whole item).
            doomed = self.root / f".delete-{meta.key}"
            try:
                os.rename(folder, doomed)
            except OSError:
                pass
            else:
                shutil.rmtree(doomed, ignore_errors=True)
        self._release(meta.key)
        return emptied

    def release_batch(self, meta: BatchMeta) -> None:
        """Let go of a batch this process could not commit (its lock), so a salvage can take it."""
        self._release(meta.key)

    def commit_batch(self, meta: BatchMeta, file: SpoolFile | None) -> Path:
        """Make a written batch whole: data fsynced, final meta, one atomic rename into ready/."""
        folder = self.writing / meta.key
        if file is not None:
            file.finish()
            meta.bytes, meta.sha256, meta.md5 = file.size, file.sha256.hexdigest(), file.md5.hexdigest()
        write_atomic(folder / META, meta.dump())
        target = self.ready / meta.key
        os.rename(folder, target)
        fsync_dir(self.ready)
        fsync_dir(self.writing)
        self._release(meta.key)
        return target

    def add_ready(self, meta: BatchMeta, data: bytes) -> Path:
        """Spool a small batch built in memory (a manifest)."""
        file = self.open_batch(meta)
        file.write(data)
        return self.commit_batch(meta, file)

    def _release(self, key: str) -> None:
        fd = self._locks.pop(key, None)
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    # --- reading ---------------------------------------------------------------------------
    def pending(self, spider: str | None = None) -> list[BatchMeta]:
        metas = []
        for folder in sorted(self.ready.iterdir()):
            meta_path = folder / META
            if not meta_path.is_file():
                continue
            try:
                meta = BatchMeta.load(meta_path)
            except (OSError, ValueError, TypeError) as exc:
                logger.error("spool batch %s has an unreadable meta.json (%s); left in place", folder.name, exc)
                continue
            if spider is None or meta.spider == spider:
                metas.append(meta)
        # Batches before manifests: a manifest describes batches that should arrive first.
        return sorted(metas, key=lambda m: (m.kind == "manifest", m.key))

    def spooled_urls(self, spider: str) -> set[str]:
        """The `url` of every whole item in this spider's batches, written or being written: the
        spool delivers them all (a killed writer's batch is salvaged), so they count as handed to
        delivery even when a kill came before anything else recorded them."""
        return {item["url"] for item in self.spooled_items(spider) if isinstance(item.get("url"), str)}

    def spooled_items(self, spider: str) -> Iterator[dict]:
        """Every whole item (a JSON object) in this spider's batches, written or being written."""
        for folder in [*sorted(self.writing.iterdir()), *sorted(self.ready.iterdir())]:
            try:
                meta = BatchMeta.load(folder / META)
                raw = (folder / DATA).read_bytes()
            except (OSError, ValueError, TypeError):
                continue
            if meta.spider != spider or meta.kind != "batch":
                continue
            text = _decompress_partial(raw) if meta.target.endswith(".gz") else raw
            for line in text.split(b"\n")[:-1]:   # a last piece without newline is a torn item
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                if isinstance(item, dict):
                    yield item

    def data_path(self, meta: BatchMeta) -> Path:
        return self.ready / meta.key / DATA

    def update(self, meta: BatchMeta) -> None:
        write_atomic(self.ready / meta.key / META, meta.dump())

    def remove(self, meta: BatchMeta) -> None:
        """Called only after the target verified the batch."""
        folder = self.ready / meta.key
        # Rename first so a crash mid-delete leaves nothing that looks like a pending batch.
        doomed = self.root / f".delete-{meta.key}"
        os.rename(folder, doomed)
        fsync_dir(self.ready)
        shutil.rmtree(doomed, ignore_errors=True)

    def try_lock(self, meta: BatchMeta) -> int | None:
        """An exclusive lock on a ready batch while it is delivered (None: another process has it)."""
        try:
            fd = os.open(self.ready / meta.key / LOCK, os.O_CREAT | os.O_RDWR, 0o600)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return fd

    @staticmethod
    def unlock(fd: int | None) -> None:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    # --- crash recovery --------------------------------------------------------------------
    def salvage_abandoned(self, judge: Callable[[BatchMeta], bool | None] | None = None) -> list[BatchMeta]:
        """Batches whose writer died (its flock is gone): keep every whole JSON line, spool them as
        a ready batch to the same target, and drop only the torn last line (its item was not
        delivered, so it is re-crawled).

        `judge(meta)` may say otherwise first: False discards the batch (a fleet worker's batch
        whose requests the fleet redid, see newsbot.leases.judge.fleet_batch_judge), None leaves
        it in place for a later run."""
        salvaged = []
        for folder in sorted(self.writing.iterdir()):
            if not folder.is_dir() or folder.name in self._locks:
                continue
            lock_path = folder / LOCK
            try:
                fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue  # still being written by a live process
            try:
                meta = self._salvage(folder, judge)
            except OSError as exc:
                # The spool is still read-only or full: the batch waits, whole, for a later run.
                logger.warning("abandoned spool batch %s could not be salvaged yet (%s: %s); left in place",
                               folder.name, type(exc).__name__, exc)
                meta = None
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
            if meta is not None:
                salvaged.append(meta)
        return salvaged

    def _salvage(self, folder: Path, judge: Callable[[BatchMeta], bool | None] | None = None) -> BatchMeta | None:
        try:
            meta = BatchMeta.load(folder / META)
        except (OSError, ValueError, TypeError):
            logger.error("abandoned spool batch %s has no readable meta.json; moved aside", folder.name)
            os.rename(folder, self.root / f"broken-{folder.name}")
            return None
        verdict = judge(meta) if judge is not None else True
        if verdict is None:
            return None
        if not verdict:
            # Its items were never acknowledged to the fleet, so another worker delivered them.
            lines = (folder / DATA).read_bytes().count(b"\n") if (folder / DATA).exists() else 0
            doomed = self.root / f".delete-{folder.name}"
            os.rename(folder, doomed)
            fsync_dir(self.writing)
            shutil.rmtree(doomed, ignore_errors=True)
            logger.warning("discarded abandoned fleet batch %s (about %d item(s)): its requests were "
                           "never acknowledged, so the fleet crawled and delivered them again", meta.key, lines)
            return None
        raw = (folder / DATA).read_bytes() if (folder / DATA).exists() else b""
        gzipped = meta.target.endswith(".gz")
        text = _decompress_partial(raw) if gzipped else raw
        lines = []
        for line in text.split(b"\n")[:-1]:  # the last piece has no newline: torn or empty
            try:
                json.loads(line)
            except ValueError:
                continue
            lines.append(line + b"\n")
        dropped = text.count(b"\n") - len(lines) + (1 if text and not text.endswith(b"\n") else 0)
        if not lines:
            shutil.rmtree(folder, ignore_errors=True)
            logger.warning("abandoned spool batch %s had no whole item; discarded (%d torn line(s) are re-crawlable)",
                           meta.key, dropped)
            return None
        body = b"".join(lines)
        data = gzip.compress(body, mtime=0) if gzipped else body
        meta.items = len(lines)
        meta.bytes = len(data)
        meta.sha256 = hashlib.sha256(data).hexdigest()
        meta.md5 = hashlib.md5(data).hexdigest()
        meta.extra["salvaged"] = True
        write_atomic(folder / DATA, data)
        write_atomic(folder / META, meta.dump())
        os.rename(folder, self.ready / meta.key)
        fsync_dir(self.ready)
        logger.warning("salvaged abandoned spool batch %s: %d whole item(s) kept, %d torn line(s) dropped",
                       meta.key, meta.items, dropped)
        return meta

    # --- batch ids across runs -------------------------------------------------------------
    def last_batch_id(self, spider: str) -> int:
        try:
            return int(json.loads((self.root / "batch-ids.json").read_text("utf-8")).get(spider, 0))
        except (OSError, ValueError):
            return 0

    def record_batch_id(self, spider: str, batch_id: int) -> None:
        path = self.root / "batch-ids.json"
        try:
            ids = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            ids = {}
        if batch_id > int(ids.get(spider, 0)):
            ids[spider] = batch_id
            write_atomic(path, json.dumps(ids, sort_keys=True).encode())


def _decompress_partial(raw: bytes) -> bytes:
    """As much of a truncated gzip stream as can be decoded."""
    out = []
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out.append(decoder.decompress(raw))
    except zlib.error:
        pass
    return b"".join(out)


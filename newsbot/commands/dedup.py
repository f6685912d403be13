"""`scrapy dedup stats|check|lookup URL|forget URL|reset --outlet NAME|prune --older-than DAYS`:
inspect and manage the dedup state named by NEWSBOT_STATE (default <NEWSBOT_HOME>/state.sqlite)."""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timezone

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from ..dedup.store import open_store, state_url, what_to_do
from ..urls import canonical_url

ACTIONS = ("stats", "check", "lookup", "forget", "reset", "prune")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "stats | check | lookup URL | forget URL | reset --outlet NAME | prune --older-than DAYS"

    def short_desc(self) -> str:
        return "Inspect and manage the deduplication state"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--outlet", help="reset: the outlet whose state is removed")
        parser.add_argument("--older-than", type=float, metavar="DAYS",
                            help="prune: remove articles last seen more than DAYS days ago")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args or args[0] not in ACTIONS:
            raise UsageError(f"give one of: {', '.join(ACTIONS)}")
        action, rest = args[0], args[1:]
        assert self.settings is not None
        try:
            store = open_store(state_url(self.settings))
        except Exception as exc:  # a bad NEWSBOT_STATE or an unreachable server: say which, exit 6
            print(what_to_do(state_url(self.settings), exc))
            self.exitcode = 6
            return
        try:
            self.exitcode = getattr(self, f"_{action}")(store, rest, opts)
        finally:
            store.close()

    def _stats(self, store, rest, opts) -> int:
        print(json.dumps(store.stats(), indent=2, sort_keys=True))
        return 0

    def _check(self, store, rest, opts) -> int:
        # Every page, whatever the state's size (a crawl's start-up check reads large states only in part).
        try:
            store.verify(full=True)
        except Exception as exc:  # noqa: BLE001 - whatever is wrong is the answer
            print(" ".join(what_to_do(store.location, exc).split()))
            return 6
        print(f"state {store.location}: ok")
        return 0

    def _url_arg(self, rest) -> str:
        if len(rest) != 1:
            raise UsageError("give exactly one URL")
        return rest[0]

    def _lookup(self, store, rest, opts) -> int:
        url = self._url_arg(rest)
        key = store.article_for_url(canonical_url(url))
        record = store.get(key) if key else None
        if record is None:
            print(f"not known: {canonical_url(url)}")
            return 1
        print(json.dumps({"key": record.key, "url": record.url, "outlet": record.outlet,
                          "content_hash": record.content_hash, "version": record.version,
                          "updated_at": record.updated_at, "duplicate_of": record.duplicate_of,
                          "first_seen": _iso(record.first_seen), "last_seen": _iso(record.last_seen)},
                         indent=2))
        return 0

    def _forget(self, store, rest, opts) -> int:
        url = self._url_arg(rest)
        key = store.article_for_url(canonical_url(url))
        if not key or not store.forget(key):
            print(f"not known: {canonical_url(url)}")
            return 1
        print(f"forgot {key}")
        return 0

    def _reset(self, store, rest, opts) -> int:
        if not opts.outlet or rest:
            raise UsageError("reset needs --outlet NAME")
        print(f"removed {store.reset_outlet(opts.outlet)} article(s) of {opts.outlet}")
        return 0

    def _prune(self, store, rest, opts) -> int:
        if opts.older_than is None or opts.older_than < 0 or rest:
            raise UsageError("prune needs --older-than DAYS (a number >= 0)")
        removed = store.prune(time.time() - opts.older_than * 86400)
        print(f"removed {removed} article(s) last seen more than {opts.older_than:g} day(s) ago")
        return 0

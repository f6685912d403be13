"""Dedup benchmark: throughput, memory, state size and near-duplicate precision/recall.

    python benchmarks/dedup.py [--count 1000000] [--backends sqlite,redis] [--pairs 2000] [--batch 500]

For each backend, `--count` synthetic articles (150-word bodies over a 20,000-word vocabulary,
some URLs with tracking parameters) go through the URL + exact + near-duplicate checks
(DedupIndex.check_many, `--batch` articles at a time, as the pipeline decides the items that reach
it together; --batch 1 is one article at a time), then `--pairs` originals and edited copies (new intro,
5% of words changed, different boilerplate) plus as many unrelated articles measure near-duplicate
precision and recall against everything already stored. Redis is a redis-server started on a free
127.0.0.1 port unless --redis-url is given. Targets (issue 4): >= 5,000 items/s on SQLite,
recall >= 0.95 at precision >= 0.99, peak memory < 1 GB.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsbot.dedup import ArticleFacts, DedupIndex, open_store  # noqa: E402
from newsbot.dedup.signature import Signer  # noqa: E402
from newsbot.pipelines.finalize import content_hash  # noqa: E402

VOCABULARY = [f"w{i}" for i in range(20000)]
WEIGHTS = [1.0 / (i + 1) ** 0.8 for i in range(len(VOCABULARY))]  # Zipf-like, as real text
CUMULATIVE = list(__import__("itertools").accumulate(WEIGHTS))
BOILERPLATE = ["Sign up for our politics newsletter to get the day's top stories.",
               "Distributed by a wire service; additional reporting by staff.",
               "Follow us on social media for breaking news and analysis.",
               "This article was amended to correct a spelling mistake."]


def body(rng: random.Random, words: int = 150) -> list[str]:
    return rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=words)


def edited(rng: random.Random, words: list[str]) -> str:
    copy = list(words)
    copy[:20] = rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=rng.randint(15, 25))  # another intro
    for _ in range(len(copy) // 20):  # 5% of words changed
        copy[rng.randrange(len(copy))] = rng.choice(VOCABULARY)
    return " ".join(copy) + " " + rng.choice(BOILERPLATE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_backend(url: str, count: int, pairs: int, threshold: float, seed: int, commit_every: int = 1,
                batch_size: int = 1) -> dict:
    store = open_store(url, commit_every=commit_every)
    index = DedupIndex(store, Signer(threshold=threshold))
    rng = random.Random(seed)
    facts = []
    kinds: dict[str, int] = {}
    elapsed = cpu = 0.0
    since = (0, 0.0)   # items and seconds at the previous progress line
    batch = 10000
    for start in range(0, count, batch):
        # Generating text is not what is measured: build a batch, then time the checks.
        facts.clear()
        for i in range(start, min(start + batch, count)):
            text = " ".join(body(rng))
            url_i = f"https://outlet{i % 50}.example/politics/{i}-story"
            if i % 7 == 0:
                url_i += "?utm_source=feed&fbclid=abc"
            facts.append(ArticleFacts(url_i, f"outlet{i % 50}", text, content_hash(text)))
        t0, c0 = time.perf_counter(), time.process_time()
        for first in range(0, len(facts), batch_size):
            for decision in index.check_many(facts[first:first + batch_size]):
                kinds[decision.kind] = kinds.get(decision.kind, 0) + 1
        elapsed += time.perf_counter() - t0
        cpu += time.process_time() - c0
        done = min(start + batch, count)
        if (start // batch) % 10 == 0 or done == count:
            recent = (done - since[0]) / (elapsed - since[1]) if elapsed > since[1] else 0.0
            print(f"  {done:>9,} items, {done / elapsed:,.0f} items/s so far ({done / cpu:,.0f} per CPU second); "
                  f"{recent:,.0f} items/s since the previous line", flush=True)
            since = (done, elapsed)

    # Near-duplicate quality against everything stored above.
    tp = fp = fn = 0
    originals = []
    for p in range(pairs):
        words = body(rng)
        text = " ".join(words)
        url_p = f"https://first.example/politics/pair-{p}"
        index.check(ArticleFacts(url_p, "first", text, content_hash(text)))
        originals.append((url_p, words))
    for p, (url_p, words) in enumerate(originals):
        text = edited(rng, words)
        decision = index.check(ArticleFacts(f"https://second.example/news/pair-{p}", "second", text, content_hash(text)))
        if decision.kind == "duplicate" and decision.duplicate_of == url_p:
            tp += 1
        else:
            fn += 1
            if decision.kind == "duplicate":
                fp += 1
    for q in range(pairs):
        text = " ".join(body(rng))
        decision = index.check(ArticleFacts(f"https://third.example/news/unrelated-{q}", "third", text, content_hash(text)))
        if decision.kind == "duplicate":
            fp += 1
    stats = store.stats()
    store.close()
    peak_checking = peak_rss_mb()
    del store, index   # the next run is another process: this one's band index goes first
    # What the next run pays to start: open the state and make the first near-duplicate lookup
    # (SQLite rebuilds its in-memory band index from the stored signatures here).
    t0 = time.perf_counter()
    reopened = open_store(url, commit_every=commit_every)
    signer = Signer(threshold=threshold)
    reopened.use_signer(signer)
    with reopened.transaction():
        reopened.near_candidates(signer.band_keys(signer.sign(" ".join(body(rng)))))
    first_lookup = time.perf_counter() - t0
    reopened.close()
    return {"first_lookup_s": first_lookup, "peak_checking_mb": peak_checking, "peak_after_start_mb": peak_rss_mb(),
            "items": count, "seconds": elapsed, "items_per_s": count / elapsed if elapsed else 0.0,
            "items_per_cpu_s": count / cpu if cpu else 0.0,
            "kinds": kinds, "precision": tp / (tp + fp) if tp + fp else 0.0, "recall": tp / (tp + fn) if tp + fn else 0.0,
            "state_mb": stats["size_bytes"] / 2**20, "articles": stats["articles"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,redis")
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--threshold", type=float, default=0.4)
    parser.add_argument("--redis-url")
    parser.add_argument("--commit-every", type=int, default=1000,
                        help="SQLite: decisions per transaction (a crawl's NEWSBOT_STATE_COMMIT_EVERY is 1000)")
    parser.add_argument("--batch", type=int, default=500,
                        help="articles per check_many call (a crawl's NEWSBOT_DEDUP_BATCH_SIZE is 500; "
                             "1: one at a time, as a slow crawl delivers them)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", help="where the SQLite file goes (default: a temporary folder)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="newsbot-dedup-bench-", dir=args.dir))
    redis_process = None
    results = {}
    try:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{workdir / 'state.sqlite'}"
            elif backend == "redis":
                url = args.redis_url
                if not url:
                    binary = shutil.which("redis-server") or sys.exit("redis-server is not installed")
                    port = free_port()
                    redis_process = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                                      "--appendonly", "no", "--dir", str(workdir)],
                                                     stdout=subprocess.DEVNULL)
                    time.sleep(0.5)
                    url = f"redis://127.0.0.1:{port}/0"
            else:
                sys.exit(f"unknown backend {backend}")
            grouping = f", {args.commit_every} decisions per transaction" if backend == "sqlite" else ""
            print(f"{backend}: {args.count:,} articles, {args.batch} per batch{grouping}", flush=True)
            results[backend] = run_backend(url, args.count, args.pairs, args.threshold, args.seed, args.commit_every,
                                           args.batch)
    finally:
        if redis_process:
            redis_process.terminate()
            redis_process.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(f"{'backend':8} {'items':>10} {'items/s':>9} {'vs 5000':>8} {'per CPU s':>9} {'state MB':>9} "
          f"{'precision':>9} {'recall':>7} {'next start s':>12}")
    for backend, r in results.items():
        print(f"{backend:8} {r['items']:>10,} {r['items_per_s']:>9,.0f} {r['items_per_s'] / 5000:>7.2f}x "
              f"{r['items_per_cpu_s']:>9,.0f} "
              f"{r['state_mb']:>9.1f} {r['precision']:>9.4f} {r['recall']:>7.4f} {r['first_lookup_s']:>12.2f}   "
              f"decisions {r['kinds']}")
    print("items/s: wall clock (the target); per CPU s: items per second of this process's CPU time, which a busy\n"
          "or throttled machine (CPU steal) does not lower. next start s: opening the state again and making the\n"
          "first near-duplicate lookup")
    for backend, r in results.items():
        print(f"{backend}: peak memory while checking {r['peak_checking_mb']:,.0f} MB, after the next start "
              f"{r['peak_after_start_mb']:,.0f} MB")
    peak = peak_rss_mb()
    print(f"peak memory (this process, max RSS): {peak:,.0f} MB ({peak / 1024:.2f} of the 1 GB target)")
    print("near-duplicate pairs:", args.pairs, "edited copies and", args.pairs, "unrelated articles; threshold",
          args.threshold)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

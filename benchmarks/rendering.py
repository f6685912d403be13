"""Rendering cost: pages/s and peak memory of the whole crawl process tree (Python + Playwright
driver + every Chromium process) for the same local JavaScript listing pages, downloaded plain,
rendered with resource blocking and rendered without it, all in one run.

    python benchmarks/rendering.py [--pages 200]

Each mode is one crawl in its own process (tests/render_crawl.py) against tests/jssite.py on
127.0.0.1; this script samples that process tree's PSS and RSS from /proc every 50 ms. PSS
(proportional set size) splits shared pages between processes, so the sum is the tree's real
footprint; RSS summed over the tree counts shared libraries once per process (shown for scale).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbot.rendering.proctree import tree_usage  # noqa: E402
from tests.jssite import JsSite  # noqa: E402


def run_mode(site: JsSite, pages: int, settings: dict, workdir: Path) -> dict:
    urls = [f"{site.base}/listing?mode=button&per=2&pages=1&start={n * 2}" for n in range(pages)]
    config = {"urls": urls, "render_actions": {"wait_for": "li.card a", "step_timeout_ms": 20000},
              "settings": {"PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": "/usr/bin/chromium"},
                           "NEWSBOT_CHROMIUM_EXTRA_ARGS": [site.resolver_rules], "LOG_LEVEL": "WARNING",
                           **settings}}
    cfg, out = workdir / "config.json", workdir / "result.json"
    cfg.write_text(json.dumps(config))
    before = len(site.requests)
    peak = {"pss": 0, "rss": 0, "processes": 0}
    proc = subprocess.Popen([sys.executable, "-m", "tests.render_crawl", str(cfg), str(out)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def sample() -> None:
        while proc.poll() is None:
            usage = tree_usage(proc.pid)
            peak["pss"] = max(peak["pss"], usage.pss_bytes)
            peak["rss"] = max(peak["rss"], usage.rss_bytes)
            peak["processes"] = max(peak["processes"], usage.processes)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate(timeout=900)
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed:\n{stderr[-3000:]}")
    result = json.loads(out.read_text())
    stats = result["stats"]
    elapsed = float(stats["elapsed_time_seconds"])
    sub = site.requests[before:]
    return {"pages": stats.get("newsbot/listing/pages", 0), "links": len(result["links"]), "seconds": elapsed,
            "pages_per_s": stats.get("newsbot/listing/pages", 0) / elapsed, "peak_pss_mb": peak["pss"] / 2**20,
            "peak_rss_mb": peak["rss"] / 2**20, "peak_processes": peak["processes"],
            "server_requests": len(sub), "blocked": stats.get("playwright/request_count/aborted", 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    modes = {
        "plain download": {"NEWSBOT_RENDERING": "never"},
        "rendered, blocking on": {"NEWSBOT_RENDERING": "always", "NEWSBOT_RENDER_BLOCK": True},
        "rendered, blocking off": {"NEWSBOT_RENDERING": "always", "NEWSBOT_RENDER_BLOCK": False},
    }
    results = {}
    with JsSite() as site, tempfile.TemporaryDirectory() as tmp:
        for name, settings in modes.items():
            results[name] = run_mode(site, args.pages, settings, Path(tmp))
    plain = results["plain download"]
    print(f"{args.pages} local JS listing pages (2 links each, built by a fetch()), "
          f"one crawl per mode, CONCURRENT_REQUESTS_PER_DOMAIN=8")
    print(f"{'mode':24} {'pages':>5} {'links':>5} {'s':>7} {'pages/s':>8} {'x plain':>8} "
          f"{'peak PSS MB':>11} {'peak RSS MB':>11} {'procs':>5} {'srv reqs':>8} {'blocked':>7}")
    for name, r in results.items():
        slower = plain["pages_per_s"] / r["pages_per_s"] if r["pages_per_s"] else float("inf")
        print(f"{name:24} {r['pages']:>5} {r['links']:>5} {r['seconds']:>7.1f} {r['pages_per_s']:>8.1f} "
              f"{slower:>7.1f}x {r['peak_pss_mb']:>11.0f} {r['peak_rss_mb']:>11.0f} {r['peak_processes']:>5} "
              f"{r['server_requests']:>8} {r['blocked']:>7}")
    on, off = results["rendered, blocking on"], results["rendered, blocking off"]
    print(f"blocking: {off['pages_per_s'] and on['pages_per_s'] / off['pages_per_s']:.2f}x pages/s, "
          f"{on['peak_pss_mb'] / off['peak_pss_mb']:.2f}x peak PSS, "
          f"{on['server_requests']} vs {off['server_requests']} requests reaching the server")
    print(f"rendering memory: {on['peak_pss_mb'] / plain['peak_pss_mb']:.1f}x the plain crawl's peak PSS")


if __name__ == "__main__":
    main()

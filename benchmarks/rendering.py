"""Rendering cost: pages/s and peak memory of the whole crawl process tree (Python + Playwright
driver + every Chromium process) for the same local JavaScript listing pages, downloaded plain,
rendered by a bare scrapy-playwright spider, and rendered by newsbot with resource blocking on
and off, all in one run.

    python benchmarks/rendering.py [--pages 200] [--rounds 1] [--modes plain,bare,newsbot,newsbot-noblock]

Each mode is one crawl in its own process against tests/support/jssite.py on 127.0.0.1: newsbot's
through tests/support/render_crawl.py, the bare one (benchmarks/spiders/bare_render.py: scrapy-playwright
alone, the same Chromium, flags, wait_for_selector, concurrency and blocked resources) through
this script's --child. This script samples each crawl's process tree's PSS and RSS from /proc
every 50 ms. PSS (proportional set size) splits shared pages between processes, so the sum is the
tree's real footprint; RSS summed over the tree counts shared libraries once per process (shown
for scale). A mode that crawled fewer pages or found fewer links than asked fails the run (exit
1): a benchmark that measured nothing must not print a table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbot import defaults  # noqa: E402
from newsbot.rendering.proctree import tree_usage  # noqa: E402

CHROMIUM = os.environ.get("NEWSBOT_CHROMIUM", "/usr/bin/chromium")
WAIT_FOR = "li.card a"
LINKS_PER_PAGE = 2
STEP_TIMEOUT_MS = 20000
# The same for every mode; newsbot's default CONCURRENT_REQUESTS is 16.
CONCURRENCY = {"CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}
ROUNDS_MODES = ("bare", "newsbot")
MODES = {
    "plain": ("plain download", {"NEWSBOT_RENDERING": "never"}),
    # As many pages open at once as newsbot's NEWSBOT_RENDER_MAX_PAGES default: the per-domain
    # limit alone does not hold it, since Scrapy starts every queued request of a slot before the
    # first counts as active (the bare spider had 15 pages open). One context, so per context = all.
    "bare": ("bare scrapy-playwright", {"PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": defaults.NEWSBOT_RENDER_MAX_PAGES}),
    "newsbot": ("newsbot rendered", {"NEWSBOT_RENDERING": "always", "NEWSBOT_RENDER_BLOCK": True}),
    "newsbot-noblock": ("newsbot, blocking off", {"NEWSBOT_RENDERING": "always", "NEWSBOT_RENDER_BLOCK": False}),
}


def listing_urls(base: str, pages: int) -> list[str]:
    return [f"{base}/listing?mode=button&per={LINKS_PER_PAGE}&pages=1&start={n * LINKS_PER_PAGE}"
            for n in range(pages)]


def shortfall(results: dict[str, dict], pages: int) -> str | None:
    """One line naming the first mode that measured less than asked, or None when all are whole.

    A crawl that was refused (netguard), could not start its browser or timed out every page
    still "finishes"; its pages/s would be a number about nothing."""
    for name, r in results.items():
        if r["pages"] < pages:
            return (f"rendering benchmark: {name!r} crawled {r['pages']} of {pages} pages "
                    f"({r.get('why') or 'see its log'}); nothing to compare")
        if r["rendered"] and r["links"] < pages * LINKS_PER_PAGE:
            return (f"rendering benchmark: {name!r} found {r['links']} of {pages * LINKS_PER_PAGE} links "
                    f"(the JavaScript did not run on every page); nothing to compare")
    return None


# ---------------------------------------------------------------- child: the bare crawl
def bare_child(config_path: str, result_path: str) -> None:
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from benchmarks.spiders.bare_render import BareRenderSpider

    config = json.loads(Path(config_path).read_text())
    settings = Settings()
    settings.setmodule("benchmarks.bare_render_settings", priority="project")
    settings.setdict(config["settings"], priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareRenderSpider)
    process.crawl(crawler, urls=config["urls"], wait_for=config["wait_for"], timeout_ms=config["timeout_ms"],
                  links=config["links"])
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, (int, float, str))}
    Path(result_path).write_text(json.dumps({"stats": stats}, default=str))


# ---------------------------------------------------------------- parent: site, crawls, report
def launch_options(resolver_rules: str) -> dict:
    """The browser both kinds of crawl start: newsbot's flags plus the tracker's resolver rule."""
    from scrapy.settings import Settings

    from newsbot.rendering.handler import launch_options as newsbot_launch_options

    return newsbot_launch_options(Settings({"PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": CHROMIUM},
                                            "NEWSBOT_CHROMIUM_EXTRA_ARGS": [resolver_rules]}))


def run_mode(site, key: str, pages: int, workdir: Path) -> dict:
    label, extra = MODES[key]
    common = {"LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False, "AUTOTHROTTLE_ENABLED": False,
              "DOWNLOAD_DELAY": 0, **CONCURRENCY}
    urls = listing_urls(site.base, pages)
    cfg, out = workdir / f"{key}.json", workdir / f"{key}-result.json"
    if key == "bare":
        config = {"urls": urls, "wait_for": WAIT_FOR, "timeout_ms": STEP_TIMEOUT_MS, "links": f"{WAIT_FOR}::attr(href)",
                  "settings": {**common, "PLAYWRIGHT_LAUNCH_OPTIONS": launch_options(site.resolver_rules)}}
        argv = [sys.executable, __file__, "--child", str(cfg), str(out)]
    else:
        config = {"urls": urls, "measure_idle": False,
                  "render_actions": {"wait_for": WAIT_FOR, "step_timeout_ms": STEP_TIMEOUT_MS},
                  "settings": {**common, "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": CHROMIUM},
                               "NEWSBOT_CHROMIUM_EXTRA_ARGS": [site.resolver_rules], **extra}}
        argv = [sys.executable, "-m", "tests.support.render_crawl", str(cfg), str(out)]
    cfg.write_text(json.dumps(config))
    # The local site is on 127.0.0.1, which newsbot's netguard refuses unless allowed (as the
    # tests' conftest allows it); its own NEWSBOT_HOME keeps the user's dedup state out of it.
    env = {**os.environ, "NEWSBOT_ALLOWED_PRIVATE_HOSTS": "127.0.0.1", "NEWSBOT_HOME": str(workdir / f"home-{key}"),
           "PYTHONPATH": str(ROOT)}
    env.pop("NEWSBOT_REPLAY", None)
    before = len(site.requests)
    peak = {"pss": 0, "rss": 0, "processes": 0}
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

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
    last_line = (stderr.strip().splitlines() or [""])[-1][:200]
    if proc.returncode != 0 or not out.exists():
        sys.stderr.write(stderr[-3000:])
        return {"label": label, "pages": 0, "rendered": key != "plain", "links": 0,
                "why": f"exit {proc.returncode}: {last_line}"}
    result = json.loads(out.read_text())
    stats = result["stats"]
    crawled = stats.get("bare/pages" if key == "bare" else "newsbot/listing/pages", 0)
    links = stats.get("item_scraped_count", 0) if key == "bare" else len(result["links"])
    elapsed = float(stats.get("elapsed_time_seconds") or 0) or float("nan")
    refused = stats.get("newsbot/fault/private_address", 0)
    why = f"{refused} requests refused by the netguard" if refused else (last_line or "no error logged")
    return {"label": label, "pages": crawled, "links": links, "seconds": elapsed, "rendered": key != "plain",
            "pages_per_s": crawled / elapsed, "peak_pss_mb": peak["pss"] / 2**20, "peak_rss_mb": peak["rss"] / 2**20,
            "peak_processes": peak["processes"], "server_requests": len(site.requests) - before,
            "blocked": stats.get("playwright/request_count/aborted", 0),
            "max_pages": stats.get("playwright/page_count/max_concurrent", 0), "why": why}


def report(results: dict[str, dict], pages: int, rounds: int = 1) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    if rounds > 1:
        print(f"bare and newsbot rendered: {rounds} rounds taking turns, totals of all rounds")
    print(f"{pages} local JS listing pages ({LINKS_PER_PAGE} links each, built by a fetch()), one crawl per mode, "
          f"CONCURRENT_REQUESTS={CONCURRENCY['CONCURRENT_REQUESTS']}, "
          f"CONCURRENT_REQUESTS_PER_DOMAIN={CONCURRENCY['CONCURRENT_REQUESTS_PER_DOMAIN']}; "
          f"{os.cpu_count()} CPUs, load average {load} at the end")
    # "max pages": scrapy-playwright's count of open pages, closing ones included.
    print(f"{'mode':24} {'pages':>5} {'links':>5} {'s':>7} {'pages/s':>8} "
          f"{'peak PSS MB':>11} {'peak RSS MB':>11} {'procs':>5} {'max pages':>9} {'srv reqs':>8} {'blocked':>7}")
    for r in results.values():
        print(f"{r['label']:24} {r['pages']:>5} {r['links']:>5} {r['seconds']:>7.1f} {r['pages_per_s']:>8.2f} "
              f"{r['peak_pss_mb']:>11.0f} {r['peak_rss_mb']:>11.0f} {r['peak_processes']:>5} {r['max_pages']:>9} "
              f"{r['server_requests']:>8} {r['blocked']:>7}")
    bare, newsbot = results.get("bare"), results.get("newsbot")
    if bare and newsbot:
        print(f"newsbot / bare: {newsbot['pages_per_s'] / bare['pages_per_s']:.2f}x pages/s (target >= 0.9), "
              f"{newsbot['peak_pss_mb'] / bare['peak_pss_mb']:.2f}x peak PSS")
    off = results.get("newsbot-noblock")
    if newsbot and off:
        print(f"blocking: {newsbot['pages_per_s'] / off['pages_per_s']:.2f}x pages/s, "
              f"{newsbot['peak_pss_mb'] / off['peak_pss_mb']:.2f}x peak PSS, "
              f"{newsbot['server_requests'] / newsbot['pages']:.1f} vs {off['server_requests'] / off['pages']:.1f} "
              "requests per page reaching the server")
    plain = results.get("plain")
    if newsbot and plain:
        print(f"rendering: {plain['pages_per_s'] / newsbot['pages_per_s']:.1f}x slower and "
              f"{newsbot['peak_pss_mb'] / plain['peak_pss_mb']:.1f}x the peak PSS of the plain crawl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--modes", default=",".join(MODES),
                        help=f"comma-separated, in run order (default: all: {','.join(MODES)})")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the bare and newsbot crawls this many times, taking turns (default 1)")
    parser.add_argument("--child", nargs=2, metavar=("CONFIG", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        bare_child(*args.child)
        return
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown or args.pages < 1:
        parser.error(f"unknown mode(s) {', '.join(unknown)}" if unknown else "--pages must be at least 1")
    if any(MODES[m][1].get("NEWSBOT_RENDERING") != "never" for m in modes) \
            and not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        raise SystemExit(f"rendering benchmark: Chromium not found at {CHROMIUM} "
                         "(install Debian's chromium package or set NEWSBOT_CHROMIUM)")

    from tests.support.jssite import JsSite

    # With --rounds, bare and newsbot take turns, so a load that comes and goes on a shared
    # machine falls on both; their figures are then the rounds' totals (peaks: the highest).
    compared = [m for m in modes if m in ROUNDS_MODES]
    schedule = []
    for key in modes:
        if key not in ROUNDS_MODES:
            schedule.append(key)
        elif key == compared[0]:
            schedule += compared * max(1, args.rounds)
    runs: dict[str, list[dict]] = {}
    with JsSite() as site, tempfile.TemporaryDirectory() as tmp:
        for key in schedule:
            result = run_mode(site, key, args.pages, Path(tmp))
            problem = shortfall({result["label"]: result}, args.pages)
            if problem:
                raise SystemExit(problem)
            runs.setdefault(key, []).append(result)
    results = {key: combined(runs[key]) for key in modes}
    report(results, args.pages, args.rounds if compared else 1)
    if len(runs.get("bare", [])) > 1 and "newsbot" in runs:
        ratios = [n["pages_per_s"] / b["pages_per_s"] for b, n in zip(runs["bare"], runs["newsbot"])]
        print("newsbot / bare pages/s by round: " + ", ".join(f"{r:.2f}" for r in ratios))


def combined(results: list[dict]) -> dict:
    """One row for several rounds of a mode: totals, and the highest peaks."""
    if len(results) == 1:
        return results[0]
    row = dict(results[0])
    for key in ("pages", "links", "seconds", "server_requests", "blocked"):
        row[key] = sum(r[key] for r in results)
    for key in ("peak_pss_mb", "peak_rss_mb", "peak_processes", "max_pages"):
        row[key] = max(r[key] for r in results)
    row["pages_per_s"] = row["pages"] / row["seconds"]
    return row


if __name__ == "__main__":
    main()

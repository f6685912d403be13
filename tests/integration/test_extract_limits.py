"""A page too big to extract (issue 17): read up to NEWSBOT_EXTRACT_MAX_ELEMENTS / _TEXT, counted
in newsbot/extract/over_limit with one WARNING line, in bounded time and memory, through the
paths users run (`python -m newsbot.extract`, a crawl of a local site at default settings)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import html as lxml_html
from scrapy.http import HtmlResponse

from newsbot import config
from newsbot.parsing.article import OutletProfile, parse_article
from newsbot.parsing.limits import ExtractLimits, bound_page, measure
from tests.conftest import ROOT
from tests.support.localsite import LocalSite
from tests.support.replay_crawl import _stats
from tests.integration.test_health_exitcodes import FAST

# ../shared/bench beside the repository (a worktree sits one folder deeper).
BENCH = next((folder for folder in (ROOT.parent / "shared" / "bench", ROOT.parent.parent / "shared" / "bench")
              if folder.is_dir()), ROOT.parent / "shared" / "bench")
PARAGRAPHS = 100_000
# Before the limits: the CLI took 127 s and 689 MB on this page, the crawl below 149 s (105 s of
# CPU) and 684 MB; now about 4 s (most of it starting Python and loading the spiders) and 220-250 MB.
MAX_CPU_SECONDS = 10
MAX_WALL_SECONDS = 30           # a loaded two-core test machine
MAX_RSS_MB = 300


def endless_paragraphs(count: int = PARAGRAPHS) -> str:
    return "".join(f"<p>Paragraph {i} of the endless page says the same thing again and again.</p>\n"
                   for i in range(count))


def endless_page(title: str = "Endless page", head: str = "") -> str:
    """About 7 MB of HTML: under DOWNLOAD_MAXSIZE (10 MiB), 100,000 paragraphs."""
    return (f'<!doctype html><html lang="en"><head><title>{title}</title>{head}</head><body><article>'
            f"<h1>{title}</h1>{endless_paragraphs()}</article></body></html>")


def cut(markup: str, **limits) -> tuple[object, str]:
    root = lxml_html.fromstring(markup)
    over = bound_page(root, ExtractLimits(**limits))
    return over, lxml_html.tostring(root, encoding="unicode")


PAGE = ('<html><body><div>ab<p>cd</p>ef<p>gh</p>ij<script type="application/ld+json">{"x": 1}</script>'
        "</div>kl<!-- note --><div><p>mn</p></div></body></html>")


def test_a_page_within_the_limits_is_untouched():
    assert cut(PAGE) == (None, lxml_html.tostring(lxml_html.fromstring(PAGE), encoding="unicode"))
    assert measure(lxml_html.fromstring(PAGE)) == (7, 14)     # body, div, p, p, script, div, p; script text not counted


@pytest.mark.parametrize("limits, kept", [
    ({"max_elements": 3}, '<div>ab<p>cd</p>ef</div><script type="application/ld+json">{"x": 1}</script>'),
    ({"max_text": 5}, '<div>ab<p>cd</p>e</div><script type="application/ld+json">{"x": 1}</script>'),
    ({"max_text": 7}, '<div>ab<p>cd</p>ef<p>g</p></div><script type="application/ld+json">{"x": 1}</script>'),
    ({"max_text": 11}, '<div>ab<p>cd</p>ef<p>gh</p>ij<script type="application/ld+json">{"x": 1}</script></div>k'),
    ({"max_elements": 0, "max_text": 3}, '<div>ab<p>c</p></div><script type="application/ld+json">{"x": 1}</script>'),
])
def test_an_oversized_page_is_cut_in_document_order_keeping_its_structured_data(limits, kept):
    over, markup = cut(PAGE, **limits)
    assert markup == f"<html><body>{kept}</body></html>"
    assert (over.elements, over.text) == (7, 14)
    assert measure(lxml_html.fromstring(markup))[1] <= (limits.get("max_text") or 10**9)


def test_the_size_of_the_page_spares_measuring_its_text_and_changes_nothing():
    """A page of no more bytes than the text limit has no more characters: its text is not
    measured (the scan ran on every article); over the element limit it is cut all the same."""
    size = len(PAGE.encode())
    for limits, page_bytes in (({"max_text": size}, size), ({"max_text": size - 1}, size), ({"max_elements": 3}, size),
                               ({"max_elements": 3, "max_text": 0}, size)):
        with_size, without = lxml_html.fromstring(PAGE), lxml_html.fromstring(PAGE)
        over = bound_page(with_size, ExtractLimits(**limits), page_bytes)
        assert over == bound_page(without, ExtractLimits(**limits))
        assert lxml_html.tostring(with_size) == lxml_html.tostring(without)
    # 14 characters of text in a page of more bytes: cut by the text limit only when it is over it.
    assert bound_page(lxml_html.fromstring(PAGE), ExtractLimits(max_text=13), size) is not None


def test_zero_is_no_limit():
    assert cut(PAGE, max_elements=0, max_text=0)[0] is None


def test_the_limits_come_from_the_settings():
    from scrapy.settings import Settings
    settings = Settings({"NEWSBOT_EXTRACT_MAX_ELEMENTS": "500", "NEWSBOT_EXTRACT_MAX_TEXT": 0})
    assert ExtractLimits.from_settings(settings) == ExtractLimits(500, 0)
    assert ExtractLimits.from_settings(None) == ExtractLimits(config.BY_NAME["NEWSBOT_EXTRACT_MAX_ELEMENTS"].default,
                                                              config.BY_NAME["NEWSBOT_EXTRACT_MAX_TEXT"].default)
    assert "NEWSBOT_EXTRACT_MAX_TEXT=-1" in "; ".join(config.problems(Settings({"NEWSBOT_EXTRACT_MAX_TEXT": -1})))


def test_the_outlet_selectors_still_give_the_item_of_an_oversized_page(caplog):
    url = "https://news.example/politics/endless"
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Endless page", '
          '"datePublished": "2026-11-20T09:00:00Z", "author": {"@type": "Person", "name": "Jane Roe"}}</script>')
    page = endless_page().replace("</body>", f"{ld}</body>")     # structured data after the cut
    response = HtmlResponse(url, body=page.encode(), encoding="utf-8")
    profile = OutletProfile(outlet="example", selectors={"body": "article > p"})
    started = time.monotonic()
    result = parse_article(response, profile, ExtractLimits(max_elements=2_000))
    assert time.monotonic() - started < 10
    assert result.item is not None and result.body_source == "selectors"
    assert result.item.published_at == "2026-11-20T09:00:00+00:00" and result.item.authors == ["Jane Roe"]
    paragraphs = result.item.body.split("\n\n")
    assert paragraphs[0] == "Paragraph 0 of the endless page says the same thing again and again."
    assert len(paragraphs) < 2_000
    assert result.over_limit is not None and result.over_limit.elements == PARAGRAPHS + 4
    [line] = [r.getMessage() for r in caplog.records if "over the extraction limits" in r.getMessage()]
    assert url in line and "100,004 elements (limit 2,000)" in line


def _corpus_pages() -> list[Path]:
    folders = [BENCH / name / "html" for name in ("real-pages-dev", "aeb-dev")]
    if not all(folder.is_dir() for folder in folders):
        pytest.skip(f"{BENCH} not found (the shared benchmark corpora sit beside the repository)")
    return [path for folder in folders for path in sorted(folder.iterdir())]


def test_real_article_pages_stay_far_under_the_default_limits():
    import gzip
    limits = ExtractLimits()
    largest = [0, 0]
    for path in _corpus_pages():
        data = path.read_bytes()
        data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
        elements, text = measure(HtmlResponse("https://example.org/", body=data).selector.root)
        largest = [max(largest[0], elements), max(largest[1], text)]
    # Measured on all 810 pages of ../shared/bench (wcxb-dev-articles too): at most 4,929
    # elements and 196,097 characters; these 99 pages: 3,014 and 89,476.
    assert largest[0] * 3 < limits.max_elements and largest[1] * 10 < limits.max_text, largest


# Runs `python -m MODULE ARGS...` and writes the process's peak resident memory (VmHWM: of its own
# address space; ru_maxrss of a child also counts the pytest process it was forked from) to stderr.
PEAK_RSS = ("import atexit, runpy, sys\n"
            "def peak():\n"
            "    for line in open('/proc/self/status'):\n"
            "        if line.startswith('VmHWM:'):\n"
            "            sys.stderr.write(f'peak-rss-kb {line.split()[1]}\\n')\n"
            "atexit.register(peak)\n"
            "sys.argv = sys.argv[1:]\n"
            "runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n")


def run_measured(module: str, *args: str, tmp_path: Path, timeout: float = 300) -> dict:
    """`python -m module args`: its exit code, output, wall and CPU seconds and peak RSS (MB)."""
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    started = time.monotonic()
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-c", PEAK_RSS, module, *args], cwd=ROOT, stdout=stdout,
                                stderr=stderr)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                pytest.fail(f"{module} {args} still running after {timeout} s")
            time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr_text = err.read_text("utf-8")
    peak = re.findall(r"^peak-rss-kb (\d+)$", stderr_text, re.M)
    assert peak, stderr_text[-3000:]
    return {"returncode": proc.returncode, "stdout": out.read_text("utf-8"), "stderr": stderr_text,
            "wall": time.monotonic() - started, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_mb": int(peak[-1]) / 1024}


def test_the_extract_command_reads_an_endless_page_in_bounded_time_and_memory(tmp_path):
    page = tmp_path / "endless.html"
    page.write_text(endless_page(), "utf-8")
    assert 6_000_000 < page.stat().st_size < 10 * 1024 * 1024
    url = "https://news.example/politics/endless"
    run = run_measured("newsbot.extract", "--url", url, str(page), tmp_path=tmp_path)
    assert run["returncode"] == 0, run["stderr"][-3000:]
    assert run["cpu"] < MAX_CPU_SECONDS and run["wall"] < MAX_WALL_SECONDS, run
    assert run["rss_mb"] < MAX_RSS_MB, run["rss_mb"]
    print(f"extract: {run['wall']:.1f} s, CPU {run['cpu']:.1f} s, peak RSS {run['rss_mb']:.0f} MB")
    assert '"title": "Endless page"' in run["stdout"]
    lines = [line for line in run["stderr"].splitlines() if "over the extraction limits" in line]
    assert lines == [f"WARNING newsbot.parsing.article: page {url} is over the extraction limits: 100,003 "
                     "elements (limit 10,000), 7,288,902 characters of text (limit 1,000,000); read up to "
                     "element 10,000 and character 718,686"], run["stderr"][-3000:]
    assert "Traceback" not in run["stderr"]


class EndlessSite(LocalSite):
    """The local politics site, two of its three articles 100,000 paragraphs long: the second in
    the outlet's body selector (.story > p), the third outside it (the generic extractor's)."""

    def page(self, path: str) -> tuple[int, str]:
        status, body = super().page(path)
        if path.endswith("-number-2"):
            body = body.replace('<div class="story">', f'<div class="story">{endless_paragraphs()}')
        elif path.endswith("-number-3"):
            body = body.replace('<div class="story">', f'<div class="text">{endless_paragraphs()}')
        return status, body


def test_a_crawl_reads_endless_pages_in_bounded_time_and_memory(isolated_newsbot_home, tmp_path):
    out = tmp_path / "items.jsonl"
    with EndlessSite("ok") as site:
        run = run_measured("scrapy", "crawl", "local_politics", "-a", f"base={site.base}", *FAST,
                           "-s", "LOG_LEVEL=INFO", "-O", f"{out}:jsonl", tmp_path=tmp_path)
    assert run["returncode"] == 0, run["stderr"][-3000:]
    print(f"crawl: {run['wall']:.1f} s, CPU {run['cpu']:.1f} s, peak RSS {run['rss_mb']:.0f} MB")
    assert run["cpu"] < 2 * MAX_CPU_SECONDS and run["wall"] < MAX_WALL_SECONDS, run
    assert run["rss_mb"] < MAX_RSS_MB, run["rss_mb"]
    stats = _stats(run["stderr"])
    assert stats["newsbot/extract/over_limit"] == 2
    # Both endless articles still come out: from the outlet's selectors, and from the generic extractor.
    assert stats["item_scraped_count"] == 3
    assert stats["newsbot/body_source/selectors"] == 2 and stats["newsbot/body_source/generic"] == 1
    lines = [line for line in run["stderr"].splitlines() if "over the extraction limits" in line]
    assert len(lines) == 2 and all("WARNING" in line and "elements (limit 10,000)" in line for line in lines)
    assert re.search(r"/politics/coalition-agrees-measure-number-2 is over", lines[0] + lines[1])
    assert re.search(r"/politics/coalition-agrees-measure-number-3 is over", lines[0] + lines[1])
    assert "Traceback" not in run["stderr"]

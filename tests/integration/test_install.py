"""newsbot installed with pip into a fresh venv, used from a Scrapy project outside this repository.

The venv takes its dependencies from the test venv through a .pth file and newsbot itself from
`pip install --no-deps --no-build-isolation` (offline, a few seconds); everything then runs with
the venv's own programs from folders outside the repository, so nothing comes from the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPLAY, ROOT
from tests.support.services import politics_site

pytestmark = pytest.mark.slow

SEED_URL = "https://asia.nikkei.com/Politics/Japan-US-working-groups-will-duel-on-economic-cooperation"
SEED_FILE = REPLAY / "nikkei_asia" / "article-japan-us-working-groups.html"

SETTINGS = """
BOT_NAME = "myproject"
SPIDER_MODULES = ["myproject.spiders"]
ADDONS = {"newsbot.NewsbotAddon": 0}
# The project's own pipeline stays beside newsbot's; its politeness settings win over newsbot's.
ITEM_PIPELINES = {"myproject.pipelines.HouseTagPipeline": 300}
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = False
"""

PIPELINES = """
class HouseTagPipeline:
    def process_item(self, item):
        item["tags"] = [*item.get("tags", []), "house"]
        return item
"""

# A spider written for plain Scrapy: newsbot's item fields, no newsbot code.
SPIDER = """
import json

import scrapy


class PoliticsSpider(scrapy.Spider):
    name = "politics"

    def __init__(self, base, **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [f"{base}/politics"]

    def parse(self, response):
        yield from response.follow_all(css="a.card__link", callback=self.parse_article)

    def parse_article(self, response):
        ld = json.loads(response.css('script[type="application/ld+json"]::text').get())
        paragraphs = (" ".join(part.css("::text").getall()).strip() for part in response.css("div.story-body > *"))
        yield {
            "url": response.url, "outlet": "my_site", "spider": self.name, "language": "en",
            "title": response.css("h1.headline::text").get(), "published_at": ld["datePublished"],
            "authors": [a["name"] for a in ld["author"]], "tags": [], "paywalled": False,
            "body": "\\n\\n".join(p for p in paragraphs if p),
        }
"""


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh venv with newsbot pip-installed from a copy of the package's files."""
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "newsbot", source / "newsbot", ignore=shutil.ignore_patterns("__pycache__"))
    env_dir = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=120)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # The test venv's packages, after the new venv's own (newsbot will be only there).
    Path(purelib, "shared-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    probe = subprocess.run([python, "-c", "import setuptools, wheel"], capture_output=True, text=True)
    assert probe.returncode == 0, f"building needs setuptools and wheel (requirements.txt): {probe.stderr}"
    install = subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                              "--no-index", str(source)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-3000:]
    return env_dir


def run(venv: Path, program: str, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "PYTHON", "SCRAPY_"))}
    # Scrapy came through the .pth file, without its `scrapy` script: the same, through the venv's python.
    command = [str(venv / "bin" / "python"), "-m", "scrapy"] if program == "scrapy" else [str(venv / "bin" / program)]
    return subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=180, env={**clean, **env})


def make_project(folder: Path) -> Path:
    (folder / "myproject" / "spiders").mkdir(parents=True)
    (folder / "scrapy.cfg").write_text("[settings]\ndefault = myproject.settings\n")
    (folder / "myproject" / "__init__.py").write_text("")
    (folder / "myproject" / "spiders" / "__init__.py").write_text("")
    (folder / "myproject" / "settings.py").write_text(textwrap.dedent(SETTINGS))
    (folder / "myproject" / "pipelines.py").write_text(textwrap.dedent(PIPELINES))
    (folder / "myproject" / "spiders" / "politics.py").write_text(textwrap.dedent(SPIDER))
    return folder


def test_installed_newsbot_is_the_venvs_own(venv, tmp_path):
    where = run(venv, "python", "-c", "import newsbot, pathlib; print(pathlib.Path(newsbot.__file__).resolve())",
                cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(venv.resolve())
    assert not Path(where.stdout.strip()).is_relative_to(ROOT)


def test_addon_crawls_a_projects_own_spider_through_clean_dedup_and_delivery(venv, tmp_path):
    project = make_project(tmp_path / "project")
    env = {"NEWSBOT_HOME": str(tmp_path / "home"), "NEWSBOT_ALLOWED_PRIVATE_HOSTS": "127.0.0.1"}
    commands = run(venv, "scrapy", "-h", cwd=project)
    for name in ("crawlall", "dedup", "deliver", "record", "schedule", "seed"):    # entry points
        assert f"  {name} " in commands.stdout, commands.stdout
    with politics_site(articles=6) as base:
        first = run(venv, "scrapy", "crawl", "politics", "-a", f"base={base}", "-O", "out.jsonl", cwd=project, **env)
        second = run(venv, "scrapy", "crawl", "politics", "-a", f"base={base}", "-O", "again.jsonl", cwd=project, **env)
    assert first.returncode == 0, first.stderr[-4000:]
    items = [json.loads(line) for line in (project / "out.jsonl").read_text("utf-8").splitlines()]
    assert len(items) == 6
    for item in items:
        assert "Advertisement" not in item["body"]              # newsbot's cleaning
        assert item["word_count"] > 50 and len(item["content_hash"]) == 64 and item["scraped_at"]
        assert item["tags"] == ["house"]                        # the project's own pipeline still runs
    assert "newsbot/junk/" in first.stderr                      # the junk removed, counted in the stats
    manifest = json.loads((project / "out.jsonl.manifest.json").read_text("utf-8"))   # newsbot's delivery
    assert manifest["items"] == 6 and manifest["batches"][0]["status"] == "delivered"
    assert list((tmp_path / "home" / "runs" / "politics").glob("*/run-summary.json"))
    # The second run knows every article: nothing new is written, and that is a healthy run.
    assert second.returncode == 0, second.stderr[-4000:]
    assert (project / "again.jsonl").read_text("utf-8") == ""
    assert "'newsbot/dedup/unchanged': 6" in second.stderr
    # newsbot's own commands work on the project's state.
    stats = run(venv, "scrapy", "dedup", "stats", cwd=project, **env)
    assert stats.returncode == 0, stats.stderr[-3000:]
    known = json.loads(stats.stdout)
    assert known["articles"] == 6 and known["per_outlet"] == {"my_site": 6}
    assert known["location"] == f"sqlite:///{tmp_path / 'home' / 'state.sqlite'}"


def test_console_scripts_and_python_api_outside_the_repository(venv, tmp_path):
    page = tmp_path / "page.html"
    shutil.copy2(SEED_FILE, page)
    cli = run(venv, "newsbot-extract", "--url", SEED_URL, str(page), cwd=tmp_path)
    assert cli.returncode == 0, cli.stderr[-3000:]
    assert json.loads(cli.stdout)["title"].startswith("Japan, US working groups")
    module = run(venv, "python", "-m", "newsbot.extract", "--url", SEED_URL, str(page), cwd=tmp_path)
    assert module.returncode == 0 and json.loads(module.stdout)["url"] == SEED_URL, module.stderr[-3000:]
    api = run(venv, "python", "-c", "import sys; from newsbot import extract; "
              "print(extract(open(sys.argv[1], 'rb').read(), url=sys.argv[2])['outlet'])", str(page), SEED_URL,
              cwd=tmp_path)
    assert api.returncode == 0 and api.stdout.strip() == "nikkei_asia", api.stderr[-3000:]
    (tmp_path / "out.jsonl").write_text('{"outlet": "a"}\n{"outlet": "b"}\n')
    summary = run(venv, "newsbot-summary", str(tmp_path / "out.jsonl"), cwd=tmp_path)
    assert summary.returncode == 0 and "total" in summary.stdout and "2 items" in summary.stdout, summary.stderr


def test_check_in_a_project_without_recordings_is_scrapys_live_check(venv, tmp_path):
    project = make_project(tmp_path / "project")
    result = run(venv, "scrapy", "check", cwd=project)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "checking the live sites" in result.stderr and "Ran 0 contracts" in result.stderr

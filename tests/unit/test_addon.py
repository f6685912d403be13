"""newsbot.NewsbotAddon on a Scrapy project's settings (the crawl itself: tests/integration/test_install.py)."""

from __future__ import annotations

import pytest
from scrapy.addons import AddonManager
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from newsbot import NewsbotAddon
from newsbot.addon import apply_defaults


def project(**values) -> Settings:
    settings = Settings()
    settings.setdict({"ADDONS": {"newsbot.NewsbotAddon": 0}, **values}, priority="project")
    return settings


def test_the_project_keeps_its_components_and_its_settings():
    settings = project(ITEM_PIPELINES={"myproject.pipelines.Mine": 300}, DOWNLOAD_DELAY=3,
                       EXTENSIONS={"newsbot.extensions.progress.ProgressExtension": None})
    NewsbotAddon().update_settings(settings)
    pipelines = settings.getdict("ITEM_PIPELINES")
    assert pipelines["myproject.pipelines.Mine"] == 300
    assert pipelines["newsbot.pipelines.clean.CleanBodyPipeline"] == 200
    assert settings.getdict("EXTENSIONS")["newsbot.extensions.progress.ProgressExtension"] is None  # switched off
    assert settings.getdict("EXTENSIONS")["newsbot.extensions.health.HealthExtension"] == 900
    assert settings.getfloat("DOWNLOAD_DELAY") == 3                       # the project's value wins
    assert settings.getint("NEWSBOT_HEALTH_MIN_ITEMS") == 1              # newsbot's settings come along
    assert settings["FEED_STORAGES"]["file"] == "newsbot.delivery.storages.SpooledFeedStorage"


def test_a_component_the_project_gives_as_a_class_is_not_added_twice():
    from newsbot.pipelines.clean import CleanBodyPipeline

    settings = project(ITEM_PIPELINES={CleanBodyPipeline: 250})
    NewsbotAddon().update_settings(settings)
    pipelines = settings.getdict("ITEM_PIPELINES")
    assert pipelines[CleanBodyPipeline] == 250 and "newsbot.pipelines.clean.CleanBodyPipeline" not in pipelines


@pytest.mark.parametrize(("name", "old_path", "new_path"), [
    ("ITEM_PIPELINES", "newsbot.resume.SkipDeliveredPipeline", "newsbot.resume.pipeline.SkipDeliveredPipeline"),
    ("DOWNLOADER_MIDDLEWARES", "newsbot.resume.SkipDeliveredMiddleware",
     "newsbot.resume.middleware.SkipDeliveredMiddleware"),
    ("EXTENSIONS", "newsbot.resume.DeliveryLedger", "newsbot.resume.ledger.DeliveryLedger"),
])
def test_a_component_named_by_its_old_path_is_the_same_component(name, old_path, new_path):
    """Modules moved (newsbot/resume.py became a package) keep their old paths by re-exports: a
    project's setting under the old path is the setting of that component, not a second one."""
    for order in (None, 333):
        settings = project(**{name: {old_path: order}})
        NewsbotAddon().update_settings(settings)
        components = settings.getdict(name)
        assert components[old_path] == order and new_path not in components


def test_a_pipeline_switched_off_by_its_old_path_is_not_built():
    """The crawler Scrapy builds from the settings: no SkipDeliveredPipeline, the others kept."""
    from scrapy.pipelines import ItemPipelineManager

    from newsbot.pipelines.dedup import DedupPipeline
    from newsbot.resume import SkipDeliveredPipeline

    def pipelines(given):
        crawler = get_crawler(settings_dict={"ADDONS": {"newsbot.NewsbotAddon": 0}, "ITEM_PIPELINES": given,
                                             "NEWSBOT_LOCK_ENABLED": False})
        return [type(pipeline) for pipeline in ItemPipelineManager.from_crawler(crawler).middlewares]

    assert SkipDeliveredPipeline in pipelines({})
    built = pipelines({"newsbot.resume.SkipDeliveredPipeline": None})
    assert SkipDeliveredPipeline not in built and DedupPipeline in built


def test_a_whole_dict_from_the_command_line_is_left_alone():
    settings = project()
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    NewsbotAddon().update_settings(settings)
    assert settings.getdict("ITEM_PIPELINES") == {}


def test_applying_twice_changes_nothing():
    settings = project(ITEM_PIPELINES={"myproject.pipelines.Mine": 300})
    apply_defaults(settings)
    once = {name: settings.getdict(name) for name in ("ITEM_PIPELINES", "EXTENSIONS", "DOWNLOADER_MIDDLEWARES")}
    apply_defaults(settings)
    assert once == {name: settings.getdict(name) for name in once}


def test_scrapy_loads_it_by_its_path():
    settings = project()
    AddonManager(get_crawler()).load_settings(settings)
    assert "newsbot.pipelines.dedup.DedupPipeline" in settings.getdict("ITEM_PIPELINES")
    assert settings["LOG_FORMATTER"] == "newsbot.logformatter.NewsbotLogFormatter"

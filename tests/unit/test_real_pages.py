"""What users get on real pages: `newsbot.extract` as `python -m newsbot.extract --url` runs it,
on the real saved pages of ../shared/bench (see its README) and on every recording."""

from __future__ import annotations

import json
import os

import pytest
from lxml import html as lxml_html

from benchmarks.extraction import load_corpus, score_real
from newsbot.extract import Extractor
from newsbot.parsing.text import markup_left

from tests.conftest import REPLAY, ROOT

BENCH = ROOT.parent / "shared" / "bench"
CORPORA = ("real-pages-dev", "aeb-dev", "wcxb-dev-articles")


def corpus(name: str) -> list[dict]:
    folder = BENCH / name
    if not folder.is_dir():
        pytest.skip(f"{folder} not found (the shared benchmark corpora sit beside the repository)")
    return load_corpus(folder)[1]


def visible_text(html) -> str:
    return lxml_html.fromstring(html).text_content()


def recorded_articles() -> list[tuple[str, bytes]]:
    pages = []
    for index in sorted(REPLAY.rglob("recordings.json")):
        for entry in json.loads(index.read_text("utf-8"))["responses"]:
            body = index.parent / entry["body"]
            if entry.get("status", 200) == 200 and body.suffix == ".html":
                pages.append((entry["url"], body.read_bytes()))
    return pages


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def extract_body(extractor: Extractor, html, url: str) -> dict:
    try:
        return extractor.extract_page(html, url)
    except Exception:  # noqa: BLE001 -- a page that gives no article has no text to check
        return {}


def test_outlet_parsers_give_whole_articles_on_real_pages_of_every_markup_generation(extractor):
    pages = corpus("real-pages-dev")
    bodies = [extract_body(extractor, page["html"], page["url"]).get("body") or "" for page in pages]
    scores = score_real(pages, bodies)
    worst = sorted(zip(scores["per_page"], (page["id"] for page in pages)))[:3]
    assert scores["f1"] >= 0.98, (scores["f1"], worst)
    assert worst[0][0] >= 0.90, worst


@pytest.mark.slow
def test_no_entity_or_tag_left_in_any_item_of_any_corpus_or_recording(extractor):
    pages = [(page["url"] or "https://example.invalid/", page["html"]) for name in CORPORA for page in corpus(name)]
    pages += recorded_articles()
    leaks = []
    for url, html in pages:
        item = extract_body(extractor, html, url)
        for name in ("title", "standfirst", "body"):
            found = markup_left(item.get(name))
            # A tag the page itself shows as text (an article about HTML) is the article's text.
            if found and not (name == "body" and found.startswith("<") and found in visible_text(html)):
                leaks.append((url, name, found))
    assert len(pages) > 800 and not leaks, leaks[:10]

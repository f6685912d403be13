"""The Mainichi spider on its recordings: the byline at the end of the body."""

from __future__ import annotations

import json

from scrapy.http import HtmlResponse, Request

from newsbot.spiders.mainichi import MainichiSpider

from tests.conftest import REPLAY

RECORDED = REPLAY / "mainichi"


def test_mainichi_trailing_byline_names_the_authors_when_the_meta_does_not() -> None:
    responses = json.loads((RECORDED / "recordings.json").read_text("utf-8"))["responses"]
    recording = next(r for r in responses if r["body"] == "article-rikken-kohosha.html")
    html = (RECORDED / recording["body"]).read_text("utf-8")
    html = html.replace('<meta name="cXenseParse:author" content="宮原健太">', "")
    html = html.replace("【宮原健太】", "【宮原健太、池田直】")
    response = HtmlResponse(recording["url"], body=html.encode("utf-8"), request=Request(recording["url"]))
    item = MainichiSpider().build_article(response).item
    assert item.authors == ["宮原健太", "池田直"]
    assert item.body.endswith("慎重な声もある。")

"""Base-spider parsing features: embedded page state (Arc Fusion, Next.js), JSON-LD variants,
breadcrumbs, lazy images — each on a small page, including broken input."""

from __future__ import annotations

import json

from parsel import Selector
from scrapy.http import HtmlResponse

from newsbot.parsing.article import OutletProfile, parse_article
from newsbot.parsing.structured import breadcrumbs, embedded_fields, json_ld_fields

ANS = {
    "type": "story", "headlines": {"basic": "Budget passes"}, "description": {"basic": "Late vote."},
    "credits": {"by": [{"type": "author", "name": "Ana Ruiz"}, {"type": "author", "name": "Li Wei"}]},
    "first_publish_date": "2026-11-28T10:00:00Z", "display_date": "2026-11-28T11:00:00Z",
    "taxonomy": {"primary_section": {"name": "Politics"}, "tags": [{"text": "Budget"}]},
    "content_elements": [
        {"type": "text", "content": "First <a href='/x'>linked</a> paragraph."},
        {"type": "image", "caption": "A caption that is not prose"},
        {"type": "interstitial_link", "content": "Sign up here."},
        {"type": "header", "content": "A subhead"},
        {"type": "text", "content": "Second paragraph."},
    ],
}


def page(head: str = "", body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def test_fusion_global_content_among_other_assignments():
    script = ("window.Fusion=window.Fusion||{};Fusion.arcSite=\"x\";Fusion.globalContent=" + json.dumps(ANS) +
              ";Fusion.globalContentConfig={\"source\":\"a\"};")
    fields = embedded_fields(Selector(text=page(body=f"<script>{script}</script>")))
    assert fields["title"] == "Budget passes"
    assert fields["authors"] == ["Ana Ruiz", "Li Wei"]
    assert fields["published_at"] == "2026-11-28T10:00:00Z"
    assert fields["section"] == "Politics" and fields["tags"] == ["Budget"]
    assert fields["body_paragraphs"] == ["First linked paragraph.", "A subhead", "Second paragraph."]


def test_ans_story_inside_next_data_is_found_without_a_path():
    data = {"props": {"pageProps": {"content": {"result": ANS}}}}
    html = page(body=f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>')
    assert embedded_fields(Selector(text=html))["title"] == "Budget passes"


def test_next_data_article_path_with_route_keyed_page():
    article = {"contents": [{"type": "headline", "model": {"blocks": [{"type": "paragraph", "model": {"text": "Headline"}}]}},
                            {"type": "text", "model": {"blocks": [{"type": "paragraph", "model": {"text": "Body one."}}]}}],
               "metadata": {"firstPublished": 1795872644000}}
    data = {"props": {"pageProps": {"page": {'@"news","articles","c1",': article}}}}
    html = page(body=f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>')
    fields = embedded_fields(Selector(text=html), "props.pageProps.page.*")
    assert fields["body_paragraphs"] == ["Body one."]  # headline blocks are not body
    assert fields["published_at"] == 1795872644000
    assert embedded_fields(Selector(text=html)) == {}  # no path, no ANS: nothing guessed


def test_broken_embedded_state_gives_nothing():
    html = page(body='<script id="__NEXT_DATA__" type="application/json">{"props": </script>'
                     '<script>Fusion.globalContent={"headlines": ;</script>')
    assert embedded_fields(Selector(text=html), "props") == {}


def test_live_blog_updates_oldest_first_and_video_description():
    live = {"@type": "LiveBlogPosting", "headline": "Live", "liveBlogUpdate": [
        {"@type": "BlogPosting", "headline": "Later", "articleBody": "Two.", "datePublished": "2026-11-28T12:00:00Z"},
        {"@type": "BlogPosting", "headline": "Earlier", "articleBody": "One.", "datePublished": "2026-11-28T09:00:00Z"},
        "not an update"]}
    fields = json_ld_fields(Selector(text=page(f'<script type="application/ld+json">{json.dumps(live)}</script>')))
    assert fields["body"].split("\n") == ["Earlier", "One.", "Later", "Two."]
    video = {"@type": "VideoObject", "name": "Clip", "description": "What the clip shows.", "uploadDate": "2026-11-28"}
    fields = json_ld_fields(Selector(text=page(f'<script type="application/ld+json">{json.dumps(video)}</script>')))
    assert fields["title"] == "Clip" and fields["body"] == "What the clip shows." and fields["published_at"] == "2026-11-28"


def test_breadcrumbs_from_json_ld():
    crumbs = {"@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": 1, "name": "News"}, {"@type": "ListItem", "position": 2, "item": {"name": "Politics"}}]}
    sel = Selector(text=page(f'<script type="application/ld+json">{json.dumps(crumbs)}</script>'))
    assert breadcrumbs(sel) == ["News", "Politics"]


def test_embedded_body_is_used_when_selectors_find_nothing_and_lazy_image():
    script = "Fusion.globalContent=" + json.dumps({k: v for k, v in ANS.items() if k != "promo_items"}) + ";"
    html = page("<title>t</title>", '<article><img src="data:image/gif;base64,R0" data-src="/img/lead.jpg"></article>'
                f"<script>{script}</script>")
    response = HtmlResponse("https://example.org/politics/budget-passes", body=html.encode(), encoding="utf-8")
    result = parse_article(response, OutletProfile(outlet="example", selectors={"body": ".article-body p"}))
    assert result.body_source == "embedded"
    assert result.item.body.split("\n\n")[0] == "First linked paragraph."
    assert result.item.image_url == "https://example.org/img/lead.jpg"
    assert result.page_section == "Politics"

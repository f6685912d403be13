"""Article-text extraction benchmark: trafilatura alone vs newsbot, as users call it.

    python benchmarks/extraction.py ../shared/bench/real-pages-dev
    python benchmarks/extraction.py ../shared/bench/aeb-dev [--worst 10]
    python benchmarks/extraction.py ../shared/bench/wcxb-dev-articles [--limit N] [--leaks]
    python benchmarks/extraction.py ../shared/bench/aeb-dev --path generic

The corpus folder is read in place (never copy it into the repository); its layout is detected:
  aeb-dev layout:  html/<id>.html.gz + ground-truth.json {id: {"articleBody", "url"}}
  wcxb layout:     html/<id>.html.gz + ground-truth/<id>.json {"url", "ground_truth": {...}}
  real-pages layout: pages.tsv (name, url, outlet, ...) + html/<name>.html + truth/<name>.txt

`--path routed` (the default) is what `python -m newsbot.extract --url URL` gives: the page's
outlet parser when its URL belongs to a covered outlet, else the generic one, then the offline
pipelines (cleaning, validation); a page that gives no item scores as an empty text.
`--path generic` is the generic extractor and the body cleaner alone.

Every figure is also given for the two halves of the corpus (pages at even and odd positions in id
order): a rule or threshold tuned on one half must hold on the other.

Metrics are the corpora's own (see the corpus README):
  aeb:  4-token shingle multisets; precision = mean TP/(TP+FP) over non-empty extractions,
        recall = mean TP/(TP+FN) over all pages, F1 = harmonic mean of the two means.
  wcxb: per-page F1 of lower-cased word bags, averaged; with/without snippet rates; number of pages
        where any `without` (boilerplate) snippet leaks.
Both extractors run in this one process on the same pages, interleaved page by page and timed in
CPU seconds, so pages/s (per CPU second) and the speed ratio compare like with like. newsbot's path is what a page without an outlet parser gets in a crawl:
`newsbot.parsing.generic.generic_fields` (trafilatura + DOM pre-cleaning) then the CleanBody
pipeline's `TextCleaner` for the page's language (no learned boilerplate: pages are unrelated).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")


# --- corpora -------------------------------------------------------------------------------------

def load_corpus(folder: Path) -> tuple[str, list[dict]]:
    """("aeb" | "wcxb", pages) where a page is {"id", "url", "html", "truth": {...}}."""
    pages = []
    if (folder / "ground-truth.json").is_file():
        truth = json.loads((folder / "ground-truth.json").read_text("utf-8"))
        for page_id, entry in sorted(truth.items()):
            html = gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8", "replace")
            pages.append({"id": page_id, "url": entry.get("url"), "html": html, "truth": entry})
        return "aeb", pages
    if (folder / "ground-truth").is_dir():
        for path in sorted((folder / "ground-truth").glob("*.json")):
            entry = json.loads(path.read_text("utf-8"))
            html_path = folder / "html" / f"{path.stem}.html.gz"
            if not html_path.is_file():
                continue
            html = gzip.decompress(html_path.read_bytes()).decode("utf-8", "replace")
            pages.append({"id": path.stem, "url": entry.get("url"), "html": html, "truth": entry["ground_truth"]})
        return "wcxb", pages
    if (folder / "pages.tsv").is_file():
        lines = (folder / "pages.tsv").read_text("utf-8").splitlines()
        header = lines[0].split("\t")
        for line in lines[1:]:
            if not line.strip():
                continue
            row = dict(zip(header, line.split("\t")))
            html = (folder / "html" / f"{row['name']}.html").read_bytes()
            truth = (folder / "truth" / f"{row['name']}.txt").read_text("utf-8")
            pages.append({"id": row["name"], "url": row["url"], "html": html, "truth": {"text": truth}})
        return "real", sorted(pages, key=lambda page: page["id"])
    raise SystemExit(f"{folder}: neither ground-truth.json, ground-truth/ nor pages.tsv found")


# --- metrics -------------------------------------------------------------------------------------

def _shingles(text: str, size: int = 4) -> Counter:
    tokens = _WORD.findall(text or "")
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i:i + size]) for i in range(len(tokens) - size + 1))


def score_aeb(pages: list[dict], outputs: list[str]) -> dict:
    precisions, recalls, per_page = [], [], []
    for page, text in zip(pages, outputs):
        truth, got = _shingles(page["truth"]["articleBody"]), _shingles(text)
        tp = sum((truth & got).values())
        fp = sum((got - truth).values())
        fn = sum((truth - got).values())
        total = tp + fp + fn or 1
        tp, fp, fn = tp / total, fp / total, fn / total
        page_p = tp / (tp + fp) if tp + fp else 0.0
        page_r = tp / (tp + fn) if tp + fn else 0.0
        if text and text.strip():
            precisions.append(page_p)
        recalls.append(page_r)
        per_page.append(2 * page_p * page_r / (page_p + page_r) if page_p + page_r else 0.0)
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "per_page": per_page}


_REAL_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]|[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")


def _word_f1(truth: str, text: str) -> tuple[float, float, float]:
    gold = Counter(_REAL_TOKEN.findall((truth or "").lower()))
    got = Counter(_REAL_TOKEN.findall((text or "").lower()))
    overlap = sum((gold & got).values())
    p = overlap / sum(got.values()) if got else 0.0
    r = overlap / sum(gold.values()) if gold else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def score_real(pages: list[dict], outputs: list[str]) -> dict:
    """real-pages-dev: per-page F1 of lower-cased word bags (each CJK character one token), averaged."""
    scores = [_word_f1(page["truth"]["text"], text) for page, text in zip(pages, outputs)]
    n = len(scores) or 1
    return {"precision": sum(s[0] for s in scores) / n, "recall": sum(s[1] for s in scores) / n,
            "f1": sum(s[2] for s in scores) / n, "per_page": [s[2] for s in scores]}


def _fold(text: str) -> str:
    return _SPACES.sub(" ", (text or "").lower()).strip()


def score_wcxb(pages: list[dict], outputs: list[str]) -> dict:
    f1s, ps, rs = [], [], []
    with_found = with_total = without_found = without_total = 0
    leaking: list[str] = []
    for page, text in zip(pages, outputs):
        truth = page["truth"]
        gold = Counter(_WORD.findall((truth.get("main_content") or "").lower()))
        got = Counter(_WORD.findall((text or "").lower()))
        overlap = sum((gold & got).values())
        p = overlap / sum(got.values()) if got else 0.0
        r = overlap / sum(gold.values()) if gold else 0.0
        ps.append(p)
        rs.append(r)
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
        folded = _fold(text)
        for snippet in truth.get("with") or []:
            with_total += 1
            with_found += _fold(snippet) in folded
        leaks = [s for s in truth.get("without") or [] if _fold(s) and _fold(s) in folded]
        without_total += len(truth.get("without") or [])
        without_found += len(leaks)
        if leaks:
            leaking.append(page["id"])
    n = len(pages) or 1
    return {
        "precision": sum(ps) / n, "recall": sum(rs) / n, "f1": sum(f1s) / n,
        "with_rate": with_found / with_total if with_total else 0.0,
        "without_rate": without_found / without_total if without_total else 0.0,
        "leaking": len(leaking), "leaking_ids": leaking, "per_page": f1s,
    }


# --- extractors ----------------------------------------------------------------------------------

def trafilatura_alone(html: str | bytes, url: str | None) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


_EXTRACTOR = None


def newsbot_routed(html: str | bytes, url: str | None) -> str:
    """What `python -m newsbot.extract --url URL page.html` prints as the item's body."""
    global _EXTRACTOR
    from scrapy.exceptions import DropItem

    from newsbot.extract import Extractor

    if _EXTRACTOR is None:
        _EXTRACTOR = Extractor()
    try:
        return _EXTRACTOR.extract_page(html, url or "https://example.invalid/").get("body") or ""
    except (ValueError, DropItem):
        return ""


def newsbot_generic(html: str | bytes, url: str | None) -> str:
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    from newsbot.cleaning import TextCleaner
    from newsbot.parsing.generic import generic_fields

    fields = generic_fields(html, url)
    paragraphs = fields.get("body_paragraphs") or []
    # The same context the CleanBody pipeline gives the cleaner for an item of this page.
    kept, _ = TextCleaner.for_outlet(None, fields.get("language")).clean(
        paragraphs, title=fields.get("title"), standfirst=fields.get("standfirst"),
        authors=fields.get("authors") or (), section=fields.get("section"), tags=fields.get("tags") or ())
    return "\n".join(kept)


def run_interleaved(extractors: dict[str, Callable[[str, str | None], str]], pages: list[dict],
                    ) -> dict[str, tuple[list[str], float]]:
    """Every extractor on each page in turn, timed in CPU seconds of this process: other load on
    the machine (or a load change halfway through) then slows neither side more than the other."""
    outputs: dict[str, list[str]] = {name: [] for name in extractors}
    seconds = dict.fromkeys(extractors, 0.0)
    for page in pages:
        for name, extract in extractors.items():
            started = time.process_time()
            outputs[name].append(extract(page["html"], page["url"]))
            seconds[name] += time.process_time() - started
    return {name: (outputs[name], seconds[name]) for name in extractors}


SCORERS = {"aeb": score_aeb, "wcxb": score_wcxb, "real": score_real}
PATHS = {"routed": newsbot_routed, "generic": newsbot_generic}


def halves(pages: list[dict], outputs: list[str], score) -> tuple[float, float]:
    """F1 on the pages at even and at odd positions (id order)."""
    even = score(pages[0::2], outputs[0::2])["f1"]
    odd = score(pages[1::2], outputs[1::2])["f1"]
    return even, odd


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="corpus folder, e.g. ../shared/bench/aeb-dev")
    parser.add_argument("--path", choices=sorted(PATHS), default="routed",
                        help="newsbot as users call it (routed, default) or the generic extractor alone")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--worst", type=int, default=5, help="list the N pages where newsbot scores lowest")
    parser.add_argument("--leaks", action="store_true", help="list the ids of pages that leak boilerplate")
    args = parser.parse_args(argv)

    kind, pages = load_corpus(args.corpus)
    if args.limit:
        pages = pages[: args.limit]
    if not pages:
        raise SystemExit(f"{args.corpus}: no pages")
    score = SCORERS[kind]
    newsbot = PATHS[args.path]
    # Warm both paths up (imports, lazy compiles) so the timings measure extraction only.
    for extract in (trafilatura_alone, newsbot):
        extract(pages[0]["html"], pages[0]["url"])

    results, outputs_of = {}, {}
    runs = run_interleaved({"trafilatura": trafilatura_alone, "newsbot": newsbot}, pages)
    for name, (outputs, seconds) in runs.items():
        outputs_of[name] = outputs
        results[name] = score(pages, outputs) | {"pages_per_s": len(pages) / seconds if seconds else 0.0}
        results[name]["f1_even"], results[name]["f1_odd"] = halves(pages, outputs, score)

    print(f"corpus: {args.corpus} ({kind}, {len(pages)} pages), newsbot path: {args.path}")
    columns = ["precision", "recall", "f1", "f1_even", "f1_odd"] + \
        (["with_rate", "without_rate", "leaking"] if kind == "wcxb" else []) + ["pages_per_s"]
    print(f"{'extractor':<12}" + "".join(f"{c:>13}" for c in columns))
    for name, figures in results.items():
        cells = "".join(f"{figures[c]:>13d}" if isinstance(figures[c], int) else f"{figures[c]:>13.3f}" for c in columns)
        print(f"{name:<12}{cells}")
    ratio = results["newsbot"]["pages_per_s"] / results["trafilatura"]["pages_per_s"]
    print(f"speed ratio newsbot/trafilatura: {ratio:.2f}x (pages per CPU second)")
    if kind == "wcxb":
        print(f"pages leaking boilerplate: trafilatura {results['trafilatura']['leaking']} of {len(pages)}, "
              f"newsbot {results['newsbot']['leaking']} of {len(pages)}")
        if args.leaks:
            print("newsbot leaking ids:", " ".join(results["newsbot"]["leaking_ids"]))
    if args.worst:
        ours, theirs = results["newsbot"]["per_page"], results["trafilatura"]["per_page"]
        order = sorted(range(len(pages)), key=lambda i: ours[i])[: args.worst]
        print(f"worst pages for newsbot (F1 newsbot / trafilatura, words newsbot / trafilatura):")
        for i in order:
            words = [len(_WORD.findall(outputs_of[name][i])) for name in ("newsbot", "trafilatura")]
            print(f"  {ours[i]:.3f} / {theirs[i]:.3f}  {words[0]:>5} / {words[1]:<5} {pages[i]['id']}  {pages[i]['url']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

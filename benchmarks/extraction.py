"""Article-text extraction benchmark: trafilatura alone vs newsbot's generic path.

    python benchmarks/extraction.py ../shared/bench/aeb-dev
    python benchmarks/extraction.py ../shared/bench/wcxb-dev-articles [--limit N] [--leaks]

The corpus folder is read in place (never copy it into the repository); its layout is detected:
  aeb-dev layout:  html/<id>.html.gz + ground-truth.json {id: {"articleBody", "url"}}
  wcxb layout:     html/<id>.html.gz + ground-truth/<id>.json {"url", "ground_truth": {...}}

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
    raise SystemExit(f"{folder}: neither ground-truth.json nor ground-truth/ found")


# --- metrics -------------------------------------------------------------------------------------

def _shingles(text: str, size: int = 4) -> Counter:
    tokens = _WORD.findall(text or "")
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i:i + size]) for i in range(len(tokens) - size + 1))


def score_aeb(pages: list[dict], outputs: list[str]) -> dict:
    precisions, recalls = [], []
    for page, text in zip(pages, outputs):
        truth, got = _shingles(page["truth"]["articleBody"]), _shingles(text)
        tp = sum((truth & got).values())
        fp = sum((got - truth).values())
        fn = sum((truth - got).values())
        total = tp + fp + fn or 1
        tp, fp, fn = tp / total, fp / total, fn / total
        if text and text.strip():
            precisions.append(tp / (tp + fp) if tp + fp else 0.0)
        recalls.append(tp / (tp + fn) if tp + fn else 0.0)
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


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
        "leaking": len(leaking), "leaking_ids": leaking,
    }


# --- extractors ----------------------------------------------------------------------------------

def trafilatura_alone(html: str, url: str | None) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def newsbot_generic(html: str, url: str | None) -> str:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="corpus folder, e.g. ../shared/bench/aeb-dev")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--leaks", action="store_true", help="list the ids of pages that leak boilerplate")
    args = parser.parse_args(argv)

    kind, pages = load_corpus(args.corpus)
    if args.limit:
        pages = pages[: args.limit]
    score = score_aeb if kind == "aeb" else score_wcxb
    # Warm both paths up (imports, lazy compiles) so the timings measure extraction only.
    for extract in (trafilatura_alone, newsbot_generic):
        extract(pages[0]["html"], pages[0]["url"])

    results = {}
    runs = run_interleaved({"trafilatura": trafilatura_alone, "newsbot": newsbot_generic}, pages)
    for name, (outputs, seconds) in runs.items():
        results[name] = score(pages, outputs) | {"pages_per_s": len(pages) / seconds if seconds else 0.0}

    print(f"corpus: {args.corpus} ({kind}, {len(pages)} pages)")
    columns = ["precision", "recall", "f1"] + (["with_rate", "without_rate", "leaking"] if kind == "wcxb" else []) + ["pages_per_s"]
    print(f"{'extractor':<12}" + "".join(f"{c:>14}" for c in columns))
    for name, figures in results.items():
        cells = "".join(f"{figures[c]:>14d}" if isinstance(figures[c], int) else f"{figures[c]:>14.3f}" for c in columns)
        print(f"{name:<12}{cells}")
    ratio = results["newsbot"]["pages_per_s"] / results["trafilatura"]["pages_per_s"]
    print(f"speed ratio newsbot/trafilatura: {ratio:.2f}x (pages per CPU second)")
    if kind == "wcxb":
        print(f"pages leaking boilerplate: trafilatura {results['trafilatura']['leaking']} of {len(pages)}, "
              f"newsbot {results['newsbot']['leaking']} of {len(pages)}")
        if args.leaks:
            print("newsbot leaking ids:", " ".join(results["newsbot"]["leaking_ids"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

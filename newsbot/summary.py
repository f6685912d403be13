"""`newsbot-summary FILE.jsonl...` (or `python -m newsbot.summary`): items written per file, per
outlet, and any broken line."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path


def summarize(paths: list[str]) -> int:
    total = 0
    broken = 0
    for name in paths:
        path = Path(name)
        outlets: Counter[str] = Counter()
        lines = path.read_text("utf-8").splitlines() if path.exists() else []
        for line in lines:
            try:
                outlets[json.loads(line).get("outlet", "?")] += 1
            except ValueError:
                broken += 1
        count = sum(outlets.values())
        total += count
        print(f"{path.stem:<20} {count:>5} items  {path}")
    print(f"{'total':<20} {total:>5} items")
    if broken:
        print(f"{broken} line(s) are not JSON", file=sys.stderr)
    return 1 if broken else 0


def main(argv: list[str] | None = None) -> int:
    """The `newsbot-summary` console script."""
    return summarize(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())

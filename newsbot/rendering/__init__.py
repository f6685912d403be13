"""JavaScript rendering through scrapy-playwright, only for the pages an outlet marks.

- `declarations`: what an outlet declares (`render_listings`, `render_articles`, `render_actions`)
  and the request meta built from it; `NEWSBOT_RENDERING` forces or forbids rendering.
- `actions`: page actions (wait for a selector, click "Load more", scroll for more links).
- `blocking`: the resources a rendered page may not load (images, fonts, media, trackers).
- `handler`: the download handler (scrapy-playwright's, plus lazy start, a start-up browser
  check, context recycling, a hard per-page timeout, page cleanup and replay via routing).
- `proctree`: memory and process count of a process tree, read from /proc.
"""

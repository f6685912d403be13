"""Helpers of the tests: local sites, test spiders, crawl runners, services (not tests)."""

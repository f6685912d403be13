"""Spiders used only by benchmarks (enabled with -s SPIDER_MODULES=benchmarks.spiders)."""

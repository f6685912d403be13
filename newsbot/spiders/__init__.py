"""Outlet spiders: each module declares one outlet on `newsbot.spiders.base.PoliticsSpider`."""

"""newsbot: a scheduled, deduplicating politics-news crawler built on Scrapy.

    from newsbot import extract
    item = extract(html, url="https://www.example.com/politics/story")   # the item's fields
    ADDONS = {"newsbot.NewsbotAddon": 0}                                  # in a Scrapy project

Public names are imported on first use, so `import newsbot` (which every submodule does) stays
light; see newsbot/api.py for the Python API.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {"NewsbotAddon": "newsbot.addon", "extract_many": "newsbot.api"}
__all__ = ["NewsbotAddon", "__version__", "extract", "extract_many"]


class _CallableExtractModule(ModuleType):
    """`newsbot.extract` is both the submodule (`python -m newsbot.extract`, `newsbot.extract.Extractor`)
    and the API function: Python binds a loaded submodule to the package attribute of the same
    name, so a plain function there would be replaced (or would hide the module) depending on
    import order. Making the module callable gives the same object in every order."""

    def __call__(self, html: bytes | str, url: str | None = None) -> dict[str, Any]:
        from .api import extract
        return extract(html, url=url)


class _Package(ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        if name == "extract" and type(value) is ModuleType:
            value.__class__ = _CallableExtractModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name == "extract":
        return importlib.import_module("newsbot.extract")  # bound here (callable) by _Package
    if name not in _LAZY:
        raise AttributeError(f"module 'newsbot' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value     # cached: __getattr__ is not asked again
    return value

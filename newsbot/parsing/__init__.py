"""Turning a downloaded page into article fields: structured data, outlet selectors, generic extraction."""

"""Glue every page shares: the template environment, languages, error pages."""

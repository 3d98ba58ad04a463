"""The usmx version (its own module so that lower layers can read it without importing the package API)."""

__version__ = "0.1.0"

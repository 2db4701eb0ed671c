"""triage: classify what people tell a health and care regulator."""
__version__ = "0.1.0"

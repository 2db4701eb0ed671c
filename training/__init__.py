"""Data preparation, training and evaluation for triage (writes to models/)."""
